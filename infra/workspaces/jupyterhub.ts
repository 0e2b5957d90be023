import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ClusterHandle } from "../cluster/cluster-handle";
import { gitlabBaseUrl } from "../config/gitlab-url";
import { NotebookProfile, TeamMember } from "../config/schema";
import { EnvironmentImage } from "../environment/environment-image";
import { createImagePullSecret, imagePullSecretFor } from "../environment/image-pull-secret";
import { HUB_CONFIG_MAP, HUB_PROJECT_ID_KEY, HUB_SECRET, HUB_SECRET_KEYS, HUB_SERVICE_ACCOUNT } from "./hub-objects";
import { HubHttps, hubValues, JUPYTERHUB_CHART } from "./hub-values";
import { hubClusterRules } from "./member-manifests";
import { MemberWorkspace } from "./member-workspace";
import { EgressDestination } from "./private-egress";
import { chartSource } from "../charts/pinned-chart";
import { dnsInstructions } from "../https/dns-instructions";

export interface JupyterHubArgs {
    /** The cluster (either mode). */
    readonly cluster: ClusterHandle;
    /** The team's environment image: every notebook server runs it. */
    readonly image: EnvironmentImage;
    /** Public host name of the hub. */
    readonly host: string;
    /** How HTTPS reaches the hub: an ACM certificate on the load balancer, the chart's Let's Encrypt support, or your ingress controller. */
    readonly https: HubHttps<pulumi.Input<string>>;
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
    /**
     * Private destinations notebooks may reach, on their ports (a self-managed GitLab, a package
     * mirror); every other private address stays closed to them. @default none
     */
    readonly privateEgress?: readonly EgressDestination[];
}

/**
 * JupyterHub (zero-to-jupyterhub) with GitLab login and a workspace per developer. The Helm
 * release depends only on hub-wide settings and holds no secret; members are separate
 * `MemberWorkspace` components, so onboarding never restarts the hub.
 */
export class JupyterHub extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;
    /** The DNS record to make for the hub's host (`jupyterhubDnsRecord` says more where the stack makes the certificate). */
    readonly dnsRecord: pulumi.Output<string>;
    /** The load balancer's DNS name, once EKS has made it (`acm`, `letsencrypt`); undefined with `ingress`. */
    readonly loadBalancer: pulumi.Output<string | undefined>;
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

        // The hub's secrets, in a Secret the chart reads (`hub.existingSecret`, `extraEnv`): made
        // once, kept in state as secrets, never in the Helm values. 32 bytes hex each, as
        // JupyterHub wants its cookie secret and CryptKeeper key. The proxy token is the one
        // secret the chart only takes from its own Secret: it generates it there and keeps it
        // across upgrades (templates/hub/_helpers-passwords.tpl, with Helm's lookup).
        const cookieSecret = new random.RandomBytes(`${name}-cookie-secret`, { length: 32 }, { parent: this });
        const cryptKey = new random.RandomBytes(`${name}-crypt-key`, { length: 32 }, { parent: this });
        const hubSecret = new k8s.core.v1.Secret(
            `${name}-secrets`,
            {
                metadata: { name: HUB_SECRET, namespace: ns.metadata.name },
                stringData: {
                    [HUB_SECRET_KEYS.oauthClientSecret]: pulumi.secret(args.oauthClientSecret),
                    [HUB_SECRET_KEYS.cookieSecret]: cookieSecret.hex,
                    [HUB_SECRET_KEYS.cryptKeys]: cryptKey.hex,
                },
            },
            inCluster,
        );
        // Deploy-time values the hub reads from its environment, so the values do not wait for them.
        const hubConfig = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: HUB_CONFIG_MAP, namespace: ns.metadata.name }, data: { [HUB_PROJECT_ID_KEY]: pulumi.output(args.gitlabProjectId).apply(String) } }, inCluster);

        const https = args.https;
        // The certificate ARN (acm) stays an output inside the values: only it is unknown before deploy, not the whole values.
        const values = pulumi.output(args.cluster.userStorageClassName).apply((storageClassName) =>
            hubValues({
                host: args.host,
                https,
                hubNamespace,
                gitlabUrl: gitlabBaseUrl(args.gitlabUrl, "JupyterHub gitlabUrl"),
                oauthClientId: args.oauthClientId,
                idleTimeoutMinutes: args.idleTimeoutMinutes ?? 60,
                storageGiB,
                storageClassName,
                profiles: args.profiles,
                image: args.image,
                gpuPlacement: args.cluster.gpuPlacement,
                ...(args.cluster.sharedGpuPlacement ? { sharedGpuPlacement: args.cluster.sharedGpuPlacement } : {}),
                systemPlacement: args.cluster.systemPlacement,
                userPlacement: args.cluster.userPlacement,
            }),
        );
        const release = new k8s.helm.v3.Release(
            name,
            {
                name: "jupyterhub",
                ...chartSource(JUPYTERHUB_CHART),
                namespace: ns.metadata.name,
                values,
                timeout: 600,
            },
            { ...inCluster, dependsOn: [hubSecret, hubConfig] },
        );

        const pullSecret = imagePullSecretFor(args.image, args.registryDockerConfigJson);
        // Hub-namespace workloads that run the image (the pre-puller) pull with it too.
        if (pullSecret) createImagePullSecret(`${name}-image-pull`, pullSecret, { namespace: ns.metadata.name }, inCluster);
        const workspaces = args.members.map(
            (member) =>
                new MemberWorkspace(
                    `${name}-${member.username}`,
                    {
                        member,
                        profiles: args.profiles,
                        storageGiB,
                        storageClassName: args.cluster.userStorageClassName,
                        hubNamespace,
                        provider,
                        ...(pullSecret ? { imagePullSecret: pullSecret } : {}),
                        ...(args.privateEgress ? { privateEgress: args.privateEgress } : {}),
                    },
                    { parent: this, dependsOn: [ns] },
                ),
        );

        if (https.mode === "ingress") {
            this.loadBalancer = pulumi.output(undefined);
            this.dnsRecord = pulumi.output(dnsInstructions({ mode: "ingress", host: args.host, hubNamespace }));
        } else {
            // The load balancer the chart's proxy-public Service gets: where the DNS record must point.
            const service = k8s.core.v1.Service.get(`${name}-proxy-public`, pulumi.interpolate`${ns.metadata.name}/proxy-public`, { parent: this, provider, dependsOn: [release] });
            this.loadBalancer = service.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.hostname ?? s?.loadBalancer?.ingress?.[0]?.ip);
            this.dnsRecord = this.loadBalancer.apply((loadBalancer) =>
                dnsInstructions(https.mode === "letsencrypt" ? { mode: "letsencrypt", host: args.host, hubNamespace, loadBalancer } : { mode: "cname", host: args.host, loadBalancer }),
            );
        }
        this.namespace = ns.metadata.name;
        this.url = pulumi.output(`https://${args.host}`);
        this.memberNamespaces = pulumi.all(Object.fromEntries(args.members.map((m, i) => [m.username, workspaces[i]!.namespace])));
        this.registerOutputs({ namespace: this.namespace, url: this.url, dnsRecord: this.dnsRecord, memberNamespaces: this.memberNamespaces });
    }
}
