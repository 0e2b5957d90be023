/**
 * GPUs per instance for the EC2 GPU instance types teams commonly train on. Used to
 * check quotas against what a pool can ever offer and to write the autoscaler's
 * node-template tags; a type not listed needs `gpuNodePool.gpusPerNode` in config.
 */
export const GPUS_PER_INSTANCE_TYPE: Readonly<Record<string, number>> = {
    "g4dn.xlarge": 1, "g4dn.2xlarge": 1, "g4dn.4xlarge": 1, "g4dn.8xlarge": 1, "g4dn.16xlarge": 1, "g4dn.12xlarge": 4, "g4dn.metal": 8,
    "g5.xlarge": 1, "g5.2xlarge": 1, "g5.4xlarge": 1, "g5.8xlarge": 1, "g5.16xlarge": 1, "g5.12xlarge": 4, "g5.24xlarge": 4, "g5.48xlarge": 8,
    "g6.xlarge": 1, "g6.2xlarge": 1, "g6.4xlarge": 1, "g6.8xlarge": 1, "g6.16xlarge": 1, "g6.12xlarge": 4, "g6.24xlarge": 4, "g6.48xlarge": 8,
    "g6e.xlarge": 1, "g6e.2xlarge": 1, "g6e.4xlarge": 1, "g6e.8xlarge": 1, "g6e.16xlarge": 1, "g6e.12xlarge": 4, "g6e.24xlarge": 4, "g6e.48xlarge": 8,
    "p3.2xlarge": 1, "p3.8xlarge": 4, "p3.16xlarge": 8, "p3dn.24xlarge": 8,
    "p4d.24xlarge": 8, "p4de.24xlarge": 8, "p5.48xlarge": 8, "p5e.48xlarge": 8, "p5en.48xlarge": 8,
};

/**
 * GPUs per node for a list of instance types, or why it cannot be known. All types of
 * one node group must carry the same GPU count, or the autoscaler's template lies.
 */
export function gpusPerNodeFor(instanceTypes: readonly string[]): { ok: true; gpus: number } | { ok: false; reason: string } {
    const counts = new Set<number>();
    for (const t of instanceTypes) {
        const n = GPUS_PER_INSTANCE_TYPE[t];
        if (n === undefined) {
            return { ok: false, reason: `GPU count of instance type '${t}' is not known` };
        }
        counts.add(n);
    }
    if (counts.size !== 1) {
        return { ok: false, reason: `instance types ${instanceTypes.join(", ")} carry different GPU counts (${[...counts].join(", ")})` };
    }
    return { ok: true, gpus: [...counts][0]! };
}

/**
 * The `k8s.amazonaws.com/accelerator` label value per instance family. The cluster
 * autoscaler's AWS provider asks GPU nodes to carry it, so that a node whose driver is still
 * starting (no `nvidia.com/gpu` yet) is not mistaken for a node without GPUs (a repeated scale-out).
 */
const ACCELERATOR_BY_FAMILY: Readonly<Record<string, string>> = {
    g4dn: "nvidia-tesla-t4",
    g5: "nvidia-a10g",
    g6: "nvidia-l4",
    g6e: "nvidia-l40s",
    p3: "nvidia-tesla-v100",
    p3dn: "nvidia-tesla-v100",
    p4d: "nvidia-a100",
    p4de: "nvidia-a100",
    p5: "nvidia-h100",
    p5e: "nvidia-h200",
    p5en: "nvidia-h200",
};

/** Accelerator label for a list of instance types: the family's GPU when all share one, else a generic value. */
export function acceleratorLabelFor(instanceTypes: readonly string[]): string {
    const kinds = new Set(instanceTypes.map((t) => ACCELERATOR_BY_FAMILY[t.split(".")[0]!] ?? "nvidia"));
    return kinds.size === 1 ? [...kinds][0]! : "nvidia";
}
