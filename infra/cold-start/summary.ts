/**
 * The stack output `coldStart`: the modelled wait for a GPU notebook from zero as the stack is
 * configured, and what warm capacity costs per month at list price, so the plan and
 * `pulumi stack output` show both. Pure.
 */
import { warmCapacityMonthlyCost, WarmSchedule } from "../cluster/warm-capacity";
import type { ClusterTeamConfig } from "../config/validate";
import { coldStartBudget, formatDuration } from "./budget";
import { gp3UsdPerHour } from "./gp3";
import { nodeImageSettings, PoolImageSettings } from "./node-image-settings";
import { stackBudgetInput } from "./options";

function warmCost(w: WarmSchedule | undefined, zones: number, types: readonly string[], pool: PoolImageSettings): string | undefined {
    if (!w) return undefined;
    const volume = gp3UsdPerHour(pool.diskSizeGiB, pool.throughputMiBps, pool.iops);
    const cost = warmCapacityMonthlyCost(w, zones, types, volume);
    return "usd" in cost
        ? `${cost.nodes} node(s) × ${Math.round(cost.hours)} h/month ≈ $${Math.round(cost.usd)}/month at list price (${types.join(", ")}, us-east-1/us-west-2 On-Demand, with the volume)`
        : `cost unknown: ${cost.unknown}`;
}

/** Undefined for an existing cluster (its nodes are not the package's). */
export function coldStartSummary(config: ClusterTeamConfig): Record<string, string> | undefined {
    if (config.cluster.mode !== "eks") return undefined;
    const c = config.cluster;
    const s = nodeImageSettings(c, { registry: config.image.registry, sizeGiB: config.environment.imageSizeGiB }, config.jupyterhub.idleTimeoutMinutes);
    const zones = c.vpc === "create" ? c.availabilityZoneCount : c.vpc.privateSubnetIds.length;
    const budget = coldStartBudget(stackBudgetInput(c, s));
    const out: Record<string, string> = { gpuNotebookFromZero: `${formatDuration(budget.totalSeconds)} (modelled; npm run bench shows the steps)` };
    const gpuWarm = warmCost(s.gpu.warmCapacity, zones, c.gpuNodePool.instanceTypes, s.gpu);
    const userWarm = warmCost(s.user.warmCapacity, zones, c.userNodePool.instanceTypes, s.user);
    if (gpuWarm) out.gpuWarmCapacity = gpuWarm;
    if (userWarm) out.userWarmCapacity = userWarm;
    return out;
}
