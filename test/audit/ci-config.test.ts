/**
 * The static reading of `.gitlab-ci.yml`: `rules:if` in three-valued logic, and whether a
 * pipeline runs for every merge request, on the package's own pipeline and on hand-written ones.
 */
import { stringify } from "yaml";
import { DEFAULT_BRANCH_MODEL } from "../../infra/branch-model/branch-model";
import { analyseCiConfig } from "../../infra/audit/ci-config";
import { evaluateRuleIf, evaluateRules, MERGE_REQUEST_CONTEXT, scheduleContext } from "../../infra/audit/ci-rules";
import { teamPipeline, workflowRules } from "../../infra/ci/pipeline";
import { parseEnvironmentImage } from "../../infra/environment/environment-image";

const model = DEFAULT_BRANCH_MODEL;

function packagePipeline(namingJob: boolean): string {
    const image = parseEnvironmentImage("registry.example.com/ml/pytorch-cuda:v2.8");
    if (!image.ok) throw new Error(image.error);
    return teamPipeline({
        model,
        image: image.image,
        namingJob,
        cpuTags: ["cpu"],
        gpuTags: ["gpu"],
        commands: { lint: "ruff check .", test: "pytest", smokeTrain: "python train.py --smoke", releaseTrain: "python train.py", experimentTrain: "python train.py" },
        modelArtifactPaths: ["model/"],
        modelName: "model",
        staleBranches: { dryRun: false },
        releaseImage: "registry.gitlab.com/gitlab-org/cli:v1.120.0",
        timeouts: { smoke: "30m", experiment: "4h", release: "4h" },
    });
}

describe("rules:if in three-valued logic", () => {
    const mr = MERGE_REQUEST_CONTEXT;
    it.each([
        [`$CI_PIPELINE_SOURCE == "merge_request_event"`, true],
        [`$CI_PIPELINE_SOURCE == 'push'`, false],
        [`$CI_PIPELINE_SOURCE != "schedule"`, true],
        [`$CI_COMMIT_BRANCH`, false],
        [`$CI_MERGE_REQUEST_IID`, true],
        [`$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS && $CI_PIPELINE_SOURCE == "push"`, false],
        [`$CI_COMMIT_TAG =~ /^v.*$/`, false],
        [`$CI_PIPELINE_SOURCE =~ /^merge_/`, true],
        [`$CI_PIPELINE_SOURCE !~ /^merge_/`, false],
        [`$CI_COMMIT_BRANCH == null`, true],
        [`$CI_MERGE_REQUEST_IID != null`, true],
        [`($CI_PIPELINE_SOURCE == "push" || $CI_PIPELINE_SOURCE == "merge_request_event") && $CI_MERGE_REQUEST_IID`, true],
        [`$SOME_PROJECT_VARIABLE == "x"`, undefined],
        [`$SOME_PROJECT_VARIABLE == "x" || $CI_PIPELINE_SOURCE == "merge_request_event"`, true],
        [`$SOME_PROJECT_VARIABLE == "x" && $CI_PIPELINE_SOURCE == "push"`, false],
        [`$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main"`, undefined],
        [`$CI_PIPELINE_SOURCE == `, undefined],
    ] as const)("%s → %s in a merge request pipeline", (expr, want) => {
        expect(evaluateRuleIf(expr, mr)).toBe(want);
    });

    it("the package's workflow rules admit merge requests and schedules, and decide by the first rule that holds", () => {
        expect(evaluateRules(workflowRules(model), MERGE_REQUEST_CONTEXT)).toEqual({ included: true, rule: 0 });
        expect(evaluateRules(workflowRules(model), scheduleContext("main")).included).toBe(true);
        expect(evaluateRules([{ if: `$CI_PIPELINE_SOURCE == "merge_request_event"`, when: "never" }, { when: "always" }], MERGE_REQUEST_CONTEXT)).toEqual({ included: false, rule: 0 });
        expect(evaluateRules([{ if: `$CI_COMMIT_BRANCH == "main"` }], MERGE_REQUEST_CONTEXT)).toEqual({ included: false });
        expect(evaluateRules([{ changes: ["src/**"] }], MERGE_REQUEST_CONTEXT).included).toBeUndefined();
    });
});

describe("analyseCiConfig", () => {
    it("the package's pipeline runs for every merge request, with the naming job on Free and the stale-branch job on a schedule", () => {
        const free = analyseCiConfig(packagePipeline(true), model);
        expect(free).toMatchObject({ file: "ok", mergeRequestPipeline: true, namingJob: { present: true, runsInMergeRequests: true, checksModelRegex: true }, staleBranchJob: { present: true, runsOnSchedule: true } });
        const premium = analyseCiConfig(packagePipeline(false), model);
        expect(premium).toMatchObject({ mergeRequestPipeline: true, namingJob: { present: false } });
    });

    it("workflow rules that no longer admit merge_request_event: no merge request pipeline", () => {
        const text = packagePipeline(true).replace(`- if: $CI_PIPELINE_SOURCE == "merge_request_event"\n`, `- if: $CI_PIPELINE_SOURCE == "merge_request_event"\n      when: never\n`);
        const a = analyseCiConfig(text, model);
        expect(a.mergeRequestPipeline).toBe(false);
        expect(a.mergeRequestDetail).toMatch(/do not admit merge_request_event/);
        expect(a.namingJob.runsInMergeRequests).toBe(false);
    });

    it("no workflow rules: merge request pipelines exactly when a job has merge-request rules", () => {
        expect(analyseCiConfig(stringify({ test: { script: ["pytest"] } }), model)).toMatchObject({ mergeRequestPipeline: false, mergeRequestDetail: expect.stringMatching(/branch pipelines only/) });
        expect(analyseCiConfig(stringify({ test: { script: ["pytest"], rules: [{ if: `$CI_PIPELINE_SOURCE == "merge_request_event"` }] } }), model).mergeRequestPipeline).toBe(true);
        expect(analyseCiConfig(stringify({ test: { script: ["pytest"], only: ["merge_requests"] } }), model).mergeRequestPipeline).toBe(true);
        // Rules inherited through `extends` count; hidden jobs do not run.
        expect(analyseCiConfig(stringify({ ".mr": { rules: [{ if: `$CI_MERGE_REQUEST_IID` }] }, test: { extends: ".mr", script: ["pytest"] } }), model).mergeRequestPipeline).toBe(true);
    });

    it("says unknown, not yes or no, where the answer depends on what it cannot read", () => {
        expect(analyseCiConfig(stringify({ include: [{ project: "ml/ci", file: "mr.yml" }], build: { script: ["make"] } }), model).mergeRequestPipeline).toBeUndefined();
        expect(analyseCiConfig(stringify({ test: { script: ["pytest"], rules: [{ if: `$RUN_TESTS == "1"` }] } }), model).mergeRequestPipeline).toBeUndefined();
    });

    it("a missing file, a file that is not YAML, a naming job that checks another regex", () => {
        expect(analyseCiConfig(null, model)).toMatchObject({ file: "missing", mergeRequestPipeline: false });
        expect(analyseCiConfig("stages: [\n", model)).toMatchObject({ file: "invalid", mergeRequestPipeline: undefined });
        const stale = packagePipeline(true).split("(feature|experiment|hotfix|bugfix)").join("(feature|hotfix)");
        expect(analyseCiConfig(stale, model).namingJob).toEqual({ present: true, runsInMergeRequests: true, checksModelRegex: false });
    });
});
