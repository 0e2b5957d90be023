/**
 * The one place that knows which cluster mode is on. Everything downstream takes the
 * returned `ClusterHandle`.
 */
import * as pulumi from "@pulumi/pulumi";
import { TeamSecrets } from "../config/load";
import { ClusterTeamConfig } from "../config/validate";
import { ClusterHandle } from "./cluster-handle";
import { ExistingCluster } from "./existing-cluster";
import { GpuCluster } from "./gpu-cluster";
import { nodeImageSettings } from "../cold-start/node-image-settings";
import { PULL_THROUGH_UPSTREAMS } from "../environment/pull-through-cache";
import { parseEnvironmentImage } from "../environment/environment-image";

/** The pull-through cache the config asks for: the upstream of the image as the stack file writes it. */
function pullThroughFor(config: ClusterTeamConfig) {
    if (config.cluster.mode !== "eks" || !config.cluster.imagePullThroughCache || !config.image.upstreamReference) return undefined;
    const written = parseEnvironmentImage(config.image.upstreamReference);
    const upstream = written.ok ? PULL_THROUGH_UPSTREAMS[written.image.registry] : undefined;
    if (!upstream) return undefined;
    const { accountId, credentialArn } = config.cluster.imagePullThroughCache;
    return { upstream, accountId, ...(credentialArn ? { credentialArn } : {}) };
}

export function createCluster(name: string, config: ClusterTeamConfig, secrets: TeamSecrets, opts?: pulumi.ComponentResourceOptions): ClusterHandle & pulumi.ComponentResource {
    if (config.cluster.mode === "eks") {
        const pullThrough = pullThroughFor(config);
        return new GpuCluster(
            name,
            {
                clusterName: `${config.stack}-ml-team`,
                cluster: config.cluster,
                gpusPerNode: config.gpuCapacity.gpusPerNode,
                ...(config.gpuCapacity.shared ? { sharedGpusPerNode: config.gpuCapacity.shared.gpusPerNode } : {}),
                tags: { "ml-team-env/stack": config.stack },
                nodeImage: nodeImageSettings(config.cluster, { registry: config.image.registry, sizeGiB: config.environment.imageSizeGiB }, config.jupyterhub.idleTimeoutMinutes),
                ...(pullThrough ? { imagePullThroughCache: pullThrough } : {}),
            },
            opts,
        );
    }
    if (!secrets.kubeconfig) throw new Error("cluster.mode 'existing' needs the kubeconfig secret");
    return new ExistingCluster(name, { cluster: config.cluster, kubeconfig: secrets.kubeconfig }, opts);
}
