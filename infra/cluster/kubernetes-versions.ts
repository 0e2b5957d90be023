/**
 * The Kubernetes versions EKS runs, with their support windows, and the cluster-autoscaler
 * image for each (the autoscaler's minor should match the cluster's).
 *
 * Support windows (read 2026-12-04): EKS user guide `versioning/kubernetes-versions.adoc`
 * (awsdocs/amazon-eks-user-guide) for 1.32–1.34; 1.35 and 1.36 from copies of AWS's table
 * (endoflife.date, aws-samples "cluster-lifecycle") that follow its rule of 14 months of standard
 * and 12 of extended support from the EKS release. 1.37 is not in any copy read here: its EKS
 * release is taken as the day of its first EKS AMIs (amazon-eks-ami v20261023) and the rule
 * applied, so its dates are marked `estimated` (`aws eks describe-cluster-versions` gives AWS's).
 *
 * Autoscaler images: kubernetes/autoscaler tags cluster-autoscaler-1.32.7 (2026-02-13) and
 * 1.33.6 / 1.34.5 / 1.35.2 / 1.36.1 (2026-07-22). No cluster-autoscaler 1.37 was published by
 * 2026-11-25 (the reference README's newest; the release-1.37 branch exists since 2026-07-30 but
 * carries no release tag): 1.37 runs the 1.36 image until one is, and validation says so.
 */

export interface EksVersion {
    /** Last day of standard support ($0.10 per cluster-hour). */
    readonly endOfStandardSupport: string;
    /** Last day of extended support ($0.60 per cluster-hour); EKS upgrades the cluster after it. */
    readonly endOfExtendedSupport: string;
    /** registry.k8s.io/autoscaling/cluster-autoscaler tag for this minor (or the newest below it, see above). */
    readonly autoscalerImageTag: string;
    /** The dates follow AWS's rule from the first EKS AMI of the minor; AWS's table is not yet read. @default false */
    readonly estimated?: boolean;
}

export const EKS_VERSIONS = {
    "1.32": { endOfStandardSupport: "2026-03-23", endOfExtendedSupport: "2027-03-23", autoscalerImageTag: "v1.32.7" },
    "1.33": { endOfStandardSupport: "2026-07-29", endOfExtendedSupport: "2027-07-29", autoscalerImageTag: "v1.33.6" },
    "1.34": { endOfStandardSupport: "2026-12-02", endOfExtendedSupport: "2027-12-02", autoscalerImageTag: "v1.34.5" },
    "1.35": { endOfStandardSupport: "2027-03-27", endOfExtendedSupport: "2028-03-27", autoscalerImageTag: "v1.35.2" },
    "1.36": { endOfStandardSupport: "2027-08-02", endOfExtendedSupport: "2028-08-02", autoscalerImageTag: "v1.36.1" },
    "1.37": { endOfStandardSupport: "2027-12-23", endOfExtendedSupport: "2028-12-23", autoscalerImageTag: "v1.36.1", estimated: true },
} as const satisfies Record<string, EksVersion>;

export type KubernetesVersion = keyof typeof EKS_VERSIONS;
export const KUBERNETES_VERSIONS = Object.keys(EKS_VERSIONS) as KubernetesVersion[];

/**
 * The default for new clusters: the newest minor whose own cluster-autoscaler image can be
 * pinned (1.37 has none yet). In standard support until 2027-08-02, 241 days from 2026-12-04:
 * under nine months, so validation reminds every stack on it that EKS already runs 1.37.
 */
export const DEFAULT_KUBERNETES_VERSION: KubernetesVersion = "1.36";

/** How close to the end of standard support a cluster's version is warned about, in plan and doctor. */
export const SUPPORT_WARNING_DAYS = 90;

/** Below this much standard support left, a stack on an older minor than EKS's newest is told that a newer one exists. */
export const NEWER_MINOR_REMINDER_DAYS = 270;

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

/** Whole days from `today` to the last day of standard support (negative once it is past). */
export function daysOfStandardSupportLeft(version: KubernetesVersion, today: Date): number {
    const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
    return Math.round((Date.parse(EKS_VERSIONS[version].endOfStandardSupport) - start) / 86_400_000);
}

/** The newest minor EKS runs. */
export function newestKubernetesVersion(): KubernetesVersion {
    return KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]!;
}

/** The minor of the autoscaler image a version runs, when it is not the version's own (`1.36` for 1.37). */
export function autoscalerBehind(version: KubernetesVersion): string | undefined {
    const minor = /^v(\d+\.\d+)\./.exec(EKS_VERSIONS[version].autoscalerImageTag)?.[1];
    return minor !== version ? minor : undefined;
}
