/**
 * What the GPU and user pools' launch templates get for pulling the environment image: the
 * gp3 throughput and IOPS (given, or what pays for itself), whether parallel pulls are on, and
 * the image cache. Derived once from the validated config; the cluster and the budget both
 * read it, so they cannot disagree.
 */
import type { EksClusterConfig } from "../config/schema";
import type { ImageCacheConfig, WarmCapacityConfig } from "../config/schema-cold-start";
import { INSTANCE_TYPES, smallestInstanceType } from "../cluster/instance-types";
import { ImageSource } from "./budget";
import { nodeHoursPerStart, paysForItself } from "./disk-choice";
import { DEFAULT_IMAGE_GIB } from "./figures";
import { GP3, iopsFor } from "./gp3";

/** An ECR registry host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
export const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** Where nodes pull the image from: ECR (through the S3 gateway endpoint) or outside AWS (through the NAT gateway). */
export function imageSourceOf(image: { readonly registry: string }): ImageSource {
    return ECR_HOST.test(image.registry) ? "ecr" : "external";
}

/**
 * nodeadm turns FastImagePull on only with at least 4 vCPUs and 7 GiB of online memory
 * (amazon-eks-ami nodeadm/internal/containerd/config.go `UseSOCISnapshotter`, v20260724).
 */
export const FAST_IMAGE_PULL_MIN = { vcpu: 4, memoryMiB: 7 * 1024 } as const;

/** Whether nodeadm honours FastImagePull on a type (unknown types: not known to). */
export function fastImagePullApplies(instanceType: string): boolean {
    const info = INSTANCE_TYPES[instanceType];
    return info !== undefined && info.vcpu >= FAST_IMAGE_PULL_MIN.vcpu && info.memoryMiB >= FAST_IMAGE_PULL_MIN.memoryMiB;
}

export interface PoolImageSettings {
    readonly diskSizeGiB: number;
    readonly throughputMiBps: number;
    readonly iops: number;
    /** Parallel pull and unpack as configured for the node (off on Bottlerocket with the image cache: see `effectiveFastImagePull`). */
    readonly fastImagePull: boolean;
    readonly imageCache?: ImageCacheConfig;
    readonly warmCapacity?: WarmCapacityConfig;
}

export interface NodeImageSettings {
    readonly gpu: PoolImageSettings;
    readonly user: PoolImageSettings;
    readonly source: ImageSource;
    readonly imageGiB: { readonly compressed: number; readonly unpacked: number };
}

/**
 * Bottlerocket wipes containerd's images when the snapshotter changes between boots, and the
 * image cache is built with the default (overlayfs) one: with the cache, parallel pulls stay
 * off and the pull is gone anyway.
 */
export function effectiveFastImagePull(amiType: string, configured: boolean, imageCache: ImageCacheConfig | undefined): boolean {
    return configured && !(amiType.startsWith("BOTTLEROCKET") && imageCache !== undefined);
}

/** A pool's throughput: as configured, or what pays for itself on its smallest type (gp3's baseline for an unknown type). */
function poolThroughput(pool: { instanceTypes: readonly string[]; diskThroughputMiBps?: number | undefined }, os: "al2023" | "bottlerocket", fastImagePull: boolean, source: ImageSource, imageGiB: { compressed: number; unpacked: number }, hoursPerStart: number): number {
    if (pool.diskThroughputMiBps !== undefined) return pool.diskThroughputMiBps;
    const type = smallestInstanceType(pool.instanceTypes);
    if (!type) return GP3.baselineThroughputMiBps;
    return paysForItself({ instanceType: type, os, image: { compressedGiB: imageGiB.compressed, unpackedGiB: imageGiB.unpacked }, fastImagePull, source }, hoursPerStart).throughputMiBps;
}

/** The pools' image settings for an EKS config; `idleTimeoutMinutes` (the hub's culling) sets how long a node lives per start. */
export function nodeImageSettings(cluster: EksClusterConfig, image: { readonly registry: string; readonly sizeGiB?: { compressed: number; unpacked: number } | undefined }, idleTimeoutMinutes: number): NodeImageSettings {
    const source = imageSourceOf(image);
    const imageGiB = image.sizeGiB ?? DEFAULT_IMAGE_GIB;
    const hours = nodeHoursPerStart(idleTimeoutMinutes);
    const gpuPool = cluster.gpuNodePool;
    const gpuFast = effectiveFastImagePull(gpuPool.amiType, gpuPool.fastImagePull, gpuPool.imageCache);
    const gpuThroughput = poolThroughput(gpuPool, gpuPool.amiType.startsWith("BOTTLEROCKET") ? "bottlerocket" : "al2023", gpuFast, source, imageGiB, hours);
    const userPool = cluster.userNodePool;
    const userThroughput = poolThroughput(userPool, "al2023", userPool.fastImagePull, source, imageGiB, hours);
    return {
        source,
        imageGiB,
        gpu: {
            diskSizeGiB: gpuPool.diskSizeGiB,
            throughputMiBps: gpuThroughput,
            iops: gpuPool.diskIops ?? iopsFor(gpuThroughput),
            fastImagePull: gpuFast,
            ...(gpuPool.imageCache ? { imageCache: gpuPool.imageCache } : {}),
            ...(gpuPool.warmCapacity ? { warmCapacity: gpuPool.warmCapacity } : {}),
        },
        user: {
            diskSizeGiB: userPool.diskSizeGiB,
            throughputMiBps: userThroughput,
            iops: userPool.diskIops ?? iopsFor(userThroughput),
            fastImagePull: userPool.fastImagePull,
            ...(userPool.warmCapacity ? { warmCapacity: userPool.warmCapacity } : {}),
        },
    };
}
