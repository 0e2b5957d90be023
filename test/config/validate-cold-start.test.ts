import { ConfigError } from "../../infra/config/validate";
import { validateDev } from "./fixtures";

const DIGEST = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;

const validate = validateDev;
function errors(mutate: (raw: Record<string, any>) => void) {
    const r = validate(mutate);
    return r.ok ? [] : r.errors;
}
const at = (es: readonly ConfigError[], key: string) => es.filter((e) => e.key === `ml-team-env:${key}`);

/** A Bottlerocket GPU pool with an image cache for DIGEST. */
function withCache(r: Record<string, any>, cache: Record<string, unknown> = {}) {
    r.environment.image = `registry.example.com/ml/pytorch-cuda:v2.8@${DIGEST}`;
    r.cluster.gpuNodePool.amiType = "BOTTLEROCKET_x86_64_NVIDIA";
    r.cluster.gpuNodePool.imageCache = { snapshotId: "snap-0123456789abcdef0", imageDigest: DIGEST, volumeSizeGiB: 100, ...cache };
}

describe("cold-start config", () => {
    it("accepts the defaults and a full set of options", () => {
        expect(validate(() => undefined).ok).toBe(true);
        const r = validate((raw) => {
            withCache(raw);
            raw.cluster.gpuNodePool.diskThroughputMiBps = 400;
            raw.cluster.gpuNodePool.warmCapacity = { nodesPerZone: 1, start: "0 8 * * MON-FRI", stop: "0 19 * * MON-FRI", timeZone: "Europe/Berlin" };
            raw.cluster.userNodePool = { warmCapacity: { nodesPerZone: 1, start: "30 7 * * 1-5", stop: "0 20 * * 1-5" } };
        });
        expect(r.ok ? [] : r.errors).toEqual([]);
    });

    it("refuses a cron the parser rejects and a time zone that does not exist, with key, value and fix", () => {
        const es = errors((r) => (r.cluster.gpuNodePool.warmCapacity = { nodesPerZone: 1, start: "0 8 * * MON-FRI *", stop: "0 25 * * MON-FRI", timeZone: "Europe/Berln" }));
        expect(at(es, "cluster.gpuNodePool.warmCapacity.start")[0]).toMatchObject({ value: "0 8 * * MON-FRI *", message: expect.stringMatching(/has 6 fields.*e\.g\. "0 8 \* \* MON-FRI"/) });
        expect(at(es, "cluster.gpuNodePool.warmCapacity.stop")[0]!.message).toMatch(/25 is outside 0–23 in the hour field/);
        expect(at(es, "cluster.gpuNodePool.warmCapacity.timeZone")[0]).toMatchObject({ value: "Europe/Berln", message: expect.stringMatching(/did you mean 'Europe\/Berlin'/) });
    });

    it("refuses a snapshot id of the wrong form, a cache for another digest, and a snapshot smaller than the image or larger than the volume", () => {
        expect(at(errors((r) => withCache(r, { snapshotId: "snap-xyz" })), "cluster.gpuNodePool.imageCache.snapshotId")[0]!.message).toMatch(/not an EBS snapshot id/);
        const mismatch = at(errors((r) => withCache(r, { imageDigest: OTHER })), "cluster.gpuNodePool.imageCache.imageDigest")[0]!;
        expect(mismatch).toMatchObject({ value: OTHER, message: expect.stringMatching(new RegExp(`environment.image pins ${DIGEST}.*Build a cache for the pinned image`)) });
        const small = at(errors((r) => withCache(r, { volumeSizeGiB: 20 })), "cluster.gpuNodePool.imageCache.volumeSizeGiB")[0]!;
        expect(small.message).toMatch(/smaller than the image needs \(23 GiB/);
        const large = at(errors((r) => withCache(r, { volumeSizeGiB: 300 })), "cluster.gpuNodePool.imageCache.volumeSizeGiB")[0]!;
        expect(large.message).toMatch(/more than gpuNodePool.diskSizeGiB \(200\)/);
        const tagOnly = errors((r) => {
            withCache(r);
            r.environment.image = "registry.example.com/ml/pytorch-cuda:v2.8";
        });
        expect(at(tagOnly, "cluster.gpuNodePool.imageCache.imageDigest")[0]!.message).toMatch(/pinned by tag only/);
        const al2023 = errors((r) => {
            withCache(r);
            r.cluster.gpuNodePool.amiType = "AL2023_x86_64_NVIDIA";
        });
        expect(at(al2023, "cluster.gpuNodePool.imageCache")[0]!.message).toMatch(/needs gpuNodePool.amiType: BOTTLEROCKET_x86_64_NVIDIA/);
    });

    it("refuses gp3 throughput above what gp3 allows, and IOPS too few for it", () => {
        const es = errors((r) => {
            r.cluster.gpuNodePool.diskThroughputMiBps = 2500;
            r.cluster.userNodePool = { diskThroughputMiBps: 1000, diskIops: 3000 };
        });
        expect(at(es, "cluster.gpuNodePool.diskThroughputMiBps")[0]).toMatchObject({ value: 2500, message: expect.stringMatching(/125–2000 MiB\/s/) });
        // gp3's limits since September 2025: 2,000 MiB/s and 80,000 IOPS (8,000 IOPS carry 2,000 MiB/s).
        const raised = errors((r) => Object.assign(r.cluster.gpuNodePool, { diskSizeGiB: 160, diskThroughputMiBps: 2000, diskIops: 80000 }));
        expect(at(raised, "cluster.gpuNodePool.diskThroughputMiBps")).toEqual([]);
        expect(at(raised, "cluster.gpuNodePool.diskIops")).toEqual([]);
        expect(at(es, "cluster.userNodePool.diskIops")[0]).toMatchObject({ value: 3000, message: expect.stringMatching(/at least 4000/) });
    });

    it("refuses FastImagePull on an instance type below the AMI's threshold", () => {
        const es = errors((r) => (r.cluster.userNodePool = { instanceTypes: ["m6i.large"] }));
        // Left out, it is on by default: the error shows the value in effect, not undefined.
        expect(at(es, "cluster.userNodePool.fastImagePull")[0]).toMatchObject({ value: true, message: expect.stringMatching(/is on \(true unless set to false\), but the AMI ignores it on m6i.large \(2 vCPU, 8 GiB\).*at least 4 vCPUs.*Set fastImagePull: false/) });
        expect(at(errors((r) => (r.cluster.userNodePool = { instanceTypes: ["m6i.large"], fastImagePull: false })), "cluster.userNodePool.fastImagePull")).toEqual([]);
    });

    it("pulls through ECR for a supported public registry, and refuses another or a missing credential", () => {
        const quay = validate((r) => {
            r.environment.image = `quay.io/jupyter/pytorch-notebook:cuda12-2026-11-02@${DIGEST}`;
            r.cluster.imagePullThroughCache = { accountId: "123456789012" };
        });
        if (!quay.ok) throw new Error(JSON.stringify(quay.errors));
        expect(quay.config.image.reference).toBe(`123456789012.dkr.ecr.us-west-2.amazonaws.com/quay/jupyter/pytorch-notebook:cuda12-2026-11-02@${DIGEST}`);
        expect(quay.config.image.upstreamReference).toBe(`quay.io/jupyter/pytorch-notebook:cuda12-2026-11-02@${DIGEST}`);
        const own = errors((r) => (r.cluster.imagePullThroughCache = { accountId: "123456789012" }));
        expect(at(own, "cluster.imagePullThroughCache")[0]!.message).toMatch(/registry.example.com, which ECR's pull-through cache does not serve.*push the image to ECR/);
        const hub = errors((r) => {
            r.environment.image = "pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime";
            r.cluster.imagePullThroughCache = { accountId: "123456789012" };
        });
        expect(at(hub, "cluster.imagePullThroughCache.credentialArn")[0]!.message).toMatch(/required for docker.io.*ecr-pullthroughcache\//);
    });
});
