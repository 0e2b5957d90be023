/**
 * What this package knows about the EC2 instance types teams run notebooks, CI and training
 * on: size, GPUs, and what a kubelet on EKS leaves allocatable, so config validation and the
 * scheduling check can tell whether a pod fits a node *before* a node is bought.
 *
 * Sources (read 2026-11-25):
 * - vCPU, memory, GPU count: cluster-autoscaler `cloudprovider/aws/ec2_instance_types.go`
 *   (kubernetes/autoscaler 55c37cd5, static list of 2026-01-22) — what the autoscaler itself
 *   uses for a group at zero.
 * - ENI max pods: `DefaultMaxENIs × (IPv4 per ENI − 1) + 2` from amazon-eks-ami
 *   `nodeadm/internal/kubelet/instance-info.jsonl` (81fec2e8 = v20260724); equal to
 *   amazon-vpc-cni-k8s `misc/eni-max-pods.txt`. p3 types come from the latter (dropped from
 *   the former in 2026-05).
 * - GPU model: ec2instances.info `gpu_data.go` (third-party, curated).
 */
import { nearest } from "../config/nearest";

export interface InstanceTypeInfo {
    readonly vcpu: number;
    readonly memoryMiB: number;
    readonly gpus: number;
    /** `k8s.amazonaws.com/accelerator` value, for GPU types. */
    readonly accelerator?: string;
    /** Max pods by the ENI formula (before the managed-node-group cap). */
    readonly eniMaxPods: number;
}

const t = (vcpu: number, memoryGiB: number, gpus: number, eniMaxPods: number, accelerator?: string): InstanceTypeInfo => ({
    vcpu,
    memoryMiB: Math.round(memoryGiB * 1024),
    gpus,
    eniMaxPods,
    ...(accelerator ? { accelerator } : {}),
});

export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = {
    "m5.large": t(2, 8, 0, 29), "m5.xlarge": t(4, 16, 0, 58),
    "m6i.large": t(2, 8, 0, 29), "m6i.xlarge": t(4, 16, 0, 58), "m6i.2xlarge": t(8, 32, 0, 58),
    "m7i.large": t(2, 8, 0, 29), "m7i.xlarge": t(4, 16, 0, 58), "m7i.2xlarge": t(8, 32, 0, 58),
    "t3.large": t(2, 8, 0, 35), "c6i.xlarge": t(4, 8, 0, 58), "r6i.xlarge": t(4, 32, 0, 58),
    "g4dn.xlarge": t(4, 16, 1, 29, "nvidia-tesla-t4"), "g4dn.2xlarge": t(8, 32, 1, 29, "nvidia-tesla-t4"), "g4dn.4xlarge": t(16, 64, 1, 29, "nvidia-tesla-t4"),
    "g4dn.8xlarge": t(32, 128, 1, 58, "nvidia-tesla-t4"), "g4dn.12xlarge": t(48, 192, 4, 234, "nvidia-tesla-t4"), "g4dn.16xlarge": t(64, 256, 1, 58, "nvidia-tesla-t4"),
    "g5.xlarge": t(4, 16, 1, 58, "nvidia-a10g"), "g5.2xlarge": t(8, 32, 1, 58, "nvidia-a10g"), "g5.4xlarge": t(16, 64, 1, 234, "nvidia-a10g"),
    "g5.8xlarge": t(32, 128, 1, 234, "nvidia-a10g"), "g5.12xlarge": t(48, 192, 4, 737, "nvidia-a10g"), "g5.16xlarge": t(64, 256, 1, 234, "nvidia-a10g"),
    "g5.24xlarge": t(96, 384, 4, 737, "nvidia-a10g"), "g5.48xlarge": t(192, 768, 8, 345, "nvidia-a10g"),
    "g6.xlarge": t(4, 16, 1, 58, "nvidia-l4"), "g6.2xlarge": t(8, 32, 1, 58, "nvidia-l4"), "g6.4xlarge": t(16, 64, 1, 234, "nvidia-l4"),
    "g6.8xlarge": t(32, 128, 1, 234, "nvidia-l4"), "g6.12xlarge": t(48, 192, 4, 234, "nvidia-l4"), "g6.16xlarge": t(64, 256, 1, 737, "nvidia-l4"),
    "g6.24xlarge": t(96, 384, 4, 737, "nvidia-l4"), "g6.48xlarge": t(192, 768, 8, 737, "nvidia-l4"),
    "g6e.xlarge": t(4, 32, 1, 58, "nvidia-l40s"), "g6e.2xlarge": t(8, 64, 1, 58, "nvidia-l40s"), "g6e.4xlarge": t(16, 128, 1, 234, "nvidia-l40s"),
    "g6e.12xlarge": t(48, 384, 4, 292, "nvidia-l40s"), "g6e.48xlarge": t(192, 1536, 8, 492, "nvidia-l40s"),
    "p3.2xlarge": t(8, 61, 1, 58, "nvidia-tesla-v100"), "p3.8xlarge": t(32, 244, 4, 234, "nvidia-tesla-v100"),
    "p4d.24xlarge": t(96, 1152, 8, 737, "nvidia-a100"), "p5.48xlarge": t(192, 2048, 8, 100, "nvidia-h100"),
};

/** GPU types (at least one GPU). */
export const GPU_INSTANCE_TYPES = Object.keys(INSTANCE_TYPES).filter((k) => INSTANCE_TYPES[k]!.gpus > 0);
/** CPU-only types. */
export const CPU_INSTANCE_TYPES = Object.keys(INSTANCE_TYPES).filter((k) => INSTANCE_TYPES[k]!.gpus === 0);

/**
 * Max pods on an EKS managed node group without a custom AMI: the ENI figure, capped at 110
 * below 30 vCPUs and 250 above (EKS user guide, "Create a managed node group": managed node
 * groups enforce this maximum; the user data they generate sets it).
 */
export function maxPodsOnManagedNodeGroup(info: InstanceTypeInfo): number {
    return Math.min(info.eniMaxPods, info.vcpu < 30 ? 110 : 250);
}

/**
 * CPU the kubelet reserves on EKS AMIs (nodeadm `getCPUMillicoresToReserve`; Bottlerocket uses
 * the same bands): 6% of the first core, 1% of the second, 0.5% of cores 3–4, 0.25% above.
 */
export function kubeReservedCpuMillis(vcpu: number): number {
    const bands: [number, number][] = [[1, 0.06], [1, 0.01], [2, 0.005], [Infinity, 0.0025]];
    let left = vcpu;
    let reserved = 0;
    for (const [cores, rate] of bands) {
        const n = Math.min(left, cores);
        reserved += n * 1000 * rate;
        left -= n;
        if (left <= 0) break;
    }
    return Math.floor(reserved);
}

/** Memory the kubelet reserves (nodeadm `getMemoryMebibytesToReserve`: 11 MiB per pod + 255 MiB). */
export function kubeReservedMemoryMiB(maxPods: number): number {
    return 11 * maxPods + 255;
}

/** The hard eviction threshold on memory (nodeadm `defaultKubeletSubConfig`: memory.available 100Mi). */
export const EVICTION_MEMORY_MIB = 100;

/** Node allocatable = capacity − kube-reserved − eviction threshold (no system-reserved on EKS AMIs). */
export function allocatableOf(info: InstanceTypeInfo): { cpuMillis: number; memoryBytes: number; pods: number; gpus: number } {
    const pods = maxPodsOnManagedNodeGroup(info);
    return {
        cpuMillis: info.vcpu * 1000 - kubeReservedCpuMillis(info.vcpu),
        memoryBytes: (info.memoryMiB - kubeReservedMemoryMiB(pods) - EVICTION_MEMORY_MIB) * 2 ** 20,
        pods,
        gpus: info.gpus,
    };
}

/**
 * GPUs per node for a list of instance types, or why it cannot be known. All types of one
 * node group must carry the same GPU count, or the autoscaler's template lies.
 */
export function gpusPerNodeFor(instanceTypes: readonly string[]): { ok: true; gpus: number } | { ok: false; reason: string } {
    const counts = new Set<number>();
    for (const type of instanceTypes) {
        const info = INSTANCE_TYPES[type];
        if (info === undefined) return { ok: false, reason: `GPU count of instance type '${type}' is not known` };
        counts.add(info.gpus);
    }
    if (counts.size !== 1) return { ok: false, reason: `instance types ${instanceTypes.join(", ")} carry different GPU counts (${[...counts].join(", ")})` };
    return { ok: true, gpus: [...counts][0]! };
}

/**
 * The `k8s.amazonaws.com/accelerator` label: the cluster autoscaler's AWS provider treats nodes
 * with it as GPU nodes, so a node whose device plugin has not yet advertised its GPUs is not
 * mistaken for one without (which would buy another node).
 */
export function acceleratorLabelFor(instanceTypes: readonly string[]): string {
    const kinds = new Set(instanceTypes.map((type) => INSTANCE_TYPES[type]?.accelerator ?? "nvidia"));
    return kinds.size === 1 ? [...kinds][0]! : "nvidia";
}

/** The smallest of several types (by memory, then vCPU): what every pod must fit. */
export function smallestInstanceType(instanceTypes: readonly string[]): string | undefined {
    const known = instanceTypes.filter((type) => INSTANCE_TYPES[type]);
    return known.sort((a, b) => INSTANCE_TYPES[a]!.memoryMiB - INSTANCE_TYPES[b]!.memoryMiB || INSTANCE_TYPES[a]!.vcpu - INSTANCE_TYPES[b]!.vcpu)[0];
}

/** The known type nearest to a misspelt one (`g5.xlarg` → `g5.xlarge`), if any is close. */
export function nearestInstanceType(type: string, among: readonly string[] = Object.keys(INSTANCE_TYPES)): string | undefined {
    return nearest(type, among, 3);
}
