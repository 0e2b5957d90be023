/**
 * The plan as text: a tree by component with each resource's key settings, a summary
 * line, a count by type, the stack outputs and the warnings. No line is longer than
 * `MAX_LINE`; values are shown whole or summarised, never cut.
 */
import { fill, formatValue, headLines, layout, MAX_LINE, Token, tokenText, unknownPaths, wrapWords } from "./format";
import { keptOnDelete, keySettingTokens, kindOf } from "./key-settings";
import { UNKNOWN } from "./mock-runtime";
import type { Plan, PlannedResource } from "./plan";

/** A one-line summary of a resource's key settings (tokens two spaces apart). */
export function keySettings(r: PlannedResource): string {
    return settingPieces(r, MAX_LINE).join("  ");
}

/** Setting tokens as text, each fitting in `width`. */
export function settingPieces(r: PlannedResource, width: number): string[] {
    return keySettingTokens(r).map((t: Token) => tokenText(t, width));
}

export interface PlanCounts {
    /** Every resource the plan registers (components included, as `pulumi preview` counts). */
    readonly create: number;
    /** Components (no cloud object of their own). */
    readonly components: number;
    /** Resources that would stay in place if later removed from the program. */
    readonly keptOnDelete: number;
    /** Inputs (by path) whose value is known only after deploy. */
    readonly unknownInputs: number;
}

/** Counts for the summary line. */
export function planCounts(plan: Plan): PlanCounts {
    let components = 0;
    let kept = 0;
    let unknown = 0;
    for (const r of plan.resources) {
        if (isComponent(r)) components++;
        else if (keptOnDelete(r)) kept++;
        const { __provider: _code, ...inputs } = r.inputs;
        unknown += unknownPaths(inputs).length;
    }
    return { create: plan.resources.length, components, keptOnDelete: kept, unknownInputs: unknown };
}

/** `Plan: 101 to create, 6 kept if later removed, 38 inputs known after deploy` */
export function planSummary(plan: Plan): string {
    const c = planCounts(plan);
    const parts = [`Plan: ${c.create} to create (${c.create - c.components} resources, ${c.components} components)`];
    if (c.keptOnDelete > 0) parts.push(`${c.keptOnDelete} of them kept if later removed from the program`);
    if (c.unknownInputs > 0) parts.push(`${c.unknownInputs} input values known only after deploy`);
    return parts.join("; ");
}

/** Components register no cloud object of their own (the stack, `TeamEnvironment`, ...). */
export function isComponent(r: PlannedResource): boolean {
    return r.custom === false;
}

/** Renders the plan as a tree by component, a summary, a count by type, and the stack outputs, in lines of at most `width`. */
export function renderPlan(plan: Plan, width = MAX_LINE): string {
    const lines: string[] = [];
    const para = (text: string) => lines.push(...wrapWords(text, "", "", width));
    para(`Offline plan for stack '${plan.stack}': what \`pulumi up --stack ${plan.stack}\` would create.`);
    para(`NOTHING WAS DEPLOYED: this ran the real program under the Pulumi SDK's mock runtime, as a preview of a new stack.`);
    para(`Values only the cloud can compute are shown as ${UNKNOWN}; secrets as [secret].`);
    if (plan.placeholderSecrets.length > 0) {
        para(`Secrets: ${plan.placeholderSecrets.join(", ")} are 'secure:' values only the Pulumi CLI can decrypt; the plan used secret placeholders.`);
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
            const childIndent = indent + (last ? "   " : "│  ");
            const hasChildren = (children.get(r.urn) ?? []).length > 0;
            const contIndent = childIndent + (hasChildren ? "│" : " ") + "     ";
            const heads = headLines(`${indent}${last ? "└─ " : "├─ "}`, kindOf(r), r.name, contIndent, width);
            const kept = keptOnDelete(r) && !isComponent(r) ? "[kept if removed]" : undefined;
            lines.push(...heads.slice(0, -1), ...layout(heads.at(-1)!, settingPieces(r, width - contIndent.length), contIndent, kept, width));
            walk(r.urn, childIndent);
        });
    };
    walk(undefined, "");
    lines.push("");
    const summary = planSummary(plan);
    lines.push(...(summary.length <= width ? [summary] : summary.split("; ").flatMap((part, i) => wrapWords(part + (i < summary.split("; ").length - 1 ? ";" : ""), i === 0 ? "" : "  ", "    ", width))));
    lines.push("");
    lines.push("Resources by type:");
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(kindOf(r), (counts.get(kindOf(r)) ?? 0) + 1);
    const typeWidth = Math.max(...[...counts.keys()].map((k) => k.length), 5);
    for (const [type, n] of [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
        lines.push(`  ${type.padEnd(typeWidth)}  ${n}`);
    }
    lines.push(`  ${"total".padEnd(typeWidth)}  ${plan.resources.length}`);
    lines.push("");
    lines.push("Stack outputs:");
    for (const [k, v] of Object.entries(plan.outputs)) lines.push(...renderOutput(k, v, width));
    if (plan.warnings.length > 0) {
        lines.push("");
        lines.push("Warnings:");
        for (const w of plan.warnings) lines.push(...wrapWords(w, "  ! ", "    ", width));
    }
    lines.push("");
    lines.push("Nothing was deployed.");
    return lines.join("\n");
}

/** How many entries of a map output are listed before the rest is counted. */
const MAX_OUTPUT_ENTRIES = 20;

/** One stack output: scalars inline, lists of records one record per line, maps one entry per line. */
function renderOutput(key: string, v: unknown, width: number): string[] {
    const flat = `  ${key}: ${formatValue(v, width - key.length - 4)}`;
    // Scalars, and lists or maps short enough to read on one line.
    if (v === null || typeof v !== "object" || !formatValue(v, width - key.length - 4).startsWith("(")) return [flat];
    if (Array.isArray(v)) {
        const out = [`  ${key}:`];
        for (const item of v) {
            if (item !== null && typeof item === "object" && !Array.isArray(item)) {
                const pieces = Object.entries(item as Record<string, unknown>).map(([ik, iv]) => tokenText({ label: ik, value: iv }, width - 6));
                const [first, ...rest] = fill(pieces, "", width - 6);
                out.push(`    - ${first ?? ""}`, ...rest.map((l) => `      ${l}`));
            } else {
                out.push(`    - ${formatValue(item, width - 6)}`);
            }
        }
        return out;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    const out = [`  ${key}:`];
    for (const [ek, ev] of entries.slice(0, MAX_OUTPUT_ENTRIES)) out.push(`    ${ek}: ${formatValue(ev, width - ek.length - 6)}`);
    if (entries.length > MAX_OUTPUT_ENTRIES) out.push(`    (and ${entries.length - MAX_OUTPUT_ENTRIES} more entries: see --json)`);
    return out;
}
