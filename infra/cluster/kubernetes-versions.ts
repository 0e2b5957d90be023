/**
 * The Kubernetes versions EKS runs, with their support windows, and the cluster-autoscaler
 * image for each (the autoscaler's minor must match the cluster's).
 *
 * Sources (read 2026-11-25): EKS user guide `versioning/kubernetes-versions.adoc`
 * (awsdocs/amazon-eks-user-guide 01385604) for 1.33–1.34; 1.35 and 1.36 from copies of the
 * AWS table (endoflife.date, aws-samples "cluster-lifecycle") that follow its 14 + 12-month rule.
 * Autoscaler images: kubernetes/autoscaler tags cluster-autoscaler-1.33.6 / 1.34.5 / 1.35.2 /
 * 1.36.1 (2026-07-22), as the shared reference README lists.
 */

export interface EksVersion {
    /** Last day of standard support ($0.10 per cluster-hour). */
    readonly endOfStandardSupport: string;
    /** Last day of extended support ($0.60 per cluster-hour); EKS upgrades the cluster after it. */
    readonly endOfExtendedSupport: string;
    /** registry.k8s.io/autoscaling/cluster-autoscaler tag for this minor. */
    readonly autoscalerImageTag: string;
}

export const EKS_VERSIONS = {
    "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29", autoscalerImageTag: "v1.33.6" },
    "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02", autoscalerImageTag: "v1.34.5" },
    "1.35": { endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27", autoscalerImageTag: "v1.35.2" },
    "1.36": { endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02", autoscalerImageTag: "v1.36.1" },
} as const satisfies Record<string, EksVersion>;

export type KubernetesVersion = keyof typeof EKS_VERSIONS;
export const KUBERNETES_VERSIONS = Object.keys(EKS_VERSIONS) as KubernetesVersion[];

/** In standard support on 2026-11-25 and for the next four months: the default for new clusters. */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.35";

/** Where a version stands on a day: standard support, extended support, or past both. */
export function supportStatus(version: KubernetesVersion, today: Date): "standard" | "extended" | "ended" {
    const day = today.toISOString().slice(0, 10);
    const v = EKS_VERSIONS[version];
    if (day <= v.endOfStandardSupport) return "standard";
    if (day <= v.endOfExtendedSupport) return "extended";
    return "ended";
}

/** Versions in standard support on a day. */
export function versionsInStandardSupport(today: Date): KubernetesVersion[] {
    return KUBERNETES_VERSIONS.filter((v) => supportStatus(v, today) === "standard");
}
