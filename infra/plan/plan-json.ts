/**
 * The plan as a JSON file (`npm run plan -- --json FILE`), and reading one back for
 * `--diff`. The format is versioned: a reader refuses a file written by a newer version.
 *
 * Format 2:
 * ```
 * { formatVersion: 2, tool: "ml-team-env", stack, markers: { secret, unknown },
 *   summary: { create, components, keptOnDelete, unknownInputs },
 *   warnings: [...], placeholderSecrets: [...], config: { "ml-team-env:<key>": value },
 *   resources: [{ urn, type, kind?, name, parent, custom, inputs, dependencies, retainOnDelete }],
 *   outputs: {...} }
 * ```
 * Format 1 (before `formatVersion`) had `{ stack, resources: [{ urn, type, name, parent, inputs, dependencies }], outputs }`.
 */
import { isPlainObject } from "./format";
import { kindOf } from "./key-settings";
import { REDACTED, UNKNOWN } from "./mock-runtime";
import type { Plan, PlannedResource } from "./plan";
import { planCounts, PlanCounts } from "./render";

/** The version this code writes, and the newest it reads. */
export const PLAN_FORMAT_VERSION = 2;

/** Identifies a plan file among other JSON files. */
const TOOL = "ml-team-env";

export interface PlanJsonResource {
    readonly urn: string;
    readonly type: string;
    /** The GitLab kind of a dynamic resource (`gitlab:ProtectedBranch`). */
    readonly kind?: string;
    readonly name: string;
    readonly parent: string | undefined;
    readonly custom?: boolean;
    readonly inputs: Record<string, unknown>;
    readonly dependencies: readonly string[];
    readonly retainOnDelete: boolean;
}

export interface PlanJson {
    readonly formatVersion: number;
    readonly tool: string;
    readonly stack: string;
    /** The strings that stand for a secret and for a value known only after deploy. */
    readonly markers: { readonly secret: string; readonly unknown: string };
    readonly summary: PlanCounts;
    readonly warnings: readonly string[];
    readonly placeholderSecrets: readonly string[];
    readonly config: Record<string, unknown>;
    readonly resources: PlanJsonResource[];
    readonly outputs: Record<string, unknown>;
}

/** The plan as the `--json` file holds it. */
export function planJson(plan: Plan): PlanJson {
    return {
        formatVersion: PLAN_FORMAT_VERSION,
        tool: TOOL,
        stack: plan.stack,
        markers: { secret: REDACTED, unknown: UNKNOWN },
        summary: planCounts(plan),
        warnings: plan.warnings,
        placeholderSecrets: plan.placeholderSecrets,
        config: plan.config ?? {},
        resources: plan.resources.map((r) => {
            const kind = kindOf(r);
            return {
                urn: r.urn,
                type: r.type,
                ...(kind !== r.type ? { kind } : {}),
                name: r.name,
                parent: r.parent,
                ...(r.custom !== undefined ? { custom: r.custom } : {}),
                inputs: r.inputs,
                dependencies: r.dependencies,
                retainOnDelete: r.retainOnDelete === true,
            };
        }),
        outputs: plan.outputs,
    };
}

/** A file `--diff` cannot use: printed as one line, exit code 2. */
export class PlanFileError extends Error {}

/** Reads a plan JSON file's text (any format up to `PLAN_FORMAT_VERSION`) back into a plan. */
export function parsePlanJson(text: string, source: string): Plan {
    const notPlan = (why: string) =>
        new PlanFileError(`${source} is not a plan JSON file (${why}); write one with \`npm run plan -- --stack <name> --json ${source}\``);
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw notPlan(`not JSON: ${(e as Error).message}`);
    }
    if (!isPlainObject(doc)) throw notPlan("not a JSON object");
    const version = doc.formatVersion ?? 1;
    if (typeof version !== "number" || !Number.isInteger(version) || version < 1) throw notPlan(`formatVersion ${JSON.stringify(doc.formatVersion)} is not a version number`);
    if (version > PLAN_FORMAT_VERSION) {
        throw new PlanFileError(
            `${source} was written by a newer ml-team-env (plan format ${version}; this one reads formats up to ${PLAN_FORMAT_VERSION}): update this checkout, or write the old plan again with this one`,
        );
    }
    if (version >= 2 && doc.tool !== TOOL) throw notPlan(`'tool' is ${JSON.stringify(doc.tool)}, not "${TOOL}"`);
    if (typeof doc.stack !== "string") throw notPlan("no 'stack'");
    if (!Array.isArray(doc.resources)) throw notPlan("no 'resources' list");
    const resources: PlannedResource[] = doc.resources.map((r: unknown, i: number) => {
        if (!isPlainObject(r) || typeof r.urn !== "string" || typeof r.type !== "string" || typeof r.name !== "string" || !isPlainObject(r.inputs)) {
            throw notPlan(`resources[${i}] lacks urn, type, name or inputs`);
        }
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: typeof r.parent === "string" ? r.parent : undefined,
            ...(typeof r.custom === "boolean" ? { custom: r.custom } : {}),
            inputs: r.inputs,
            dependencies: Array.isArray(r.dependencies) ? r.dependencies.map(String) : [],
            ...(r.retainOnDelete === true ? { retainOnDelete: true } : {}),
        };
    });
    return {
        stack: doc.stack,
        resources,
        outputs: isPlainObject(doc.outputs) ? doc.outputs : {},
        warnings: Array.isArray(doc.warnings) ? doc.warnings.map(String) : [],
        placeholderSecrets: Array.isArray(doc.placeholderSecrets) ? doc.placeholderSecrets.map(String) : [],
        ...(isPlainObject(doc.config) ? { config: doc.config } : {}),
    };
}
