/**
 * Parses and checks a stack's config in full: schema, then the checks that span keys.
 * Pure: takes plain values, returns every problem at once, each naming its stack-file key.
 */
import { z } from "zod";
import { BranchModel, buildBranchModel } from "../branch-model/branch-model";
import { EnvironmentImage, parseEnvironmentImage } from "../environment/environment-image";
import { ConfigError, describeIssue, keyPath, valueAt } from "./config-errors";
import { EksClusterConfig, ExistingClusterConfig, JupyterHubConfig, PROJECT, SECRET_KEYS, SecretKey, StackConfig, stackConfigSchema } from "./schema";
import { checkCi } from "./validate-ci";
import { checkColdStart, imageAsPulled } from "./validate-cold-start";
import { checkHubHttps } from "./validate-hub";
import { checkClusterParts, checkPipelineRunners, checkPrivateEgress, checkStorageShrink } from "./validate-setup";
import { checkMembers, checkProfiles, membersThatParse } from "./validate-team";
import { CheckContext, checkEksCluster, checkExistingCluster, checkSlicesFit, checkWorkloadsFit, clusterPools, GpuCapacity, jobWorkloads, profileWorkloads } from "./validate-cluster";

export type { GpuCapacity } from "./validate-cluster";
export { formatConfigErrors, keyPath, type ConfigError } from "./config-errors";


/** A validated stack config with what is derived from it. */
export interface TeamConfig extends Omit<StackConfig, "branchModel"> {
    readonly stack: string;
    readonly image: EnvironmentImage;
    /** The branch model with the stack's overrides applied. */
    readonly branchModel: BranchModel;
    readonly gpuCapacity: GpuCapacity;
    /** Which secret keys the stack file sets. */
    readonly secretsPresent: ReadonlySet<SecretKey>;
}

/** A config with a cluster and its hub: every cluster mode but `none`. */
export type ClusterTeamConfig = TeamConfig & { readonly cluster: EksClusterConfig | ExistingClusterConfig; readonly jupyterhub: JupyterHubConfig };

/** Whether the stack has a cluster and a hub (`cluster.mode` is not `none`). */
export function hasCluster(config: TeamConfig): config is ClusterTeamConfig {
    return config.cluster.mode !== "none" && config.jupyterhub !== undefined;
}

/**
 * A secret `pulumi up` needs that neither the stack nor the environment sets, as the error a
 * deployment reports. Deploying, it is in `errors` too; otherwise `warning` is in `warnings`.
 */
export interface MissingSecret extends ConfigError {
    readonly warning: string;
}

export type ConfigResult =
    | { readonly ok: true; readonly config: TeamConfig; readonly warnings: readonly string[]; readonly missingSecrets: readonly MissingSecret[] }
    | { readonly ok: false; readonly errors: readonly ConfigError[]; readonly warnings: readonly string[]; readonly missingSecrets: readonly MissingSecret[] };

export interface ValidateOptions {
    readonly stack: string;
    /** Secret keys the stack file sets (their values are never given to the validator). */
    readonly secretsPresent?: ReadonlySet<SecretKey>;
    /** Whether `GITLAB_TOKEN` is set in the environment. */
    readonly gitlabTokenInEnv?: boolean;
    /**
     * Deploying for real (`pulumi up`): secrets the deployment cannot do without are
     * errors. In a preview or the offline plan they are warnings.
     */
    readonly deploying?: boolean;
    /** Today, for EKS support windows. @default the current date */
    readonly today?: Date;
    /** Secret keys the stack file sets in plain text (not under `secure:`): refused. @default none */
    readonly plaintextSecrets?: ReadonlySet<SecretKey>;
    /** This project's keys written under another namespace (`other-project:team`). @default none */
    readonly foreignKeys?: readonly string[];
}

type Path = readonly PropertyKey[];

/**
 * Validates the `ml-team-env:*` namespace of a stack file. `raw` maps the keys without the
 * namespace prefix (`cluster`, `team`, ...) to their YAML values.
 *
 * Every problem comes back at once: each section is parsed on its own, so a wrong enum in
 * `team` does not hide a wrong image in `environment`, and every cross-key check runs whose
 * inputs parsed.
 */
export function validateStackConfig(raw: Record<string, unknown>, options: ValidateOptions): ConfigResult {
    const warnings: string[] = [];
    const errors: ConfigError[] = [];
    const secretsPresent = options.secretsPresent ?? new Set<SecretKey>();
    // Secret keys live in the same namespace but are never part of the plain schema.
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
        if ((Object.values(SECRET_KEYS) as string[]).includes(k)) continue;
        // `ml-team-env:branchModel:` with nothing under it is YAML null: the defaults, as the example stack says.
        plain[k] = v === null ? undefined : v;
    }
    const err = (path: Path, message: string, effective?: { readonly value: unknown }) =>
        errors.push({ key: keyPath(path), value: effective ? effective.value : valueAt(plain, path), message });
    const missingSecrets: MissingSecret[] = [];
    const missingSecret = (key: SecretKey, message: string, warning: string) => {
        const error: ConfigError = { key: `${PROJECT}:${key}`, value: undefined, message };
        missingSecrets.push({ ...error, warning });
        if (options.deploying) errors.push(error);
        else warnings.push(warning);
    };
    const needSecret = (key: SecretKey, why: string, fix: string) => {
        if (secretsPresent.has(key)) return;
        const message = `is not set: ${why}. Set it with \`${fix}\``;
        missingSecret(key, message, `${PROJECT}:${key} ${message} (needed by \`pulumi up\`; the plan uses a placeholder)`);
    };

    // Nothing under this project's namespace: say that, not eight "is required".
    if (Object.keys(raw).length === 0) {
        const elsewhere = options.foreignKeys?.length ? ` It has ${options.foreignKeys.join(", ")}: rename them to ${PROJECT}:<key> (the namespace is the project name in Pulumi.yaml).` : "";
        errors.push({ key: `${PROJECT}:*`, value: undefined, message: `no settings found: the stack file needs a 'config:' section with ${PROJECT}:* keys (copy stacks/Pulumi.dev.yaml).${elsewhere}` });
        return { ok: false, errors, warnings, missingSecrets };
    }
    for (const key of options.foreignKeys ?? []) {
        const name = key.slice(key.indexOf(":") + 1);
        errors.push({ key, value: undefined, message: `is under the namespace '${key.slice(0, key.indexOf(":"))}', but this project is ${PROJECT}: rename it to ${PROJECT}:${name}` });
    }

    // A secret written in plain text in the stack file: refused, never echoed.
    for (const key of options.plaintextSecrets ?? []) {
        const rotate = key === SECRET_KEYS.gitlabToken ? " and revoke that token in GitLab: it has been in plain text in a file" : key === SECRET_KEYS.jupyterhubOAuthClientSecret ? " and renew the OAuth application's secret in GitLab" : "";
        errors.push({ key: `${PROJECT}:${key}`, value: undefined, message: `is written in plain text in the stack file: delete that line, store it with \`pulumi config set --secret ${key}\`${rotate}` });
    }

    // Each section on its own.
    const shape = stackConfigSchema.shape;
    const sections: Partial<StackConfig> = {};
    for (const k of Object.keys(plain)) {
        if (!(k in shape)) {
            for (const e of describeIssue({ code: "unrecognized_keys", keys: [k], path: [], message: "", input: plain } as z.core.$ZodIssue, plain)) errors.push(e);
        }
    }
    for (const [k, schema] of Object.entries(shape) as [keyof StackConfig, z.ZodType][]) {
        const parsed = schema.safeParse(plain[k]);
        if (parsed.success) (sections as Record<string, unknown>)[k] = parsed.data;
        else for (const issue of parsed.error.issues) errors.push(...describeIssue({ ...issue, path: [k, ...issue.path] } as z.core.$ZodIssue, plain));
    }
    const { environment, cluster, gitlab, jupyterhub, team } = sections;
    const ctx: CheckContext = { err, warn: (m) => warnings.push(m), today: options.today ?? new Date(), deploying: options.deploying ?? false };

    // What the stack sets up: a cluster and hub, or the GitLab part alone; its runners or the team's own.
    const runners = checkClusterParts({ cluster, rawJupyterhub: plain.jupyterhub, runners: sections.runners, rawRunners: plain.runners }, ctx);
    checkPipelineRunners({ runners, ci: sections.ci, rawRunners: plain.runners, clusterMode: cluster?.mode }, ctx);
    checkPrivateEgress(jupyterhub, cluster, ctx);
    checkStorageShrink(jupyterhub, ctx);

    // Environment image.
    const parsedImage = environment ? parseEnvironmentImage(environment.image, secretsPresent.has(SECRET_KEYS.registryDockerConfigJson) ? environment.pullSecretName : undefined) : undefined;
    if (parsedImage && !parsedImage.ok) err(["environment", "image"], parsedImage.error);
    else if (parsedImage?.ok) warnings.push(...parsedImage.warnings);

    // Cluster shape and GPU capacity (undefined when the pool cannot be read: no follow-on errors).
    let capacity: GpuCapacity | undefined;
    if (cluster?.mode === "eks") capacity = checkEksCluster(cluster, ctx);
    else if (cluster?.mode === "existing") {
        capacity = checkExistingCluster(cluster);
        needSecret(SECRET_KEYS.kubeconfig, "cluster.mode 'existing' reaches the cluster through it", "pulumi config set --secret kubeconfig < path/to/kubeconfig");
    } else if (cluster?.mode === "none") capacity = { gpusPerNode: 0, maxNodes: 0, maxGpus: 0 };
    // How nodes get the image: through the ECR pull-through cache when set, and how fast (volume, parallel pulls, cache, warm nodes).
    let image = parsedImage?.ok ? parsedImage.image : undefined;
    if (cluster?.mode === "eks" && image) image = imageAsPulled(cluster, image, ctx);
    if (cluster?.mode === "eks" && environment) checkColdStart(cluster, environment, image, jupyterhub?.idleTimeoutMinutes ?? 60, ctx);
    if (cluster && cluster.mode !== "none" && environment) {
        const pools = clusterPools(cluster, environment);
        if (jupyterhub) checkWorkloadsFit(profileWorkloads(jupyterhub.profiles), pools, ctx);
        if (jupyterhub && capacity?.shared) checkSlicesFit(jupyterhub.profiles, pools, capacity.shared.gpusPerNode * capacity.shared.replicasPerGpu, ctx);
        if (runners?.enabled) checkWorkloadsFit(jobWorkloads(runners), pools, ctx);
    }

    // Notebook profiles.
    const profiles = jupyterhub?.profiles ?? [];
    const profileNames = checkProfiles(profiles, cluster?.mode, capacity, err);

    // How HTTPS reaches the hub.
    const https = jupyterhub?.https ?? (cluster?.mode === "existing" ? "ingress" : "acm");
    if (jupyterhub) checkHubHttps(jupyterhub, https, cluster?.mode, { err, warn: (m) => warnings.push(m) });

    // Runners. Job pods reach no private address but the ones listed: say so where GitLab may be private.
    if (runners?.enabled && gitlab && runners.jobEgressCidrs.length === 0 && new URL(gitlab.url).hostname !== "gitlab.com") {
        warnings.push(`runners: CI job pods reach cluster DNS and public addresses only; if ${new URL(gitlab.url).hostname} (or a registry jobs push to) resolves to a private address, list its network in runners.jobEgressCidrs, or jobs cannot clone.`);
    }
    if (runners?.enabled && capacity && capacity.gpusPerNode > 0 && runners.gpusPerJob > capacity.gpusPerNode) {
        err(["runners", "gpusPerJob"], `asks for ${runners.gpusPerJob} GPUs but a GPU node has ${capacity.gpusPerNode}`);
    }

    // Team: the members that parsed are checked even when another member did not.
    const members = team ? team.members.map((member, index) => ({ member, index })) : membersThatParse(plain.team);
    checkMembers(members, { profiles: jupyterhub ? profiles : undefined, profileNames, capacity, clusterMode: cluster?.mode }, err);
    if (team && !team.members.some((m) => m.role === "maintainer")) {
        err(["team", "members"], "has no maintainer: at least one member needs role 'maintainer' to merge into main and cut release tags");
    }

    // The pipeline, its timeouts and its bot.
    if (sections.ci) {
        checkCi(sections.ci, gitlab, runners, err, () =>
            needSecret(SECRET_KEYS.ciBotToken, "ci.tracking.botToken is stack-secret: the pipeline's bot token (a Developer's token with api scope) comes from it", "pulumi config set --secret ciBotToken"),
        );
    }

    // Secrets the deployment needs.
    if (!secretsPresent.has(SECRET_KEYS.gitlabToken) && !options.gitlabTokenInEnv) {
        const message = "is not set and neither is GITLAB_TOKEN: the GitLab resources need a token with api scope. Export GITLAB_TOKEN or run `pulumi config set --secret gitlabToken`";
        missingSecret(SECRET_KEYS.gitlabToken, message, `${PROJECT}:${SECRET_KEYS.gitlabToken} ${message}`);
    }
    if (cluster?.mode !== "none") needSecret(SECRET_KEYS.jupyterhubOAuthClientSecret, "JupyterHub's GitLab login needs the OAuth application's secret", "pulumi config set --secret jupyterhubOAuthClientSecret");

    if (errors.length > 0 || !image || !environment || !cluster || !gitlab || (!jupyterhub && cluster.mode !== "none") || !runners || !sections.ci || !team || !capacity) return { ok: false, errors, warnings, missingSecrets };
    return {
        ok: true,
        warnings,
        missingSecrets,
        config: {
            ...(sections as StackConfig),
            runners,
            jupyterhub: jupyterhub ? { ...jupyterhub, https } : undefined,
            stack: options.stack,
            image,
            branchModel: buildBranchModel(sections.branchModel),
            gpuCapacity: capacity,
            secretsPresent,
        },
    };
}
