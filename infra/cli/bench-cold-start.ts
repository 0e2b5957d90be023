/**
 * The cold-start section of `npm run bench`: for each stack, the modelled wait for a GPU
 * notebook when the GPU pool is at zero, step by step for each GPU type of its pool, before
 * and after each option, and the stack's settings on every GPU type the package knows.
 */
import { ClusterTeamConfig, hasCluster, TeamConfig } from "../config/validate";
import { nodeImageSettings } from "../cold-start/node-image-settings";
import { budgetLines, gpuTypeLines, optionLines, optionRows, stackBudgetInput } from "../cold-start/options";
import { coldStartBudget } from "../cold-start/budget";

/** The image settings of a validated EKS config, optionally for another GPU type. */
export function settingsOf(config: ClusterTeamConfig, gpuType?: string) {
    if (config.cluster.mode !== "eks") throw new Error("not an EKS stack");
    const c = gpuType ? { ...config.cluster, gpuNodePool: { ...config.cluster.gpuNodePool, instanceTypes: [gpuType] } } : config.cluster;
    return nodeImageSettings(c, { registry: config.image.registry, sizeGiB: config.environment.imageSizeGiB }, config.jupyterhub.idleTimeoutMinutes);
}

/** The section's lines for one stack. */
export function coldStartLines(stack: string, config: TeamConfig): string[] {
    if (!hasCluster(config)) return [`  ${stack}: cluster.mode none: no cluster, so no GPU notebooks to start`];
    if (config.cluster.mode !== "eks") return [`  ${stack}: cluster.mode existing: the GPU nodes are yours; their launch, disk and network are not known to the package`];
    const c = config.cluster;
    const s = settingsOf(config);
    const zones = c.vpc === "create" ? c.availabilityZoneCount : c.vpc.privateSubnetIds.length;
    const lines = [`  ${stack}: image ${s.imageGiB.compressed} GiB compressed, ${s.imageGiB.unpacked} GiB unpacked${config.environment.imageSizeGiB ? "" : " (default estimate)"}, pulled from ${s.source === "ecr" ? "ECR" : "outside AWS"}`];
    for (const type of c.gpuNodePool.instanceTypes) {
        lines.push(`  ${stack} on ${type}, as configured:`);
        lines.push(...budgetLines(coldStartBudget(stackBudgetInput(c, settingsOf(config, type), type)), "    "));
    }
    lines.push(`  ${stack}, before and after each option (cumulative; [on] = this stack has it):`);
    lines.push(...optionLines(optionRows(c, s, zones), "    "));
    lines.push(`  ${stack}'s settings on each GPU type:`);
    lines.push(...gpuTypeLines(c, (type) => settingsOf(config, type), "    "));
    return lines;
}
