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

export function createCluster(name: string, config: ClusterTeamConfig, secrets: TeamSecrets, opts?: pulumi.ComponentResourceOptions): ClusterHandle & pulumi.ComponentResource {
    if (config.cluster.mode === "eks") {
        return new GpuCluster(
            name,
            {
                clusterName: `${config.stack}-ml-team`,
                cluster: config.cluster,
                gpusPerNode: config.gpuCapacity.gpusPerNode,
                tags: { "ml-team-env/stack": config.stack },
            },
            opts,
        );
    }
    if (!secrets.kubeconfig) throw new Error("cluster.mode 'existing' needs the kubeconfig secret");
    return new ExistingCluster(name, { cluster: config.cluster, kubeconfig: secrets.kubeconfig }, opts);
}
