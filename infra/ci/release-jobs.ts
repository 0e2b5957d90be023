/**
 * A release tag's jobs: check the tag (a semantic version, on the default branch), then train
 * and register the model in one job, so the model never travels as a job artifact (which
 * self-managed GitLab caps at 100 MB by default), then the GitLab release that points at it.
 */
import { provenanceArtifacts, runPythonScript, runShScript } from "./scripts";
import { Rule } from "./rules";

export const RELEASE_JOB = { check: "release-check", model: "release-model", release: "release" } as const;

export interface ReleaseJobsArgs {
    /** `$CI_COMMIT_TAG =~ /.../`: which tags are release tags. */
    readonly releaseTag: string;
    /** What comes before the version in a release tag (`v`). */
    readonly releasePrefix: string;
    readonly defaultBranch: string;
    readonly cpuTags: readonly string[];
    readonly gpuTags: readonly string[];
    /** The training command; it writes `modelPaths`. */
    readonly trainCommand: string;
    readonly modelPaths: readonly string[];
    /** The registered model's name in GitLab's model registry. */
    readonly modelName: string;
    /** Register the model (needs the bot token for GitLab's MLflow API); without, the model stays a job artifact. */
    readonly registry: boolean;
    /** The image of the GitLab release job, which needs the release CLI. */
    readonly releaseImage: string;
    /** Longest a release training may run, e.g. "4h". */
    readonly timeout: string;
    /** The image and rules that run team code (see image-jobs.ts). */
    readonly teamImage: string;
    readonly teamRules: (rules: readonly Rule[]) => Rule[];
    /** The unit-test job the release waits for. */
    readonly unitTestsJob: string;
}

export function releaseJobs(a: ReleaseJobsArgs): Record<string, unknown> {
    const rules = [{ if: a.releaseTag }];
    const artifacts = provenanceArtifacts("run.json");
    const model: Record<string, unknown> = {
        stage: "release",
        image: a.teamImage,
        tags: [...a.gpuTags],
        rules: a.teamRules(rules),
        needs: [RELEASE_JOB.check, a.unitTestsJob],
        timeout: a.timeout,
        variables: { ML_TEAM_ENV_MODEL_NAME: a.modelName, ML_TEAM_ENV_MODEL_PATHS: a.modelPaths.join(" "), ML_TEAM_ENV_RELEASE_PREFIX: a.releasePrefix },
        script: [a.trainCommand, ...(a.registry ? [runPythonScript("register-model.py")] : [])],
        artifacts: a.registry
            ? { ...artifacts, reports: { dotenv: "release.env" } }
            : // No registry: the model is kept with the job (mind the instance's artifact size limit).
              { paths: [...artifacts.paths, ...a.modelPaths], when: "on_success" as const, expire_in: "never" },
    };
    return {
        [RELEASE_JOB.check]: {
            stage: "check",
            tags: [...a.cpuTags],
            rules,
            // The check reads the default branch's history; a shallow clone may not reach the tag.
            variables: { GIT_DEPTH: "0", ML_TEAM_ENV_RELEASE_PREFIX: a.releasePrefix, ML_TEAM_ENV_DEFAULT_BRANCH: a.defaultBranch },
            script: [runShScript("release-check.sh")],
            artifacts: provenanceArtifacts(),
        },
        [RELEASE_JOB.model]: model,
        [RELEASE_JOB.release]: {
            stage: "release",
            image: a.releaseImage,
            tags: [...a.cpuTags],
            rules,
            needs: [RELEASE_JOB.model],
            script: [`echo "Releasing $CI_COMMIT_TAG: ${a.modelName} trained from $CI_COMMIT_SHA"`],
            release: {
                tag_name: "$CI_COMMIT_TAG",
                name: "$CI_COMMIT_TAG",
                description: a.registry
                    ? `${a.modelName} version $ML_TEAM_ENV_MODEL_VERSION, trained from $CI_COMMIT_SHA and registered in this project's model registry with its run, image and files. provenance.json of the ${RELEASE_JOB.model} job records where it came from.`
                    : `${a.modelName} trained from $CI_COMMIT_SHA; the model files are artifacts of the ${RELEASE_JOB.model} job, with provenance.json.`,
                ...(a.registry ? { assets: { links: [{ name: `${a.modelName} $ML_TEAM_ENV_MODEL_VERSION in the model registry`, url: "$ML_TEAM_ENV_MODELS_URL", link_type: "other" }] } } : {}),
            },
            artifacts: provenanceArtifacts(),
        },
    };
}
