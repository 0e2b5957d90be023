/**
 * The offline plan: the real program run for one stack file under the SDK's mock runtime,
 * as a preview of a stack that does not exist yet. Values only the cloud can compute are
 * unknown ("(known after deploy)"), as in `pulumi preview`. Nothing is deployed.
 *
 * Rendering is in `render.ts`, the JSON file in `plan-json.ts`, comparing two plans in
 * `diff.ts`; they are re-exported here.
 */
import type { LoadOptions } from "../config/load";
import type { NamespacedConfig } from "../config/namespace";
import { PROJECT } from "../config/schema";
import type { ConfigError } from "../config/validate";
import { RecordedResource, REDACTED, runWithMocks } from "./mock-runtime";
import { StackFileConfig, validateStackFile } from "./stack-file";

export { keptOnDelete, kindOf } from "./key-settings";
export { DYNAMIC_RESOURCE_TYPE } from "./resource-types";
export { keySettings, renderPlan } from "./render";
export { parsePlanJson, PlanFileError, planJson, PLAN_FORMAT_VERSION } from "./plan-json";
export type { PlanJson } from "./plan-json";
export { diffPlans, diffHasChanges, diffSummary, renderDiff } from "./diff";
export type { ChangedResource, KeyChange, PlanDiff, RemovedResource } from "./diff";

/** One resource in the plan, as the JSON output lists it. */
export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | undefined;
    /** A resource with an object of its own (true) or a component grouping others (false). */
    readonly custom?: boolean;
    /** Inputs with secrets as `[secret]`, cloud-computed values as `(known after deploy)`, dynamic-provider code elided. */
    readonly inputs: Record<string, unknown>;
    readonly dependencies: readonly string[];
    /** Left in place when removed from the program (`retainOnDelete`). */
    readonly retainOnDelete?: boolean;
}

export interface Plan {
    readonly stack: string;
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, unknown>;
    /** Warnings the program logged (config advice, placeholders). */
    readonly warnings: string[];
    /** Config keys whose `secure:` values were replaced by placeholders. */
    readonly placeholderSecrets: readonly string[];
    /** The stack's `ml-team-env:*` config as the plan read it, secrets as `[secret]`. */
    readonly config?: Record<string, unknown>;
}

/** What plans a stack: `planStack`, or a stand-in in tests of the commands. */
export type Planner = (stack: string, file: StackFileConfig) => Promise<PlanResult>;

export type PlanResult = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Elides serialized dynamic-provider code: it is kilobytes of JavaScript nobody reads in a plan. */
function planInputs(r: RecordedResource): Record<string, unknown> {
    const inputs = { ...r.redactedInputs };
    if (typeof inputs.__provider === "string") inputs.__provider = `[dynamic provider code, ${inputs.__provider.length} bytes]`;
    return inputs;
}

/** The stack's own config (its namespace as validation read it) with every secret (declared secret keys and `secure:` values) redacted. */
function planConfig(file: StackFileConfig, { raw, secretsPresent }: NamespacedConfig): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) config[`${PROJECT}:${key}`] = file.secretKeys.includes(`${PROJECT}:${key}`) ? REDACTED : value;
    for (const key of secretsPresent) config[`${PROJECT}:${key}`] = REDACTED;
    return Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Validates the stack file's config, then runs `infra/index.ts` under mocks. Config errors
 * come back as data, never as an exception with a stack trace.
 */
export async function planStack(stack: string, file: StackFileConfig, options: LoadOptions = {}): Promise<PlanResult> {
    const validation = validateStackFile(stack, file, { gitlabTokenInEnv: Boolean(process.env.GITLAB_TOKEN), deploying: false, today: options.today });
    if (!validation.ok) return { ok: false, errors: validation.errors };

    // Loaded here, not at the top: rendering, diffing and `--help` need none of the cloud SDKs it pulls in.
    const { teamEnvironmentProgram } = await import("../program");
    const warnings: string[] = [];
    const run = await captureConsole(warnings, () =>
        runWithMocks(() => teamEnvironmentProgram(options), {
            project: PROJECT,
            stack,
            config: file.config,
            secretConfigKeys: file.secretKeys,
            // A preview of a new stack: what only the cloud computes is unknown.
            unknownComputed: true,
        }),
    );
    return {
        ok: true,
        plan: {
            stack,
            resources: run.resources.map((r) => ({
                urn: r.urn,
                type: r.type,
                name: r.name,
                parent: r.parent,
                custom: r.custom,
                inputs: planInputs(r),
                dependencies: r.dependencies,
                ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
            })),
            outputs: run.outputs,
            warnings: [...new Set(warnings)],
            placeholderSecrets: file.secretKeys,
            config: planConfig(file, validation.namespace),
        },
    };
}

/**
 * Pulumi's log under mocks writes to the console (info to stdout). The plan collects those
 * lines to print them once, and keeps stdout clean for `--json -`.
 */
export async function captureConsole<T>(into: string[], fn: () => Promise<T>): Promise<T> {
    const saved = { warn: console.warn, error: console.error, log: console.log, info: console.info };
    const collect = (...args: unknown[]) => {
        const line = args.map(String).join(" ");
        if (/^debug: /.test(line)) return;
        into.push(line.replace(/^warning: \[runtime\] /, "").replace(/^warning: /, ""));
    };
    console.warn = collect;
    console.error = collect;
    console.log = collect;
    console.info = collect;
    try {
        return await fn();
    } finally {
        Object.assign(console, saved);
    }
}
