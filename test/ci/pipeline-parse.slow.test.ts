/**
 * The generated `.gitlab-ci.yml` of each example stack, read by gitlab-ci-local (GitLab's
 * schema, rules, needs) for every pipeline source: the real parser must list exactly the jobs
 * the branch workflow expects, and agree with the audit's rule evaluator. Slow (a dozen
 * gitlab-ci-local runs); the jobs themselves run in pipeline-run.slow.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { JOB, teamPipeline } from "../../infra/ci/pipeline";
import { teamPipelineArgs } from "../../infra/team-environment";
import { stackConfig } from "../cluster/fixtures";
import { EXPECTED_JOBS, jobsByEvaluator } from "../support/ci-rules";
import { gitlabCiLocal, IGNORE_PREDEFINED, Run, SourceName, SOURCES } from "../support/gitlab-ci-local";
import { tempDirs } from "../support/run-script";

const tmp = tempDirs("ml-team-env-ci-parse-");

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

describe.each([
    ["dev", { namingJob: true }],
    ["onprem", { namingJob: false }],
] as const)("gitlab-ci-local on the pipeline of the %s stack", (stack, expected) => {
    const text = teamPipeline(teamPipelineArgs(stackConfig(stack)));
    const pipeline = parse(text) as Record<string, any>;
    let result: Awaited<ReturnType<typeof parseWithGitlabCiLocal>>;
    beforeAll(async () => {
        result = await parseWithGitlabCiLocal(stack, text);
    }, 120_000);

    it("accepts it (schema, rules, needs)", () => {
        expect({ code: result.preview.code, stderr: result.preview.code === 0 ? "" : result.preview.stderr }).toEqual({ code: 0, stderr: "" });
    });

    it.each(Object.keys(SOURCES) as SourceName[])("lists exactly the expected jobs for: %s, as the audit's evaluator does", (source) => {
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
});
