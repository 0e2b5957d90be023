/**
 * The cold-start budget of a stack before and after each option, cumulatively: what the
 * README, docs/cluster.md, `npm run bench` and `npm run doctor` show. Pure.
 */
import type { EksClusterConfig } from "../config/schema";
import type { WarmCapacityConfig } from "../config/schema-cold-start";
import { GPU_INSTANCE_TYPES, INSTANCE_TYPES, smallestInstanceType } from "../cluster/instance-types";
import { warmCapacityMonthlyCost } from "../cluster/warm-capacity";
import { coldStartBudget, ColdStartBudget, ColdStartInput, formatDuration, imageStep } from "./budget";
import { NAT_USD_PER_GB } from "./figures";
import { GP3, gp3UsdPerHour } from "./gp3";
import { NodeImageSettings } from "./node-image-settings";

/** The example schedule shown when a stack has none: one node per zone, 8:00–19:00 on weekdays. */
const EXAMPLE_WARM_CAPACITY: WarmCapacityConfig = { nodesPerZone: 1, start: "0 8 * * MON-FRI", stop: "0 19 * * MON-FRI", timeZone: "UTC" };

export interface OptionRow {
    readonly option: string;
    /** Whether the stack has this option on. */
    readonly on: boolean;
    readonly budget: ColdStartBudget;
    /** NAT gateway charge for the image per cold node, USD. */
    readonly natUsdPerStart: number;
    /** Extra cost per month the option adds (warm capacity), when it has one. */
    readonly monthly?: string;
}

/** The GPU pool's budget input as the stack configures it. */
export function stackBudgetInput(c: EksClusterConfig, s: NodeImageSettings, instanceType?: string): ColdStartInput {
    const type = instanceType ?? smallestInstanceType(c.gpuNodePool.instanceTypes) ?? c.gpuNodePool.instanceTypes[0]!;
    return {
        instanceType: type,
        os: c.gpuNodePool.amiType.startsWith("BOTTLEROCKET") ? "bottlerocket" : "al2023",
        image: { compressedGiB: s.imageGiB.compressed, unpackedGiB: s.imageGiB.unpacked },
        disk: { throughputMiBps: s.gpu.throughputMiBps, iops: s.gpu.iops },
        fastImagePull: s.gpu.fastImagePull,
        source: s.source,
        ...(s.gpu.imageCache ? { imageCache: { initializationRateMiBps: s.gpu.imageCache.initializationRateMiBps } } : {}),
    };
}

const natUsd = (input: ColdStartInput) => (input.source === "external" && !input.imageCache && !input.warmNode ? input.image.compressedGiB * (2 ** 30 / 1e9) * NAT_USD_PER_GB : 0);

/** Before and after each option, cumulatively, for the stack's GPU pool. */
export function optionRows(c: EksClusterConfig, s: NodeImageSettings, zones: number): OptionRow[] {
    const type = smallestInstanceType(c.gpuNodePool.instanceTypes) ?? c.gpuNodePool.instanceTypes[0]!;
    const image = { compressedGiB: s.imageGiB.compressed, unpackedGiB: s.imageGiB.unpacked };
    const steps: { option: string; on: boolean; input: ColdStartInput; monthly?: string }[] = [];
    let input: ColdStartInput = { instanceType: type, os: "al2023", image, disk: { throughputMiBps: GP3.baselineThroughputMiBps, iops: GP3.baselineIops }, fastImagePull: false, source: "external" };
    steps.push({ option: "before: gp3 baseline (125 MiB/s), standard pull, image outside AWS", on: true, input });
    input = { ...input, disk: { throughputMiBps: s.gpu.throughputMiBps, iops: s.gpu.iops } };
    steps.push({ option: `gp3 at ${s.gpu.throughputMiBps} MiB/s, ${s.gpu.iops} IOPS (pays for itself; default)`, on: true, input });
    input = { ...input, fastImagePull: true };
    steps.push({ option: "parallel pull and unpack (FastImagePull; default)", on: s.gpu.fastImagePull || s.gpu.imageCache !== undefined, input });
    input = { ...input, source: "ecr" };
    steps.push({ option: "image from ECR (pull-through cache or the team's ECR repository)", on: s.source === "ecr", input });
    input = { ...input, os: "bottlerocket", fastImagePull: false, imageCache: { initializationRateMiBps: s.gpu.imageCache?.initializationRateMiBps ?? 300 } };
    steps.push({ option: "Bottlerocket image cache (snapshot-backed data volume)", on: s.gpu.imageCache !== undefined, input });
    const warm = s.gpu.warmCapacity ?? EXAMPLE_WARM_CAPACITY;
    const volumeUsdPerHour = gp3UsdPerHour(c.gpuNodePool.diskSizeGiB, s.gpu.throughputMiBps, s.gpu.iops);
    const cost = warmCapacityMonthlyCost(warm, zones, c.gpuNodePool.instanceTypes, volumeUsdPerHour);
    const monthly = "usd" in cost ? `+$${Math.round(cost.usd)}/month (${cost.nodes} node${cost.nodes === 1 ? "" : "s"} × ${Math.round(cost.hours)} h)` : `cost unknown: ${cost.unknown}`;
    steps.push({ option: `warm capacity ${s.gpu.warmCapacity ? "as configured" : `(example: ${warm.nodesPerZone}/zone, "${warm.start}" to "${warm.stop}")`}, within its hours`, on: s.gpu.warmCapacity !== undefined, input: { ...input, warmNode: true }, monthly });
    return steps.map((x) => ({ option: x.option, on: x.on, budget: coldStartBudget(x.input), natUsdPerStart: natUsd(x.input), ...(x.monthly ? { monthly: x.monthly } : {}) }));
}

/** The steps of one budget as aligned text lines. */
export function budgetLines(b: ColdStartBudget, indent = "  "): string[] {
    const lines = b.steps.map((s) => `${indent}${s.title.padEnd(30)} ${formatDuration(s.seconds).padStart(9)}  ${s.how}`);
    return [...lines, `${indent}${"total".padEnd(30)} ${formatDuration(b.totalSeconds).padStart(9)}`];
}

/** The options as aligned text lines. */
export function optionLines(rows: readonly OptionRow[], indent = "  "): string[] {
    return rows.map((r, i) => {
        const image = imageStep(r.budget).seconds;
        const extra = [r.natUsdPerStart > 0 ? `NAT $${r.natUsdPerStart.toFixed(2)}/start` : "", r.monthly ?? ""].filter(Boolean).join(", ");
        return `${indent}${i === 0 ? " " : "+"} ${r.on ? "[on] " : "[off]"} ${formatDuration(r.budget.totalSeconds).padStart(9)}  (image ${formatDuration(image)})  ${r.option}${extra ? `  — ${extra}` : ""}`;
    });
}

/** The options as a Markdown table (README, docs/cluster.md). */
export function optionMarkdown(rows: readonly OptionRow[]): string {
    const head = ["| option (cumulative) | cold GPU notebook | of which image | also |", "|---|---|---|---|"];
    const body = rows.map((r, i) => {
        const image = imageStep(r.budget).seconds;
        const extra = [r.natUsdPerStart > 0 ? `NAT $${r.natUsdPerStart.toFixed(2)} per cold node` : "", r.monthly ?? ""].filter(Boolean).join("; ");
        return `| ${i === 0 ? "" : "+ "}${r.option} | ${formatDuration(r.budget.totalSeconds)} | ${formatDuration(image)} | ${extra} |`;
    });
    return [...head, ...body].join("\n");
}

/** The stack's settings on every known GPU type (throughput derived per type unless the stack sets it): one line each. */
export function gpuTypeLines(c: EksClusterConfig, settingsFor: (type: string) => NodeImageSettings, indent = "  "): string[] {
    return GPU_INSTANCE_TYPES.map((type) => {
        const s = settingsFor(type);
        const b = coldStartBudget(stackBudgetInput(c, s, type));
        const image = imageStep(b);
        return `${indent}${type.padEnd(14)} ${String(INSTANCE_TYPES[type]!.gpus).padStart(2)} GPU  ${formatDuration(b.totalSeconds).padStart(9)}  gp3 ${String(s.gpu.throughputMiBps).padStart(4)} MiB/s  (image ${formatDuration(image.seconds)}: ${image.how})`;
    });
}
