/**
 * Chart defaults and Helm's merge, so tests assert on the values a chart really renders with:
 * Helm coalesces user values over the chart's `values.yaml` (maps merge, lists and scalars
 * replace, `null` deletes a default). Defaults come from `../shared/reference/` (third-party
 * data, not in the repository); tests that need them skip with a printed reason when absent.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

export const REFERENCE_DIR = path.join(__dirname, "../../../shared/reference");

/** The reference files by chart. */
export const CHART_DEFAULTS = {
    z2jh: "z2jh-values.yaml",
    devicePlugin: "nvidia-device-plugin-values.yaml",
    clusterAutoscaler: "cluster-autoscaler-values.yaml",
} as const;

/** A chart's default values, or undefined (with a printed reason) when the reference file is absent. */
export function chartDefaults(chart: keyof typeof CHART_DEFAULTS, why: string): Record<string, unknown> | undefined {
    const file = path.join(REFERENCE_DIR, CHART_DEFAULTS[chart]);
    if (!fs.existsSync(file)) {
        console.warn(`SKIPPED: ${why} — ${file} is absent (a plain clone has no ../shared/reference).`);
        return undefined;
    }
    return parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Helm's coalescing of user values over chart defaults. */
export function helmMerge(defaults: unknown, overrides: unknown): unknown {
    if (overrides === null) return undefined;
    if (isMap(defaults) && isMap(overrides)) {
        const out: Record<string, unknown> = { ...defaults };
        for (const [k, v] of Object.entries(overrides)) {
            const merged = helmMerge(defaults[k], v);
            if (merged === undefined) delete out[k];
            else out[k] = merged;
        }
        return out;
    }
    return overrides === undefined ? defaults : overrides;
}

/** The effective values of a release: the chart's defaults with `values` merged over them. */
export function effectiveValues(defaults: Record<string, unknown>, values: Record<string, unknown>): Record<string, any> {
    return helmMerge(defaults, values) as Record<string, any>;
}
