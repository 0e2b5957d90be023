/**
 * The whole team environment as one component: cluster, GitLab project, notebooks and
 * runners, wired from one validated config. Teams can also compose the parts themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { RuleEnforcement } from "./branch-model/branch-model";
import { createCluster } from "./cluster";
import { GitLabProject } from "./gitlab/gitlab-project";
import { ImagePrePuller } from "./environment/image-pre-puller";
import { JupyterHub } from "./workspaces/jupyterhub";
import { HubHttps } from "./workspaces/hub-values";
import { TeamSecrets } from "./config/load";
import { TeamConfig } from "./config/validate";

/** The hub's HTTPS setup from the validated config (validation has required what each mode needs). */
export function hubHttps(config: TeamConfig): HubHttps {
    const hub = config.jupyterhub;
    return hub.https === "letsencrypt"
        ? { mode: "letsencrypt", contactEmail: hub.letsEncryptEmail! }
        : { mode: "ingress", ingressClassName: hub.ingressClassName!, tlsSecretName: hub.tlsSecretName, ...(hub.clusterIssuer ? { clusterIssuer: hub.clusterIssuer } : {}) };
}

export interface TeamEnvironmentArgs {
    /** The validated stack config (see `loadTeamConfig`). */
    readonly config: TeamConfig;
    /** Secret config values, as Pulumi secrets. */
    readonly secrets: TeamSecrets;
}

export class TeamEnvironment extends pulumi.ComponentResource {
    /** The environment image every workload runs. */
    readonly image: pulumi.Output<string>;
    /** Who enforces each rule of the branch model on the configured GitLab tier. */
    readonly branchRules: pulumi.Output<RuleEnforcement[]>;
    /** The cluster's name. */
    readonly clusterName: pulumi.Output<string>;
    /** kubeconfig of the cluster (a secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** The GitLab project's web URL. */
    readonly gitlabProjectUrl: pulumi.Output<string>;
    /** The hub's URL. */
    readonly jupyterhubUrl: pulumi.Output<string>;
    /** The DNS record to make so the hub's host reaches it. */
    readonly jupyterhubDnsRecord: pulumi.Output<string>;
    /** Each member's notebook namespace. */
    readonly memberNamespaces: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: TeamEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:index:TeamEnvironment", name, {}, opts);
        const { config, secrets } = args;
        const cluster = createCluster(`${name}-cluster`, config, secrets, { parent: this });
        this.clusterName = cluster.clusterName;
        this.kubeconfig = cluster.kubeconfig;

        const gitlab = new GitLabProject(
            `${name}-gitlab`,
            {
                url: config.gitlab.url,
                tier: config.gitlab.tier,
                path: config.gitlab.project.path,
                mode: config.gitlab.project.mode,
                visibility: config.gitlab.project.visibility,
                description: config.gitlab.project.description,
                deleteOnDestroy: config.gitlab.project.deleteOnDestroy,
                branchModel: config.branchModel,
                members: config.team.members,
            },
            { parent: this },
        );

        const hubConfig = config.jupyterhub;
        const hub = new JupyterHub(
            `${name}-jupyterhub`,
            {
                cluster,
                image: config.image,
                host: hubConfig.host,
                https: hubHttps(config),
                gitlabUrl: config.gitlab.url,
                gitlabProjectId: gitlab.projectId,
                oauthClientId: hubConfig.oauthClientId,
                oauthClientSecret: secrets.jupyterhubOAuthClientSecret,
                idleTimeoutMinutes: hubConfig.idleTimeoutMinutes,
                storageGiB: hubConfig.storageGiB,
                profiles: hubConfig.profiles,
                members: config.team.members,
                ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
            },
            { parent: this },
        );

        const prePull = {
            ...(config.environment.prePullOnGpuNodes ? { gpu: cluster.gpuPlacement } : {}),
            ...(config.environment.prePullOnUserNodes && Object.keys(cluster.userPlacement.nodeSelector).length > 0 ? { user: cluster.userPlacement } : {}),
        };
        if (Object.keys(prePull).length > 0) {
            // In the hub's namespace: it exists in both cluster modes and holds the pull Secret.
            new ImagePrePuller(`${name}-image-pre-puller`, { image: config.image, pools: prePull, provider: cluster.provider, namespace: hub.namespace }, { parent: this });
        }

        this.image = pulumi.output(config.image.reference);
        this.branchRules = gitlab.enforcement;
        this.gitlabProjectUrl = gitlab.webUrl;
        this.jupyterhubUrl = hub.url;
        this.jupyterhubDnsRecord = hub.dnsRecord;
        this.memberNamespaces = hub.memberNamespaces;
        this.registerOutputs({
            image: this.image,
            branchRules: this.branchRules,
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            gitlabProjectUrl: this.gitlabProjectUrl,
            jupyterhubUrl: this.jupyterhubUrl,
            jupyterhubDnsRecord: this.jupyterhubDnsRecord,
            memberNamespaces: this.memberNamespaces,
        });
    }
}
