import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../cluster/cluster-handle";
import { NotebookProfile, TeamMember } from "../config/schema";
import { EnvironmentImage } from "../environment/environment-image";
import { GeneratedSecret } from "./generated-secret";
import { hubValues, JUPYTERHUB_CHART } from "./hub-values";
import { HUB_SERVICE_ACCOUNT, hubClusterRules } from "./member-manifests";
import { MemberWorkspace } from "./member-workspace";

export interface JupyterHubArgs {
    /** The cluster (either mode). */
    readonly cluster: ClusterHandle;
    /** The team's environment image: every notebook server runs it. */
    readonly image: EnvironmentImage;
    /** Public host name of the hub. */
    readonly host: string;
    /** @default "nginx" */
    readonly ingressClassName?: string;
    /** @default "jupyterhub-tls" */
    readonly tlsSecretName?: string;
    /** cert-manager ClusterIssuer that fills the TLS Secret. @default none */
    readonly clusterIssuer?: string;
    /** GitLab base URL. */
    readonly gitlabUrl: string;
    /** The team's GitLab project: its members may log in; its Maintainers are hub admins. */
    readonly gitlabProjectId: pulumi.Input<number>;
    /** GitLab OAuth application id. */
    readonly oauthClientId: string;
    /** GitLab OAuth application secret (a Pulumi secret). */
    readonly oauthClientSecret: pulumi.Input<string>;
    /** @default 60 */
    readonly idleTimeoutMinutes?: number;
    /** @default 50 */
    readonly storageGiB?: number;
    readonly profiles: readonly NotebookProfile[];
    /** The team: one workspace each. */
    readonly members: readonly TeamMember[];
    /** Namespace of the hub. @default "jupyterhub" */
    readonly namespace?: string;
    /** `.dockerconfigjson` for a private image registry (a Pulumi secret). @default none */
    readonly registryDockerConfigJson?: pulumi.Input<string>;
}

/**
 * JupyterHub (zero-to-jupyterhub) with GitLab login and a workspace per developer. The Helm
 * release depends only on hub-wide settings; members are separate `MemberWorkspace`
 * components, so onboarding never restarts the hub.
 */
export class JupyterHub extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;
    readonly memberNamespaces: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:workspaces:JupyterHub", name, {}, opts);
        const provider = args.cluster.provider;
        const inCluster = { parent: this, provider };
        const hubNamespace = args.namespace ?? "jupyterhub";
        const storageGiB = args.storageGiB ?? 50;

        const ns = new k8s.core.v1.Namespace(name, { metadata: { name: hubNamespace } }, inCluster);
        const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-spawner`, { metadata: { name: `${hubNamespace}-spawner` }, rules: hubClusterRules() }, inCluster);
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-spawner`,
            {
                metadata: { name: `${hubNamespace}-spawner` },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: HUB_SERVICE_ACCOUNT, namespace: hubNamespace }],
            },
            inCluster,
        );

        // 32 random bytes each, as the chart's docs suggest (openssl rand -hex 32).
        const proxyToken = new GeneratedSecret(`${name}-proxy-token`, { bytes: 32 }, { parent: this });
        const cookieSecret = new GeneratedSecret(`${name}-cookie-secret`, { bytes: 32 }, { parent: this });
        const values = pulumi
            .all([args.gitlabProjectId, args.oauthClientSecret, args.cluster.userStorageClassName, proxyToken.value, cookieSecret.value])
            .apply(([gitlabProjectId, oauthClientSecret, storageClassName, proxySecretToken, cookie]) =>
                hubValues({
                    host: args.host,
                    ingressClassName: args.ingressClassName ?? "nginx",
                    tlsSecretName: args.tlsSecretName ?? "jupyterhub-tls",
                    ...(args.clusterIssuer ? { clusterIssuer: args.clusterIssuer } : {}),
                    gitlabUrl: args.gitlabUrl,
                    gitlabProjectId,
                    oauthClientId: args.oauthClientId,
                    oauthClientSecret,
                    proxySecretToken,
                    cookieSecret: cookie,
                    idleTimeoutMinutes: args.idleTimeoutMinutes ?? 60,
                    storageGiB,
                    storageClassName,
                    profiles: args.profiles,
                    image: args.image,
                    gpuPlacement: args.cluster.gpuPlacement,
                    systemPlacement: args.cluster.systemPlacement,
                }),
            );
        new k8s.helm.v3.Release(
            name,
            {
                name: "jupyterhub",
                chart: JUPYTERHUB_CHART.chart,
                version: JUPYTERHUB_CHART.version,
                repositoryOpts: { repo: JUPYTERHUB_CHART.repo },
                namespace: ns.metadata.name,
                // The values carry the OAuth secret, the proxy token and the cookie secret.
                values: pulumi.secret(values),
                timeout: 600,
            },
            inCluster,
        );

        const pullSecret =
            args.image.pullSecretName && args.registryDockerConfigJson
                ? { name: args.image.pullSecretName, dockerConfigJson: args.registryDockerConfigJson }
                : undefined;
        if (pullSecret) {
            // Hub-namespace workloads that run the image (the pre-puller) pull with it too.
            new k8s.core.v1.Secret(
                `${name}-image-pull`,
                { metadata: { name: pullSecret.name, namespace: ns.metadata.name }, type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": pulumi.secret(pullSecret.dockerConfigJson) } },
                inCluster,
            );
        }
        const workspaces = args.members.map(
            (m) =>
                new MemberWorkspace(
                    `${name}-${m.username}`,
                    { username: m.username, gpus: m.gpus, storageGiB, hubNamespace, provider, ...(pullSecret ? { imagePullSecret: pullSecret } : {}) },
                    { parent: this, dependsOn: [ns] },
                ),
        );

        this.namespace = ns.metadata.name;
        this.url = pulumi.output(`https://${args.host}`);
        this.memberNamespaces = pulumi.all(Object.fromEntries(args.members.map((m, i) => [m.username, workspaces[i]!.namespace])));
        this.registerOutputs({ namespace: this.namespace, url: this.url, memberNamespaces: this.memberNamespaces });
    }
}
