/**
 * What a pod needs to land on a GPU node. Both cluster modes produce one; every GPU
 * consumer (notebook profiles, CI GPU jobs, training jobs, the device plugin) takes one,
 * so nothing downstream knows whether the GPUs are an EKS node group or on-prem servers.
 */

/** A Kubernetes toleration, as the core/v1 API spells it. */
export interface Toleration {
    readonly key: string;
    readonly operator: "Equal" | "Exists";
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A Kubernetes taint, as node groups and nodes carry it. */
export interface Taint {
    readonly key: string;
    readonly value: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface GpuPlacement {
    /** Node labels a GPU pod must select. */
    readonly nodeSelector: Readonly<Record<string, string>>;
    /** Tolerations for the taints that keep other pods off GPU nodes. */
    readonly tolerations: readonly Toleration[];
    /** Extended resource name the device plugin advertises. */
    readonly resourceName: string;
    /** GPUs on one node of the pool: the most a single pod can request. */
    readonly gpusPerNode: number;
    /** GPUs the pool can ever offer at its maximum size (time-sliced replicas, on a sharing pool). */
    readonly maxGpus: number;
    /** On a pool that time-slices its GPUs: pods one GPU serves, each asking for one `nvidia.com/gpu`. @default none (whole GPUs) */
    readonly replicasPerGpu?: number;
}

/**
 * Where a kind of pod runs: the labels it selects and the taints it tolerates. The system pool's
 * (hub, proxy, runner managers, add-ons), the user pool's, and a pre-puller's on either pool.
 */
export interface SystemPlacement {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly Toleration[];
}

/** The NVIDIA device plugin's resource name. */
export const NVIDIA_GPU_RESOURCE = "nvidia.com/gpu";

/** The taint that keeps non-GPU pods off EKS GPU nodes. */
export const GPU_TAINT: Taint = { key: NVIDIA_GPU_RESOURCE, value: "true", effect: "NoSchedule" };

/**
 * Where every GPU node is, whichever pool, from each pool's node labels and tolerations: the
 * labels they all carry and all their tolerations (the device plugin and the GPU pre-puller run
 * on each GPU node).
 */
export function allGpuNodes(placements: readonly SystemPlacement[]): SystemPlacement {
    const [first, ...rest] = placements;
    if (!first) throw new Error("allGpuNodes: no GPU placement");
    const nodeSelector = Object.fromEntries(Object.entries(first.nodeSelector).filter(([k, v]) => rest.every((p) => p.nodeSelector[k] === v)));
    if (Object.keys(nodeSelector).length === 0) throw new Error("allGpuNodes: the GPU pools share no label; a DaemonSet for all of them would select every node");
    const tolerations = [...new Map(placements.flatMap((p) => p.tolerations).map((t) => [JSON.stringify(t), t])).values()];
    return { nodeSelector, tolerations };
}

/** The toleration that matches a taint exactly. */
export function tolerationFor(taint: Taint): Toleration {
    return { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

/**
 * The pod-spec fragment that puts a pod where a placement says: fresh copies, so chart values
 * and pod specs built from one placement never share (and never mutate) its objects.
 */
export function podPlacement(placement: SystemPlacement): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
    return { nodeSelector: { ...placement.nodeSelector }, tolerations: placement.tolerations.map((t) => ({ ...t })) };
}
