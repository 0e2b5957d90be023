/**
 * The checks of config validation that decide what a stack sets up at all: a cluster and hub or
 * the GitLab part alone (`cluster.mode: none`), runners or the team's own, and the confirmation a
 * change of cluster mode needs. Pure; reports through the caller's `err`/`warn`.
 */
import { CiConfig, ClusterConfig, JupyterHubConfig, RunnersConfig } from "./schema";

type Path = readonly PropertyKey[];

export interface SetupContext {
    err(path: Path, message: string): void;
    warn(message: string): void;
}

/**
 * A hub in every mode but `none`, none in `none`; no runners in `none`. Returns the runners config
 * in effect (`enabled: false` in mode `none`).
 */
export function checkClusterParts(o: { cluster: ClusterConfig | undefined; jupyterhub: JupyterHubConfig | undefined; runners: RunnersConfig | undefined; rawRunners: unknown }, ctx: SetupContext): RunnersConfig | undefined {
    const { cluster, jupyterhub, runners } = o;
    if (cluster && cluster.confirmModeChangeFrom === cluster.mode) {
        ctx.err(["cluster", "confirmModeChangeFrom"], `names the mode this stack is in (${cluster.mode}); it confirms leaving another mode: set it to the mode the stack was deployed with, or remove it`);
    }
    if (cluster?.mode === "none") {
        if (jupyterhub) ctx.err(["jupyterhub"], "cluster.mode none has no cluster and so no hub: remove ml-team-env:jupyterhub, or choose cluster.mode eks or existing");
        if ((o.rawRunners as { enabled?: unknown } | undefined)?.enabled === true) ctx.err(["runners", "enabled"], "cluster.mode none has no cluster to run runners on: remove it (the pipeline uses runners your GitLab already has, see runners.cpuTags and runners.gpuTags)");
        return runners ? { ...runners, enabled: false } : undefined;
    }
    if (cluster && !jupyterhub) ctx.err(["jupyterhub"], "is required: the hub's host, OAuth application and notebook profiles (or cluster.mode: none for the GitLab part alone)");
    return runners;
}

/**
 * Without the stack's own runners the pipeline's jobs wait for runners with their tags forever
 * unless the team has such runners. The default tags name the runners this stack would have made,
 * so they are refused; tags the stack file gives are taken as the team's runners, with a warning.
 */
export function checkPipelineRunners(o: { runners: RunnersConfig | undefined; ci: CiConfig | undefined; rawRunners: unknown; clusterMode: ClusterConfig["mode"] | undefined }, ctx: SetupContext): void {
    const { runners, ci } = o;
    if (!runners || runners.enabled || !ci?.pipeline) return;
    const raw = (o.rawRunners ?? {}) as { cpuTags?: unknown; gpuTags?: unknown };
    const why = o.clusterMode === "none" ? "cluster.mode none runs no runners" : "runners.enabled is false";
    const missing = (["cpuTags", "gpuTags"] as const).filter((k) => raw[k] === undefined);
    if (missing.length > 0) {
        for (const k of missing) {
            ctx.err(
                ["runners", k],
                `is not set, and ${why}: the pipeline's ${k === "cpuTags" ? "CPU jobs (lint, unit tests)" : "GPU jobs (smoke and release training)"} would carry the default tags ` +
                    `[${runners[k].join(", ")}] of runners this stack does not create, and every merge request would wait for one forever. ` +
                    `Set it to the tags of runners your GitLab already has for this project, or set ci.pipeline: false${o.clusterMode === "none" ? "" : ", or runners.enabled: true"}`,
            );
        }
        return;
    }
    ctx.warn(
        `${why}: the pipeline's jobs go to runners the team already has, tagged [${runners.cpuTags.join(", ")}] (CPU jobs) and [${runners.gpuTags.join(", ")}] ` +
            "(GPU jobs: smoke and release training); a merge request waits until such a runner is online for the project (npm run doctor lists them).",
    );
}
