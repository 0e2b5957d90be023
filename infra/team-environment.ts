/**
 * The whole team environment as one component: cluster, GitLab project, notebooks and
 * runners, wired from one validated config. Teams can also compose the parts themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { RuleEnforcement, tierAtLeast } from "./branch-model/branch-model";
import { staleBranchSchedule, teamPipeline } from "./ci/pipeline";
import { ProjectSchedule } from "./gitlab/gitlab-project";
import { CiRunners } from "./runners/ci-runners";
import { createCluster } from "./cluster";
import { GitLabProject } from "./gitlab/gitlab-project";
import { ImagePrePuller } from "./environment/image-pre-puller";
import { prePullPools } from "./environment/pre-puller-spec";
import { JupyterHub } from "./workspaces/jupyterhub";
import { HubHttps } from "./workspaces/hub-values";
import { effectiveEgress } from "./workspaces/private-egress";
import { placeholderSecret, TeamSecrets } from "./config/load";
import { SECRET_KEYS } from "./config/schema";
import { ClusterTeamConfig, hasCluster, TeamConfig } from "./config/validate";
import { ChangeGuard } from "./stack/change-guard";

/** The team pipeline and its schedule from the validated config. */
export function teamPipelineFor(config: TeamConfig): { text: string; schedule?: ProjectSchedule } {
    const args = {
        model: config.branchModel,
        image: config.image,
        // Where GitLab has push rules (Premium) it enforces branch names itself.
        namingJob: !tierAtLeast(config.gitlab.tier, "premium"),
        cpuTags: config.runners.cpuTags,
        gpuTags: config.runners.gpuTags,
        commands: { lint: config.ci.lint, test: config.ci.test, smokeTrain: config.ci.smokeTrain, releaseTrain: config.ci.releaseTrain },
        modelArtifactPaths: config.ci.modelArtifactPaths,
        modelPackageName: config.ci.modelPackageName,
        staleBranches: { dryRun: config.ci.staleBranchesDryRun },
    };
    const schedule = staleBranchSchedule(args);
    return { text: teamPipeline(args), ...(schedule ? { schedule } : {}) };
}

/** The hub's HTTPS setup from the validated config (validation has required what each mode needs). */
export function hubHttps(config: Pick<ClusterTeamConfig, "jupyterhub">): HubHttps {
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
    /** The GitLab project's web URL. */
    readonly gitlabProjectUrl: pulumi.Output<string>;
    /** The stack recorded in the project as its manager. */
    readonly gitlabProjectOwner: pulumi.Output<string>;
    /** The cluster's name (absent in `cluster.mode: none`). */
    readonly clusterName?: pulumi.Output<string>;
    /** kubeconfig of the cluster, a secret (absent in `cluster.mode: none`). */
    readonly kubeconfig?: pulumi.Output<string>;
    /** The hub's URL (absent in `cluster.mode: none`). */
    readonly jupyterhubUrl?: pulumi.Output<string>;
    /** The DNS record to make so the hub's host reaches it (absent in `cluster.mode: none`). */
    readonly jupyterhubDnsRecord?: pulumi.Output<string>;
    /** Each member's notebook namespace (absent in `cluster.mode: none`). */
    readonly memberNamespaces?: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: TeamEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:index:TeamEnvironment", name, {}, opts);
        const { config, secrets } = args;
        // First: the values whose change `pulumi up` must refuse, checked against the last deployment's
        // in the preview `pulumi up` runs before it changes anything (change-guard.ts).
        new ChangeGuard(
            `${name}-change-guard`,
            {
                clusterMode: config.cluster.mode,
                ...(config.cluster.confirmModeChangeFrom ? { confirmModeChangeFrom: config.cluster.confirmModeChangeFrom } : {}),
                ...(config.jupyterhub ? { storageGiB: config.jupyterhub.storageGiB } : {}),
            },
            { parent: this },
        );

        const pipeline = config.ci.pipeline ? teamPipelineFor(config) : undefined;
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
                files: pipeline ? [{ path: ".gitlab-ci.yml", content: pipeline.text, commitMessage: "ci: the team pipeline, generated by ml-team-env" }] : [],
                fileCommit: config.gitlab.ciFileCommit,
                schedules: pipeline?.schedule ? [pipeline.schedule] : [],
                jobTokenPush: pipeline?.schedule !== undefined,
                ciJobsDeployed: pipeline !== undefined,
                stack: config.stack,
                ...(config.gitlab.project.takeOverFrom ? { takeOverFrom: config.gitlab.project.takeOverFrom } : {}),
            },
            { parent: this },
        );
        this.image = pulumi.output(config.image.reference);
        this.branchRules = gitlab.enforcement;
        this.gitlabProjectUrl = gitlab.webUrl;
        this.gitlabProjectOwner = gitlab.owner;

        if (hasCluster(config)) {
            Object.assign(this, clusterParts(name, config, secrets, gitlab, { parent: this }));
        }
        this.registerOutputs({
            image: this.image,
            branchRules: this.branchRules,
            gitlabProjectUrl: this.gitlabProjectUrl,
            gitlabProjectOwner: this.gitlabProjectOwner,
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            jupyterhubUrl: this.jupyterhubUrl,
            jupyterhubDnsRecord: this.jupyterhubDnsRecord,
            memberNamespaces: this.memberNamespaces,
        });
    }
}

/** The parts that run on a cluster: the cluster itself, the runners, the hub with a workspace per member, the image pre-puller. */
function clusterParts(name: string, config: ClusterTeamConfig, secrets: TeamSecrets, gitlab: GitLabProject, opts: pulumi.ComponentResourceOptions) {
    const cluster = createCluster(`${name}-cluster`, config, secrets, opts);
    if (config.runners.enabled) {
        new CiRunners(
            `${name}-runners`,
            {
                cluster,
                gitlabUrl: config.gitlab.url,
                projectId: gitlab.projectId,
                image: config.image,
                concurrent: config.runners.concurrent,
                cpuTags: config.runners.cpuTags,
                gpuTags: config.runners.gpuTags,
                gpusPerJob: config.runners.gpusPerJob,
                cpuJob: config.runners.cpuJob,
                gpuJob: config.runners.gpuJob,
                tokenRotation: config.runners.tokenRotation,
                owner: gitlab.owner,
                ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
            },
            opts,
        );
    }

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
            oauthClientSecret: secrets.jupyterhubOAuthClientSecret ?? placeholderSecret(SECRET_KEYS.jupyterhubOAuthClientSecret),
            idleTimeoutMinutes: hubConfig.idleTimeoutMinutes,
            storageGiB: hubConfig.storageGiB,
            profiles: hubConfig.profiles,
            members: config.team.members,
            privateEgress: effectiveEgress(hubConfig.privateEgress, config.gitlab.url),
            ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
        },
        opts,
    );

    const prePull = prePullPools(config.environment, { gpu: cluster.gpuPlacement, user: cluster.userPlacement });
    if (Object.keys(prePull).length > 0) {
        // In the hub's namespace: it exists in both cluster modes and holds the pull Secret.
        new ImagePrePuller(`${name}-image-pre-puller`, { image: config.image, pools: prePull, provider: cluster.provider, namespace: hub.namespace }, opts);
    }
    return { clusterName: cluster.clusterName, kubeconfig: cluster.kubeconfig, jupyterhubUrl: hub.url, jupyterhubDnsRecord: hub.dnsRecord, memberNamespaces: hub.memberNamespaces };
}
