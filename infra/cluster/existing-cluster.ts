import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExistingClusterConfig } from "../config/schema";
import { ClusterHandle } from "./cluster-handle";
import { GpuPlacement, NVIDIA_GPU_RESOURCE, SystemPlacement, Toleration } from "./gpu-placement";
import { NvidiaDevicePlugin } from "./nvidia-device-plugin";

/** GPU placement on a cluster you already run: your GPU servers' labels and taints. */
export function existingGpuPlacement(c: ExistingClusterConfig): GpuPlacement {
    return {
        nodeSelector: { ...c.gpuNodeSelector },
        tolerations: c.gpuNodeTaints.map(
            (t): Toleration => ({ key: t.key, operator: t.operator, effect: t.effect, ...(t.operator === "Equal" && t.value !== undefined ? { value: t.value } : {}) }),
        ),
        resourceName: NVIDIA_GPU_RESOURCE,
        gpusPerNode: c.gpusPerNode,
        maxGpus: c.gpusPerNode * c.gpuNodeCount,
    };
}

/** All three placements on a cluster you run: your nodes' labels; only GPU servers are known to carry taints. */
export function existingPlacements(c: ExistingClusterConfig): { readonly gpu: GpuPlacement; readonly system: SystemPlacement; readonly user: SystemPlacement } {
    return {
        gpu: existingGpuPlacement(c),
        system: { nodeSelector: { ...c.systemNodeSelector }, tolerations: [] },
        user: { nodeSelector: { ...c.userNodeSelector }, tolerations: [] },
    };
}

export interface ExistingClusterArgs {
    /** The `cluster` section of the stack config (`mode: existing`). */
    readonly cluster: ExistingClusterConfig;
    /** kubeconfig of the cluster, a Pulumi secret. */
    readonly kubeconfig: pulumi.Input<string>;
}

/**
 * A cluster the team already runs (on-prem GPU servers, another cloud). Creates no cloud
 * resources: a provider from the kubeconfig, the GPU placement from the configured labels,
 * and the device plugin only when asked (the GPU operator often runs one already). Its network
 * plugin must enforce NetworkPolicy (Calico, Cilium, ...): this package installs none here.
 */
export class ExistingCluster extends pulumi.ComponentResource implements ClusterHandle {
    readonly provider: k8s.Provider;
    readonly gpuPlacement: GpuPlacement;
    readonly systemPlacement: SystemPlacement;
    readonly userPlacement: SystemPlacement;
    readonly userStorageClassName: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ExistingCluster", name, {}, opts);
        this.kubeconfig = pulumi.secret(args.kubeconfig);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        const placements = existingPlacements(args.cluster);
        this.gpuPlacement = placements.gpu;
        this.systemPlacement = placements.system;
        this.userPlacement = placements.user;
        this.userStorageClassName = pulumi.output(args.cluster.storageClassName);
        this.clusterName = pulumi.output(name);
        if (args.cluster.installDevicePlugin) {
            new NvidiaDevicePlugin(`${name}-nvidia-device-plugin`, { placements: [this.gpuPlacement], provider: this.provider }, { parent: this });
        }
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
