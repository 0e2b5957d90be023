/**
 * The `ml-team-env:runners` and `ml-team-env:ci` keys: the GitLab runners the stack runs on the
 * cluster (or the tags of the team's own), and the pipeline it commits with its commands,
 * timeouts, image build and tracking.
 */
import { z } from "zod";
import { GLAB_IMAGE, MODEL_NAME } from "../ci/pipeline";
import { BUILDAH_IMAGE, SKOPEO_IMAGE } from "../environment/image/files";
import { nonEmpty, posInt } from "./schema-primitives";

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
    /**
     * Build and check the environment image in the pipeline (rootless Buildah on the runners),
     * and publish it under `main` or the release version once it passed (Skopeo). Mirror the
     * two images where runners cannot reach quay.io.
     * @default { enabled: true, builderImage: quay.io/buildah/stable, publisherImage: quay.io/skopeo/stable }
     */
    imageBuild: z
        .strictObject({
            enabled: z.boolean().default(true),
            builderImage: nonEmpty("the Buildah image").default(BUILDAH_IMAGE),
            publisherImage: nonEmpty("the Skopeo image").default(SKOPEO_IMAGE),
        })
        .default({ enabled: true, builderImage: BUILDAH_IMAGE, publisherImage: SKOPEO_IMAGE }),
    /** Offer the starter project (train.py, tests, config, CONTRIBUTING.md) where the repository lacks those files. @default true */
    starter: z.boolean().default(true),
    tracking: trackingSchema.default(trackingSchema.parse({})),
    /** Let the stale-branch clean-up only list what it would archive and delete. @default false */
    staleBranchesDryRun: z.boolean().default(false),
});
