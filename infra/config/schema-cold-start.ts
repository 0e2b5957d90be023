/**
 * Stack-config keys that decide how fast a node from zero serves its first notebook: the
 * image volume's gp3 performance, parallel image pulls, the Bottlerocket image cache, warm
 * capacity on a schedule, and an ECR pull-through cache. Cross-key checks (crons, time zones,
 * gp3 limits, thresholds, the cache's digest) are in `validate-cold-start.ts`.
 */
import { z } from "zod";

const int = (what: string) => z.number({ error: `must be a whole number (${what})` }).int({ error: `must be a whole number (${what})` });

/** `snap-` and 8 or 17 hexadecimal characters (EC2 resource id form). */
export const SNAPSHOT_ID = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** An image manifest digest. */
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

/** gp3 performance of a pool's image volume; bounds are checked with the volume size in validation. */
export const diskPerformanceKeys = {
    /** gp3 throughput, MiB/s (125–2000). @default GPU pool: what the cold-start budget shows pays for itself; user pool: 125 */
    diskThroughputMiBps: int("MiB/s").optional(),
    /** gp3 IOPS (3000–80000). @default the fewest that carry the throughput (0.25 MiB/s per IOPS), at least 3000 */
    diskIops: int("IOPS").optional(),
    /**
     * Pull and unpack image layers in parallel: nodeadm's `FastImagePull` on AL2023 (ignored by
     * the AMI below 4 vCPUs or 7 GiB, so refused there), the SOCI snapshotter's
     * parallel-pull-unpack mode on Bottlerocket. @default true
     */
    fastImagePull: z.boolean().default(true),
};

/** Minimum nodes per zone during working hours: scheduled actions on each zone's Auto Scaling group. */
export const warmCapacitySchema = z.strictObject({
    /** Nodes kept per availability zone while warm (home volumes are zonal, so each zone needs its own). */
    nodesPerZone: int("nodes per zone").min(1, { error: "must be 1 or more (leave warmCapacity out for none)" }),
    /** When warm capacity starts: a 5-field cron (minute hour day-of-month month day-of-week), e.g. "0 8 * * MON-FRI". */
    start: z.string({ error: "is required: a cron such as \"0 8 * * MON-FRI\"" }),
    /** When it ends (the minimum returns to the pool's minSize), e.g. "0 19 * * MON-FRI". */
    stop: z.string({ error: "is required: a cron such as \"0 19 * * MON-FRI\"" }),
    /** IANA time zone the crons are read in, e.g. Europe/Berlin. @default "UTC" */
    timeZone: z.string().default("UTC"),
});

/** A Bottlerocket data volume restored from a snapshot that already holds the environment image. */
export const imageCacheSchema = z.strictObject({
    /** The snapshot `build-image-cache.sh` printed. */
    snapshotId: z.string({ error: "is required: the snapshot id build-image-cache.sh printed (snap-...)" }),
    /** Digest of the image the snapshot holds (printed with it); must equal environment.image's digest. */
    imageDigest: z.string({ error: "is required: the sha256 digest of the image in the snapshot (printed with it)" }),
    /** Size of the volume the snapshot was taken from, GiB (printed with it). */
    volumeSizeGiB: int("GiB").min(1),
    /** EBS provisioned rate for volume initialization, MiB/s (100–300): how fast the restored volume fills. @default 300 */
    initializationRateMiBps: int("MiB/s").min(100, { error: "must be 100–300 MiB/s (EBS provisioned rate for volume initialization)" }).max(300, { error: "must be 100–300 MiB/s (EBS provisioned rate for volume initialization)" }).default(300),
});

/** ECR pull-through cache for an image from a public registry. */
export const pullThroughCacheSchema = z.strictObject({
    /** The AWS account of the cluster (ECR registries are named by it). */
    accountId: z.string({ error: "is required: the 12-digit AWS account id of the cluster" }).regex(/^\d{12}$/, { error: "must be the 12-digit AWS account id" }),
    /**
     * Secrets Manager secret (name starting `ecr-pullthroughcache/`) with the upstream's
     * `username` and `accessToken`: required by ECR for Docker Hub, ghcr.io and registry.gitlab.com.
     */
    credentialArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+$/, { error: "must be a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/ (ECR requires that prefix)" }).optional(),
});

/** The image's sizes when known better than the default estimate (doctor prints the compressed size). */
export const imageSizeSchema = z.strictObject({
    compressed: z.number().positive({ error: "must be more than 0 (GiB)" }),
    unpacked: z.number().positive({ error: "must be more than 0 (GiB)" }),
});

export type WarmCapacityConfig = z.output<typeof warmCapacitySchema>;
export type ImageCacheConfig = z.output<typeof imageCacheSchema>;
export type PullThroughCacheConfig = z.output<typeof pullThroughCacheSchema>;
