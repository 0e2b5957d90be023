/**
 * The `ml-team-env:cluster` key: an EKS cluster the stack makes (its node pools, VPC, API
 * access, version), a cluster that exists (its kubeconfig and GPU nodes), or none.
 */
import { z } from "zod";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS, KubernetesVersion } from "../cluster/kubernetes-versions";
import { diskPerformanceKeys, imageCacheSchema, pullThroughCacheSchema, warmCapacitySchema } from "./schema-cold-start";
import { int, labelMap, nonEmpty, nonNegInt, posInt, toleration } from "./schema-primitives";

const nodeGroupSizes = {
    /** Smallest node count. */
    minSize: nonNegInt("smallest node count"),
    /** Node count at creation. */
    desiredSize: nonNegInt("node count at creation"),
    /** Largest node count. */
    maxSize: posInt("largest node count"),
};

export const systemNodeGroupSchema = z.strictObject({
    instanceTypes: z.array(nonEmpty("EC2 instance type")).min(1).default(["m6i.large"]),
    minSize: nodeGroupSizes.minSize.default(2),
    desiredSize: nodeGroupSizes.desiredSize.default(2),
    maxSize: nodeGroupSizes.maxSize.default(4),
    diskSizeGiB: int("root volume size in GiB").min(20, { error: "must be at least 20 GiB" }).default(50),
});

/** The pool for users' CPU notebooks and CPU CI jobs, one node group per zone, scaling from zero. */
export const userNodePoolSchema = z.strictObject({
    instanceTypes: z.array(nonEmpty("EC2 instance type")).min(1).default(["m6i.xlarge"]),
    minSize: nodeGroupSizes.minSize.default(0),
    desiredSize: nodeGroupSizes.desiredSize.default(0),
    /** Per availability zone. */
    maxSize: nodeGroupSizes.maxSize.default(3),
    diskSizeGiB: int("root volume size in GiB").min(50, { error: "must be at least 50 GiB: the environment image is large" }).default(100),
    ...diskPerformanceKeys,
    /** Opt-in minimum nodes per zone during working hours. */
    warmCapacity: warmCapacitySchema.optional(),
});

export const GPU_AMI_TYPES = ["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA"] as const;

export const gpuNodePoolSchema = z.strictObject({
    instanceTypes: z.array(nonEmpty("EC2 GPU instance type")).min(1).default(["g5.xlarge"]),
    amiType: z.enum(GPU_AMI_TYPES).default("AL2023_x86_64_NVIDIA"),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
    minSize: nodeGroupSizes.minSize.default(0),
    desiredSize: nodeGroupSizes.desiredSize.default(0),
    /** Per availability zone: each zone has its own group (zonal volumes), so the pool can grow to zones × maxSize. */
    maxSize: nodeGroupSizes.maxSize.default(2),
    diskSizeGiB: int("root volume size in GiB").min(100, { error: "must be at least 100 GiB: CUDA images are large" }).default(200),
    /** GPUs per node; derived from the instance types when they are known. */
    gpusPerNode: posInt("GPUs on one node").optional(),
    ...diskPerformanceKeys,
    /** (Bottlerocket) a data volume restored from a snapshot that holds the environment image: no pull on a new node. */
    imageCache: imageCacheSchema.optional(),
    /** Opt-in minimum GPU nodes per zone during working hours. */
    warmCapacity: warmCapacitySchema.optional(),
});

/**
 * How a GPU pool shares its GPUs: time-slicing through the NVIDIA device plugin's config
 * (api/config/v1 `sharing.timeSlicing`, v0.20.0). Each GPU is advertised `replicasPerGpu` times
 * as `nvidia.com/gpu`; pods on one GPU take turns on its compute and share its memory, with no
 * isolation of either (README "Pods PyTorch can train in").
 */
export const gpuSharingSchema = z.strictObject({
    /** The one strategy offered: time-slicing (MIG needs partitions made on the node, which this package does not do). */
    strategy: z
        .custom<"time-slicing">((v) => v === "time-slicing", { error: "must be 'time-slicing' (MIG needs the GPU partitioned on the node, which this package does not do; README \"Sharing GPUs\")" })
        .default("time-slicing"),
    /** Pods one GPU serves at once; the device plugin refuses fewer than 2 (api/config/v1/replicas.go). */
    replicasPerGpu: int("pods per GPU").min(2, { error: "must be 2 or more: the device plugin refuses fewer replicas (use gpuNodePool for whole GPUs)" }),
});

/**
 * A second GPU pool whose GPUs are shared (time-sliced): light notebooks on a fraction of a GPU
 * each. AL2023 nodes (the package runs the device plugin there); the image volume and pull
 * settings are the GPU pool's.
 */
export const sharedGpuNodePoolSchema = z.strictObject({
    instanceTypes: z.array(nonEmpty("EC2 GPU instance type")).min(1).default(["g5.xlarge"]),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
    minSize: nodeGroupSizes.minSize.default(0),
    desiredSize: nodeGroupSizes.desiredSize.default(0),
    /** Per availability zone, as for gpuNodePool. */
    maxSize: nodeGroupSizes.maxSize.default(1),
    diskSizeGiB: int("root volume size in GiB").min(100, { error: "must be at least 100 GiB: CUDA images are large" }).default(200),
    sharing: gpuSharingSchema,
});

const existingVpc = z.strictObject({
    id: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, { error: "must be a VPC id such as vpc-0abc1234" }),
    privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "must be a subnet id such as subnet-0abc1234" })).min(2, { error: "needs at least 2 private subnets in different availability zones" }),
    publicSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "must be a subnet id such as subnet-0abc1234" })).default([]),
});

export { KUBERNETES_VERSIONS, type KubernetesVersion } from "../cluster/kubernetes-versions";

/** CloudWatch Logs' allowed retention periods in days (0 = never expire). */
export const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The cluster modes: create EKS, use an existing cluster, or none (the GitLab part alone). */
const CLUSTER_MODES = ["eks", "existing", "none"] as const;

/**
 * The mode this stack leaves, confirmed: the members' home volumes stay in the old cluster, so a
 * change of `mode` on a deployed stack is refused unless this names the old mode (docs/cluster.md
 * "Changing the cluster mode"); leaving `none`, which has no homes, needs none. @default none
 */
const confirmModeChangeFrom = z.enum(CLUSTER_MODES, { error: `must be the mode this stack leaves: ${CLUSTER_MODES.join(", ")}` }).optional();

const eksCluster = z.strictObject({
    mode: z.literal("eks"),
    confirmModeChangeFrom,
    /** Checked against the list of AWS regions by validation (with a suggestion). */
    region: z.string({ error: "is required: the AWS region, e.g. us-west-2" }),
    kubernetesVersion: z
        .enum(KUBERNETES_VERSIONS as [KubernetesVersion, ...KubernetesVersion[]], { error: `must be a quoted Kubernetes minor version EKS supports and this package pins add-ons for: ${KUBERNETES_VERSIONS.join(", ")}` })
        .default(DEFAULT_KUBERNETES_VERSION),
    /**
     * EKS `upgradePolicy.supportType`. STANDARD: past standard support EKS upgrades the control
     * plane. EXTENDED: it stays, at $0.60 instead of $0.10 per cluster-hour. @default "STANDARD"
     */
    supportType: z.enum(["STANDARD", "EXTENDED"]).default("STANDARD"),
    /** Days CloudWatch keeps control-plane logs (0 = forever). @default 30 */
    logRetentionDays: z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), { error: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}` }).default(30),
    /** `create` for a new VPC, or the ids of an existing one. */
    vpc: z.union([z.literal("create"), existingVpc], { error: "must be 'create' or { id, privateSubnetIds, publicSubnetIds }" }).default("create"),
    vpcCidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|2[0-4])$/, { error: "must be an IPv4 CIDR between /16 and /24" }).default("10.0.0.0/16"),
    availabilityZoneCount: int("availability zones").min(2, { error: "must be at least 2: EKS needs subnets in two zones" }).max(6).default(2),
    endpointPublicAccess: z.boolean().default(true),
    endpointPrivateAccess: z.boolean().default(true),
    /**
     * Who may reach the public Kubernetes API endpoint: your office or VPN egress ranges. Required
     * while `endpointPublicAccess` is true (the machine running `pulumi up` must be in one);
     * `0.0.0.0/0` opens it to the whole internet (IAM still authenticates). @default none
     */
    publicAccessCidrs: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR" })).min(1).optional(),
    controlPlaneLogTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default(["api", "audit", "authenticator"]),
    /** IAM role/user ARNs given cluster-admin through access entries, besides the deployer. */
    adminPrincipalArns: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/.+$/, { error: "must be an IAM role or user ARN" })).default([]),
    systemNodeGroup: systemNodeGroupSchema.default(systemNodeGroupSchema.parse({})),
    userNodePool: userNodePoolSchema.default(userNodePoolSchema.parse({})),
    gpuNodePool: gpuNodePoolSchema.default(gpuNodePoolSchema.parse({})),
    /** A GPU pool whose GPUs are time-sliced between pods, for profiles with `sharedGpu: true`. @default none */
    sharedGpuNodePool: sharedGpuNodePoolSchema.optional(),
    /** Pull the environment image from a public registry through an ECR pull-through cache (layers over the S3 gateway endpoint). */
    imagePullThroughCache: pullThroughCacheSchema.optional(),
});

const existingCluster = z.strictObject({
    mode: z.literal("existing"),
    confirmModeChangeFrom,
    /** Labels that select the GPU nodes (e.g. `nvidia.com/gpu.present: "true"`). */
    gpuNodeSelector: labelMap.refine((m) => Object.keys(m).length > 0, { error: "needs at least one label that selects the GPU nodes" }),
    /** Taints the GPU nodes carry; GPU pods tolerate them. */
    gpuNodeTaints: z.array(toleration).default([]),
    gpusPerNode: posInt("GPUs on one GPU node"),
    gpuNodeCount: posInt("number of GPU nodes"),
    /** Install the NVIDIA device plugin (skip when the GPU operator already runs). @default false */
    installDevicePlugin: z.boolean().default(false),
    /** StorageClass for notebook volumes; should have reclaimPolicy Retain. */
    storageClassName: nonEmpty("StorageClass for notebook volumes"),
    /** Labels of the nodes for the hub, proxy and runner managers. @default {} (any node) */
    systemNodeSelector: labelMap.default({}),
    /** Labels of the nodes for CPU notebooks and CPU CI jobs. @default {} (any node) */
    userNodeSelector: labelMap.default({}),
});

/** No cluster: the GitLab project with its branch model (and pipeline), no hub, no runners. */
const noCluster = z.strictObject({
    mode: z.literal("none"),
    confirmModeChangeFrom,
});

export const clusterSchema = z.discriminatedUnion("mode", [eksCluster, existingCluster, noCluster], {
    error: (iss) =>
        iss.code === "invalid_union" && "discriminator" in iss
            ? "must be 'eks' (create an EKS cluster), 'existing' (use a cluster from the kubeconfig secret) or 'none' (the GitLab project alone)"
            : undefined,
});
