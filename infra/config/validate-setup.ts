/**
 * The checks of config validation that decide what a stack sets up at all: a cluster and hub or
 * the GitLab part alone (`cluster.mode: none`), runners or the team's own, and the confirmations a
 * change of cluster mode and a smaller home size need. Pure; reports through the caller's `err`/`warn`.
 */
import { cidrOverlaps, cidrRange, cidrWithin } from "../network/ipv4";
import { PRIVATE_RANGES } from "../workspaces/private-egress";
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
export function checkClusterParts(o: { cluster: ClusterConfig | undefined; rawJupyterhub: unknown; runners: RunnersConfig | undefined; rawRunners: unknown }, ctx: SetupContext): RunnersConfig | undefined {
    const { cluster, runners } = o;
    if (cluster && cluster.confirmModeChangeFrom === cluster.mode) {
        ctx.err(["cluster", "confirmModeChangeFrom"], `names the mode this stack is in (${cluster.mode}); it confirms leaving another mode: set it to the mode the stack was deployed with, or remove it`);
    }
    if (cluster?.mode === "none") {
        if (o.rawJupyterhub !== undefined) ctx.err(["jupyterhub"], "cluster.mode none has no cluster and so no hub: remove ml-team-env:jupyterhub, or choose cluster.mode eks or existing");
        if ((o.rawRunners as { enabled?: unknown } | undefined)?.enabled === true) ctx.err(["runners", "enabled"], "cluster.mode none has no cluster to run runners on: remove it (the pipeline uses runners your GitLab already has, see runners.cpuTags and runners.gpuTags)");
        return runners ? { ...runners, enabled: false } : undefined;
    }
    // A hub section that does not parse has its own errors already.
    if (cluster && o.rawJupyterhub === undefined) ctx.err(["jupyterhub"], "is required: the hub's host, OAuth application and notebook profiles (or cluster.mode: none for the GitLab part alone)");
    return runners;
}

/**
 * `jupyterhub.confirmStorageShrinkFrom` confirms shrinking homes from the size last deployed, so it
 * must be larger than `storageGiB`; otherwise it confirms nothing and is likely a typo.
 */
export function checkStorageShrink(jupyterhub: JupyterHubConfig | undefined, ctx: SetupContext): void {
    const from = jupyterhub?.confirmStorageShrinkFrom;
    if (jupyterhub && from !== undefined && from <= jupyterhub.storageGiB) {
        ctx.err(
            ["jupyterhub", "confirmStorageShrinkFrom"],
            `is ${from}, not more than storageGiB (${jupyterhub.storageGiB}); it confirms shrinking homes from the size last deployed: ` +
                "set it to that size, or remove it",
        );
    }
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

/**
 * Each private destination: a real IPv4 network inside a private range (public addresses are open
 * already, and the metadata service must stay closed), and on EKS outside the cluster's own VPC,
 * where nodes and pods have their addresses.
 */
export function checkPrivateEgress(jupyterhub: JupyterHubConfig | undefined, cluster: ClusterConfig | undefined, ctx: SetupContext): void {
    jupyterhub?.privateEgress.forEach((d, i) => {
        const path = ["jupyterhub", "privateEgress", i, "cidr"];
        const [base, bits] = d.cidr.split("/") as [string, string];
        if (base.split(".").some((o) => Number(o) > 255) || Number(bits) > 32) return ctx.err(path, "must be an IPv4 CIDR such as 10.20.0.0/16 or 10.20.0.5/32");
        const network = cidrRange(d.cidr).first;
        const networkText = [24, 16, 8, 0].map((s) => (network >>> s) & 255).join(".");
        if (networkText !== base) return ctx.err(path, `has host bits set; the network is ${networkText}/${bits} (or write ${base}/32 for one address)`);
        if (!PRIVATE_RANGES.some((r) => cidrWithin(d.cidr, r))) {
            return ctx.err(path, `is not inside a private range (${PRIVATE_RANGES.join(", ")}): notebooks reach public addresses already, and everything else (the metadata service among it) stays closed`);
        }
        if (cluster?.mode === "eks" && cluster.vpc === "create" && cidrOverlaps(d.cidr, cluster.vpcCidr)) {
            ctx.err(path, `overlaps the cluster's VPC (cluster.vpcCidr ${cluster.vpcCidr}), where nodes and pods have their addresses: notebooks would reach them on these ports. List the destination's own range`);
        }
    });
}
