/**
 * The offline plan: the real program run for one stack file under the SDK's mock runtime,
 * rendered as what `pulumi up` would create. Nothing is deployed.
 */
import { namespaceConfig } from "../config/load";
import { PROJECT } from "../config/schema";
import { ConfigError, validateStackConfig } from "../config/validate";
import { teamEnvironmentProgram } from "../program";
import { RecordedResource, REDACTED, runWithMocks } from "./mock-runtime";
import { StackFileConfig } from "./stack-file";

/** Dynamic GitLab resources all share this type; their `kind` input says what they are. */
export const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";

/** One resource in the plan, as the JSON output lists it. */
export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | undefined;
    /** Inputs with secrets redacted and serialized provider code elided. */
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
}

export type PlanResult = { readonly ok: true; readonly plan: Plan } | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Elides serialized dynamic-provider code: it is kilobytes of JavaScript nobody reads in a plan. */
function planInputs(r: RecordedResource): Record<string, unknown> {
    const inputs = { ...r.redactedInputs };
    if (typeof inputs.__provider === "string") inputs.__provider = `[dynamic provider code, ${inputs.__provider.length} bytes]`;
    return inputs;
}

/**
 * Validates the stack file's config, then runs `infra/index.ts` under mocks. Config errors
 * come back as data, never as an exception with a stack trace.
 */
export async function planStack(stack: string, file: StackFileConfig): Promise<PlanResult> {
    const { raw, secretsPresent } = namespaceConfig(file.config);
    const validation = validateStackConfig(raw, { stack, secretsPresent, gitlabTokenInEnv: Boolean(process.env.GITLAB_TOKEN), deploying: false });
    if (!validation.ok) return { ok: false, errors: validation.errors };

    const warnings: string[] = [];
    const run = await captureWarnings(warnings, () =>
        runWithMocks(() => teamEnvironmentProgram(), { project: PROJECT, stack, config: file.config, secretConfigKeys: file.secretKeys }),
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
                inputs: planInputs(r),
                dependencies: r.dependencies,
                ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
            })),
            outputs: run.outputs,
            warnings: [...new Set(warnings)],
            placeholderSecrets: file.secretKeys,
        },
    };
}

/** Pulumi's log under mocks writes to the console; the plan collects those lines to print them once. */
async function captureWarnings<T>(into: string[], fn: () => Promise<T>): Promise<T> {
    const original = console.warn;
    const originalError = console.error;
    const collect = (...args: unknown[]) => into.push(args.map(String).join(" ").replace(/^warning: \[runtime\] /, "").replace(/^warning: /, ""));
    console.warn = collect;
    console.error = collect;
    try {
        return await fn();
    } finally {
        console.warn = original;
        console.error = originalError;
    }
}

// --- rendering -----------------------------------------------------------------------

/** The inputs worth showing per type, as dotted paths. Other types show their first scalars. */
const KEY_SETTINGS: Record<string, readonly string[]> = {
    "aws:eks/cluster:Cluster": ["version", "vpcConfig.endpointPublicAccess", "vpcConfig.endpointPrivateAccess", "accessConfig.authenticationMode", "enabledClusterLogTypes"],
    "aws:eks/nodeGroup:NodeGroup": ["amiType", "instanceTypes", "capacityType", "scalingConfig", "labels", "taints"],
    "aws:eks/addon:Addon": ["addonName", "addonVersion"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["metadataOptions.httpTokens", "blockDeviceMappings"],
    "aws:iam/role:Role": ["name"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
    "aws:kms/key:Key": ["enableKeyRotation"],
    "kubernetes:helm.sh/v3:Release": ["chart", "version", "namespace"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:core/v1:ResourceQuota": ["metadata.namespace", "spec.hard"],
    "kubernetes:storage.k8s.io/v1:StorageClass": ["provisioner", "reclaimPolicy", "parameters.encrypted"],
};

function at(obj: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), obj);
}

function short(v: unknown): string {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** A one-line summary of a resource's key settings. */
export function keySettings(r: PlannedResource): string {
    const inputs = r.inputs;
    let paths = KEY_SETTINGS[r.type];
    if (r.type === DYNAMIC_RESOURCE_TYPE) {
        paths = Object.keys(inputs).filter((k) => !k.startsWith("__") && k !== "kind" && k !== "providerVersion").slice(0, 5);
    } else if (!paths && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm")) {
        paths = ["metadata.namespace", "metadata.name"];
    } else if (!paths) {
        paths = Object.keys(inputs)
            .filter((k) => !k.startsWith("__") && ["string", "number", "boolean"].includes(typeof inputs[k]))
            .slice(0, 3);
    }
    return paths
        .map((p) => [p, at(inputs, p)] as const)
        .filter(([, v]) => v !== undefined)
        .map(([p, v]) => `${p}=${v === REDACTED ? REDACTED : short(v)}`)
        .join("  ");
}

/** How the plan names a resource's type: the GitLab kind for dynamic resources. */
export function displayType(r: PlannedResource): string {
    return r.type === DYNAMIC_RESOURCE_TYPE && typeof r.inputs.kind === "string" ? String(r.inputs.kind) : r.type;
}

/** Renders the plan as a tree by component, a count by type, and the stack outputs. */
export function renderPlan(plan: Plan): string {
    const lines: string[] = [];
    lines.push(`Offline plan for stack '${plan.stack}': what \`pulumi up --stack ${plan.stack}\` would create.`);
    lines.push("NOTHING WAS DEPLOYED: this ran the real program under the Pulumi SDK's mock runtime; cloud-computed values are placeholders.");
    if (plan.placeholderSecrets.length > 0) {
        lines.push(`Secrets: ${plan.placeholderSecrets.join(", ")} are 'secure:' values only the Pulumi CLI can decrypt; the plan used secret placeholders.`);
    }
    lines.push("");
    const children = new Map<string | undefined, PlannedResource[]>();
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const walk = (parent: string | undefined, indent: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const settings = keySettings(r);
            lines.push(`${indent}${last ? "└─ " : "├─ "}${displayType(r)}  ${r.name}${settings ? `  (${settings})` : ""}`);
            walk(r.urn, indent + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    lines.push("");
    lines.push("Resources by type:");
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(displayType(r), (counts.get(displayType(r)) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((k) => k.length));
    for (const [type, n] of [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
        lines.push(`  ${type.padEnd(width)}  ${n}`);
    }
    lines.push(`  ${"total".padEnd(width)}  ${plan.resources.length}`);
    lines.push("");
    lines.push("Stack outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) {
        if (Array.isArray(v)) {
            // Lists of records (e.g. branch rules) read best one record per line.
            lines.push(`  ${k}:`);
            for (const item of v) lines.push(`    - ${typeof item === "string" ? item : JSON.stringify(item)}`);
        } else {
            lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
        }
    }
    if (plan.warnings.length > 0) {
        lines.push("");
        lines.push("Warnings:");
        for (const w of plan.warnings) lines.push(`  ! ${w}`);
    }
    lines.push("");
    lines.push("Nothing was deployed.");
    return lines.join("\n");
}

/** The plan as the `--json` file holds it. */
export function planJson(plan: Plan): { stack: string; resources: PlannedResource[]; outputs: Record<string, unknown> } {
    return {
        stack: plan.stack,
        resources: plan.resources.map(({ urn, type, name, parent, inputs, dependencies }) => ({ urn, type, name, parent, inputs, dependencies })),
        outputs: plan.outputs,
    };
}

// --- diff (onboarding's "what the next pulumi up changes") -----------------------------

export interface PlanDiff {
    readonly added: PlannedResource[];
    readonly removed: PlannedResource[];
    readonly changed: PlannedResource[];
}

/** Resources added, removed and with changed inputs between two plans of one stack. */
export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    return {
        added: after.resources.filter((r) => !old.has(r.urn)),
        removed: before.resources.filter((r) => !now.has(r.urn)),
        changed: after.resources.filter((r) => old.has(r.urn) && JSON.stringify(old.get(r.urn)!.inputs) !== JSON.stringify(r.inputs)),
    };
}

export function renderDiff(diff: PlanDiff): string {
    const line = (sign: string, r: PlannedResource) => `  ${sign} ${displayType(r)}  ${r.name}${keySettings(r) ? `  (${keySettings(r)})` : ""}`;
    const removed = (r: PlannedResource) => line("-", r) + (r.retainOnDelete ? "  [kept: leaves Pulumi's state, not the cluster]" : "");
    const lines = [...diff.added.map((r) => line("+", r)), ...diff.changed.map((r) => line("~", r)), ...diff.removed.map(removed)];
    return lines.length > 0 ? lines.join("\n") : "  (no changes)";
}
