/**
 * The stack config schema: every `ml-team-env:*` key of a `stacks/Pulumi.<stack>.yaml`,
 * with its defaults. One schema, parsed once, before any resource is registered.
 *
 * Each top-level property below is one stack-file key (`ml-team-env:cluster`, ...).
 * Secrets are not here: they are separate `secure:` keys (see `SECRET_KEYS`) read as
 * Pulumi secrets, so no secret ever passes through a plain object.
 */
import { z } from "zod";
import { slugPatternProblem } from "../branch-model/branch-model";
import { GLAB_IMAGE, MODEL_NAME } from "../ci/pipeline";
import { BOOTSTRAP_IMAGE, BUILDAH_IMAGE } from "../environment/image/files";
import { parseGitLabUrl } from "./gitlab-url";
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS, KubernetesVersion } from "../cluster/kubernetes-versions";
import { diskPerformanceKeys, imageCacheSchema, imageSizeSchema, pullThroughCacheSchema, warmCapacitySchema } from "./schema-cold-start";

/** The Pulumi project name, which is also the stack-file key namespace. */
export const PROJECT = "ml-team-env";

/** Secret stack-file keys (`pulumi config set --secret <key>`). */
export const SECRET_KEYS = {
    /** GitLab personal/project/group access token with `api` scope (else `GITLAB_TOKEN`). */
    gitlabToken: "gitlabToken",
    /** kubeconfig of an existing cluster (`cluster.mode: existing`). */
    kubeconfig: "kubeconfig",
    /** OAuth application secret for JupyterHub's GitLab login. */
    jupyterhubOAuthClientSecret: "jupyterhubOAuthClientSecret",
    /** `.dockerconfigjson` content for a private environment-image registry. */
    registryDockerConfigJson: "registryDockerConfigJson",
    /** An access token (api scope, Developer) the pipeline uses as its bot, with `ci.tracking.botToken: stack-secret`. */
    ciBotToken: "ciBotToken",
} as const;
export type SecretKey = (typeof SECRET_KEYS)[keyof typeof SECRET_KEYS];

const int = (what: string) => z.number({ error: `must be a whole number (${what})` }).int({ error: `must be a whole number (${what})` });
const nonNegInt = (what: string) => int(what).min(0, { error: `must be 0 or more (${what})` });
const posInt = (what: string) => int(what).min(1, { error: `must be 1 or more (${what})` });
const nonEmpty = (what: string) => z.string({ error: `must be a string (${what})` }).trim().min(1, { error: `must not be empty (${what})` });

/** Kubernetes label keys/values and selectors. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const labelMap = z.record(
    z.string().regex(LABEL_KEY, { error: "label keys are [prefix/]name with letters, digits, '-', '_', '.'" }),
    z.string().regex(LABEL_VALUE, { error: "label values are at most 63 letters, digits, '-', '_', '.'" }),
);

const toleration = z.strictObject({
    key: nonEmpty("taint key"),
    operator: z.enum(["Equal", "Exists"]).default("Equal"),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/**
 * GitLab username rules: letters, digits, '_', '-', '.'; starts and ends with a letter or
 * digit (or '_'); no consecutive special characters; not ending in .git/.atom.
 */
export const GITLAB_USERNAME = /^(?!.*[._-]{2})(?!.*\.(git|atom)$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,253}[A-Za-z0-9_]$|^[A-Za-z0-9_]$/;

// --- environment ------------------------------------------------------------------

export const environmentSchema = z.strictObject({
    /**
     * The team's pytorch-cuda image, `registry/repo:tag[@sha256:digest]`. Until the team's own
     * is built (the pipeline does it from the repository's Dockerfile), a public image that
     * serves notebooks and GPU jobs. @default the bootstrap image (infra/environment/image/files.ts)
     */
    image: nonEmpty("the team's pytorch-cuda image, e.g. registry.example.com/ml/pytorch-cuda:v2.8").default(BOOTSTRAP_IMAGE),
    /** Pre-pull the image on every GPU node so a first notebook or GPU job does not wait for it. @default true */
    prePullOnGpuNodes: z.boolean().default(true),
    /** Pre-pull the image on every user (CPU notebook and CI) node. @default true */
    prePullOnUserNodes: z.boolean().default(true),
    /** Name of the image pull Secret created in each namespace when `registryDockerConfigJson` is set. @default "environment-image-pull" */
    pullSecretName: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).default("environment-image-pull"),
    /** The image's compressed and unpacked size in GiB, for the cold-start budget. @default 7 and 16 (an estimate; doctor reads the compressed size) */
    imageSizeGiB: imageSizeSchema.optional(),
});

// --- cluster ------------------------------------------------------------------------

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
export const CLUSTER_MODES = ["eks", "existing", "none"] as const;

/**
 * The mode this stack leaves, confirmed: the members' home volumes stay in the old cluster, so a
 * change of `mode` on a deployed stack is refused unless this names the old mode (docs/cluster.md
 * "Changing the cluster mode"). @default none
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

// --- gitlab -------------------------------------------------------------------------

export const gitlabSchema = z.strictObject({
    /** GitLab base URL, `scheme://host[:port]`; a trailing slash is dropped, a path or query refused (config/gitlab-url.ts). */
    url: z
        .string({ error: "must be the GitLab base URL, e.g. https://gitlab.com" })
        .transform((s, ctx) => {
            const parsed = parseGitLabUrl(s);
            if (parsed.ok) return parsed.url;
            ctx.addIssue({ code: "custom", message: parsed.problem });
            return z.NEVER;
        })
        .default("https://gitlab.com"),
    tier: z.enum(["free", "premium", "ultimate"]).default("free"),
    project: z.strictObject(
        {
            /** Full path, `group[/subgroup]/name`. */
            path: z
                .string({ error: "is required: the project's full path, e.g. ml-team/vision-models" })
                .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/, {
                    error: "must be a full project path 'group[/subgroup]/name'",
                }),
            /** `create` a new project, or `adopt` an existing one at that path. @default "create" */
            mode: z.enum(["create", "adopt"]).default("create"),
            visibility: z.enum(["private", "internal", "public"]).default("private"),
            description: z.string().default("ML team repository managed by ml-team-env"),
            /** Delete the repository on `pulumi destroy`. Data loss: off unless set. @default false */
            deleteOnDestroy: z.boolean().default(false),
            /**
             * Take the project over from the stack recorded as its manager (its CI/CD variable
             * ML_TEAM_ENV_STACK), when that stack is gone: the recorded value, exactly. @default none
             */
            takeOverFrom: nonEmpty("the recorded stack, e.g. acme/ml-team-env/dev#1a2b3c4d").optional(),
        },
        { error: "is required: { path: group/name }" },
    ),
    /** How `.gitlab-ci.yml` lands: committed on the default branch, or proposed in a merge request. */
    ciFileCommit: z.enum(["direct", "merge-request"]).default("merge-request"),
});

// --- branch model -------------------------------------------------------------------

const branchPrefix = z.string().regex(/^[a-z][a-z0-9-]*$/, { error: "must be a lowercase word such as 'docs'" });

export const branchModelSchema = z.strictObject({
    approvalsOnMain: nonNegInt("approvals on merge requests into main").max(10).optional(),
    experimentStaleAfterDays: posInt("days without commits before an experiment branch is archived").optional(),
    codeOwnerApprovalOnMain: z.boolean().optional(),
    developMergeAccess: z.enum(["developer", "maintainer"]).optional(),
    releaseTagPattern: z.string().regex(/^[A-Za-z0-9._*-]+$/, { error: "must be a tag name or wildcard such as v*" }).optional(),
    /**
     * What may follow `<type>/` in a branch name, a regex without anchors in the syntax GitLab's
     * push rule (RE2), the CI naming job (grep -E) and JavaScript read alike, e.g. ticket keys
     * and nested names: `[A-Z]+-[0-9]+(-[a-z0-9-]+)?|[a-z0-9._-]+(/[a-z0-9._-]+)*`. @default "[a-z0-9._-]+"
     */
    slugPattern: z
        .string()
        .superRefine((v, ctx) => {
            const problem = slugPatternProblem(v);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
        })
        .optional(),
    extraBranchTypes: z
        .array(
            z.strictObject({
                prefix: branchPrefix,
                from: z.enum(["main", "develop"]),
                mergeTo: z.enum(["main", "develop"]),
                purpose: z.string().optional(),
            }),
        )
        .optional(),
});

// --- jupyterhub ---------------------------------------------------------------------

export const PROFILE_SLUG = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A notebook server size. `cpu` and `memoryGiB` are both guaranteed (requests) and the limit. */
export const profileSchema = z.strictObject({
    name: z.string().regex(PROFILE_SLUG, { error: "must be a slug such as 'gpu-1'" }),
    displayName: nonEmpty("name shown in the spawner"),
    description: z.string().default(""),
    cpu: z.number().positive({ error: "must be more than 0 (CPU cores)" }).default(2),
    memoryGiB: z.number().positive({ error: "must be more than 0 (GiB)" }).default(8),
    gpus: nonNegInt("GPUs of this server").default(0),
    /** One time-sliced GPU on cluster.sharedGpuNodePool instead of whole GPUs on gpuNodePool (needs gpus: 1). @default false */
    sharedGpu: z.boolean().optional(),
    /**
     * Size of the memory-backed /dev/shm (PyTorch DataLoader workers pass batches through it).
     * Counted inside memoryGiB: what a notebook writes there is charged to its memory limit.
     * @default a quarter of memoryGiB
     */
    shmGiB: z.number().positive({ error: "must be more than 0 (GiB of /dev/shm)" }).optional(),
    default: z.boolean().default(false),
});

const DEFAULT_PROFILES = [
    { name: "cpu", displayName: "CPU only", description: "Editing, data wrangling, small runs", cpu: 2, memoryGiB: 8, gpus: 0, default: true },
    { name: "gpu-1", displayName: "1 GPU", description: "Training and debugging on one GPU", cpu: 3, memoryGiB: 12, gpus: 1, default: false },
];

export const jupyterhubSchema = z.strictObject({
    /** Public host name of the hub, e.g. notebooks.example.com. */
    host: z.string({ error: "is required: the hub's host name, e.g. notebooks.example.com" }).regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, { error: "must be a DNS host name such as notebooks.example.com" }),
    /**
     * How HTTPS reaches the hub. `acm` (EKS): an ACM certificate, validated by DNS, on the network
     * load balancer; with `route53Zone` the stack makes every DNS record itself. `letsencrypt`: the
     * chart's own HTTPS (Traefik with a Let's Encrypt certificate) behind a load balancer; if the
     * hub's record does not resolve when its pod starts, it needs a restart. `ingress`: your ingress
     * controller and certificate (`ingressClassName`, `tlsSecretName`, optionally `clusterIssuer`).
     * @default acm on eks, ingress on existing
     */
    https: z.enum(["acm", "letsencrypt", "ingress"]).optional(),
    /**
     * The public Route 53 hosted zone the host is in (its name, `example.com`), with `https: acm`:
     * the stack makes the certificate's validation record and the host's CNAME there.
     * @default none (make the records `jupyterhubDnsRecord` names)
     */
    route53Zone: z
        .string()
        .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}\.?$/, { error: "must be the DNS name of a public Route 53 hosted zone, such as example.com" })
        .transform((z) => z.replace(/\.$/, ""))
        .optional(),
    /** Let's Encrypt account email (expiry notices), for `https: letsencrypt`. */
    letsEncryptEmail: z.email({ error: "must be an email address (Let's Encrypt sends certificate notices there)" }).optional(),
    /** IngressClass that serves the hub, for `https: ingress`. */
    ingressClassName: z.string().optional(),
    /** TLS Secret for the host, for `https: ingress`; cert-manager fills it when `clusterIssuer` is set. @default "jupyterhub-tls" */
    tlsSecretName: z.string().default("jupyterhub-tls"),
    /** cert-manager ClusterIssuer that issues the certificate, for `https: ingress`. @default none (bring your own Secret) */
    clusterIssuer: z.string().optional(),
    /** Client id of the GitLab OAuth application (its secret is `jupyterhubOAuthClientSecret`). */
    oauthClientId: nonEmpty("the GitLab OAuth application id"),
    /** Stop servers idle this long, so GPU nodes can scale back to zero. @default 60 */
    idleTimeoutMinutes: posInt("minutes").default(60),
    /** Home volume size per developer. @default 50 */
    storageGiB: posInt("GiB").default(50),
    profiles: z.array(profileSchema).min(1).default(DEFAULT_PROFILES.map((p) => profileSchema.parse(p))),
    /**
     * Private destinations notebooks may reach, each on its ports: a self-managed GitLab (for
     * `git clone`/`push`), an internal package mirror or registry. Every other private address
     * (other members, nodes) and the metadata service stay closed. GitLab's own address is added
     * when gitlab.url is a private IP; for a host name, `npm run doctor` resolves it. @default []
     */
    privateEgress: z
        .array(
            z.strictObject({
                cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR such as 10.20.0.0/16 or 10.20.0.5/32" }),
                ports: z.array(int("a port").min(1).max(65535, { error: "must be a port, 1-65535" })).min(1, { error: "needs at least one port (e.g. [443, 22] for GitLab)" }),
                protocol: z.enum(["TCP", "UDP"]).default("TCP"),
                description: z.string().optional(),
            }),
        )
        .default([]),
});

// --- runners ------------------------------------------------------------------------

const jobSize = (cpu: number, memoryGiB: number) =>
    z
        .strictObject({
            cpu: z.number().positive({ error: "must be more than 0 (CPU cores)" }),
            memoryGiB: z.number().positive({ error: "must be more than 0 (GiB)" }),
            /** Memory-backed /dev/shm of the job pod, inside memoryGiB. @default a quarter of memoryGiB */
            shmGiB: z.number().positive({ error: "must be more than 0 (GiB of /dev/shm)" }).optional(),
        })
        .default({ cpu, memoryGiB });

export const runnersSchema = z.strictObject({
    /** Run GitLab CI runners on the cluster. @default true */
    enabled: z.boolean().default(true),
    /** Jobs a runner manager runs at once. @default 4 */
    concurrent: posInt("jobs at once").default(4),
    cpuTags: z.array(z.string().min(1)).min(1).default(["cpu"]),
    gpuTags: z.array(z.string().min(1)).min(1).default(["gpu", "cuda"]),
    /** GPUs a GPU CI job may request. @default 1 */
    gpusPerJob: posInt("GPUs per CI job").default(1),
    /** Size of a CPU job's pod (requests = limits), on the user pool. @default { cpu: 1, memoryGiB: 4 } */
    cpuJob: jobSize(1, 4),
    /** Size of a GPU job's pod (requests = limits), on the GPU pool. @default { cpu: 3, memoryGiB: 12 } */
    gpuJob: jobSize(3, 12),
    /**
     * Private networks CI job pods may reach besides cluster DNS and public addresses: your GitLab
     * and registries when they resolve to private addresses. Job pods reach nothing else private
     * (no pod, Service, node or metadata address). @default []
     */
    jobEgressCidrs: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: "must be an IPv4 CIDR such as 10.20.0.0/24" })).default([]),
    /** Change it (any new value) to rotate the runners' tokens: each runner is replaced. @default "1" */
    tokenRotation: z.string().default("1"),
});

/** A GitLab job timeout, e.g. "30m", "4h", "1d 12h". */
const duration = (what: string) => z.string().regex(/^[1-9][0-9]*[smhd]( [1-9][0-9]*[smhd])*$/, { error: `must be a duration such as 30m, 4h or 1d 12h (${what})` });

/** Runs tracked in GitLab's model experiments and release models in its model registry (every tier). */
export const trackingSchema = z.strictObject({
    /** Track CI training runs, register release models, open hotfix back-merges. @default true */
    enabled: z.boolean().default(true),
    /**
     * The credential jobs use for GitLab's MLflow API and merge requests, which do not take the
     * job token. `project-access-token`: the package creates a Developer project access token
     * (self-managed: every tier; GitLab.com: paid namespaces) and keeps it in a masked CI/CD
     * variable. `stack-secret`: the `ciBotToken` secret you set. @default stack-secret on GitLab.com
     * Free (no project access tokens there), project-access-token elsewhere
     */
    botToken: z.enum(["project-access-token", "stack-secret"]).optional(),
    /** Lifetime of the project access token; GitLab caps it at a year. @default 365 */
    expiresInDays: posInt("days").max(365, { error: "must be at most 365: GitLab refuses longer-lived access tokens" }).default(365),
    /** Change it (any new value) to rotate the bot token, e.g. after someone leaves. @default "1" */
    rotation: z.string().default("1"),
});

/** The team pipeline (`.gitlab-ci.yml`) and starter project the stack commits to the project. */
export const ciSchema = z.strictObject({
    /** Commit the generated pipeline and its schedule. @default true */
    pipeline: z.boolean().default(true),
    /** Style check, on the CPU runner. @default "ruff check ." */
    lint: nonEmpty("the style-check command").default("ruff check ."),
    /** Unit tests, on the CPU runner (`--junitxml=report.xml` shows results in merge requests). @default "pytest -q --junitxml=report.xml" */
    test: nonEmpty("the unit-test command").default("pytest -q --junitxml=report.xml"),
    /** The small training run every merge request makes, on the GPU runner. @default "python train.py --smoke" */
    smokeTrain: nonEmpty("the smoke-training command").default("python train.py --smoke"),
    /** The training run of a release tag, on the GPU runner; writes modelArtifactPaths. @default "python train.py --output model/" */
    releaseTrain: nonEmpty("the release-training command").default("python train.py --output model/"),
    /** The longer run an experiment branch offers on the GPU runner (manual). @default "python train.py" */
    experimentTrain: nonEmpty("the experiment-training command").default("python train.py"),
    /** What a release publishes, bound to its tag. @default ["model/"] */
    modelArtifactPaths: z.array(nonEmpty("a path the release training writes")).min(1).default(["model/"]),
    /** The registered model's name in GitLab's model registry. @default "model" */
    modelName: z.string().regex(MODEL_NAME, { error: "must start with a letter or digit and hold only letters, digits, '.', '_' and '-'" }).default("model"),
    /** Image of the release job (it needs GitLab's release CLI); mirror it where runners cannot reach registry.gitlab.com. @default registry.gitlab.com/gitlab-org/cli */
    releaseImage: nonEmpty("the release job's image").default(GLAB_IMAGE),
    /** Longest runs of the GPU jobs. @default { smoke: "30m", experiment: "4h", release: "4h" } */
    timeouts: z
        .strictObject({ smoke: duration("smoke run").default("30m"), experiment: duration("experiment run").default("4h"), release: duration("release training").default("4h") })
        .default({ smoke: "30m", experiment: "4h", release: "4h" }),
    /** Build and check the environment image in the pipeline (rootless Buildah on the runners). */
    imageBuild: z
        .strictObject({ enabled: z.boolean().default(true), builderImage: nonEmpty("the Buildah image").default(BUILDAH_IMAGE) })
        .default({ enabled: true, builderImage: BUILDAH_IMAGE }),
    /** Offer the starter project (train.py, tests, config, CONTRIBUTING.md) where the repository lacks those files. @default true */
    starter: z.boolean().default(true),
    tracking: trackingSchema.default(trackingSchema.parse({})),
    /** Let the stale-branch clean-up only list what it would archive and delete. @default false */
    staleBranchesDryRun: z.boolean().default(false),
});

// --- team ---------------------------------------------------------------------------

export const memberSchema = z.strictObject({
    username: z.string({ error: "is required: the member's GitLab username" }).regex(GITLAB_USERNAME, {
        error: "is not a valid GitLab username: letters, digits, '_', '-', '.'; must start and end with a letter, digit or '_'; no '..', '--' etc.; not ending in .git or .atom",
    }),
    role: z.enum(["developer", "maintainer"], { error: "must be 'developer' or 'maintainer'" }),
    gpus: nonNegInt("GPUs this member may use at once; 0 for CPU only").default(0),
    /** Time-sliced GPUs (cluster.sharedGpuNodePool) this member may use at once, besides `gpus`. @default 0 */
    sharedGpus: nonNegInt("shared GPUs this member may use at once").optional(),
    /** Notebook profiles this member may start; when absent, every profile their GPU quota allows. */
    profiles: z.array(z.string().regex(PROFILE_SLUG)).optional(),
});

export const teamSchema = z.strictObject({
    members: z.array(memberSchema).min(1, { error: "needs at least one member (a maintainer)" }),
});

/** The whole `ml-team-env:*` namespace of a stack file. */
export const stackConfigSchema = z.strictObject({
    environment: environmentSchema,
    cluster: clusterSchema,
    gitlab: gitlabSchema,
    branchModel: branchModelSchema.default({}),
    /** Required unless `cluster.mode` is `none`, which has no hub. */
    jupyterhub: jupyterhubSchema.optional(),
    runners: runnersSchema.default(runnersSchema.parse({})),
    ci: ciSchema.default(ciSchema.parse({})),
    team: teamSchema,
});

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type EksClusterConfig = Extract<ClusterConfig, { mode: "eks" }>;
export type ExistingClusterConfig = Extract<ClusterConfig, { mode: "existing" }>;
export type ClusterMode = ClusterConfig["mode"];
export type GitLabConfig = z.output<typeof gitlabSchema>;
export type JupyterHubConfig = z.output<typeof jupyterhubSchema>;
export type NotebookProfile = z.output<typeof profileSchema>;
export type RunnersConfig = z.output<typeof runnersSchema>;
export type CiConfig = z.output<typeof ciSchema>;
export type TeamMember = z.output<typeof memberSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type TrackingConfig = z.output<typeof trackingSchema>;
export type BranchModelConfig = z.output<typeof branchModelSchema>;
export type SharedGpuNodePoolConfig = z.output<typeof sharedGpuNodePoolSchema>;
export type GpuSharingConfig = z.output<typeof gpuSharingSchema>;
