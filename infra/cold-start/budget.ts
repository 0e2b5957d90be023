/**
 * The cold-start budget: how long a member waits for a GPU notebook when the GPU pool is at
 * zero, step by step, from the figures in `figures.ts` and the node's own disk and network
 * rates. Pure: a description of the node and the image in, seconds out.
 */
import { INSTANCE_TYPES } from "../cluster/instance-types";
import { instanceIo } from "../cluster/instance-io";
import * as F from "./figures";

/** Where the node pulls the image from. */
export type ImageSource =
    /** ECR (the team's repository, or a pull-through cache of a public registry): layers come from S3 through the VPC's gateway endpoint. */
    | "ecr"
    /** A registry outside AWS, through the NAT gateway. */
    | "external";

export interface ColdStartInput {
    /** The GPU node's instance type (one of the pool's). */
    readonly instanceType: string;
    /** Bottlerocket ships the device plugin; AL2023 runs this package's DaemonSet. */
    readonly os: "al2023" | "bottlerocket";
    readonly image: { readonly compressedGiB: number; readonly unpackedGiB: number };
    /** The image volume's provisioned gp3 throughput and IOPS. */
    readonly disk: { readonly throughputMiBps: number; readonly iops: number };
    /** Parallel pull and unpack (nodeadm FastImagePull, Bottlerocket's SOCI parallel-pull-unpack). */
    readonly fastImagePull: boolean;
    readonly source: ImageSource;
    /** The image is already on the node's data volume, restored from a snapshot initialising at this rate. */
    readonly imageCache?: { readonly initializationRateMiBps: number };
    /** A node kept warm (scheduled minimum) has a free GPU and the pre-pulled image. */
    readonly warmNode?: boolean;
}

export type StepId = "autoscaler" | "launch" | "gpu" | "image" | "start";

export interface BudgetStep {
    readonly id: StepId;
    readonly title: string;
    readonly seconds: number;
    /** How the seconds were reached, in a few words. */
    readonly how: string;
}

export interface ColdStartBudget {
    readonly steps: readonly BudgetStep[];
    readonly totalSeconds: number;
}

const GIB_MB = 2 ** 30 / 1e6;
const MIB_MB = 2 ** 20 / 1e6;

/** Rates the pull runs at on this node, MB/s. */
export interface PullRates {
    readonly network: number;
    readonly disk: number;
    readonly unpack: number;
}

/** The node's rates for a pull: network per connection count, disk as the least of volume, IOPS and instance EBS caps, gunzip per stream. */
function pullRates(input: ColdStartInput): PullRates {
    const io = instanceIo(input.instanceType);
    const info = INSTANCE_TYPES[input.instanceType];
    if (!io || !info) throw new Error(`no I/O figures for instance type '${input.instanceType}'`);
    const nic = io.networkGbps * 125;
    const perConnection = F.CONNECTION_MBPS[input.source];
    const disk = Math.min(input.disk.throughputMiBps * MIB_MB, input.disk.iops * F.GP3_MAX_IO_KIB * 1024 / 1e6, io.ebsMaxMBps);
    if (input.fastImagePull) {
        const streams = Math.min(F.PARALLEL_UNPACK_LAYERS, info.vcpu);
        return { network: Math.min(nic, F.PARALLEL_DOWNLOAD_CONNECTIONS * perConnection), disk, unpack: Math.min(disk, streams * F.GUNZIP_MBPS_PER_STREAM) };
    }
    // One connection per layer, three layers at once: the largest layer sets the pace.
    const network = Math.min(nic, perConnection / F.LARGEST_LAYER_SHARE, F.STANDARD_CONCURRENT_DOWNLOADS * perConnection);
    return { network, disk, unpack: Math.min(disk, F.GUNZIP_MBPS_PER_STREAM) };
}

const round = (s: number) => Math.round(s);
const mbps = (x: number) => `${Math.round(x)} MB/s`;

/** The image step: a pull (download, then unpack; conservatively not overlapped), a read from the cache volume, or nothing on a warm node. */
function imagePullStep(input: ColdStartInput): BudgetStep {
    const title = "image pull and unpack";
    if (input.warmNode) return { id: "image", title, seconds: 0, how: "pre-pulled on the warm node" };
    if (input.imageCache) {
        const rate = Math.min(input.imageCache.initializationRateMiBps, input.disk.throughputMiBps) * MIB_MB;
        const s = (F.STARTUP_READ_GIB * GIB_MB) / rate;
        return { id: "image", title, seconds: round(s), how: `cached on the data volume: ${F.STARTUP_READ_GIB} GiB read at start, volume initialising at ${mbps(rate)}` };
    }
    const r = pullRates(input);
    const compressed = input.image.compressedGiB * GIB_MB;
    const unpacked = input.image.unpackedGiB * GIB_MB;
    const download = compressed / Math.min(r.network, r.disk);
    const unpack = unpacked / r.unpack;
    const mode = input.fastImagePull ? "parallel" : "standard";
    return {
        id: "image",
        title,
        seconds: round(download + unpack),
        how: `${mode}: ${input.image.compressedGiB} GiB at ${mbps(Math.min(r.network, r.disk))} + unpack ${input.image.unpackedGiB} GiB at ${mbps(r.unpack)} (disk ${mbps(r.disk)})`,
    };
}

/** The image step of a budget (every budget has one). */
export function imageStep(b: ColdStartBudget): BudgetStep {
    return b.steps.find((s) => s.id === "image")!;
}

/** The modelled wait, step by step, for a GPU notebook on a node of this kind. */
export function coldStartBudget(input: ColdStartInput): ColdStartBudget {
    const warm = input.warmNode === true;
    const steps: BudgetStep[] = [
        { id: "autoscaler", title: "autoscaler reaction", seconds: warm ? 0 : F.AUTOSCALER_REACTION_S, how: warm ? "a warm node is there" : "scan every 10 s; scale-up target 30 s" },
        { id: "launch", title: "EC2 launch and node join", seconds: warm ? 0 : F.LAUNCH_AND_JOIN_S, how: warm ? "a warm node is there" : "launch, boot, kubelet registration, CNI Ready" },
        {
            id: "gpu",
            title: "GPU driver and device plugin",
            seconds: warm ? 0 : input.os === "bottlerocket" ? F.DEVICE_PLUGIN_BUILT_IN_S : F.DEVICE_PLUGIN_DAEMONSET_S,
            how: warm ? "a warm node is there" : input.os === "bottlerocket" ? "driver and plugin in the OS" : "driver in the AMI; plugin DaemonSet pulled and registered",
        },
        imagePullStep(input),
        { id: "start", title: "notebook server start", seconds: F.NOTEBOOK_START_S, how: "container start, jupyterhub-singleuser up" },
    ];
    return { steps, totalSeconds: steps.reduce((s, x) => s + x.seconds, 0) };
}

/** `4 min 05 s`, `45 s`. */
export function formatDuration(seconds: number): string {
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}
