/**
 * The zero-to-jupyterhub values, as a pure function of hub-wide settings. Nothing here
 * depends on the member list: onboarding a developer never changes the Helm release, so
 * it never restarts the hub for everyone.
 */
import { GpuPlacement, SystemPlacement } from "../cluster/gpu-placement";
import { NotebookProfile } from "../config/schema";
import { EnvironmentImage } from "../environment/environment-image";

/** The chart, pinned. */
export const JUPYTERHUB_CHART = { chart: "jupyterhub", version: "4.3.3", repo: "https://hub.jupyter.org/helm-chart/" } as const;

/** KubeSpawner's template for per-user namespaces; `userNamespace()` computes the same name. */
export const USER_NAMESPACE_TEMPLATE = "{hubnamespace}-{username}";

export interface HubValuesArgs {
    /** Public host name. */
    readonly host: string;
    readonly ingressClassName: string;
    readonly tlsSecretName: string;
    /** cert-manager ClusterIssuer; none when the TLS Secret is provided. */
    readonly clusterIssuer?: string;
    /** GitLab base URL, e.g. https://gitlab.com. */
    readonly gitlabUrl: string;
    /** The team's GitLab project: its members (Developer and above) may log in. */
    readonly gitlabProjectId: number;
    readonly oauthClientId: string;
    readonly oauthClientSecret: string;
    /** Token the hub and proxy share (`proxy.secretToken`). */
    readonly proxySecretToken: string;
    /** Key that signs the hub's cookies (`hub.cookieSecret`). */
    readonly cookieSecret: string;
    readonly idleTimeoutMinutes: number;
    readonly storageGiB: number;
    readonly storageClassName: string;
    readonly profiles: readonly NotebookProfile[];
    readonly image: EnvironmentImage;
    readonly gpuPlacement: GpuPlacement;
    readonly systemPlacement: SystemPlacement;
}

/**
 * Hub admins are the project's Maintainers, looked up at each login with the user's own
 * token, so promoting or onboarding someone needs no hub change. The hook runs after
 * GitLabOAuthenticator has admitted the user (`allowed_project_ids`).
 */
export const ADMIN_FROM_GITLAB_HOOK = `
import json
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from z2jh import get_config

_project_id = get_config("custom.gitlabProjectId")
_api = get_config("custom.gitlabUrl").rstrip("/") + "/api/v4"

async def admin_if_gitlab_maintainer(authenticator, handler, auth_model):
    state = auth_model.get("auth_state") or {}
    user_id = (state.get("gitlab_user") or {}).get("id")
    token = state.get("access_token")
    if user_id is None or token is None:
        return auth_model
    response = await AsyncHTTPClient().fetch(
        HTTPRequest(f"{_api}/projects/{_project_id}/members/all/{user_id}", headers={"Authorization": f"Bearer {token}"}),
        raise_error=False,
    )
    if response.code == 200:
        auth_model["admin"] = json.loads(response.body)["access_level"] >= 40
    return auth_model

c.GitLabOAuthenticator.post_auth_hook = admin_if_gitlab_maintainer
`.trimStart();

/** One `profileList` entry. GPU profiles ask for GPUs and land on the GPU pool; CPU ones do not. */
export function profileEntry(p: NotebookProfile, gpu: GpuPlacement): Record<string, unknown> {
    const override: Record<string, unknown> = {
        cpu_guarantee: p.cpu / 2,
        cpu_limit: p.cpu,
        mem_guarantee: `${p.memoryGiB}G`,
        mem_limit: `${p.memoryGiB}G`,
    };
    if (p.gpus > 0) {
        override.extra_resource_limits = { [gpu.resourceName]: String(p.gpus) };
        override.node_selector = { ...gpu.nodeSelector };
        override.tolerations = gpu.tolerations.map((t) => ({ ...t }));
    }
    return {
        display_name: p.displayName,
        slug: p.name,
        description: p.description,
        default: p.default,
        kubespawner_override: override,
    };
}

export function hubValues(a: HubValuesArgs): Record<string, unknown> {
    const onSystemNodes = { nodeSelector: { ...a.systemPlacement.nodeSelector }, tolerations: a.systemPlacement.tolerations.map((t) => ({ ...t })) };
    return {
        hub: {
            ...onSystemNodes,
            cookieSecret: a.cookieSecret,
            config: {
                JupyterHub: { authenticator_class: "gitlab" },
                Authenticator: { enable_auth_state: true },
                GitLabOAuthenticator: {
                    client_id: a.oauthClientId,
                    client_secret: a.oauthClientSecret,
                    oauth_callback_url: `https://${a.host}/hub/oauth_callback`,
                    gitlab_url: a.gitlabUrl,
                    allowed_project_ids: [a.gitlabProjectId],
                    // read_api: the project-membership check; read_user: the login itself.
                    scope: ["read_user", "read_api"],
                },
                KubeSpawner: {
                    enable_user_namespaces: true,
                    user_namespace_template: USER_NAMESPACE_TEMPLATE,
                    // Never delete a developer's volume with their hub user.
                    delete_pvc: false,
                },
            },
            extraConfig: { "10-admin-from-gitlab": ADMIN_FROM_GITLAB_HOOK },
        },
        custom: { gitlabProjectId: a.gitlabProjectId, gitlabUrl: a.gitlabUrl },
        proxy: {
            secretToken: a.proxySecretToken,
            service: { type: "ClusterIP" },
            chp: onSystemNodes,
        },
        ingress: {
            enabled: true,
            ingressClassName: a.ingressClassName,
            hosts: [a.host],
            tls: [{ hosts: [a.host], secretName: a.tlsSecretName }],
            ...(a.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": a.clusterIssuer } } : {}),
        },
        singleuser: {
            image: { name: a.image.name, tag: a.image.pinnedTag, ...(a.image.pullSecretName ? { pullSecrets: [a.image.pullSecretName] } : {}) },
            storage: {
                type: "dynamic",
                capacity: `${a.storageGiB}Gi`,
                dynamic: { storageClass: a.storageClassName },
            },
            profileList: a.profiles.map((p) => profileEntry(p, a.gpuPlacement)),
            // The chart's own policy lives in the hub namespace; member namespaces get theirs from MemberWorkspace.
            networkPolicy: { enabled: false },
        },
        scheduling: {
            userScheduler: { enabled: false },
            userPods: { nodeAffinity: { matchNodePurpose: "ignore" } },
        },
        prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
        cull: { enabled: true, timeout: a.idleTimeoutMinutes * 60, every: 300 },
    };
}
