/**
 * Parses and checks a stack's config in full: schema, then the checks that span keys.
 * Pure: takes plain values, returns every problem at once, each naming its stack-file key.
 */
import { z } from "zod";
import { BranchModel, buildBranchModel } from "../branch-model/branch-model";
import { gpusPerNodeFor } from "../cluster/gpu-instance-types";
import { EnvironmentImage, parseEnvironmentImage } from "../environment/environment-image";
import { PROJECT, SECRET_KEYS, SecretKey, StackConfig, stackConfigSchema } from "./schema";

/** One problem in a stack file. */
export interface ConfigError {
    /** Stack-file key path, e.g. `ml-team-env:team.members[2].gpus`. */
    readonly key: string;
    /** The value found there (`undefined` when missing; never a secret's value). */
    readonly value: unknown;
    /** What is wrong and what is allowed. */
    readonly message: string;
}

/** GPU capacity of the pool, whichever cluster mode provides it. */
export interface GpuCapacity {
    readonly gpusPerNode: number;
    readonly maxNodes: number;
    readonly maxGpus: number;
}

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

export type ConfigResult =
    | { readonly ok: true; readonly config: TeamConfig; readonly warnings: readonly string[] }
    | { readonly ok: false; readonly errors: readonly ConfigError[]; readonly warnings: readonly string[] };

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
}

type Path = readonly PropertyKey[];

/** `["team","members",2,"gpus"]` → `ml-team-env:team.members[2].gpus`. */
export function keyPath(path: Path): string {
    let out = `${PROJECT}:`;
    path.forEach((p, i) => {
        if (typeof p === "number") out += `[${p}]`;
        else out += (i === 0 ? "" : ".") + String(p);
    });
    return out;
}

function valueAt(raw: unknown, path: Path): unknown {
    let v: unknown = raw;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p as string];
    }
    return v;
}

function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
            d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
}

function knownKeysAt(path: Path, raw: unknown): string[] {
    // Walk the schema along the path to list the keys allowed there.
    let schema: z.ZodType = stackConfigSchema;
    for (const p of path) {
        schema = unwrap(schema);
        if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[p as string] ?? schema;
        else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
        else if (schema instanceof z.ZodDiscriminatedUnion) {
            const mode = (valueAt(raw, path) as { mode?: unknown } | undefined)?.mode;
            const match = (schema.options as z.ZodObject[]).find((o) => (o.shape.mode as z.ZodLiteral).value === mode);
            if (!match) return [];
            schema = (match.shape as Record<string, z.ZodType>)[p as string] ?? match;
        }
    }
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
    if (schema instanceof z.ZodDiscriminatedUnion) {
        const mode = (valueAt(raw, path) as { mode?: unknown } | undefined)?.mode;
        const match = (schema.options as z.ZodObject[]).find((o) => (o.shape.mode as z.ZodLiteral).value === mode);
        return match ? Object.keys(match.shape) : [];
    }
    return [];
}

function unwrap(s: z.ZodType): z.ZodType {
    let cur: z.ZodType = s;
    while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    return cur;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigError[] {
    const path = issue.path;
    const value = valueAt(raw, path);
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(path, raw);
        return issue.keys.map((k) => {
            const near = known.filter((n) => editDistance(n.toLowerCase(), k.toLowerCase()) <= 2);
            const hint = near.length > 0 ? `did you mean '${near[0]}'?` : `known keys here: ${known.join(", ")}`;
            return { key: keyPath([...path, k]), value: valueAt(raw, [...path, k]), message: `is not a setting of ${PROJECT}; ${hint}` };
        });
    }
    if (value === undefined && issue.code === "invalid_type") {
        const custom = issue.message.startsWith("is required") ? issue.message : `is required (${issue.expected})`;
        return [{ key: keyPath(path), value, message: custom }];
    }
    if (issue.code === "invalid_value") {
        // YAML reads an unquoted 1.30 as the number 1.3: say so when a number meets a list of strings.
        const quoteHint = typeof value === "number" && issue.values.every((v) => typeof v === "string") ? ` (quote it in YAML, e.g. "${String(issue.values[0])}")` : "";
        return [{ key: keyPath(path), value, message: `must be one of: ${issue.values.map(String).join(", ")}${quoteHint}` }];
    }
    if (issue.code === "invalid_type") {
        const msg = issue.message.startsWith("Invalid input") ? `must be ${article(issue.expected)}` : issue.message;
        return [{ key: keyPath(path), value, message: msg }];
    }
    if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
        return [{ key: keyPath(path), value, message: issue.message }];
    }
    if (issue.code === "invalid_union") {
        return [{ key: keyPath(path), value, message: issue.message }];
    }
    if (issue.code === "too_small" && issue.origin === "array") {
        const m = issue.message.startsWith("Too small") ? `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? "y" : "ies"}` : issue.message;
        return [{ key: keyPath(path), value, message: m }];
    }
    return [{ key: keyPath(path), value, message: issue.message }];
}

function article(t: string): string {
    return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/**
 * Validates the `ml-team-env:*` namespace of a stack file. `raw` maps the keys without
 * the namespace prefix (`cluster`, `team`, ...) to their YAML values.
 */
export function validateStackConfig(raw: Record<string, unknown>, options: ValidateOptions): ConfigResult {
    const warnings: string[] = [];
    const secretsPresent = options.secretsPresent ?? new Set<SecretKey>();
    // Secret keys live in the same namespace but are never part of the plain schema.
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
        if (!(Object.values(SECRET_KEYS) as string[]).includes(k)) plain[k] = v;
    }
    const parsed = stackConfigSchema.safeParse(plain);
    if (!parsed.success) {
        return { ok: false, errors: parsed.error.issues.flatMap((i) => describeIssue(i, plain)), warnings };
    }
    const cfg = parsed.data;
    const errors: ConfigError[] = [];
    const err = (path: Path, message: string) => errors.push({ key: keyPath(path), value: valueAt(plain, path), message });
    const needSecret = (key: SecretKey, why: string, fix: string) => {
        if (secretsPresent.has(key)) return;
        const message = `is not set: ${why}. Set it with \`${fix}\``;
        if (options.deploying) errors.push({ key: `${PROJECT}:${key}`, value: undefined, message });
        else warnings.push(`${PROJECT}:${key} ${message} (needed by \`pulumi up\`; the plan uses a placeholder)`);
    };

    // Environment image.
    const parsedImage = parseEnvironmentImage(cfg.environment.image, secretsPresent.has(SECRET_KEYS.registryDockerConfigJson) ? cfg.environment.pullSecretName : undefined);
    if (!parsedImage.ok) err(["environment", "image"], parsedImage.error);
    else warnings.push(...parsedImage.warnings);

    // Cluster shape and GPU capacity.
    let capacity: GpuCapacity = { gpusPerNode: 0, maxNodes: 0, maxGpus: 0 };
    if (cfg.cluster.mode === "eks") {
        for (const group of ["systemNodeGroup", "gpuNodePool"] as const) {
            const g = cfg.cluster[group];
            if (g.minSize > g.maxSize) err(["cluster", group, "minSize"], `must not exceed maxSize (${g.maxSize})`);
            if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) err(["cluster", group, "desiredSize"], `must lie between minSize (${g.minSize}) and maxSize (${g.maxSize})`);
        }
        const pool = cfg.cluster.gpuNodePool;
        const known = gpusPerNodeFor(pool.instanceTypes);
        const gpusPerNode = pool.gpusPerNode ?? (known.ok ? known.gpus : undefined);
        if (gpusPerNode === undefined) {
            err(["cluster", "gpuNodePool", "gpusPerNode"], `is required here: ${known.ok ? "" : known.reason}; set it to the GPUs on one node`);
        } else {
            if (pool.gpusPerNode !== undefined && known.ok && known.gpus !== pool.gpusPerNode) {
                err(["cluster", "gpuNodePool", "gpusPerNode"], `says ${pool.gpusPerNode} but ${pool.instanceTypes.join(", ")} carry ${known.gpus} GPU(s) per node; remove it or fix it`);
            }
            capacity = { gpusPerNode, maxNodes: pool.maxSize, maxGpus: gpusPerNode * pool.maxSize };
        }
    } else {
        capacity = { gpusPerNode: cfg.cluster.gpusPerNode, maxNodes: cfg.cluster.gpuNodeCount, maxGpus: cfg.cluster.gpusPerNode * cfg.cluster.gpuNodeCount };
        needSecret(SECRET_KEYS.kubeconfig, "cluster.mode 'existing' reaches the cluster through it", "pulumi config set --secret kubeconfig < path/to/kubeconfig");
    }

    // Notebook profiles.
    const profiles = cfg.jupyterhub.profiles;
    const profileNames = new Map<string, number>();
    profiles.forEach((p, i) => {
        if (profileNames.has(p.name)) err(["jupyterhub", "profiles", i, "name"], `duplicates profile ${profileNames.get(p.name)}: profile names must be unique`);
        else profileNames.set(p.name, i);
        if (capacity.gpusPerNode > 0 && p.gpus > capacity.gpusPerNode) {
            err(["jupyterhub", "profiles", i, "gpus"], `asks for ${p.gpus} GPUs but a GPU node has ${capacity.gpusPerNode}: a notebook server cannot span nodes`);
        }
    });
    if (profiles.filter((p) => p.default).length > 1) err(["jupyterhub", "profiles"], "marks more than one profile as default; keep one");

    // Runners.
    if (cfg.runners.enabled && capacity.gpusPerNode > 0 && cfg.runners.gpusPerJob > capacity.gpusPerNode) {
        err(["runners", "gpusPerJob"], `asks for ${cfg.runners.gpusPerJob} GPUs but a GPU node has ${capacity.gpusPerNode}`);
    }

    // Team.
    const seen = new Map<string, number>();
    cfg.team.members.forEach((m, i) => {
        const lower = m.username.toLowerCase();
        // GitLab usernames are case-insensitive.
        if (seen.has(lower)) err(["team", "members", i, "username"], `duplicates team.members[${seen.get(lower)}]: each member appears once`);
        else seen.set(lower, i);
        if (m.gpus > capacity.maxGpus) {
            err(["team", "members", i, "gpus"], `is more than the GPU pool can ever offer (${capacity.maxGpus} = ${capacity.maxNodes} node(s) × ${capacity.gpusPerNode} GPU(s)); lower it or grow the pool`);
        }
        m.profiles?.forEach((name, j) => {
            const idx = profileNames.get(name);
            if (idx === undefined) {
                err(["team", "members", i, "profiles", j], `is not a profile in jupyterhub.profiles (${[...profileNames.keys()].join(", ")})`);
            } else if (profiles[idx]!.gpus > m.gpus) {
                err(["team", "members", i, "profiles", j], `needs ${profiles[idx]!.gpus} GPU(s) but this member's quota (gpus) is ${m.gpus}`);
            }
        });
    });
    if (!cfg.team.members.some((m) => m.role === "maintainer")) {
        err(["team", "members"], "has no maintainer: at least one member needs role 'maintainer' to merge into main and cut release tags");
    }

    // Secrets the deployment needs.
    if (!secretsPresent.has(SECRET_KEYS.gitlabToken) && !options.gitlabTokenInEnv) {
        const message = "is not set and neither is GITLAB_TOKEN: the GitLab resources need a token with api scope. Export GITLAB_TOKEN or run `pulumi config set --secret gitlabToken`";
        if (options.deploying) errors.push({ key: `${PROJECT}:${SECRET_KEYS.gitlabToken}`, value: undefined, message });
        else warnings.push(`${PROJECT}:${SECRET_KEYS.gitlabToken} ${message}`);
    }
    needSecret(SECRET_KEYS.jupyterhubOAuthClientSecret, "JupyterHub's GitLab login needs the OAuth application's secret", "pulumi config set --secret jupyterhubOAuthClientSecret");

    if (errors.length > 0 || !parsedImage.ok) return { ok: false, errors, warnings };
    return {
        ok: true,
        warnings,
        config: {
            ...cfg,
            stack: options.stack,
            image: parsedImage.image,
            branchModel: buildBranchModel(cfg.branchModel),
            gpuCapacity: capacity,
            secretsPresent,
        },
    };
}

/** Human-readable report of config errors: one line per problem, no stack trace. */
export function formatConfigErrors(stack: string, errors: readonly ConfigError[]): string {
    const lines = errors.map((e) => {
        const shown = e.value === undefined ? "" : ` = ${JSON.stringify(e.value)}`;
        return `  ✗ ${e.key}${shown}\n      ${e.message}`;
    });
    return `stacks/Pulumi.${stack}.yaml has ${errors.length} config error${errors.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
}
