/**
 * gp3 volume limits and prices: what a node's image volume may be provisioned at, and what
 * the provisioning above the free baseline costs while the node runs.
 *
 * Limits: 3,000 IOPS and 125 MiB/s included at any size; up to 80,000 IOPS and 2,000 MiB/s
 * (raised from 16,000 and 1,000 in September 2025:
 * aws.amazon.com/about-aws/whats-new/2025/09/amazon-ebs-size-provisioned-performance-gp3-volumes/;
 * the EC2 API model in @aws-sdk/client-ec2 3.1169 gives gp3 Iops 3,000-80,000, Throughput
 * 125-2,000). The ratios did not change: at most 500 IOPS per GiB (aws-ebs-csi-driver's
 * gp3MaxIOPSPerGB) and 0.25 MiB/s per IOPS (AWS Deadline Cloud's gp3 persistent storage: "IOPS
 * must be at least 4x throughput"), so 80,000 IOPS need 160 GiB and 2,000 MiB/s 8,000 IOPS.
 * The Terraform provider under Pulumi AWS checks launch-template throughput up to 2,000 since
 * hashicorp/terraform-provider-aws#44604 (Pulumi's doc string still says 1,000).
 * Prices: aws.amazon.com/ebs/pricing, us-east-1 and us-west-2: $0.08 per GB-month, $0.005 per
 * provisioned IOPS-month above 3,000, $0.040 per provisioned MiB/s-month above 125.
 */
import { HOURS_PER_MONTH } from "../cluster/instance-io";

export const GP3 = {
    baselineThroughputMiBps: 125,
    maxThroughputMiBps: 2000,
    baselineIops: 3000,
    maxIops: 80000,
    maxIopsPerGiB: 500,
    maxMiBpsPerIops: 0.25,
    usdPerGiBMonth: 0.08,
    usdPerIopsMonth: 0.005,
    usdPerMiBpsMonth: 0.04,
} as const;

/** The fewest IOPS that allow a throughput (never below the free 3,000). */
export function iopsFor(throughputMiBps: number): number {
    return Math.max(GP3.baselineIops, Math.ceil(throughputMiBps / GP3.maxMiBpsPerIops));
}

/** What the provisioning above the baseline costs per hour the volume exists. */
export function gp3ExtraUsdPerHour(throughputMiBps: number, iops: number): number {
    const extra = Math.max(0, throughputMiBps - GP3.baselineThroughputMiBps) * GP3.usdPerMiBpsMonth + Math.max(0, iops - GP3.baselineIops) * GP3.usdPerIopsMonth;
    return extra / HOURS_PER_MONTH;
}

/** What a gp3 volume of `sizeGiB` with this provisioning costs per hour it exists (storage and the extra). */
export function gp3UsdPerHour(sizeGiB: number, throughputMiBps: number, iops: number): number {
    return (sizeGiB * GP3.usdPerGiBMonth) / HOURS_PER_MONTH + gp3ExtraUsdPerHour(throughputMiBps, iops);
}

/** A gp3 setting's problem, as the key it belongs to and what to do. */
export interface Gp3Problem {
    readonly key: "diskThroughputMiBps" | "diskIops";
    readonly message: string;
}

/** Whether a volume of this size may carry this throughput and IOPS; every problem, with the fix. */
export function gp3Problems(sizeGiB: number, throughputMiBps: number, iops: number): Gp3Problem[] {
    const problems: Gp3Problem[] = [];
    const maxIopsForSize = Math.min(GP3.maxIops, GP3.maxIopsPerGiB * sizeGiB);
    if (throughputMiBps < GP3.baselineThroughputMiBps || throughputMiBps > GP3.maxThroughputMiBps) {
        problems.push({ key: "diskThroughputMiBps", message: `is outside what gp3 allows (${GP3.baselineThroughputMiBps}–${GP3.maxThroughputMiBps} MiB/s); use a value in that range` });
    } else if (throughputMiBps > GP3.maxMiBpsPerIops * maxIopsForSize) {
        problems.push({ key: "diskThroughputMiBps", message: `is more than gp3 allows for a ${sizeGiB} GiB volume (at most ${GP3.maxMiBpsPerIops * maxIopsForSize} MiB/s: ${GP3.maxMiBpsPerIops} MiB/s per IOPS, ${GP3.maxIopsPerGiB} IOPS per GiB); lower it or grow diskSizeGiB` });
    } else if (throughputMiBps > GP3.maxMiBpsPerIops * iops) {
        problems.push({ key: "diskIops", message: `is too few for ${throughputMiBps} MiB/s (gp3 allows ${GP3.maxMiBpsPerIops} MiB/s per IOPS); set it to at least ${iopsFor(throughputMiBps)} or leave it out (it is derived)` });
    }
    if (iops < GP3.baselineIops || iops > GP3.maxIops) {
        problems.push({ key: "diskIops", message: `is outside what gp3 allows (${GP3.baselineIops}–${GP3.maxIops} IOPS); use a value in that range` });
    } else if (iops > maxIopsForSize) {
        problems.push({ key: "diskIops", message: `is more than gp3 allows for a ${sizeGiB} GiB volume (${GP3.maxIopsPerGiB} IOPS per GiB: at most ${maxIopsForSize}); lower it or grow diskSizeGiB` });
    }
    return problems;
}
