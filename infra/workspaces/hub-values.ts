/**
 * The zero-to-jupyterhub values, as a pure function of hub-wide settings. Nothing here
 * depends on the member list (onboarding never changes the Helm release, so it never restarts
 * the hub for everyone), and nothing here is secret: the OAuth client secret, the cookie
 * secret and the auth-state key live in a Kubernetes Secret the chart reads, so `pulumi preview`
 * and the plan show every hub setting in plain text.
 */
import * as fs from "fs";
import * as path from "path";
import { GpuPlacement, podPlacement, SystemPlacement } from "../cluster/gpu-placement";
import { NotebookProfile } from "../config/schema";
import { EnvironmentImage } from "../environment/environment-image";
import { HUB_CONFIG_MAP, HUB_PROJECT_ID_KEY, HUB_SECRET, HUB_SECRET_KEYS, MEMBER_CONFIG_MAP, NOTEBOOK_PORT, WORKSPACE_LABEL } from "./hub-objects";
import { HUB_RESOURCES, PROXY_RESOURCES, requestsValue, SECRET_SYNC_RESOURCES, TRAEFIK_RESOURCES, userPoolDefaults } from "./chart-pods";
import { PVC_NAME_TEMPLATE, USER_NAMESPACE_TEMPLATE } from "./kubespawner-slug";
import { SHM_MOUNT_PATH, SHM_VOLUME, shmSizeLimit } from "../scheduling/shared-memory";

/** The chart, pinned (jupyterhub/zero-to-jupyterhub-k8s tag 4.4.0: JupyterHub 5.5.0, KubeSpawner 7.0.0, OAuthenticator 17.4.0). */
export const JUPYTERHUB_CHART = { chart: "jupyterhub", version: "4.4.0", repo: "https://hub.jupyter.org/helm-chart/" } as const;

/** The JupyterHub the chart's hub runs (z2jh 4.4.0 images/hub/requirements.txt: jupyterhub==5.5.0); the image's single-user server must share its major version. */
export const JUPYTERHUB_VERSION = "5.5.0";

/** The hub's API port (z2jh `templates/hub/service.yaml`). */
export const HUB_API_PORT = 8081;

/** What the hub's GitLab login asks for: read_user for the login itself, read_api for the project-membership check. */
export const OAUTH_SCOPES = ["read_user", "read_api"] as const;

/** The redirect URI of the hub's GitLab login: its OAuth application must list exactly this. */
export function oauthCallbackUrl(host: string): string {
    return `https://${host}/hub/oauth_callback`;
}

/**
 * How long a notebook may take to start, cold: a GPU node launched from zero and joined
 * (about 3 min), its NVIDIA driver and device plugin ready (about 2 min), a multi-GB
 * environment image pulled (about 4 min at ~50 MB/s for 10 GB, when the pre-puller has not
 * finished), and the server itself up. About 10 minutes; twice that so a slow pull does not
 * fail the first spawn. z2jh's default is 300 s.
 */
export const COLD_START_TIMEOUT_SECONDS = 1200;

/**
 * How HTTPS reaches the hub. `acm`: TLS ends at the network load balancer with an ACM
 * certificate (EKS). `letsencrypt`: the chart's Traefik gets a Let's Encrypt certificate.
 * `ingress`: the team's ingress controller. `Arn` is `string` in the values, and may be an
 * output where the component takes it.
 */
export type HubHttps<Arn = string> =
    | { readonly mode: "acm"; readonly certificateArn: Arn }
    | { readonly mode: "letsencrypt"; readonly contactEmail: string }
    | { readonly mode: "ingress"; readonly ingressClassName: string; readonly tlsSecretName: string; readonly clusterIssuer?: string };

/** The TLS policy of the load balancer's listener with `acm`: TLS 1.3 and 1.2 only (ELB security policies). */
export const NLB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/** `Arn`: the certificate ARN with `https: acm`, placed in the values as given (a string, or an output the release resolves). */
export interface HubValuesArgs<Arn = string> {
    /** Public host name. */
    readonly host: string;
    readonly https: HubHttps<Arn>;
    /** The hub's namespace (for its cluster-internal address). */
    readonly hubNamespace: string;
    /** GitLab base URL, e.g. https://gitlab.com. */
    readonly gitlabUrl: string;
    readonly oauthClientId: string;
    readonly idleTimeoutMinutes: number;
    readonly storageGiB: number;
    readonly storageClassName: string;
    /** Every profile of the stack; each member is offered the ones their entry allows. */
    readonly profiles: readonly NotebookProfile[];
    readonly image: EnvironmentImage;
    readonly gpuPlacement: GpuPlacement;
    /** Where `sharedGpu` profiles run: the pool that time-slices its GPUs. @default none */
    readonly sharedGpuPlacement?: GpuPlacement;
    readonly systemPlacement: SystemPlacement;
    /** Where CPU notebooks run. */
    readonly userPlacement: SystemPlacement;
}

/** The hub's cluster-internal API URL: the short name `hub` resolves only inside its own namespace. */
export function hubConnectUrl(hubNamespace: string): string {
    return `http://hub.${hubNamespace}.svc.cluster.local:${HUB_API_PORT}`;
}

/** A file of hub-config/, read at build time: Python as files of their kind, which Python and linters run. */
function hubConfigFile(name: string): string {
    return fs.readFileSync(path.join(__dirname, "hub-config", name), "utf8");
}

/** The hub admits the project's members (Developer and up); notebooks get the project's MLflow address. */
export const GITLAB_PROJECT_CONFIG = hubConfigFile("gitlab_project.py");

/** Hub admins are the project's Maintainers, looked up at each login. */
export const ADMIN_FROM_GITLAB_HOOK = hubConfigFile("admin_from_gitlab.py");

/** Each member is offered the profiles their stack entry allows, read at spawn time; a non-member is refused. */
export const MEMBER_PROFILES_CONFIG = hubConfigFile("member_profiles.py");

/**
 * The memory-backed /dev/shm of a profile's pod, as KubeSpawner `volumes` and `volume_mounts`
 * overrides. Dicts, not lists: z2jh sets both traits as dicts keyed by name (files/hub/
 * jupyterhub_config.py, "Inject extraVolumes"), and KubeSpawner merges a dict override into a
 * dict trait but replaces the trait with a list one (spawner.py `_apply_overrides`), which would
 * drop the home volume. KubeSpawner writes the dicts' values, sorted by key, into the pod.
 */
function shmOverride(p: Pick<NotebookProfile, "memoryGiB" | "shmGiB">): { volumes: Record<string, unknown>; volume_mounts: Record<string, unknown> } {
    return {
        volumes: { [SHM_VOLUME]: { name: SHM_VOLUME, emptyDir: { medium: "Memory", sizeLimit: shmSizeLimit(p.memoryGiB, p.shmGiB) } } },
        volume_mounts: { [SHM_VOLUME]: { name: SHM_VOLUME, mountPath: SHM_MOUNT_PATH } },
    };
}

/**
 * One profile entry. `cpu` and `memoryGiB` are both requests and limits: what the scheduling
 * check and config validation fit against the node; /dev/shm is inside that memory. GPU
 * profiles ask for GPUs and carry the GPU pool's placement (the sharing pool's for a
 * `sharedGpu` profile, where one `nvidia.com/gpu` is a slice); CPU profiles carry the user
 * pool's, so they never take a GPU or system node.
 */
export function profileEntry(p: NotebookProfile, gpu: GpuPlacement, user: SystemPlacement, sharedGpu?: GpuPlacement): Record<string, unknown> {
    if (p.sharedGpu && !sharedGpu) throw new Error(`profile ${p.name} asks for a shared GPU, but the cluster has no pool that time-slices its GPUs`);
    const onGpu = p.sharedGpu ? sharedGpu! : gpu;
    const placement = p.gpus > 0 ? onGpu : user;
    const override: Record<string, unknown> = {
        cpu_guarantee: p.cpu,
        cpu_limit: p.cpu,
        // KubeSpawner's byte specification reads G as 1024³.
        mem_guarantee: `${p.memoryGiB}G`,
        mem_limit: `${p.memoryGiB}G`,
        ...(p.gpus > 0 ? { extra_resource_limits: { [onGpu.resourceName]: String(p.gpus) } } : {}),
        ...shmOverride(p),
    };
    // An override replaces the chart's value; where the placement says nothing (a cluster
    // without a user pool) the chart's node selector and tolerations stay.
    if (Object.keys(placement.nodeSelector).length > 0) override.node_selector = { ...placement.nodeSelector };
    if (placement.tolerations.length > 0) override.tolerations = placement.tolerations.map((t) => ({ ...t }));
    return { display_name: p.displayName, slug: p.name, description: p.description, default: p.default, kubespawner_override: override };
}

/** Network policy rule parts for member namespaces' notebook pods. */
const MEMBER_NOTEBOOKS = { namespaceSelector: { matchLabels: { [WORKSPACE_LABEL]: "true" } }, podSelector: { matchLabels: { component: "singleuser-server" } } };

function exposure<Arn>(a: HubValuesArgs<Arn>): { proxy: Record<string, unknown>; ingress: Record<string, unknown> } {
    if (a.https.mode === "acm") {
        return {
            // TLS ends at the network load balancer, which EKS's service controller makes with a
            // TLS listener on the port named `https` from the certificate annotation
            // (cloud-provider-aws pkg/providers/v1/aws.go, NLB port mappings); z2jh's `offload`
            // sends that port to the proxy's plain-HTTP port (templates/proxy/service.yaml). Port
            // 80 is closed: a login over plain HTTP would carry the session cookie in the clear.
            proxy: {
                service: {
                    type: "LoadBalancer",
                    annotations: {
                        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": a.https.certificateArn,
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": NLB_TLS_POLICY,
                    },
                    disableHttpPort: true,
                },
                https: { enabled: true, type: "offload" },
            },
            ingress: { enabled: false },
        };
    }
    if (a.https.mode === "letsencrypt") {
        return {
            // The chart's automatic HTTPS: Traefik answers Let's Encrypt's HTTP-01 challenge on
            // port 80, so the load balancer is internet-facing and DNS must point at it.
            proxy: {
                service: {
                    type: "LoadBalancer",
                    // A network load balancer made by EKS's own service controller; no extra controller needed.
                    annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
                },
                https: { enabled: true, type: "letsencrypt", hosts: [a.host], letsencrypt: { contactEmail: a.https.contactEmail } },
                traefik: { ...podPlacement(a.systemPlacement), resources: requestsValue(TRAEFIK_RESOURCES) },
                secretSync: { resources: requestsValue(SECRET_SYNC_RESOURCES) },
            },
            ingress: { enabled: false },
        };
    }
    return {
        proxy: { service: { type: "ClusterIP" } },
        ingress: {
            enabled: true,
            ingressClassName: a.https.ingressClassName,
            hosts: [a.host],
            tls: [{ hosts: [a.host], secretName: a.https.tlsSecretName }],
            ...(a.https.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": a.https.clusterIssuer } } : {}),
        },
    };
}

export function hubValues<Arn = string>(a: HubValuesArgs<Arn>): Record<string, unknown> {
    const onSystemNodes = podPlacement(a.systemPlacement);
    const { proxy, ingress } = exposure(a);
    const userDefaults = userPoolDefaults(a.userPlacement);
    const toNotebooks = [{ to: [MEMBER_NOTEBOOKS], ports: [{ protocol: "TCP", port: NOTEBOOK_PORT }] }];
    return {
        hub: {
            ...onSystemNodes,
            resources: requestsValue(HUB_RESOURCES),
            // Cookie secret and auth-state key, read by the hub from our Secret (merged with the
            // chart's own; values here would be plain text in the release).
            existingSecret: HUB_SECRET,
            extraEnv: {
                GITLAB_CLIENT_SECRET: { valueFrom: { secretKeyRef: { name: HUB_SECRET, key: HUB_SECRET_KEYS.oauthClientSecret } } },
                GITLAB_PROJECT_ID: { valueFrom: { configMapKeyRef: { name: HUB_CONFIG_MAP, key: HUB_PROJECT_ID_KEY } } },
            },
            config: {
                JupyterHub: { authenticator_class: "gitlab" },
                Authenticator: { enable_auth_state: true },
                GitLabOAuthenticator: {
                    client_id: a.oauthClientId,
                    oauth_callback_url: oauthCallbackUrl(a.host),
                    gitlab_url: a.gitlabUrl,
                    scope: [...OAUTH_SCOPES],
                },
                KubeSpawner: {
                    enable_user_namespaces: true,
                    user_namespace_template: USER_NAMESPACE_TEMPLATE,
                    // Notebook pods live in other namespaces, where the short name `hub` does not resolve.
                    hub_connect_url: hubConnectUrl(a.hubNamespace),
                    // Never delete a developer's volume with their hub user.
                    delete_pvc: false,
                    // The server inside the pod, once the pod runs (an import of a large env can be slow).
                    http_timeout: 120,
                },
            },
            extraConfig: {
                "10-gitlab-project": GITLAB_PROJECT_CONFIG,
                "20-admin-from-gitlab": ADMIN_FROM_GITLAB_HOOK,
                "30-member-profiles": MEMBER_PROFILES_CONFIG,
            },
            networkPolicy: {
                // Notebook pods in member namespaces call the hub API (the chart admits only its own namespace).
                ingress: [{ from: [MEMBER_NOTEBOOKS], ports: [{ protocol: "TCP", port: HUB_API_PORT }] }],
                // And the hub reaches them (the chart's rule selects its own namespace only).
                egress: toNotebooks,
            },
        },
        custom: {
            gitlabUrl: a.gitlabUrl,
            profiles: a.profiles.map((p) => profileEntry(p, a.gpuPlacement, a.userPlacement, a.sharedGpuPlacement)),
            memberConfigMap: MEMBER_CONFIG_MAP,
        },
        proxy: {
            ...proxy,
            chp: { ...onSystemNodes, resources: requestsValue(PROXY_RESOURCES), networkPolicy: { egress: toNotebooks } },
        },
        ingress,
        singleuser: {
            // Where a pod without a profile's placement lands: the chart's user-placeholder pods
            // (kept at zero replicas; scaled up by hand to rehearse a scale-up) hold room on user nodes.
            ...userDefaults.singleuser,
            image: { name: a.image.name, tag: a.image.pinnedTag, ...(a.image.pullSecretName ? { pullSecrets: [a.image.pullSecretName] } : {}) },
            storage: {
                type: "dynamic",
                capacity: `${a.storageGiB}Gi`,
                // Pulumi makes this claim in the member's namespace (retained); KubeSpawner finds it.
                dynamic: { storageClass: a.storageClassName, pvcNameTemplate: PVC_NAME_TEMPLATE },
            },
            // A privileged init container per notebook otherwise; the member namespace's NetworkPolicy
            // blocks the metadata address, and EKS nodes answer IMDSv2 to the node only (hop limit 1).
            cloudMetadata: { blockWithIptables: false },
            startTimeout: COLD_START_TIMEOUT_SECONDS,
        },
        scheduling: {
            // The chart's user scheduler is kube-scheduler v1.30, too far behind today's control
            // planes for Kubernetes' version-skew policy; the default scheduler places notebooks.
            userScheduler: { enabled: false },
            userPods: { nodeAffinity: { matchNodePurpose: "ignore" }, ...userDefaults.userPods },
        },
        // The package's own pre-puller covers GPU and user nodes; the chart's hook needs Helm hooks and lookups.
        prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
        cull: { enabled: true, timeout: a.idleTimeoutMinutes * 60, every: 300 },
    };
}
