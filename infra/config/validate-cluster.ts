/**
 * The cluster checks of config validation: instance types, region, Kubernetes version and
 * support window, subnet sizes, and whether each notebook profile fits the node it lands on.
 * Pure; reports through the caller's `err`/`warn` so every problem comes back at once.
 */
import { AWS_REGIONS } from "../cluster/aws-regions";
import { subnetLayout } from "../cluster/subnet-layout";
import { SystemPlacement } from "../cluster/gpu-placement";
import { CPU_INSTANCE_TYPES, GPU_INSTANCE_TYPES, gpusPerNodeFor, INSTANCE_TYPES, maxPodsOnManagedNodeGroup, nearestInstanceType } from "../cluster/instance-types";
import { autoscalerBehind, daysOfStandardSupportLeft, EKS_VERSIONS, NEWER_MINOR_REMINDER_DAYS, newestKubernetesVersion, supportStatus, SUPPORT_WARNING_DAYS, versionsInStandardSupport } from "../cluster/kubernetes-versions";
import { eksNodePools, existingNodePools, NodePoolShape, poolFor, poolPlacement, requestsOf } from "../cluster/node-pools";
import { prePullerPodSpec, prePullPools } from "../environment/pre-puller-spec";
import { freeResources, PodSpecLike } from "../scheduling/fit";
import { formatBytes, formatCpu } from "../scheduling/quantity";
import { shmProblem } from "../scheduling/shared-memory";
import { nearest } from "./nearest";
import { EksClusterConfig, EnvironmentConfig, ExistingClusterConfig, NotebookProfile, RunnersConfig } from "./schema";
import { cidrWithin } from "../network/ipv4";

type Path = readonly PropertyKey[];

export interface CheckContext {
    /** `effective`: the value the key has in effect when the stack file leaves it to a default (the error shows it, not `undefined`). */
    err(path: Path, message: string, effective?: { readonly value: unknown }): void;
    warn(message: string): void;
    /** "Today" for support windows (tests fix it). */
    readonly today: Date;
    /** `pulumi up` is running (not a preview or the plan): placeholders left in the stack file are errors then. @default false */
    readonly deploying?: boolean;
}

/** IPv4 documentation ranges (RFC 5737): no real client is in one, so a stack file's placeholder. */
const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

/** Whether a CIDR lies inside one of the documentation ranges. */
function inDocumentationRange(cidr: string): boolean {
    return DOCUMENTATION_RANGES.some((range) => cidrWithin(cidr, range));
}

/**
 * Who may reach the Kubernetes API. There is no open default: the public endpoint needs the
 * networks named (the deployer's among them: the Kubernetes provider of `pulumi up` connects
 * from there), `0.0.0.0/0` is allowed but said out loud, and the example stack's documentation
 * range is a warning in the plan and an error once `pulumi up` runs.
 */
function checkApiEndpoint(c: EksClusterConfig, ctx: CheckContext): void {
    const path = ["cluster", "publicAccessCidrs"];
    if (!c.endpointPublicAccess && !c.endpointPrivateAccess) ctx.err(["cluster", "endpointPublicAccess"], "and endpointPrivateAccess are both false: EKS needs at least one way to reach the API");
    if (!c.endpointPublicAccess) {
        if (c.publicAccessCidrs) ctx.warn("cluster.publicAccessCidrs has no effect with endpointPublicAccess: false (run `pulumi up` from inside the VPC, or through a VPN to it).");
        return;
    }
    const cidrs = c.publicAccessCidrs;
    if (!cidrs) {
        ctx.err(path, "is required while endpointPublicAccess is true: list the networks that may reach the Kubernetes API, your office or VPN egress ranges (yours: `curl -s https://checkip.amazonaws.com`, then /32); the machine running `pulumi up` must be in one. [0.0.0.0/0] opens it to the internet; endpointPublicAccess: false keeps it inside the VPC");
        return;
    }
    if (cidrs.includes("0.0.0.0/0")) ctx.warn("cluster.publicAccessCidrs includes 0.0.0.0/0: the Kubernetes API endpoint is reachable from the whole internet (IAM still authenticates every request). List your office or VPN ranges instead.");
    const placeholders = cidrs.filter(inDocumentationRange);
    if (placeholders.length > 0) {
        const message = `${placeholders.join(", ")} ${placeholders.length === 1 ? "is a documentation range" : "are documentation ranges"} (RFC 5737), the example stack's placeholder: no real network is in it, so \`pulumi up\` could not reach the API it creates. Put your office or VPN egress range (\`curl -s https://checkip.amazonaws.com\`, then /32)`;
        if (ctx.deploying) ctx.err(path, message);
        else ctx.warn(`cluster.publicAccessCidrs: ${message}.`);
    }
}

/** GPU capacity: what one member can ever use (their pods share one zone, where their volume is). */
export interface GpuCapacity {
    readonly gpusPerNode: number;
    /** Most GPU nodes in one zone. */
    readonly maxNodes: number;
    readonly maxGpus: number;
    /** The pool that time-slices its GPUs, when there is one: GPUs per node, replicas per GPU, most slices in one zone. */
    readonly shared?: { readonly gpusPerNode: number; readonly replicasPerGpu: number; readonly maxSlices: number };
}

/** The DaemonSets this package runs per EKS pool (for what they take from each node). */
export function packageDaemonSets(environment: EnvironmentConfig): { gpu: PodSpecLike[]; "gpu-shared": PodSpecLike[]; user: PodSpecLike[] } {
    const pools = prePullPools(environment, { gpu: poolPlacement("gpu"), user: poolPlacement("user") });
    // Requests do not depend on the image; any reference will do. The GPU pre-puller runs on every GPU pool.
    const prePuller = (placement: SystemPlacement | undefined): PodSpecLike[] => (placement ? [prePullerPodSpec({ reference: "image" }, placement) as PodSpecLike] : []);
    return { gpu: prePuller(pools.gpu), "gpu-shared": prePuller(pools.gpu), user: prePuller(pools.user) };
}

/** Instance types this package has no data for: an error each, with the nearest known type. */
function checkInstanceTypes(types: readonly string[], path: Path, gpu: boolean, ctx: CheckContext): boolean {
    let ok = true;
    types.forEach((type, i) => {
        const info = INSTANCE_TYPES[type];
        if (info && gpu !== info.gpus > 0) {
            ok = false;
            ctx.err([...path, i], `is ${gpu ? "not a GPU instance type" : "a GPU instance type; GPU nodes belong in gpuNodePool"}`);
        } else if (!info) {
            ok = false;
            const kind = gpu ? GPU_INSTANCE_TYPES : CPU_INSTANCE_TYPES;
            const near = nearestInstanceType(type, kind);
            ctx.err([...path, i], `is not an instance type this package knows${near ? `; did you mean '${near}'?` : ""} (it needs its size to check that pods fit; known: ${kind.join(", ")})`);
        }
    });
    return ok;
}

function checkSizes(g: { minSize: number; desiredSize: number; maxSize: number }, path: Path, ctx: CheckContext): void {
    if (g.minSize > g.maxSize) ctx.err([...path, "minSize"], `must not exceed maxSize (${g.maxSize})`);
    if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) ctx.err([...path, "desiredSize"], `must lie between minSize (${g.minSize}) and maxSize (${g.maxSize})`);
}

/**
 * Whether the VPC leaves room: public subnets of at least /28 (AWS's smallest), and private
 * subnets with an address for every pod the zone's nodes can run (the VPC CNI gives each pod a
 * VPC address) plus each node's own ENI addresses.
 */
export function subnetProblems(c: EksClusterConfig): string[] {
    const prefix = Number(c.vpcCidr.split("/")[1]);
    const { privateCidrs, publicCidrs } = subnetLayout(c.vpcCidr, c.availabilityZoneCount);
    const problems: string[] = [];
    const publicPrefix = Number(publicCidrs[0]!.split("/")[1]);
    if (publicPrefix > 28) problems.push(`its public subnets would be /${publicPrefix}, smaller than AWS's /28 minimum`);
    const privatePrefix = Number(privateCidrs[0]!.split("/")[1]);
    const usable = 2 ** (32 - privatePrefix) - 5;
    const addressesPerNode = (types: readonly string[]) => {
        const type = [...types].sort((a, b) => (INSTANCE_TYPES[b]?.eniMaxPods ?? 0) - (INSTANCE_TYPES[a]?.eniMaxPods ?? 0))[0];
        const info = type ? INSTANCE_TYPES[type] : undefined;
        // A full node: one address per pod, plus its ENIs' primary addresses (at most a handful).
        return info ? maxPodsOnManagedNodeGroup(info) + 5 : 0;
    };
    const needed =
        Math.ceil(c.systemNodeGroup.maxSize / c.availabilityZoneCount) * addressesPerNode(c.systemNodeGroup.instanceTypes) +
        c.userNodePool.maxSize * addressesPerNode(c.userNodePool.instanceTypes) +
        c.gpuNodePool.maxSize * addressesPerNode(c.gpuNodePool.instanceTypes) +
        (c.sharedGpuNodePool ? c.sharedGpuNodePool.maxSize * addressesPerNode(c.sharedGpuNodePool.instanceTypes) : 0);
    if (needed > usable) problems.push(`its private subnets would be /${privatePrefix} with ${usable} usable addresses, but a zone's nodes at their maximum sizes need about ${needed} (one per pod)`);
    return problems.length > 0 ? [`${problems.join(", and ")}; use /${Math.min(prefix, 20)} or larger`] : [];
}

/**
 * The Kubernetes version against EKS's calendar: refused past support (or past standard support
 * when EKS would upgrade it), warned within SUPPORT_WARNING_DAYS of the end of standard support,
 * and reminded of a newer minor when standard support has under NEWER_MINOR_REMINDER_DAYS left.
 * The warnings show in the plan and in doctor's config check.
 */
function checkKubernetesVersion(c: EksClusterConfig, ctx: CheckContext): void {
    const version = c.kubernetesVersion;
    const v = EKS_VERSIONS[version];
    const status = supportStatus(version, ctx.today);
    const standard = versionsInStandardSupport(ctx.today);
    const upgrade = "docs/cluster.md, \"Upgrading Kubernetes\"";
    if (status === "ended") {
        ctx.err(["cluster", "kubernetesVersion"], `is past the end of EKS support (${v.endOfExtendedSupport}); use ${standard.join(" or ")}`);
    } else if (status === "extended" && c.supportType === "STANDARD") {
        ctx.err(["cluster", "kubernetesVersion"], `is past EKS standard support (ended ${v.endOfStandardSupport}), and supportType STANDARD means EKS upgrades it; use ${standard.join(" or ")}, or set cluster.supportType: EXTENDED (6× the control-plane price)`);
    } else if (status === "extended") {
        ctx.warn(`cluster.kubernetesVersion ${version} is in EKS extended support until ${v.endOfExtendedSupport}: the control plane costs $0.60/h instead of $0.10/h. Upgrade to ${standard.join(" or ")} (${upgrade}).`);
    } else {
        const days = daysOfStandardSupportLeft(version, ctx.today);
        const newer = standard.filter((s) => s > version);
        const dates = `${v.endOfStandardSupport}${"estimated" in v && v.estimated ? " (estimated)" : ""}`;
        if (days <= SUPPORT_WARNING_DAYS) {
            const after = c.supportType === "STANDARD" ? "then EKS upgrades the control plane itself and the next `pulumi up`, still asking for this version, fails" : "then extended support bills $0.60/h for the control plane";
            ctx.warn(`cluster.kubernetesVersion ${version} leaves EKS standard support on ${dates}, in ${days} days: ${after}. Upgrade to ${newer.join(" or ") || "the next version"} now (${upgrade}).`);
        } else if (days <= NEWER_MINOR_REMINDER_DAYS && newer.length > 0) {
            const latest = newestKubernetesVersion();
            const behind = autoscalerBehind(latest);
            const why = behind ? `; ${latest} runs the ${behind} cluster-autoscaler until a ${latest} release of it is pinned` : "";
            ctx.warn(`cluster.kubernetesVersion ${version} has ${days} days of EKS standard support left (until ${dates}); EKS already runs ${newer.join(", ")}${why}. Plan the upgrade (${upgrade}).`);
        }
    }
    const behind = autoscalerBehind(version);
    if (behind) {
        ctx.warn(`cluster.kubernetesVersion ${version}: no cluster-autoscaler ${version} had been published when this package was pinned, so the cluster runs the ${behind} one (${v.autoscalerImageTag}), a minor behind, which upstream does not test against ${version}. Use ${behind} until the package pins a ${version} autoscaler, or accept that.`);
    }
}

/** Checks an EKS cluster config; returns the GPU capacity, or undefined when the pool cannot be read (then no check depends on it). */
export function checkEksCluster(c: EksClusterConfig, ctx: CheckContext): GpuCapacity | undefined {
    if (!(AWS_REGIONS as readonly string[]).includes(c.region)) {
        const near = nearest(c.region, AWS_REGIONS, 3);
        ctx.err(["cluster", "region"], `is not an AWS region${near ? `; did you mean '${near}'?` : ""} (check with \`aws ec2 describe-regions\`)`);
    }
    checkKubernetesVersion(c, ctx);
    checkApiEndpoint(c, ctx);
    if (c.vpc === "create") for (const problem of subnetProblems(c)) ctx.err(["cluster", "vpcCidr"], problem);

    checkSizes(c.systemNodeGroup, ["cluster", "systemNodeGroup"], ctx);
    checkSizes(c.userNodePool, ["cluster", "userNodePool"], ctx);
    checkSizes(c.gpuNodePool, ["cluster", "gpuNodePool"], ctx);
    checkInstanceTypes(c.systemNodeGroup.instanceTypes, ["cluster", "systemNodeGroup", "instanceTypes"], false, ctx);
    checkInstanceTypes(c.userNodePool.instanceTypes, ["cluster", "userNodePool", "instanceTypes"], false, ctx);
    const shared = checkSharedGpuPool(c, ctx);
    const pool = c.gpuNodePool;
    // An unknown GPU type is one error; the capacity checks that would follow from it are not made.
    if (!checkInstanceTypes(pool.instanceTypes, ["cluster", "gpuNodePool", "instanceTypes"], true, ctx)) return undefined;
    const known = gpusPerNodeFor(pool.instanceTypes);
    if (!known.ok) {
        ctx.err(["cluster", "gpuNodePool", "instanceTypes"], `${known.reason}: one pool's types must carry the same GPU count, or the autoscaler's template node lies`);
        return undefined;
    }
    if (pool.gpusPerNode !== undefined && known.gpus !== pool.gpusPerNode) {
        ctx.err(["cluster", "gpuNodePool", "gpusPerNode"], `says ${pool.gpusPerNode} but ${pool.instanceTypes.join(", ")} carry ${known.gpus} GPU(s) per node; remove it (it is derived) or fix it`);
    }
    return { gpusPerNode: known.gpus, maxNodes: pool.maxSize, maxGpus: known.gpus * pool.maxSize, ...(shared ? { shared } : {}) };
}

/**
 * The pool that time-slices its GPUs: known GPU types of one GPU count, sizes in order. Its
 * capacity, or undefined when there is no such pool or it cannot be read.
 */
function checkSharedGpuPool(c: EksClusterConfig, ctx: CheckContext): GpuCapacity["shared"] {
    const shared = c.sharedGpuNodePool;
    if (!shared) return undefined;
    const path = ["cluster", "sharedGpuNodePool"];
    checkSizes(shared, path, ctx);
    if (!checkInstanceTypes(shared.instanceTypes, [...path, "instanceTypes"], true, ctx)) return undefined;
    const known = gpusPerNodeFor(shared.instanceTypes);
    if (!known.ok) {
        ctx.err([...path, "instanceTypes"], `${known.reason}: one pool's types must carry the same GPU count, or the autoscaler's template node lies`);
        return undefined;
    }
    const replicasPerGpu = shared.sharing.replicasPerGpu;
    return { gpusPerNode: known.gpus, replicasPerGpu, maxSlices: known.gpus * replicasPerGpu * shared.maxSize };
}

export function checkExistingCluster(c: ExistingClusterConfig): GpuCapacity {
    return { gpusPerNode: c.gpusPerNode, maxNodes: c.gpuNodeCount, maxGpus: c.gpusPerNode * c.gpuNodeCount };
}

/** The node pools of either cluster mode, with this package's DaemonSets counted. */
export function clusterPools(cluster: EksClusterConfig | ExistingClusterConfig, environment: EnvironmentConfig): NodePoolShape[] {
    return cluster.mode === "eks" ? eksNodePools(cluster, { daemonSets: packageDaemonSets(environment) }) : existingNodePools(cluster);
}

/** A pod size to fit: a notebook profile or a CI job. */
export interface Workload {
    /** Stack-file path of the thing, for errors (its `cpu`/`memoryGiB` keys hang off it). */
    readonly path: Path;
    readonly what: string;
    readonly cpu: number;
    readonly memoryGiB: number;
    readonly gpus: number;
    /** It asks for a time-sliced GPU (lands on the sharing pool). @default false */
    readonly sharedGpu?: boolean;
    /** Its /dev/shm size, when configured (checked against memoryGiB). */
    readonly shmGiB?: number;
}

/**
 * Each workload against the node it lands on (GPU pool when it asks for GPUs, user pool
 * otherwise): its requests must fit what a node leaves after kube-reserved, the eviction
 * threshold and the DaemonSets. The autoscaler's template for a pool at zero assumes more
 * (allocatable = capacity), so without this check it would buy a node that can never host it.
 */
export function checkWorkloadsFit(workloads: readonly Workload[], pools: readonly NodePoolShape[], ctx: CheckContext): void {
    for (const w of workloads) {
        const shm = shmProblem(w.memoryGiB, w.shmGiB);
        if (shm) ctx.err([...w.path, "shmGiB"], shm);
        const pool = poolFor(pools, w.sharedGpu ? "gpu-shared" : w.gpus > 0 ? "gpu" : "user");
        if (!pool || !Number.isFinite(pool.node.allocatable.cpuMillis)) continue;
        // Only size is checked here: the pool is chosen by role, and GPU counts are checked against capacity elsewhere.
        const requests = requestsOf(w.cpu, w.memoryGiB, w.gpus);
        const free = freeResources(pool.node);
        const cpuShort = requests.cpuMillis > free.cpuMillis;
        const memoryShort = requests.memoryBytes > free.memoryBytes;
        if (!cpuShort && !memoryShort) continue;
        const room = `a node of the ${pool.node.name} leaves at most ${formatCpu(free.cpuMillis)} and ${formatBytes(free.memoryBytes)} for ${w.what} (allocatable after kube-reserved, the eviction threshold and DaemonSets)`;
        if (cpuShort) ctx.err([...w.path, "cpu"], `asks for ${w.cpu} CPU but ${room}; lower it or use a larger instance type`);
        if (memoryShort) ctx.err([...w.path, "memoryGiB"], `asks for ${w.memoryGiB} GiB but ${room}; lower it or use a larger instance type`);
    }
}

/**
 * Whether a node of the sharing pool holds as many of a shared-GPU profile's pods as it has
 * slices: otherwise CPU or memory runs out first and slices sit idle (a warning, not an error).
 */
export function checkSlicesFit(profiles: readonly NotebookProfile[], pools: readonly NodePoolShape[], slicesPerNode: number, ctx: CheckContext): void {
    const pool = poolFor(pools, "gpu-shared");
    if (!pool) return;
    const free = freeResources(pool.node);
    profiles.forEach((p, i) => {
        if (!p.sharedGpu) return;
        const requests = requestsOf(p.cpu, p.memoryGiB, 0);
        const fit = Math.floor(Math.min(free.cpuMillis / requests.cpuMillis, free.memoryBytes / requests.memoryBytes));
        if (fit > 0 && fit < slicesPerNode) {
            ctx.warn(`jupyterhub.profiles[${i}] (${p.name}): a node of the ${pool.node.name} has ${slicesPerNode} GPU slices but room for ${fit} such notebook(s) (${formatCpu(free.cpuMillis)}, ${formatBytes(free.memoryBytes)} free): ${slicesPerNode - fit} slice(s) would sit idle. Lower cpu or memoryGiB to about ${formatCpu(Math.floor(free.cpuMillis / slicesPerNode))} and ${formatBytes(Math.floor(free.memoryBytes / slicesPerNode))}, or use fewer replicasPerGpu.`);
        }
    });
}

/** The notebook profiles as workloads. */
export function profileWorkloads(profiles: readonly NotebookProfile[]): Workload[] {
    return profiles.map((p, i) => ({ path: ["jupyterhub", "profiles", i], what: "a notebook", cpu: p.cpu, memoryGiB: p.memoryGiB, gpus: p.gpus, sharedGpu: p.sharedGpu ?? false, ...(p.shmGiB !== undefined ? { shmGiB: p.shmGiB } : {}) }));
}

/** The CI job pods as workloads. */
export function jobWorkloads(runners: RunnersConfig): Workload[] {
    return [
        { path: ["runners", "cpuJob"], what: "a CPU CI job", ...runners.cpuJob, gpus: 0 },
        { path: ["runners", "gpuJob"], what: "a GPU CI job", ...runners.gpuJob, gpus: runners.gpusPerJob },
    ];
}
