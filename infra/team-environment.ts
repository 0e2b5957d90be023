/**
 * The whole team environment as one component: cluster, GitLab project, notebooks and
 * runners, wired from one validated config. Teams can also compose the parts themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { RuleEnforcement, tierAtLeast } from "./branch-model/branch-model";
import { staleBranchSchedule, teamPipeline, TeamPipelineArgs } from "./ci/pipeline";
import { BOOTSTRAP_IMAGE, IMAGE_DEFINITION_PATHS } from "./environment/image/files";
import { JUPYTERHUB_VERSION } from "./workspaces/hub-values";
import { teamRepositoryFiles } from "./team-repo/team-files";
import { BOT_TOKEN_DEFAULTS } from "./gitlab/providers/project-bot-token";
import { GitLabProject, GitLabProjectArgs, ProjectSchedule } from "./gitlab/gitlab-project";
import { placeholderSecret, TeamSecrets } from "./config/load";
import { SECRET_KEYS } from "./config/schema";
import { botTokenMode } from "./config/validate-ci";
import { hasCluster, TeamConfig } from "./config/validate";
import { ChangeGuard } from "./stack/change-guard";
import { clusterParts, hubHttps } from "./team-cluster-parts";

export { hubHttps };

/** The CI/CD variable the pipeline's bot token lives in (a masked project variable). */
const BOT_TOKEN_VARIABLE = BOT_TOKEN_DEFAULTS.variableKey;

/** The team pipeline's arguments from the validated config. */
export function teamPipelineArgs(config: TeamConfig): TeamPipelineArgs {
    const ci = config.ci;
    return {
        model: config.branchModel,
        image: config.image,
        // Where GitLab has push rules (Premium) it enforces branch names itself.
        namingJob: !tierAtLeast(config.gitlab.tier, "premium"),
        cpuTags: config.runners.cpuTags,
        gpuTags: config.runners.gpuTags,
        commands: { lint: ci.lint, test: ci.test, smokeTrain: ci.smokeTrain, releaseTrain: ci.releaseTrain, experimentTrain: ci.experimentTrain },
        modelArtifactPaths: ci.modelArtifactPaths,
        modelName: ci.modelName,
        staleBranches: { dryRun: ci.staleBranchesDryRun },
        ...(ci.imageBuild.enabled
            ? {
                  imageBuild: {
                      // The bootstrap image lacks the lint and test tools: until the team pins its own, every pipeline builds it.
                      bootstrap: config.image.reference === BOOTSTRAP_IMAGE,
                      builderImage: ci.imageBuild.builderImage,
                      publisherImage: ci.imageBuild.publisherImage,
                      definitionPaths: [...IMAGE_DEFINITION_PATHS],
                      hubVersion: JUPYTERHUB_VERSION,
                  },
              }
            : {}),
        ...(ci.tracking.enabled ? { botTokenVariable: BOT_TOKEN_VARIABLE } : {}),
        releaseImage: ci.releaseImage,
        timeouts: ci.timeouts,
    };
}

/** The team pipeline and its schedule from the validated config. */
export function teamPipelineFor(config: TeamConfig): { text: string; schedule?: ProjectSchedule } {
    const args = teamPipelineArgs(config);
    const schedule = staleBranchSchedule(args);
    return { text: teamPipeline(args), ...(schedule ? { schedule } : {}) };
}

/** The pipeline's bot token, as the stack asks for it (validation has required the secret for stack-secret). */
function botTokenFor(config: TeamConfig, secrets: TeamSecrets): NonNullable<GitLabProjectArgs["botToken"]> {
    const t = config.ci.tracking;
    if (botTokenMode(config.ci, config.gitlab) === "stack-secret") return { mode: "stack-secret", value: secrets.ciBotToken ?? placeholderSecret(SECRET_KEYS.ciBotToken) };
    return { mode: "project-access-token", expiresInDays: t.expiresInDays, rotation: t.rotation };
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
    /** The modelled wait for a GPU notebook from zero, and warm capacity's monthly list price (EKS only). */
    readonly coldStart?: pulumi.Output<Record<string, string> | undefined>;

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
                ...(config.jupyterhub?.confirmStorageShrinkFrom ? { confirmStorageShrinkFrom: config.jupyterhub.confirmStorageShrinkFrom } : {}),
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
                files: teamRepositoryFiles(config, pipeline?.text),
                fileCommit: config.gitlab.ciFileCommit,
                schedules: pipeline?.schedule ? [pipeline.schedule] : [],
                jobTokenPush: pipeline?.schedule !== undefined,
                ciJobsDeployed: pipeline !== undefined,
                ...(pipeline && config.ci.tracking.enabled ? { botToken: botTokenFor(config, secrets) } : {}),
                stack: config.stack,
                ...(config.gitlab.project.takeOverFrom ? { takeOverFrom: config.gitlab.project.takeOverFrom } : {}),
            },
            { parent: this },
        );
        this.image = pulumi.output(config.image.reference);
        this.branchRules = gitlab.enforcement;
        this.gitlabProjectUrl = gitlab.webUrl;
        this.gitlabProjectOwner = gitlab.owner;

        if (hasCluster(config)) Object.assign(this, clusterParts(name, config, secrets, gitlab, { parent: this }));
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
            coldStart: this.coldStart,
        });
    }
}
