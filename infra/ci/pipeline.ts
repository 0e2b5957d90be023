/**
 * The team's GitLab CI pipeline (`.gitlab-ci.yml`), as a pure function of the branch model,
 * the environment image, the runner tags and the team's commands. Nothing here talks to GitLab
 * or Pulumi: the GitLab project commits the text this returns, and the tests run it with
 * gitlab-ci-local and run its scripts (infra/ci/scripts/) with their real interpreters.
 */
import { Document } from "yaml";
import { BranchModel, branchNameRegex, isHotfixType, mergeTargets } from "../branch-model/branch-model";
import { EnvironmentImage } from "../environment/environment-image";
import { consumerImage, consumerRules, ImageJobsArgs, imageJobs, JOB_IMAGE_VARIABLE } from "./image-jobs";
import { RELEASE_JOB, releaseJobs } from "./release-jobs";
import { branchIs, branchTypeIs, mainlineRules, MR_EVENT, releaseTag, releaseTagPrefix, Rule, SCHEDULE, staleBranchTypes, trainingBranchTypes, WEB, workflowRules } from "./rules";
import { provenanceArtifacts, runPythonScript, runShScript } from "./scripts";

export { tagGlobToRegex, workflowRules } from "./rules";

/** What the pipeline is generated from. */
export interface TeamPipelineArgs {
    /** The branch model: long-lived branches, branch types, release tags, stale-branch rules. */
    readonly model: BranchModel;
    /** The stack's pinned image; the team's jobs run in it unless this pipeline built a new one. */
    readonly image: EnvironmentImage;
    /** Add the branch-name job: true where GitLab has no push rule for branch names (tiers below premium). */
    readonly namingJob: boolean;
    /** Runner tags of the CPU runner. */
    readonly cpuTags: readonly string[];
    /** Runner tags of the GPU runner. */
    readonly gpuTags: readonly string[];
    /** Shell commands of the team's checks and training runs. */
    readonly commands: {
        readonly lint: string;
        /** Add `--junitxml=report.xml` (pytest) to get the merge request's test summary. */
        readonly test: string;
        readonly smokeTrain: string;
        /** The training run of a release tag; writes `modelArtifactPaths`. */
        readonly releaseTrain: string;
        /** The longer run an experiment branch offers (manual). */
        readonly experimentTrain: string;
    };
    /** What the release training writes, e.g. `["model/"]`. */
    readonly modelArtifactPaths: readonly string[];
    /** The registered model's name in GitLab's model registry. */
    readonly modelName: string;
    /** The scheduled clean-up of branch types with `staleAfterDays`. */
    readonly staleBranches: { readonly dryRun: boolean };
    /** Build and check the environment image in the pipeline; undefined: never build. */
    readonly imageBuild?: Omit<ImageJobsArgs, "ciTools" | "defaultBranch">;
    /**
     * Track runs in GitLab's model experiments, register release models, and open hotfix
     * back-merges, with the project's bot token (a masked CI/CD variable of this name: GitLab's
     * MLflow API and merge requests do not take the job token). Undefined: none of these.
     */
    readonly botTokenVariable?: string;
    /** The image of the GitLab release job (has the release CLI). */
    readonly releaseImage: string;
    /** Longest runs, GitLab durations such as "30m" or "4h". */
    readonly timeouts: { readonly smoke: string; readonly experiment: string; readonly release: string };
}

/** A pipeline schedule, in the PipelineSchedule provider's terms. */
export interface PipelineScheduleSpec {
    readonly description: string;
    /** Cron expression, in the schedule's time zone (UTC by default). */
    readonly cron: string;
    /** The branch the scheduled pipeline runs on. */
    readonly ref: string;
}

/**
 * The image of the release job: GitLab's `release:` keyword runs the release CLI, so the job
 * needs glab on its PATH. v1.120.0 is the newest tag of this image found in use in public CI
 * files (search index, checked 2026-11-25). Teams behind a proxy set `ci.releaseImage`.
 */
export const GLAB_IMAGE = "registry.gitlab.com/gitlab-org/cli:v1.120.0";

/** Stages, in order. */
export const PIPELINE_STAGES = ["image", "check", "test", "train", "release", "maintenance"] as const;

/** Job names, so tests, the audit and docs refer to the jobs the pipeline defines. */
export const JOB = {
    styleCheck: "style-check",
    unitTests: "unit-tests",
    smokeTrain: "smoke-train",
    branchName: "branch-name",
    mergeTarget: "merge-target",
    experimentSmoke: "experiment-smoke",
    experimentTrain: "experiment-train",
    hotfixBackport: "hotfix-backport",
    staleBranches: "stale-branches",
    releaseCheck: RELEASE_JOB.check,
    releaseModel: RELEASE_JOB.model,
    release: RELEASE_JOB.release,
} as const;

export { PROVENANCE_FILE } from "./scripts";

/** Weekly, early Monday (UTC), when nobody is waiting on the runners. */
const STALE_BRANCH_CRON = "0 3 * * 1";

/** A registered model name GitLab's model registry accepts (the stack config checks with it too). */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The first word of a command: the tool the image must have (`ruff check .` → ruff). */
function toolOf(command: string): string | undefined {
    const word = command.trim().split(/\s+/)[0] ?? "";
    return /^[A-Za-z0-9._-]+$/.test(word) && !["python", "python3", "sh", "bash"].includes(word) ? word : undefined;
}

/** Variables every job sees: the stack's image, and where runs are tracked. */
function pipelineVariables(a: TeamPipelineArgs): Record<string, string> {
    return {
        // The image every job records in provenance.json; GitLab exports these to every job.
        ML_TEAM_ENV_IMAGE: a.image.reference,
        ML_TEAM_ENV_IMAGE_DIGEST: a.image.digest ?? "",
        [JOB_IMAGE_VARIABLE]: a.image.reference,
        ...(a.botTokenVariable
            ? {
                  // GitLab's MLflow-compatible API (every tier): runs go to the project's model experiments.
                  MLFLOW_TRACKING_URI: "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/ml/mlflow",
                  MLFLOW_TRACKING_TOKEN: `\${${a.botTokenVariable}}`,
              }
            : {}),
    };
}

/** Stages and jobs; which job runs when is decided by job rules under the workflow rules. */
function jobs(a: TeamPipelineArgs): Record<string, unknown> {
    const { model, commands } = a;
    const provenanceOnly = provenanceArtifacts();
    const runRecord = provenanceArtifacts("run.json");
    const cpu = [...a.cpuTags];
    const gpu = [...a.gpuTags];
    const training = trainingBranchTypes(model).map((p) => ({ if: branchTypeIs(p) }));
    // "Run pipeline" on a training branch offers its manual GPU jobs, never the mainline ones.
    const mainline: Rule[] = [...mainlineRules(model), ...training.map((r) => ({ if: `${WEB} && ${r.if}`, when: "never" as const })), { if: WEB }];
    const imageArgs: ImageJobsArgs | undefined = a.imageBuild
        ? { ...a.imageBuild, ciTools: [commands.lint, commands.test].map(toolOf).filter((t): t is string => t !== undefined), defaultBranch: model.defaultBranch }
        : undefined;
    // Jobs that run team code take the image this pipeline built when it built one.
    const teamImage = imageArgs ? consumerImage(imageArgs) : a.image.reference;
    const teamRules = (rules: readonly Rule[]) => (imageArgs ? consumerRules(rules, imageArgs) : [...rules]);
    const out: Record<string, unknown> = {};

    if (imageArgs) Object.assign(out, imageJobs(imageArgs, { mainline, training, releaseTag: releaseTag(model) }, cpu, gpu));
    if (a.namingJob) {
        out[JOB.branchName] = {
            stage: "check",
            tags: cpu,
            rules: [{ if: MR_EVENT }],
            variables: {
                ML_TEAM_ENV_BRANCH_RULE: branchNameRegex(model),
                ML_TEAM_ENV_BRANCH_TYPES: model.branchTypes.map((t) => t.prefix).join(", "),
                ML_TEAM_ENV_BRANCH_EXAMPLE: model.branchTypes[0] ? `${model.branchTypes[0].prefix}/add-resnet` : model.integrationBranch,
            },
            script: [runShScript("branch-name.sh")],
            artifacts: provenanceOnly,
        };
    }
    out[JOB.mergeTarget] = {
        stage: "check",
        tags: cpu,
        rules: [{ if: MR_EVENT }],
        variables: { ML_TEAM_ENV_MERGE_TARGETS: mergeTargets(model).map(([from, to]) => `${from} ${to}`).join("\n") },
        script: [runShScript("merge-target.sh")],
        artifacts: provenanceOnly,
    };
    // Interruptible: a newer push to the same merge request cancels these, GPU jobs included.
    const team = (stage: string, tags: string[], rules: readonly Rule[], script: string, artifacts: object, extra: object = {}) => ({
        stage,
        image: teamImage,
        tags,
        rules: teamRules(rules),
        interruptible: true,
        script: [script],
        artifacts,
        ...extra,
    });
    out[JOB.styleCheck] = team("check", cpu, mainline, commands.lint, provenanceOnly);
    out[JOB.unitTests] = team(
        "test",
        cpu,
        [...mainline, { if: releaseTag(model) }],
        commands.test,
        // Only when the command writes a JUnit file; a missing report then fails nothing, it just shows no summary.
        commands.test.includes("report.xml") ? { ...provenanceOnly, reports: { junit: "report.xml" } } : provenanceOnly,
    );
    out[JOB.smokeTrain] = team("train", gpu, mainline, commands.smokeTrain, runRecord, { timeout: a.timeouts.smoke });
    if (training.length > 0) {
        // Asked for, never automatic: a push to an experiment branch spends no GPU time by itself.
        const manual = training.map((r) => ({ ...r, when: "manual" as const, allow_failure: true }));
        out[JOB.experimentSmoke] = team("train", gpu, manual, commands.smokeTrain, runRecord, { timeout: a.timeouts.smoke });
        out[JOB.experimentTrain] = team("train", gpu, manual, commands.experimentTrain, runRecord, { timeout: a.timeouts.experiment });
    }

    Object.assign(
        out,
        releaseJobs({
            releaseTag: releaseTag(model),
            releasePrefix: releaseTagPrefix(model),
            defaultBranch: model.defaultBranch,
            cpuTags: cpu,
            gpuTags: gpu,
            trainCommand: commands.releaseTrain,
            modelPaths: a.modelArtifactPaths,
            modelName: a.modelName,
            registry: a.botTokenVariable !== undefined,
            releaseImage: a.releaseImage,
            timeout: a.timeouts.release,
            teamImage,
            teamRules,
            unitTestsJob: JOB.unitTests,
        }),
    );

    const hotfix = model.branchTypes.find((t) => isHotfixType(model, t));
    if (a.botTokenVariable && hotfix) {
        out[JOB.hotfixBackport] = {
            stage: "maintenance",
            tags: cpu,
            rules: [{ if: `${branchIs(model.defaultBranch)} && $CI_PIPELINE_SOURCE == "push"` }],
            variables: {
                ML_TEAM_ENV_BOT_TOKEN: `\${${a.botTokenVariable}}`,
                ML_TEAM_ENV_HOTFIX_PREFIX: `${hotfix.prefix}/`,
                ML_TEAM_ENV_DEFAULT_BRANCH: model.defaultBranch,
                ML_TEAM_ENV_INTEGRATION_BRANCH: model.integrationBranch,
            },
            script: [runPythonScript("hotfix-backport.py")],
            artifacts: provenanceOnly,
        };
    }

    const stale = staleBranchTypes(model);
    if (stale.length > 0) {
        out[JOB.staleBranches] = {
            stage: "maintenance",
            tags: cpu,
            rules: [{ if: SCHEDULE }],
            variables: {
                // A full, fresh clone: the script fetches and pushes refs, so no shallow or reused checkout.
                GIT_STRATEGY: "clone",
                GIT_DEPTH: "0",
                STALE_DRY_RUN: a.staleBranches.dryRun ? "true" : "false",
                ML_TEAM_ENV_STALE_RULES: stale.map((t) => `${t.prefix}:${t.staleAfterDays}`).join(" "),
            },
            script: [runShScript("stale-branches.sh")],
            artifacts: provenanceOnly,
        };
    }
    return out;
}

/**
 * The `.gitlab-ci.yml` text. Throws when the args cannot make a valid pipeline (no runner
 * tags, a model name the registry rejects, no release tag in the model).
 */
export function teamPipeline(args: TeamPipelineArgs): string {
    if (args.cpuTags.length === 0 || args.gpuTags.length === 0) throw new Error("the pipeline needs CPU and GPU runner tags");
    if (!MODEL_NAME.test(args.modelName)) throw new Error(`model name '${args.modelName}' must match ${MODEL_NAME}`);
    if (args.modelArtifactPaths.length === 0) throw new Error("modelArtifactPaths is empty: the release would publish nothing");
    const config = {
        workflow: { rules: workflowRules(args.model) },
        stages: [...PIPELINE_STAGES],
        variables: pipelineVariables(args),
        default: {
            // The reference carries the digest when the stack pins one, so the runner pulls those exact bytes.
            image: args.image.reference,
            before_script: [runShScript("provenance.sh")],
        },
        ...jobs(args),
    };
    const doc = new Document(config, { aliasDuplicateObjects: false });
    doc.commentBefore = [
        " Generated by ml-team-env (infra/ci/pipeline.ts) from the stack config and the branch model.",
        " Do not edit this file: change the stack's ml-team-env config (runner tags, image, branch",
        " model, ci commands) or the generator, then run `pulumi up`, which proposes the new version.",
    ].join("\n");
    return doc.toString({ lineWidth: 0 });
}

/**
 * The schedule that runs the stale-branch job: weekly, on the default branch. Undefined when
 * no branch type of the model has `staleAfterDays` (the pipeline then has no such job).
 */
export function staleBranchSchedule(args: Pick<TeamPipelineArgs, "model" | "staleBranches">): PipelineScheduleSpec | undefined {
    const types = staleBranchTypes(args.model);
    if (types.length === 0) return undefined;
    const what = types.map((t) => `${t.prefix}/* after ${t.staleAfterDays} days`).join(", ");
    return {
        description: `ml-team-env: archive then delete stale branches (${what})${args.staleBranches.dryRun ? ", dry run" : ""}`,
        cron: STALE_BRANCH_CRON,
        ref: args.model.defaultBranch,
    };
}
