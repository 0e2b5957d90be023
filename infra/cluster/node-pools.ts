/**
 * The cluster's node pools as data: their labels, taints and, on EKS, what a node of each
 * leaves allocatable. Both the resources (node groups, autoscaler template tags) and the
 * scheduling check (does this pod land on that node?) are derived from here, so they cannot
 * disagree. Pure: config in, shapes out.
 */
import { EksClusterConfig, ExistingClusterConfig } from "../config/schema";
import { addResources, NO_RESOURCES, NodeShape, NodeTaint, PodSpecLike, podFromSpec, Resources } from "../scheduling/fit";
import { cpuMillis, memoryBytes } from "../scheduling/quantity";
import { acceleratorLabelFor, allocatableOf, INSTANCE_TYPES, smallestInstanceType } from "./instance-types";
import { GPU_TAINT, NVIDIA_GPU_RESOURCE, SystemPlacement, Taint, tolerationFor } from "./gpu-placement";
import { DEVICE_PLUGIN_CONFIG_LABEL, TIME_SLICED_CONFIG } from "./device-plugin-config";

/** The label every node of a pool carries, naming the pool. */
export const POOL_LABEL = "ml-team-env/pool";

/** What a pool is for: `gpu-shared` is the GPU pool whose GPUs are time-sliced. */
export type PoolRole = "system" | "user" | "gpu" | "gpu-shared";

/** The pools whose nodes carry GPUs (whole, or time-sliced). */
export const GPU_ROLES: readonly PoolRole[] = ["gpu", "gpu-shared"];

/** Whether a pool's nodes carry GPUs. */
export function isGpuRole(role: PoolRole): boolean {
    return GPU_ROLES.includes(role);
}

/**
 * The taint that keeps everything but user pods (CPU notebooks, CPU CI jobs) off the user pool.
 * It is z2jh's own convention: the chart's `scheduling.userPods.tolerations` tolerate it by
 * default, and `hub.jupyter.org/node-purpose: user` is the label its node affinity looks for.
 */
export const USER_TAINT: Taint = { key: "hub.jupyter.org/dedicated", value: "user", effect: "NoSchedule" };

/** Labels of a pool's nodes. */
export function poolLabels(role: PoolRole, instanceTypes: readonly string[]): Record<string, string> {
    switch (role) {
        case "system":
            return { [POOL_LABEL]: "system" };
        case "user":
            return { [POOL_LABEL]: "user", "hub.jupyter.org/node-purpose": "user" };
        case "gpu":
            // nvidia.com/gpu.present: the device plugin chart's default node affinity matches it;
            // nodeadm sets it only from kubelet 1.35, so the node group sets it on every version.
            return { [POOL_LABEL]: "gpu", "k8s.amazonaws.com/accelerator": acceleratorLabelFor(instanceTypes), "nvidia.com/gpu.present": "true" };
        case "gpu-shared":
            // The device plugin's config-manager reads DEVICE_PLUGIN_CONFIG_LABEL when the node joins:
            // set by the node group, the node advertises its replicas from its first report.
            return { [POOL_LABEL]: "gpu-shared", "k8s.amazonaws.com/accelerator": acceleratorLabelFor(instanceTypes), "nvidia.com/gpu.present": "true", [DEVICE_PLUGIN_CONFIG_LABEL]: TIME_SLICED_CONFIG };
    }
}

/**
 * Labels the kubelet puts on every node whatever its group says (`kubernetes.io/os` from the
 * OS it runs on; Kubernetes' well-known labels): pods may select them, and charts do (the Tigera
 * operator selects `kubernetes.io/os: linux`). Not node group labels: EKS sets them itself.
 */
export const KUBELET_LABELS: Readonly<Record<string, string>> = { "kubernetes.io/os": "linux" };

/** Taints of a pool's nodes: GPU and user pools keep other pods off; the system pool takes all. */
export function poolTaints(role: PoolRole): Taint[] {
    return isGpuRole(role) ? [GPU_TAINT] : role === "user" ? [USER_TAINT] : [];
}

/** Where a pod meant for an EKS pool goes: the pool's label, and a toleration for each of its taints. */
export function poolPlacement(role: PoolRole): SystemPlacement {
    return { nodeSelector: { [POOL_LABEL]: role }, tolerations: poolTaints(role).map(tolerationFor) };
}

/**
 * Requests of the EKS add-on DaemonSets on every node, budgeted from their manifests' requests:
 * aws-node 25m, kube-proxy 100m, ebs-csi-node 3 × (10m, 40Mi), calico-node 250m. A budget, not
 * a measurement: it makes the fit check conservative rather than optimistic.
 */
export const ADDON_DAEMONSET_BUDGET: Resources = { cpuMillis: 450, memoryBytes: memoryBytes("256Mi"), extended: {} };

/** A pool as the scheduling check sees it, plus what builds it. */
export interface NodePoolShape {
    readonly role: PoolRole;
    /** The node of the pool's smallest instance type: every pod meant for the pool must fit it. */
    readonly node: NodeShape;
}

export interface NodePoolOptions {
    /** DaemonSet pod specs this package runs on the pool (device plugin, image pre-puller). */
    readonly daemonSets?: Partial<Record<PoolRole, readonly PodSpecLike[]>>;
}

function daemonSetRequests(role: PoolRole, options: NodePoolOptions): Resources {
    return (options.daemonSets?.[role] ?? []).map((spec) => podFromSpec(`${role} DaemonSet`, spec).requests).reduce(addResources, ADDON_DAEMONSET_BUDGET);
}

/**
 * The node an EKS pool's smallest instance type makes (undefined when the type is unknown). A
 * sharing pool's node advertises each GPU `replicasPerGpu` times.
 */
export function eksNodeShape(role: PoolRole, instanceTypes: readonly string[], options: NodePoolOptions = {}, replicasPerGpu = 1): NodeShape | undefined {
    const type = smallestInstanceType(instanceTypes);
    if (!type) return undefined;
    const info = INSTANCE_TYPES[type]!;
    const alloc = allocatableOf(info);
    return {
        name: `${role} pool (${type})`,
        labels: { ...KUBELET_LABELS, ...poolLabels(role, instanceTypes) },
        taints: poolTaints(role),
        allocatable: { cpuMillis: alloc.cpuMillis, memoryBytes: alloc.memoryBytes, pods: alloc.pods, extended: info.gpus > 0 ? { [NVIDIA_GPU_RESOURCE]: info.gpus * replicasPerGpu } : {} },
        daemonSetRequests: daemonSetRequests(role, options),
    };
}

/** The pools of an EKS cluster (a pool whose instance type is unknown is left out: validation names it). */
export function eksNodePools(c: EksClusterConfig, options: NodePoolOptions = {}): NodePoolShape[] {
    const shared = c.sharedGpuNodePool;
    const pools: [PoolRole, readonly string[], number][] = [
        ["system", c.systemNodeGroup.instanceTypes, 1],
        ["user", c.userNodePool.instanceTypes, 1],
        ["gpu", c.gpuNodePool.instanceTypes, 1],
        ...(shared ? [["gpu-shared", shared.instanceTypes, shared.sharing.replicasPerGpu] as [PoolRole, readonly string[], number]] : []),
    ];
    return pools.flatMap(([role, types, replicas]) => {
        const node = eksNodeShape(role, types, options, replicas);
        return node ? [{ role, node }] : [];
    });
}

/** Capacity that is not known for nodes this package did not create. */
const UNKNOWN = Number.POSITIVE_INFINITY;

/**
 * The pools of a cluster you run: labels and taints from config; CPU and memory are unknown, so
 * the check covers placement and GPUs but not size.
 */
export function existingNodePools(c: ExistingClusterConfig): NodePoolShape[] {
    const node = (role: PoolRole, labels: Record<string, string>, taints: readonly NodeTaint[], gpus: number): NodePoolShape => ({
        role,
        node: {
            name: `${role} nodes (${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ") || "any"})`,
            labels: { ...KUBELET_LABELS, ...labels },
            taints,
            allocatable: { cpuMillis: UNKNOWN, memoryBytes: UNKNOWN, pods: 110, extended: gpus > 0 ? { [NVIDIA_GPU_RESOURCE]: gpus } : {} },
            daemonSetRequests: NO_RESOURCES,
        },
    });
    const gpuTaints = c.gpuNodeTaints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }));
    return [node("system", { ...c.systemNodeSelector }, [], 0), node("user", { ...c.userNodeSelector }, [], 0), node("gpu", { ...c.gpuNodeSelector }, gpuTaints, c.gpusPerNode)];
}

/** The pool for a role (the first that has one). */
export function poolFor(pools: readonly NodePoolShape[], role: PoolRole): NodePoolShape | undefined {
    return pools.find((p) => p.role === role);
}

/** Requests of a notebook profile or CI job as the scheduler reads them. */
export function requestsOf(cpu: number, memoryGiB: number, gpus: number): Resources {
    return { cpuMillis: cpuMillis(cpu), memoryBytes: memoryGiB * 2 ** 30, extended: gpus > 0 ? { [NVIDIA_GPU_RESOURCE]: gpus } : {} };
}
