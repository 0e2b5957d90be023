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
import { BOOTSTRAP_IMAGE } from "../environment/image/files";
import { parseGitLabUrl } from "./gitlab-url";
import { ciSchema, runnersSchema, trackingSchema } from "./schema-ci";
import { clusterSchema, gpuSharingSchema, sharedGpuNodePoolSchema } from "./schema-cluster";
import { int, nonEmpty, nonNegInt, posInt } from "./schema-primitives";
import { imageSizeSchema } from "./schema-cold-start";

export * from "./schema-cluster";
export * from "./schema-ci";

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
    /**
     * The home size a deployed stack shrinks from, confirmed: `pulumi up` refuses a smaller
     * `storageGiB` unless this names the size last deployed and the claims have been deleted
     * (docs/notebooks.md "Home volumes"). @default none
     */
    confirmStorageShrinkFrom: posInt("GiB: the storageGiB last deployed").optional(),
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
