/**
 * The generated `.gitlab-ci.yml` of each example stack, read by gitlab-ci-local (GitLab's
 * schema, rules, needs) for every pipeline source; which jobs each source runs is checked
 * against the branch workflow, and the audit's rule evaluator against the real parser. The
 * jobs are run for real in test/ci/pipeline-run.slow.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { evaluateRuleIf, evaluateRules, PipelineContext, VarValue } from "../../infra/audit/ci-config";
import { BranchModel } from "../../infra/branch-model/branch-model";
import { BUILT_IMAGE, IMAGE_JOB, JOB_IMAGE_VARIABLE } from "../../infra/ci/image-jobs";
import { GLAB_IMAGE, JOB, PIPELINE_STAGES, PROVENANCE_FILE, tagGlobToRegex, teamPipeline, TeamPipelineArgs, workflowRules } from "../../infra/ci/pipeline";
import { BUILDAH_IMAGE } from "../../infra/environment/image/files";
import { teamPipelineArgs } from "../../infra/team-environment";
import { stackConfig } from "../cluster/fixtures";
import { gitlabCiLocal, IGNORE_PREDEFINED, Run, SourceName, SOURCES, Vars } from "../support/gitlab-ci-local";
import { tempDirs } from "../support/run-script";

const tmp = tempDirs("ml-team-env-ci-");

// --- GitLab rules, by the audit's evaluator with every variable known --------------------------

/**
 * The expressions the generator writes: `$VAR`, `$VAR == "x"`, `$VAR != "x"`, `$VAR =~ /re/`,
 * joined by `&&` and `||`. The audit's evaluator reads more; this guard keeps a new kind of
 * expression in the pipeline from passing here before it is examined.
 */
const GENERATED_CMP = String.raw`\$[A-Za-z_][A-Za-z0-9_]*(?:\s*(?:==|!=)\s*"[^"]*"|\s*=~\s*/(?:\\.|[^/\\])*/)?`;
const GENERATED_RULE = new RegExp(`^\\s*${GENERATED_CMP}(?:\\s*(?:&&|\\|\\|)\\s*${GENERATED_CMP})*\\s*$`);

function knownContext(expressions: readonly string[], vars: Vars): PipelineContext {
    const ctx: Record<string, VarValue> = {};
    for (const e of expressions) {
        for (const m of e.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) ctx[m[1]!] = vars[m[1]!] === undefined ? null : { value: vars[m[1]!]! };
    }
    return ctx;
}

function ruleIfs(rules: readonly { if?: unknown }[]): string[] {
    return rules.flatMap((r) => {
        if (r.if === undefined) return [];
        if (typeof r.if !== "string" || !GENERATED_RULE.test(r.if)) throw new Error(`cannot read rule '${String(r.if)}'`);
        return [r.if];
    });
}

function evaluate(expression: string, vars: Vars): boolean {
    const v = evaluateRuleIf(expression, knownContext(ruleIfs([{ if: expression }]), vars));
    if (v === undefined) throw new Error(`cannot read rule '${expression}'`);
    return v;
}

/** GitLab's rule semantics, by the audit's evaluator; with every variable known it must decide. */
function included(rules: readonly { if?: unknown; when?: unknown }[], vars: Vars): boolean {
    const outcome = evaluateRules(rules, knownContext(ruleIfs(rules), vars));
    if (outcome.included === undefined) throw new Error(`rules undecided with every variable known: ${JSON.stringify(rules)}`);
    return outcome.included;
}

/** The jobs the evaluator says run, taking `changes` as true, as the listing below does. */
function jobsByEvaluator(pipeline: Record<string, any>, vars: Vars): string[] {
    const assumeChanged = (rules: Record<string, unknown>[]) => rules.map(({ changes: _changed, ...r }) => r);
    return Object.entries(pipeline)
        .filter(([name, job]) => !name.startsWith(".") && typeof job === "object" && job !== null && "script" in job)
        .filter(([, job]) => included(assumeChanged(job.rules ?? [{}]), vars))
        .map(([name]) => name)
        .sort();
}

describe("the workflow rules", () => {
    const model = teamPipelineArgs(stackConfig("dev")).model;
    const open = { CI_OPEN_MERGE_REQUESTS: "ml-team/vision-models!7" };
    const creates = (vars: Vars) => included(workflowRules(model), vars);

    it.each<{ what: string; vars: Vars; want: boolean }>([
        { what: "a merge request", vars: SOURCES.mergeRequest.vars, want: true },
        { what: "a push to a branch with an open merge request (its merge request pipeline runs instead)", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/x", ...open }, want: false },
        { what: "a push to main", vars: SOURCES.pushToMain.vars, want: true },
        { what: "a push to develop", vars: SOURCES.pushToDevelop.vars, want: true },
        { what: "a push to an experiment branch (its GPU runs are offered, manual)", vars: SOURCES.experimentPush.vars, want: true },
        // Decided: no branch pipeline for other branches; checks (and GPU time) start with the merge request.
        { what: "a push to feature/x without a merge request", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/x" }, want: false },
        { what: "Run pipeline on feature/x", vars: SOURCES.runPipelineOnFeature.vars, want: true },
        { what: "the release tag v1.2.0", vars: SOURCES.releaseTag.vars, want: true },
        { what: "an archive tag", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "archive/experiment/old" }, want: false },
        { what: "the schedule", vars: SOURCES.schedule.vars, want: true },
        { what: "the schedule while main has an open merge request", vars: { ...SOURCES.schedule.vars, ...open }, want: true },
    ])("$what → pipeline: $want", ({ vars, want }) => {
        expect(creates(vars)).toBe(want);
    });

    it("turns the release tag wildcard into an anchored regex", () => {
        expect(tagGlobToRegex("v*")).toBe("^v.*$");
        expect(tagGlobToRegex("release-1.*")).toBe("^release-1\\..*$");
        expect(evaluate(`$CI_COMMIT_TAG =~ /${tagGlobToRegex("release-1.*")}/`, { CI_COMMIT_TAG: "release-1x2" })).toBe(false);
    });
});

describe("teamPipeline arguments", () => {
    const args = teamPipelineArgs(stackConfig("dev"));
    it("refuses a model name the model registry would reject, and a model with no release tag", () => {
        expect(() => teamPipeline({ ...args, modelName: "my model" })).toThrow(/model name/);
        expect(() => teamPipeline({ ...args, model: { ...args.model, protectedTags: [] } as BranchModel })).toThrow(/no protected tag/);
    });
});

// --- gitlab-ci-local, per stack and pipeline source ----------------------------------------------

const IMAGE_JOBS = [IMAGE_JOB.build, IMAGE_JOB.contract, IMAGE_JOB.contractGpu];
/** Which jobs each source runs (image jobs: when the definition changed, which the listing assumes). */
const EXPECTED_JOBS: Record<SourceName, readonly string[]> = {
    mergeRequest: [...IMAGE_JOBS, JOB.mergeTarget, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    pushToMain: [...IMAGE_JOBS, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain, JOB.hotfixBackport],
    pushToDevelop: [...IMAGE_JOBS, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    experimentPush: [...IMAGE_JOBS, JOB.experimentSmoke, JOB.experimentTrain],
    runPipelineOnFeature: [...IMAGE_JOBS, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    releaseTag: [...IMAGE_JOBS, JOB.releaseCheck, JOB.unitTests, JOB.releaseModel, JOB.release],
    schedule: [JOB.staleBranches],
};

interface Listing {
    readonly run: Run;
    readonly jobs?: { name: string; when: string; stage: string }[];
}

/** gitlab-ci-local on one pipeline: `--preview`, and `--list-json` for each source. */
async function parseWithGitlabCiLocal(stack: string, text: string): Promise<{ preview: Run; lists: Record<SourceName, Listing> }> {
    const dir = tmp.dir(stack);
    fs.writeFileSync(path.join(dir, ".gitlab-ci.yml"), text);
    const names = Object.keys(SOURCES) as SourceName[];
    const preview = await gitlabCiLocal(dir, ["--preview", "--no-evaluate-rule-changes"]);
    const lists = await Promise.all(
        // The schema is checked once, by --preview; `changes` is taken as true (no git history here).
        names.map((n) => gitlabCiLocal(dir, ["--list-json", "--no-json-schema-validation", "--no-evaluate-rule-changes", ...SOURCES[n].gcl, ...IGNORE_PREDEFINED])),
    );
    return {
        preview,
        lists: Object.fromEntries(names.map((n, i) => [n, { run: lists[i]!, ...(lists[i]!.code === 0 ? { jobs: JSON.parse(lists[i]!.stdout) } : {}) }])) as Record<SourceName, Listing>,
    };
}

const parsed: Partial<Record<"dev" | "onprem", ReturnType<typeof parseWithGitlabCiLocal>>> = {};
beforeAll(() => {
    const dev = parseWithGitlabCiLocal("dev", teamPipeline(teamPipelineArgs(stackConfig("dev"))));
    parsed.dev = dev;
    parsed.onprem = dev.then(() => parseWithGitlabCiLocal("onprem", teamPipeline(teamPipelineArgs(stackConfig("onprem")))));
});
afterAll(async () => {
    await Promise.all(Object.values(parsed));
    tmp.remove();
});

describe.each([
    ["dev", { tier: "free", namingJob: true, bootstrap: true }],
    ["onprem", { tier: "premium", namingJob: false, bootstrap: false }],
] as const)("the pipeline of the %s stack", (stack, expected) => {
    const args: TeamPipelineArgs = teamPipelineArgs(stackConfig(stack));
    const text = teamPipeline(args);
    const pipeline = parse(text) as Record<string, any>;
    let result: Awaited<ReturnType<typeof parseWithGitlabCiLocal>>;
    beforeAll(async () => {
        result = await parsed[stack]!;
    });

    it(`is for the ${expected.tier} tier, so the naming job is ${expected.namingJob ? "in" : "not in"} it`, () => {
        expect(args.namingJob).toBe(expected.namingJob);
        expect(JOB.branchName in pipeline).toBe(expected.namingJob);
    });

    it("is accepted by gitlab-ci-local (schema, rules, needs)", () => {
        expect({ code: result.preview.code, stderr: result.preview.code === 0 ? "" : result.preview.stderr }).toEqual({ code: 0, stderr: "" });
        expect(pipeline.stages).toEqual([...PIPELINE_STAGES]);
    });

    it("says it is generated and where to change it", () => {
        expect(text.split("\n")[0]).toMatch(/^# Generated by ml-team-env \(infra\/ci\/pipeline\.ts\)/);
        expect(text).toContain("pulumi up");
    });

    it.each(Object.keys(SOURCES) as SourceName[])("runs exactly the expected jobs for: %s", (source) => {
        const listing = result.lists[source];
        expect({ code: listing.run.code, stderr: listing.run.code === 0 ? "" : listing.run.stderr }).toEqual({ code: 0, stderr: "" });
        const listed = listing.jobs!.filter((j) => j.when !== "never").map((j) => j.name).sort();
        const want = source === "mergeRequest" && expected.namingJob ? [JOB.branchName, ...EXPECTED_JOBS[source]] : EXPECTED_JOBS[source];
        expect(listed).toEqual([...want].sort());
        // The audit's evaluator reads the rules as GitLab's parser does (it, too, cannot know `changes`, and must still decide).
        expect(jobsByEvaluator(pipeline, SOURCES[source].vars)).toEqual(listed);
        // An experiment branch spends no GPU time unasked.
        for (const j of listing.jobs!) if ((j.name === JOB.experimentSmoke || j.name === JOB.experimentTrain) && j.when !== "never") expect(j.when).toBe("manual");
    });

    it(`runs the team's jobs in ${expected.bootstrap ? "the image each pipeline builds (the stack still pins the bootstrap image)" : "the stack's image, or the one the pipeline built when the definition changed"}`, () => {
        for (const name of [JOB.styleCheck, JOB.unitTests, JOB.smokeTrain, JOB.experimentTrain, JOB.releaseModel]) {
            if (expected.bootstrap) {
                expect(pipeline[name].image).toBe(BUILT_IMAGE);
            } else {
                expect(pipeline[name].image).toBe(`$${JOB_IMAGE_VARIABLE}`);
                const changed = pipeline[name].rules.filter((r: { changes?: unknown }) => r.changes);
                for (const r of changed) expect(r.variables).toEqual({ [JOB_IMAGE_VARIABLE]: BUILT_IMAGE });
            }
        }
        expect(pipeline.variables[JOB_IMAGE_VARIABLE]).toBe(args.image.reference);
        expect(pipeline.default.image).toBe(args.image.reference);
        expect(pipeline[IMAGE_JOB.build].image).toBe(BUILDAH_IMAGE);
        expect(pipeline[IMAGE_JOB.build].variables).toMatchObject({ STORAGE_DRIVER: "vfs", BUILDAH_ISOLATION: "chroot" });
        expect(pipeline[IMAGE_JOB.contract].needs).toEqual([IMAGE_JOB.build]);
        expect(pipeline[IMAGE_JOB.contractGpu].script[0]).toContain("--for gpu --require-gpu");
    });

    it("puts training and the GPU contract on the GPU runner, everything else on the CPU runner", () => {
        const gpu = [JOB.smokeTrain, JOB.experimentSmoke, JOB.experimentTrain, JOB.releaseModel, IMAGE_JOB.contractGpu];
        for (const [name, job] of Object.entries(pipeline)) {
            if (typeof job !== "object" || job === null || !("script" in job)) continue;
            expect({ name, tags: (job as { tags: string[] }).tags }).toEqual({ name, tags: gpu.includes(name as never) ? args.gpuTags : args.cpuTags });
        }
    });

    it("keeps provenance.json from every job, and run.json from every training", () => {
        const jobNames = Object.keys(pipeline).filter((k) => typeof pipeline[k] === "object" && "script" in pipeline[k]);
        expect(jobNames.length).toBeGreaterThanOrEqual(14);
        for (const name of jobNames) expect({ name, paths: pipeline[name].artifacts.paths }).toEqual({ name, paths: expect.arrayContaining([PROVENANCE_FILE]) });
        for (const name of [JOB.smokeTrain, JOB.experimentTrain, JOB.releaseModel]) expect(pipeline[name].artifacts.paths).toContain("run.json");
        expect(pipeline[JOB.unitTests].artifacts.reports).toEqual({ junit: "report.xml" });
    });

    it("tracks runs in the project's model experiments with the bot token, never the job token", () => {
        expect(pipeline.variables.MLFLOW_TRACKING_URI).toBe("${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/ml/mlflow");
        expect(pipeline.variables.MLFLOW_TRACKING_TOKEN).toBe("${ML_TEAM_ENV_BOT_TOKEN}");
        expect(text).not.toMatch(/MLFLOW_TRACKING_TOKEN:.*CI_JOB_TOKEN/);
    });

    it("releases only after the tag check and the unit tests, and trains and registers the model in one job", () => {
        expect(pipeline[JOB.releaseModel].needs).toEqual([JOB.releaseCheck, JOB.unitTests]);
        expect(pipeline[JOB.releaseModel].script[0]).toBe(args.commands.releaseTrain);
        expect(pipeline[JOB.releaseModel].script[1]).toContain("register-model");
        // The model is never an artifact: a self-managed GitLab caps artifacts at 100 MB by default.
        expect(pipeline[JOB.releaseModel].artifacts.paths).not.toEqual(expect.arrayContaining(args.modelArtifactPaths));
        expect(pipeline[JOB.releaseModel].timeout).toBe(args.timeouts.release);
        expect(pipeline[JOB.release].needs).toEqual([JOB.releaseModel]);
        expect(pipeline[JOB.release].image).toBe(GLAB_IMAGE);
        expect(pipeline[JOB.releaseCheck].variables).toMatchObject({ GIT_DEPTH: "0", ML_TEAM_ENV_RELEASE_PREFIX: "v", ML_TEAM_ENV_DEFAULT_BRANCH: "main" });
    });

    it("bounds and makes cancellable every GPU job", () => {
        for (const name of [JOB.smokeTrain, JOB.experimentSmoke, JOB.experimentTrain]) {
            expect(pipeline[name].interruptible).toBe(true);
            expect(pipeline[name].timeout).toMatch(/^\d+[mh]/);
        }
    });
});

describe("the release job's image", () => {
    it("is the stack's ci.releaseImage, for teams behind a registry proxy", () => {
        const config = stackConfig("dev", (y) => y.replace("  ml-team-env:ci:\n", "  ml-team-env:ci:\n    releaseImage: proxy.example.org/gitlab-org/cli:v1.120.0\n"));
        expect(parse(teamPipeline(teamPipelineArgs(config)))[JOB.release].image).toBe("proxy.example.org/gitlab-org/cli:v1.120.0");
    });
});
