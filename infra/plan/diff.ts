/**
 * What changed between two plans of one stack, per resource (by URN): added, changed
 * (with the changed inputs as dotted paths, old → new), removed, and removed but kept
 * (`retainOnDelete`, or a GitLab object its provider never deletes). Also the stack
 * config keys that changed. Used by `npm run plan -- --diff OLD.json` and by onboarding.
 */
import { isDeepStrictEqual } from "util";
import { fill, formatValue, headLines, isPlainObject, isScalar, joinPath, MAX_LINE, wrapWords } from "./format";
import { keptOnDelete, kindOf } from "./key-settings";
import { UNKNOWN } from "./mock-runtime";
import type { Plan, PlannedResource } from "./plan";
import { isComponent, settingPieces } from "./render";
import { CHANGE_GUARD_KIND, ChangeGuardInputs, GuardFailure, guardFailures } from "../stack/change-guard";

/** One changed value: `before`/`after` undefined when the key is absent on that side. */
export interface KeyChange {
    readonly path: string;
    readonly before: unknown;
    readonly after: unknown;
}

export interface ChangedResource extends PlannedResource {
    /** The resource as the earlier plan had it. */
    readonly before: PlannedResource;
    readonly changes: readonly KeyChange[];
}

export interface RemovedResource extends PlannedResource {
    /** Why the object stays although the resource leaves the program; undefined when `pulumi up` deletes it. */
    readonly kept?: string;
}

export interface PlanDiff {
    readonly added: PlannedResource[];
    /** Every resource no longer in the plan; those with `kept` stay in place. */
    readonly removed: RemovedResource[];
    readonly changed: ChangedResource[];
    /** Changed stack config keys (`ml-team-env:jupyterhub.idleTimeoutMinutes`). */
    readonly config: readonly KeyChange[];
    /**
     * Inputs of resources in both plans that are unknown in both (ids and names aside), as
     * `name key`: offline they cannot be compared, so a config change may reach them unseen.
     */
    readonly uncompared: readonly string[];
    /** Changes `pulumi up` refuses (the change guard's check), which the resource list alone shows as updates. */
    readonly refused: readonly GuardFailure[];
}

/** The changed leaves between two values, as dotted paths. Lists of scalars change as a whole. */
export function diffValues(before: unknown, after: unknown, path = "", out: KeyChange[] = []): KeyChange[] {
    if (isDeepStrictEqual(before, after)) return out;
    if ((isPlainObject(before) || before === undefined) && (isPlainObject(after) || after === undefined) && !(before === undefined && after === undefined)) {
        const b = (before ?? {}) as Record<string, unknown>;
        const a = (after ?? {}) as Record<string, unknown>;
        // An object that appears or disappears whole is one change when small, else its leaves.
        if ((before === undefined || after === undefined) && formatValue(before ?? after, 80).startsWith("{")) {
            out.push({ path: path || "(root)", before, after });
            return out;
        }
        for (const k of [...Object.keys(b), ...Object.keys(a).filter((k) => !(k in b))]) diffValues(b[k], a[k], joinPath(path, k), out);
        return out;
    }
    if (Array.isArray(before) && Array.isArray(after) && !(before.every(isScalar) && after.every(isScalar))) {
        // Records with an identity (members by username, rules by name) match by it, not by position.
        const id = identityKey(before, after);
        if (id) {
            const key = (x: unknown) => String((x as Record<string, unknown>)[id]);
            const b = new Map(before.map((x) => [key(x), x]));
            const a = new Map(after.map((x) => [key(x), x]));
            for (const k of [...b.keys(), ...[...a.keys()].filter((k) => !b.has(k))]) diffValues(b.get(k), a.get(k), `${path}[${id}=${k}]`, out);
            return out;
        }
        for (let i = 0; i < Math.max(before.length, after.length); i++) diffValues(before[i], after[i], `${path}[${i}]`, out);
        return out;
    }
    out.push({ path: path || "(root)", before, after });
    return out;
}

/** A key every record of both lists has, with a distinct scalar value in each list. */
function identityKey(before: readonly unknown[], after: readonly unknown[]): string | undefined {
    const all = [...before, ...after];
    if (all.length === 0 || !all.every(isPlainObject)) return undefined;
    const distinct = (list: readonly unknown[], k: string) => {
        const values = list.map((x) => (x as Record<string, unknown>)[k]);
        return values.every((v) => typeof v === "string" || typeof v === "number") && new Set(values).size === values.length;
    };
    return ["username", "name", "id", "key"].find((k) => distinct(before, k) && distinct(after, k));
}

/** The inputs that changed, plus `retainOnDelete` when it did. */
function resourceChanges(before: PlannedResource, after: PlannedResource): KeyChange[] {
    const changes = diffValues(before.inputs, after.inputs);
    if (Boolean(before.retainOnDelete) !== Boolean(after.retainOnDelete)) {
        changes.push({ path: "(option) retainOnDelete", before: Boolean(before.retainOnDelete), after: Boolean(after.retainOnDelete) });
    }
    return changes;
}

/** Resources added, changed and removed between two plans of one stack, and the changed config keys. */
export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const now = new Map(after.resources.map((r) => [r.urn, r]));
    const changed: ChangedResource[] = [];
    const uncompared: string[] = [];
    const refused: GuardFailure[] = [];
    for (const r of after.resources) {
        const prev = old.get(r.urn);
        if (!prev) continue;
        const changes = resourceChanges(prev, r);
        if (changes.length > 0) changed.push({ ...r, before: prev, changes });
        if (changes.length > 0 && kindOf(r) === CHANGE_GUARD_KIND) refused.push(...guardFailures(prev.inputs, r.inputs as unknown as ChangeGuardInputs));
        for (const [k, v] of Object.entries(r.inputs)) {
            if (v === UNKNOWN && prev.inputs[k] === UNKNOWN && !/(Ids?|Arns?|Names?|^id|^arn|^name|^url|^role)$/i.test(k)) uncompared.push(`${r.name} ${k}`);
        }
    }
    return {
        added: after.resources.filter((r) => !old.has(r.urn)),
        removed: before.resources
            .filter((r) => !now.has(r.urn))
            .map((r) => {
                const kept = isComponent(r) ? undefined : keptOnDelete(r);
                return kept ? { ...r, kept } : r;
            }),
        changed,
        config: before.config && after.config ? diffValues(before.config, after.config) : [],
        uncompared,
        refused,
    };
}

/** Whether anything differs (resources or stack config). */
export function diffHasChanges(diff: PlanDiff): boolean {
    return diff.added.length + diff.removed.length + diff.changed.length + diff.config.length > 0;
}

/** `2 to add, 1 to change, 1 to remove, 1 removed but kept` (counts resources; components included). */
export function diffSummary(diff: PlanDiff): string {
    const kept = diff.removed.filter((r) => r.kept).length;
    const parts = [`${diff.added.length} to add`, `${diff.changed.length} to change`, `${diff.removed.length - kept} to remove`];
    if (kept > 0) parts.push(`${kept} removed from the program but kept`);
    if (diff.config.length > 0) parts.push(`${diff.config.length} stack config value${diff.config.length === 1 ? "" : "s"} changed`);
    return parts.join(", ");
}

/** How many changed keys are listed per resource before the rest is counted. */
const MAX_CHANGES_SHOWN = 25;

/** One change as lines: `path: old → new`, or the path then the values on their own lines when long. */
function changeLines(c: KeyChange, indent: string, width: number): string[] {
    const show = (v: unknown, max: number) => (v === undefined ? "(absent)" : formatValue(v, max));
    const one = `${indent}${c.path}: ${show(c.before, 60)} → ${show(c.after, 60)}`;
    if (one.length <= width) return [one];
    const room = width - indent.length - 6;
    return [...wrapWords(`${c.path}:`, indent, indent + "  ", width), `${indent}    ${show(c.before, room)}`, `${indent}  → ${show(c.after, room)}`];
}

export interface RenderDiffOptions {
    /** When the config changed, add a note naming the inputs that could not be compared offline (`uncompared`). @default false */
    readonly notes?: boolean;
    /** Longest line. @default MAX_LINE */
    readonly width?: number;
}

/** The diff as lines a reviewer reads: `+` added, `~` changed (with its keys), `-` removed, `-` … `[kept]`. */
export function renderDiff(diff: PlanDiff, options: RenderDiffOptions = {}): string {
    const lines: string[] = [];
    const width = options.width ?? MAX_LINE;
    const entry = (sign: string, r: PlannedResource, suffix: string[] = [], withSettings = true) => {
        const indent = "        ";
        const heads = headLines(`  ${sign} `, kindOf(r), r.name, indent, width);
        const head = heads.at(-1)!;
        const pieces = withSettings ? settingPieces(r, width - indent.length) : [];
        const all = [...pieces, ...suffix];
        const joined = `${head}${all.length ? `  ${all.join("  ")}` : ""}`;
        lines.push(...heads.slice(0, -1), ...(joined.length <= width ? [joined] : [head, ...fill(all, indent, width)]));
    };
    for (const r of diff.added) entry("+", r);
    for (const r of diff.changed) {
        entry("~", r, [], false);
        for (const c of r.changes.slice(0, MAX_CHANGES_SHOWN)) lines.push(...changeLines(c, "      ", width));
        if (r.changes.length > MAX_CHANGES_SHOWN) lines.push(`      (and ${r.changes.length - MAX_CHANGES_SHOWN} more changed keys: compare the --json files)`);
    }
    for (const r of diff.removed.filter((x) => !x.kept)) entry("-", r);
    for (const r of diff.removed.filter((x) => x.kept)) entry("-", r, [`[kept: ${r.kept}]`]);
    if (lines.length === 0) lines.push("  (no changes to resources)");
    // First, so no reviewer reads the updates above as harmless.
    if (diff.refused.length > 0) lines.unshift("  `pulumi up` refuses this change:", ...diff.refused.flatMap((f) => wrapWords(f.reason, "  ✗ ", "    ", width)), "");
    if (diff.config.length > 0) {
        lines.push("", "  Stack config:");
        for (const c of diff.config) lines.push(...changeLines(c, "    ~ ", width));
        const blind = options.notes ? diff.uncompared : [];
        if (blind.length > 0) {
            lines.push(
                ...wrapWords(
                    `Known only after deploy in both plans, so not compared (a config change may still reach them): ${blind.slice(0, 8).join(", ")}${blind.length > 8 ? `, and ${blind.length - 8} more` : ""}.`,
                    "  note: ",
                    "        ",
                    width,
                ),
            );
        }
    }
    return lines.join("\n");
}
