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
import { ProjectSchedule } from "./gitlab/gitlab-project";
import { CiRunners } from "./runners/ci-runners";
import { createCluster } from "./cluster";
import { GitLabProject, GitLabProjectArgs } from "./gitlab/gitlab-project";
import { ImagePrePuller } from "./environment/image-pre-puller";
import { prePullPools } from "./environment/pre-puller-spec";
import { JupyterHub } from "./workspaces/jupyterhub";
import { HubHttps } from "./workspaces/hub-values";
import { placeholderSecret, TeamSecrets } from "./config/load";
import { SECRET_KEYS } from "./config/schema";
import { botTokenMode } from "./config/validate-ci";
import { TeamConfig } from "./config/validate";
import { coldStartSummary } from "./cold-start/summary";
import { ClusterHandle } from "./cluster/cluster-handle";
import { dnsInstructions } from "./https/dns-instructions";
import { HubCertificate } from "./https/hub-certificate";
import { HubDnsRecord } from "./https/hub-dns-record";

/** The CI/CD variable the pipeline's bot token lives in (a masked project variable). */
export const BOT_TOKEN_VARIABLE = BOT_TOKEN_DEFAULTS.variableKey;

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

/**
 * The hub's HTTPS setup from the validated config (validation has required what each mode
 * needs); with `acm`, the certificate's ARN comes from the HubCertificate the caller made.
 */
export function hubHttps<Arn>(config: TeamConfig, certificateArn?: Arn): HubHttps<Arn> {
    const hub = config.jupyterhub;
    switch (hub.https) {
        case "acm":
            if (certificateArn === undefined) throw new Error("https: acm needs the hub certificate's ARN");
            return { mode: "acm", certificateArn };
        case "letsencrypt":
            return { mode: "letsencrypt", contactEmail: hub.letsEncryptEmail! };
        default:
            return { mode: "ingress", ingressClassName: hub.ingressClassName!, tlsSecretName: hub.tlsSecretName, ...(hub.clusterIssuer ? { clusterIssuer: hub.clusterIssuer } : {}) };
    }
}

/**
 * With `https: acm`: the hub's certificate, made before the hub (its load balancer's listener
 * needs it issued); with `route53Zone`, the hub's own record after it, once the load balancer has
 * a name. Returns what the hub takes and the `jupyterhubDnsRecord` text.
 */
function acmHttps(name: string, config: TeamConfig, cluster: ClusterHandle, parent: pulumi.Resource): { certificate: HubCertificate; dnsRecord: (hub: JupyterHub) => pulumi.Output<string> } {
    const { host, route53Zone } = config.jupyterhub;
    if (!cluster.awsProvider) throw new Error("https: acm needs an EKS cluster made by this stack");
    const provider = cluster.awsProvider;
    const certificate = new HubCertificate(`${name}-hub-certificate`, { host, provider, ...(route53Zone ? { route53Zone } : {}) }, { parent });
    const dnsRecord = (hub: JupyterHub) => {
        if (route53Zone && certificate.zoneId) {
            const loadBalancer = hub.loadBalancer.apply((lb) => {
                if (!lb) throw new Error(`the hub's proxy-public Service has no load balancer address: check \`kubectl -n jupyterhub describe service proxy-public\``);
                return lb;
            });
            const record = new HubDnsRecord(`${name}-hub-dns`, { host, zoneId: certificate.zoneId, loadBalancer, provider }, { parent });
            // Said once the record exists.
            return pulumi.all([record.fqdn, loadBalancer]).apply(([, lb]) => dnsInstructions({ mode: "acm", host, route53Zone, loadBalancer: lb }));
        }
        return pulumi.all([hub.loadBalancer, certificate.validationRecord]).apply(([loadBalancer, validation]) => dnsInstructions({ mode: "acm", host, validation, loadBalancer }));
    };
    return { certificate, dnsRecord };
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
    /** The modelled wait for a GPU notebook from zero, and warm capacity's monthly list price (EKS only). */
    readonly coldStart: pulumi.Output<Record<string, string> | undefined>;

    constructor(name: string, args: TeamEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:index:TeamEnvironment", name, {}, opts);
        const { config, secrets } = args;
        const cluster = createCluster(`${name}-cluster`, config, secrets, { parent: this });
        this.clusterName = cluster.clusterName;
        this.kubeconfig = cluster.kubeconfig;

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
                files: teamRepositoryFiles(config, pipeline?.text, pipeline !== undefined),
                fileCommit: config.gitlab.ciFileCommit,
                schedules: pipeline?.schedule ? [pipeline.schedule] : [],
                jobTokenPush: pipeline?.schedule !== undefined,
                ciJobsDeployed: pipeline !== undefined,
                ...(pipeline && config.ci.tracking.enabled ? { botToken: botTokenFor(config, secrets) } : {}),
            },
            { parent: this },
        );
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
                    jobEgressCidrs: config.runners.jobEgressCidrs,
                    ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
                },
                { parent: this },
            );
        }

        const hubConfig = config.jupyterhub;
        const acm = hubConfig.https === "acm" ? acmHttps(name, config, cluster, this) : undefined;
        const hub = new JupyterHub(
            `${name}-jupyterhub`,
            {
                cluster,
                image: config.image,
                host: hubConfig.host,
                https: hubHttps(config, acm?.certificate.certificateArn),
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

        // The GPU pre-puller runs on every GPU pool's nodes (a sharing pool's too).
        const prePull = prePullPools(config.environment, { gpu: cluster.gpuNodesPlacement ?? cluster.gpuPlacement, user: cluster.userPlacement });
        if (Object.keys(prePull).length > 0) {
            // In the hub's namespace: it exists in both cluster modes and holds the pull Secret.
            new ImagePrePuller(`${name}-image-pre-puller`, { image: config.image, pools: prePull, provider: cluster.provider, namespace: hub.namespace }, { parent: this });
        }

        this.image = pulumi.output(config.image.reference);
        this.branchRules = gitlab.enforcement;
        this.gitlabProjectUrl = gitlab.webUrl;
        this.jupyterhubUrl = hub.url;
        this.jupyterhubDnsRecord = acm ? acm.dnsRecord(hub) : hub.dnsRecord;
        this.memberNamespaces = hub.memberNamespaces;
        this.coldStart = pulumi.output(coldStartSummary(config));
        this.registerOutputs({
            coldStart: this.coldStart,
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
