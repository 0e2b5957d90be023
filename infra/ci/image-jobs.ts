/**
 * The environment image in the pipeline: a rootless Buildah build when the image definition
 * changes, the image contract checked in what was built (on the CPU and the GPU runner), and
 * the team's jobs run in that image in the same pipeline, so a merge request that changes
 * the environment is tested in it before it can merge.
 */
import { ciScript, provenanceArtifacts, runShScript } from "./scripts";
import { branchIs, Rule, SCHEDULE } from "./rules";
import { environmentImageFile } from "../environment/image/files";

/** What the image jobs are generated from. */
export interface ImageJobsArgs {
    /**
     * Build in every pipeline and run the team's jobs in the result: the stack still pins the
     * bootstrap image, which serves notebooks and GPU jobs but lacks the lint and test tools.
     */
    readonly bootstrap: boolean;
    /** The Buildah image the build runs in, pinned. */
    readonly builderImage: string;
    /** The Skopeo image that gives a checked image its shared name, pinned. */
    readonly publisherImage: string;
    /** Files whose change rebuilds the image (the Dockerfile, requirements.txt, the contract script). */
    readonly definitionPaths: readonly string[];
    /** The hub's JupyterHub version, which the image's single-user server must match. */
    readonly hubVersion: string;
    /** Tools the pipeline's commands run, which the contract requires (e.g. ruff, pytest). */
    readonly ciTools: readonly string[];
    /** The default branch: image-publish names its checked image after it. */
    readonly defaultBranch: string;
}

export const IMAGE_JOB = { build: "image-build", contract: "image-contract", contractGpu: "image-contract-gpu", publish: "image-publish" } as const;

/** Where built images go: the project's own container registry. */
export const IMAGE_REPOSITORY = "$CI_REGISTRY_IMAGE/environment";
/** The image this pipeline built (tagged with the commit: pullable by the later jobs, shared by nobody). */
export const BUILT_IMAGE = `${IMAGE_REPOSITORY}:$CI_COMMIT_SHA`;
/** The variable every job that runs team code takes its image from: the stack's pin, or what this pipeline built. */
export const JOB_IMAGE_VARIABLE = "ML_TEAM_ENV_JOB_IMAGE";

/**
 * Rules that add "and the image definition changed" to each positive rule, so the job runs (or
 * runs in the built image) exactly when image-build does. `changes` compares a merge request
 * with its target and a push with the branch's previous head; in tag pipelines it always holds.
 */
function withChanges(rules: readonly Rule[], paths: readonly string[], extra: Partial<Rule> = {}): Rule[] {
    return rules.flatMap((r) => (r.when === "never" ? [r] : [{ ...r, changes: [...paths], ...extra }]));
}

/**
 * A consumer job's rules: each positive rule first in its "definition changed" form, which runs
 * the job in the image this pipeline built, then as it was (the stack's image).
 */
export function consumerRules(rules: readonly Rule[], a: ImageJobsArgs): Rule[] {
    if (a.bootstrap) return [...rules];
    return rules.flatMap((r) => (r.when === "never" || r.if?.startsWith("$CI_COMMIT_TAG") ? [r] : [...withChanges([r], a.definitionPaths, { variables: { [JOB_IMAGE_VARIABLE]: BUILT_IMAGE } }), r]));
}

/** The image a consumer job names: the built one outright while bootstrapping, else the variable its rules set. */
export function consumerImage(a: ImageJobsArgs): string {
    return a.bootstrap ? BUILT_IMAGE : `$${JOB_IMAGE_VARIABLE}`;
}

/** When the image jobs run, from the pipeline's own rules. */
export interface ImageJobTriggers {
    /** Every pipeline that may need the image (merge requests, long-lived branches, "Run pipeline"). */
    readonly mainline: readonly Rule[];
    /** Pushes to branches that offer manual training (`experiment/*`): their GPU contract is asked for, not automatic. */
    readonly training: readonly Rule[];
    /** The rule expression of a release tag: release tags always build. */
    readonly releaseTag: string;
}

/**
 * The build, contract and publish jobs. The build pushes by commit SHA only; the shared name
 * (`main`, a release's version) is given in the last stage, so an image that fails its contract,
 * the checks or the release check is never published.
 */
export function imageJobs(a: ImageJobsArgs, on: ImageJobTriggers, cpuTags: readonly string[], gpuTags: readonly string[]): Record<string, unknown> {
    const changed = (rules: readonly Rule[]) => (a.bootstrap ? [...rules] : withChanges(rules, a.definitionPaths));
    // Training branches first: a "Run pipeline" there is a training pipeline, not a mainline one.
    const rules: Rule[] = [...changed([...on.training, ...on.mainline]), { if: on.releaseTag }];
    const askFirst = changed(on.training.map((r) => ({ ...r, when: "manual" as const, allow_failure: true })));

    const contract = (tags: readonly string[], args: string, jobRules: readonly Rule[]) => ({
        stage: "image",
        image: BUILT_IMAGE,
        tags: [...tags],
        needs: [IMAGE_JOB.build],
        rules: [...jobRules],
        interruptible: true,
        variables: { ML_TEAM_ENV_HUB_VERSION: a.hubVersion, ML_TEAM_ENV_CI_TOOLS: a.ciTools.join(" ") },
        script: [runShScript("check-image-contract.sh", environmentImageFile("check-image-contract.sh"), args)],
        artifacts: provenanceArtifacts(),
    });
    return {
        [IMAGE_JOB.build]: {
            stage: "image",
            image: a.builderImage,
            tags: [...cpuTags],
            rules,
            interruptible: true,
            variables: {
                // Rootless Buildah in an unprivileged pod: chroot isolation, no overlay mounts.
                STORAGE_DRIVER: "vfs",
                BUILDAH_ISOLATION: "chroot",
                BUILDAH_FORMAT: "docker",
                ML_TEAM_ENV_IMAGE_REPOSITORY: IMAGE_REPOSITORY,
            },
            script: [runShScript("check-requirements.sh", environmentImageFile("check-requirements.sh"), "requirements.txt Dockerfile"), runShScript("image-build.sh", ciScript("image-build.sh"))],
            artifacts: { paths: provenanceArtifacts("image.digest").paths, reports: { dotenv: "image.env" }, when: "always" },
        },
        [IMAGE_JOB.contract]: contract(cpuTags, "--for notebook,ci", rules),
        // No GPU spent unasked: on a training branch's push the GPU contract waits to be started.
        [IMAGE_JOB.contractGpu]: contract(gpuTags, "--for gpu --require-gpu", [...askFirst, ...rules]),
        // The last stage: every job before it (contracts, checks, release check, training) passed.
        [IMAGE_JOB.publish]: {
            stage: "release",
            image: a.publisherImage,
            tags: [...cpuTags],
            rules: [{ if: SCHEDULE, when: "never" }, ...changed([{ if: branchIs(a.defaultBranch) }]), { if: on.releaseTag }],
            variables: { ML_TEAM_ENV_IMAGE_REPOSITORY: IMAGE_REPOSITORY, ML_TEAM_ENV_DEFAULT_BRANCH: a.defaultBranch },
            script: [runShScript("image-publish.sh", ciScript("image-publish.sh"))],
            artifacts: provenanceArtifacts("image.digest"),
        },
    };
}
