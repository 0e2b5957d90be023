/**
 * The checks of the cold-start keys (schema-cold-start.ts) that span keys: gp3 limits for the
 * volume size, FastImagePull against the AMI's threshold, the image cache against the pinned
 * image, warm capacity's crons and time zone, the pull-through cache's upstream. Pure; reports
 * through the caller's `err`/`warn` so every problem comes back at once.
 */
import { INSTANCE_TYPES } from "../cluster/instance-types";
import { gp3Problems } from "../cold-start/gp3";
import { DEFAULT_IMAGE_GIB } from "../cold-start/figures";
import { FAST_IMAGE_PULL_MIN, fastImagePullApplies, nodeImageSettings } from "../cold-start/node-image-settings";
import { EnvironmentImage } from "../environment/environment-image";
import { PULL_THROUGH_UPSTREAMS, viaPullThroughCache } from "../environment/pull-through-cache";
import { parseCron, warmHoursPerMonth } from "./cron";
import { EksClusterConfig, EnvironmentConfig } from "./schema";
import { IMAGE_DIGEST, SNAPSHOT_ID, WarmCapacityConfig } from "./schema-cold-start";
import { timeZoneProblem } from "./time-zone";
import type { CheckContext } from "./validate-cluster";

type Path = readonly PropertyKey[];
type Pool = EksClusterConfig["gpuNodePool"] | EksClusterConfig["userNodePool"];

function checkFastImagePull(pool: Pool, amiType: string, path: Path, ctx: CheckContext): void {
    if (!pool.fastImagePull || !amiType.startsWith("AL2023")) return;
    for (const type of pool.instanceTypes) {
        const info = INSTANCE_TYPES[type];
        if (!info || fastImagePullApplies(type)) continue;
        ctx.err(
            [...path, "fastImagePull"],
            `is on (true unless set to false), but the AMI ignores it on ${type} (${info.vcpu} vCPU, ${info.memoryMiB / 1024} GiB): nodeadm needs at least ${FAST_IMAGE_PULL_MIN.vcpu} vCPUs and ${FAST_IMAGE_PULL_MIN.memoryMiB / 1024} GiB. Set fastImagePull: false for this pool, or use a type of that size or more`,
            { value: pool.fastImagePull },
        );
    }
}

function checkWarmCapacity(w: WarmCapacityConfig | undefined, maxSize: number, path: Path, ctx: CheckContext): void {
    if (!w) return;
    const start = parseCron(w.start);
    const stop = parseCron(w.stop);
    if (!start.ok) ctx.err([...path, "warmCapacity", "start"], start.error);
    if (!stop.ok) ctx.err([...path, "warmCapacity", "stop"], stop.error);
    if (start.ok && stop.ok) {
        const hours = warmHoursPerMonth(start.cron, stop.cron);
        if ("problem" in hours) ctx.err([...path, "warmCapacity"], `${hours.problem}: give start and stop crons that alternate, e.g. start "0 8 * * MON-FRI", stop "0 19 * * MON-FRI"`);
    }
    const tz = timeZoneProblem(w.timeZone);
    if (tz) ctx.err([...path, "warmCapacity", "timeZone"], tz);
    if (w.nodesPerZone > maxSize) ctx.err([...path, "warmCapacity", "nodesPerZone"], `is more than the pool's maxSize (${maxSize} per zone); lower it or raise maxSize`);
}

function checkImageCache(c: EksClusterConfig, image: EnvironmentImage | undefined, environment: EnvironmentConfig, ctx: CheckContext): void {
    const cache = c.gpuNodePool.imageCache;
    if (!cache) return;
    const path = ["cluster", "gpuNodePool", "imageCache"];
    if (c.gpuNodePool.amiType !== "BOTTLEROCKET_x86_64_NVIDIA") {
        ctx.err(path, `needs gpuNodePool.amiType: BOTTLEROCKET_x86_64_NVIDIA (${c.gpuNodePool.amiType} keeps images on the root volume, which comes from the AMI); change amiType or remove imageCache`);
    }
    if (!SNAPSHOT_ID.test(cache.snapshotId)) ctx.err([...path, "snapshotId"], "is not an EBS snapshot id (snap- and 8 or 17 hexadecimal characters); copy the id build-image-cache.sh printed");
    if (!IMAGE_DIGEST.test(cache.imageDigest)) {
        ctx.err([...path, "imageDigest"], "is not an image digest (sha256: and 64 lowercase hexadecimal characters); copy the digest build-image-cache.sh printed");
    } else if (image && !image.digest) {
        ctx.err([...path, "imageDigest"], `is set, but environment.image is pinned by tag only: pin it by digest (…@${cache.imageDigest}) so the cache and the pods run the same image`);
    } else if (image?.digest && image.digest !== cache.imageDigest) {
        ctx.err(
            [...path, "imageDigest"],
            `is ${cache.imageDigest}, but environment.image pins ${image.digest}: the snapshot holds another image, so every node would pull anyway. Build a cache for the pinned image (infra/image-cache/build-image-cache.sh) and put its snapshot id and digest here`,
        );
    }
    const size = environment.imageSizeGiB ?? DEFAULT_IMAGE_GIB;
    const needed = Math.ceil(size.compressed + size.unpacked);
    if (cache.volumeSizeGiB < needed) {
        ctx.err([...path, "volumeSizeGiB"], `is smaller than the image needs (${needed} GiB: containerd keeps the ${size.compressed} GiB of layers and the ${size.unpacked} GiB unpacked); build the snapshot from a volume of at least ${needed} GiB`);
    }
    if (cache.volumeSizeGiB > c.gpuNodePool.diskSizeGiB) {
        ctx.err([...path, "volumeSizeGiB"], `is more than gpuNodePool.diskSizeGiB (${c.gpuNodePool.diskSizeGiB}): EBS cannot make a volume smaller than its snapshot; raise diskSizeGiB to at least ${cache.volumeSizeGiB}`);
    }
}

/** gp3 limits for the pool's volume; a problem with a derived value is reported on the key that was set, naming the derived value. */
function checkDisk(pool: Pool, derived: { throughputMiBps: number; iops: number }, path: Path, ctx: CheckContext): void {
    for (const p of gp3Problems(pool.diskSizeGiB, derived.throughputMiBps, derived.iops)) {
        if (pool[p.key] !== undefined) ctx.err([...path, p.key], p.message);
        else {
            const other = p.key === "diskIops" ? "diskThroughputMiBps" : "diskIops";
            ctx.err([...path, other], `gives ${p.key} ${p.key === "diskIops" ? derived.iops : derived.throughputMiBps} (derived), which ${p.message.replace(/^is /, "is ")}`);
        }
    }
}

/**
 * The image the nodes pull: through the ECR pull-through cache when configured (then the
 * upstream must be one ECR supports), else as written.
 */
export function imageAsPulled(c: EksClusterConfig, image: EnvironmentImage, ctx: CheckContext): EnvironmentImage {
    const cache = c.imagePullThroughCache;
    if (!cache) return image;
    const path = ["cluster", "imagePullThroughCache"];
    const upstream = PULL_THROUGH_UPSTREAMS[image.registry];
    if (!upstream) {
        ctx.err(path, `is set, but environment.image is on ${image.registry}, which ECR's pull-through cache does not serve (it does: ${Object.keys(PULL_THROUGH_UPSTREAMS).join(", ")}). For a registry of your own (a self-managed GitLab), push the image to ECR from the pipeline instead and remove this key (docs/cluster.md)`);
        return image;
    }
    if (upstream.needsCredential && !cache.credentialArn) {
        ctx.err([...path, "credentialArn"], `is required for ${image.registry}: ECR signs in to it with a Secrets Manager secret named ecr-pullthroughcache/<name> holding username and accessToken`);
    }
    return viaPullThroughCache(image, upstream, cache.accountId, c.region);
}

/** Every cold-start check of an EKS cluster. `image` is the parsed environment image as pulled (undefined when it did not parse). */
export function checkColdStart(c: EksClusterConfig, environment: EnvironmentConfig, image: EnvironmentImage | undefined, idleTimeoutMinutes: number, ctx: CheckContext): void {
    checkFastImagePull(c.gpuNodePool, c.gpuNodePool.amiType, ["cluster", "gpuNodePool"], ctx);
    checkFastImagePull(c.userNodePool, "AL2023_x86_64_STANDARD", ["cluster", "userNodePool"], ctx);
    checkImageCache(c, image, environment, ctx);
    checkWarmCapacity(c.gpuNodePool.warmCapacity, c.gpuNodePool.maxSize, ["cluster", "gpuNodePool"], ctx);
    checkWarmCapacity(c.userNodePool.warmCapacity, c.userNodePool.maxSize, ["cluster", "userNodePool"], ctx);
    // Throughput derivation needs known instance types; unknown ones are reported elsewhere.
    const settings = nodeImageSettings(c, { registry: image?.registry ?? "unknown", sizeGiB: environment.imageSizeGiB }, idleTimeoutMinutes);
    checkDisk(c.gpuNodePool, settings.gpu, ["cluster", "gpuNodePool"], ctx);
    checkDisk(c.userNodePool, settings.user, ["cluster", "userNodePool"], ctx);
}
