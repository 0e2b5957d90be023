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
import { TeamSecrets } from "./config/load";
import { TeamConfig } from "./config/validate";

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
                ingressClassName: hubConfig.ingressClassName,
                tlsSecretName: hubConfig.tlsSecretName,
                ...(hubConfig.clusterIssuer ? { clusterIssuer: hubConfig.clusterIssuer } : {}),
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

        if (config.environment.prePullOnGpuNodes) {
            // In the hub's namespace: it exists in both cluster modes.
            new ImagePrePuller(`${name}-image-pre-puller`, { image: config.image, placement: cluster.gpuPlacement, provider: cluster.provider, namespace: hub.namespace }, { parent: this });
        }

        this.image = pulumi.output(config.image.reference);
        this.branchRules = gitlab.enforcement;
        this.gitlabProjectUrl = gitlab.webUrl;
        this.jupyterhubUrl = hub.url;
        this.memberNamespaces = hub.memberNamespaces;
        this.registerOutputs({
            image: this.image,
            branchRules: this.branchRules,
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            gitlabProjectUrl: this.gitlabProjectUrl,
            jupyterhubUrl: this.jupyterhubUrl,
            memberNamespaces: this.memberNamespaces,
        });
    }
}
