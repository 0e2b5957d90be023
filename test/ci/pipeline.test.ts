import { execFile, spawnSync, SpawnSyncReturns } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { evaluateRuleIf, evaluateRules, PipelineContext, VarValue } from "../../infra/audit/ci-config";
import { BranchModel, enforcementReport } from "../../infra/branch-model/branch-model";
import {
    branchNameCheckScript,
    GLAB_IMAGE,
    JOB,
    PROVENANCE_FILE,
    staleBranchSchedule,
    staleBranchScript,
    tagGlobToRegex,
    teamPipeline,
    TeamPipelineArgs,
    workflowRules,
} from "../../infra/ci/pipeline";
import { stackConfig } from "../cluster/fixtures";
import { ROOT } from "../harness";

/** The real GitLab CI parser: gitlab-ci-local 4.73.0, the newest release that runs on Node 20. */
const GITLAB_CI_LOCAL = path.join(ROOT, "node_modules/gitlab-ci-local/dist/index.js");

const COMMANDS = { lint: "ruff check .", test: "pytest -q --junitxml=report.xml", smokeTrain: "python train.py --smoke", releaseTrain: "python train.py --release" };

/** The pipeline args of an example stack, as the GitLab project would build them. */
function pipelineArgs(stack: string): TeamPipelineArgs {
    const config = stackConfig(stack);
    // The naming job stands in for GitLab's push rule exactly where GitLab does not enforce it.
    const naming = enforcementReport(config.branchModel, config.gitlab.tier).find((r) => r.id === "push-rule:branch-name")!;
    return {
        model: config.branchModel,
        image: config.image,
        namingJob: naming.enforcedBy !== "gitlab",
        cpuTags: config.runners.cpuTags,
        gpuTags: config.runners.gpuTags,
        commands: COMMANDS,
        modelArtifactPaths: ["model/"],
        modelPackageName: "model",
        staleBranches: { dryRun: false },
    };
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "ml-team-env-ci-"));
let tmpCount = 0;
function tmpDir(name: string): string {
    const dir = path.join(tmpRoot, `${++tmpCount}-${name}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

// --- GitLab rules, by the audit's evaluator with every variable known --------------------------

type Vars = Readonly<Record<string, string>>;

/**
 * The expressions the generator writes: `$VAR`, `$VAR == "x"`, `$VAR != "x"`, `$VAR =~ /re/`,
 * joined by `&&` and `||`. The audit's evaluator reads more; this guard keeps a new kind of
 * expression in the pipeline from passing here before it is examined.
 */
const GENERATED_CMP = String.raw`\$[A-Za-z_][A-Za-z0-9_]*(?:\s*(?:==|!=)\s*"[^"]*"|\s*=~\s*/(?:\\.|[^/\\])*/)?`;
const GENERATED_RULE = new RegExp(`^\\s*${GENERATED_CMP}(?:\\s*(?:&&|\\|\\|)\\s*${GENERATED_CMP})*\\s*$`);

/** A pipeline context in which every variable the expressions name is known: its value in `vars`, else unset. */
function knownContext(expressions: readonly string[], vars: Vars): PipelineContext {
    const ctx: Record<string, VarValue> = {};
    for (const e of expressions) {
        for (const m of e.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) ctx[m[1]!] = vars[m[1]!] === undefined ? null : { value: vars[m[1]!]! };
    }
    return ctx;
}

/** The `if:` of each rule, each checked against the generator's syntax. */
function ruleIfs(rules: readonly { if?: unknown }[]): string[] {
    return rules.flatMap((r) => {
        if (r.if === undefined) return [];
        if (typeof r.if !== "string" || !GENERATED_RULE.test(r.if)) throw new Error(`cannot read rule '${String(r.if)}'`);
        return [r.if];
    });
}

/** One expression by the audit's evaluator; with every variable known it must decide. */
function evaluate(expression: string, vars: Vars): boolean {
    const v = evaluateRuleIf(expression, knownContext(ruleIfs([{ if: expression }]), vars));
    if (v === undefined) throw new Error(`cannot read rule '${expression}'`);
    return v;
}

/** GitLab's rule semantics (the first rule whose `if` holds decides; no match means "never"), by the audit's evaluator. */
function included(rules: readonly { if?: unknown; when?: unknown }[], vars: Vars): boolean {
    const outcome = evaluateRules(rules, knownContext(ruleIfs(rules), vars));
    if (outcome.included === undefined) throw new Error(`rules undecided with every variable known: ${JSON.stringify(rules)}`);
    return outcome.included;
}

function createsPipeline(model: BranchModel, vars: Vars): boolean {
    return included(workflowRules(model), vars);
}

/** The jobs the evaluator says run, to check it against gitlab-ci-local's answer. */
function jobsByEvaluator(pipeline: Record<string, any>, vars: Vars): string[] {
    return Object.entries(pipeline)
        .filter(([name, job]) => !name.startsWith(".") && typeof job === "object" && job !== null && "script" in job)
        .filter(([, job]) => included(job.rules ?? [{}], vars))
        .map(([name]) => name)
        .sort();
}

// --- the pipeline sources, as gitlab-ci-local arguments and as GitLab's predefined variables ------

interface Source {
    readonly gcl: readonly string[];
    readonly vars: Vars;
}
const SOURCES: Record<"mergeRequest" | "pushToMain" | "releaseTag" | "schedule", Source> = {
    mergeRequest: {
        gcl: ["--variable", "CI_PIPELINE_SOURCE=merge_request_event", "--variable", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature/x", "--variable", "CI_MERGE_REQUEST_IID=7", "--unset-variable", "CI_COMMIT_BRANCH"],
        vars: { CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "feature/x", CI_MERGE_REQUEST_IID: "7", CI_OPEN_MERGE_REQUESTS: "ml-team/vision-models!7", CI_COMMIT_REF_NAME: "feature/x" },
    },
    pushToMain: {
        gcl: ["--variable", "CI_PIPELINE_SOURCE=push", "--variable", "CI_COMMIT_BRANCH=main"],
        vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" },
    },
    releaseTag: {
        gcl: ["--variable", "CI_PIPELINE_SOURCE=push", "--variable", "CI_COMMIT_TAG=v1.2.0", "--unset-variable", "CI_COMMIT_BRANCH"],
        vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.0", CI_COMMIT_REF_NAME: "v1.2.0" },
    },
    schedule: {
        gcl: ["--variable", "CI_PIPELINE_SOURCE=schedule", "--variable", "CI_COMMIT_BRANCH=main"],
        vars: { CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" },
    },
};
/** Overriding predefined variables makes gitlab-ci-local print a warning on stdout, which would spoil the JSON. */
const IGNORE_PREDEFINED = ["--ignore-predefined-vars", "CI_PIPELINE_SOURCE,CI_COMMIT_BRANCH,CI_COMMIT_TAG,CI_MERGE_REQUEST_SOURCE_BRANCH_NAME,CI_MERGE_REQUEST_IID"];

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs gitlab-ci-local as a child process (it is an ESM bundle) in `dir`, isolated from the user's own settings. */
function gitlabCiLocal(dir: string, args: readonly string[]): Promise<Run> {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GCL_")));
    // No git repository above the temp dir may lend its branch or remote.
    env.GIT_CEILING_DIRECTORIES = path.dirname(dir);
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [GITLAB_CI_LOCAL, "--state-dir", ".gitlab-ci-local", "--home", dir, "--no-color", ...args],
            { cwd: dir, env, maxBuffer: 16 * 1024 * 1024, timeout: 30_000 },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
    });
}

describe("the workflow rules", () => {
    const model = pipelineArgs("dev").model;
    const open = { CI_OPEN_MERGE_REQUESTS: "ml-team/vision-models!7" };

    it.each<{ what: string; vars: Vars; want: boolean }>([
        { what: "a merge request", vars: SOURCES.mergeRequest.vars, want: true },
        { what: "a push to a branch with an open merge request (its merge request pipeline runs instead)", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/x", ...open }, want: false },
        { what: "a push to develop while the develop → main merge request is open (its merge request pipeline runs instead)", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "develop", ...open }, want: false },
        { what: "a push to main", vars: SOURCES.pushToMain.vars, want: true },
        { what: "a push to develop", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "develop" }, want: true },
        // Decided: no branch pipeline for other branches; checks (and GPU time) start with the merge request.
        { what: "a push to feature/x without a merge request", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/x" }, want: false },
        { what: "the release tag v1.2.0", vars: SOURCES.releaseTag.vars, want: true },
        { what: "an archive tag", vars: { CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "archive/experiment/old" }, want: false },
        { what: "the schedule", vars: SOURCES.schedule.vars, want: true },
        { what: "the schedule while main has an open merge request", vars: { ...SOURCES.schedule.vars, ...open }, want: true },
    ])("$what → pipeline: $want", ({ vars, want }) => {
        expect(createsPipeline(model, vars)).toBe(want);
    });

    it("turns the release tag wildcard into an anchored regex", () => {
        expect(tagGlobToRegex("v*")).toBe("^v.*$");
        expect(tagGlobToRegex("release-1.*")).toBe("^release-1\\..*$");
        expect(evaluate(`$CI_COMMIT_TAG =~ /${tagGlobToRegex("release-1.*")}/`, { CI_COMMIT_TAG: "release-1x2" })).toBe(false);
    });

    it("reads only the expressions it knows", () => {
        expect(() => evaluate("$A == 'x'", {})).toThrow(/cannot read/);
        expect(evaluate(`$A && $B == "x" || $C`, { C: "1" })).toBe(true);
        expect(evaluate(`$A && $B == "x" || $C`, { A: "1", B: "y" })).toBe(false);
    });
});

// --- the two scripts, run for real ------------------------------------------------------------------

/** Runs a script with sh in a clean environment plus `env`. */
function sh(script: string, env: Record<string, string>, cwd = tmpRoot): SpawnSyncReturns<string> {
    const file = path.join(tmpDir("script"), "script.sh");
    fs.writeFileSync(file, script);
    return spawnSync("sh", [file], { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, encoding: "utf8" });
}

describe("the branch-name job", () => {
    const model = pipelineArgs("dev").model;
    const script = branchNameCheckScript(model);

    it.each(["feature/add-resnet", "experiment/lr-0.01", "hotfix/x", "bugfix/y", "develop", "main"])("accepts %s", (branch) => {
        const run = sh(script, { CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch });
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        expect(run.stdout).toContain(`'${branch}' follows`);
    });

    it.each(["Feature/X", "feature/", "feat/x", "experiment/UPPER", "random"])("rejects %s with the rule and the allowed prefixes", (branch) => {
        const run = sh(script, { CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(`'${branch}' breaks the team's branch naming rule`);
        expect(run.stderr).toContain("feature, experiment, hotfix, bugfix");
        expect(run.stderr).toContain("^(main|develop|(feature|experiment|hotfix|bugfix)/[a-z0-9._-]+)$");
    });

    it("falls back to CI_COMMIT_BRANCH, and fails when there is no branch to check", () => {
        expect(sh(script, { CI_COMMIT_BRANCH: "feature/ok" }).status).toBe(0);
        expect(sh(script, { CI_COMMIT_BRANCH: "Nope" }).status).toBe(1);
        expect(sh(script, {}).status).toBe(1);
    });

    it("runs the same script from the job's YAML", () => {
        const item: string = (parse(teamPipeline(pipelineArgs("dev"))) as Record<string, any>)[JOB.branchName].script[0];
        expect(item).toContain(script);
        const tmp = tmpDir("job-tmp");
        expect(sh(item, { TMPDIR: tmp, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "experiment/lr-0.01" }).status).toBe(0);
        expect(sh(item, { TMPDIR: tmp, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "Feature/X" }).status).toBe(1);
    });
});

describe("provenance.json", () => {
    it.each(["dev", "onprem"])("names the commit, the ref and the image (%s)", (stack) => {
        const args = pipelineArgs(stack);
        const pipeline = parse(teamPipeline(args)) as Record<string, any>;
        const dir = tmpDir("provenance");
        const ref = 'feature/odd"name\\x';
        const run = sh(pipeline.default.before_script.join("\n"), { ...pipeline.variables, CI_COMMIT_SHA: "a".repeat(40), CI_COMMIT_REF_NAME: ref, CI_JOB_NAME: JOB.unitTests }, dir);
        expect(run.status).toBe(0);
        const provenance = JSON.parse(fs.readFileSync(path.join(dir, PROVENANCE_FILE), "utf8"));
        expect(provenance).toMatchObject({ commit_sha: "a".repeat(40), ref_name: ref, job_name: JOB.unitTests, image: args.image.reference, image_digest: args.image.digest ?? null });
    });
});

describe("the stale-branch job", () => {
    const model = pipelineArgs("dev").model;
    const DAY = 86_400;
    const NOW = Date.UTC(2026, 10, 25) / 1000;

    /** Git with no system or user config of this machine. */
    function gitEnv(home: string): Record<string, string> {
        return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };
    }
    function git(cwd: string, home: string, args: readonly string[], env: Record<string, string> = {}): string {
        const run = spawnSync("git", args, { cwd, env: { ...gitEnv(home), ...env }, encoding: "utf8" });
        if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
        return run.stdout.trim();
    }

    /** A bare origin and a clone, with branches whose last commits are `daysAgo` old. */
    function repos(branches: Record<string, number>): { origin: string; clone: string; home: string; heads: Record<string, string> } {
        const dir = tmpDir("repos");
        const home = path.join(dir, "home");
        const origin = path.join(dir, "origin.git");
        const clone = path.join(dir, "clone");
        fs.mkdirSync(home);
        git(dir, home, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
        git(dir, home, ["init", "--quiet", "--initial-branch=main", clone]);
        git(clone, home, ["config", "user.name", "Test"]);
        git(clone, home, ["config", "user.email", "test@example.com"]);
        const commit = (message: string, daysAgo: number) => {
            const date = `${NOW - daysAgo * DAY} +0000`;
            git(clone, home, ["commit", "--quiet", "--allow-empty", "-m", message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
        };
        commit("init", 400);
        const heads: Record<string, string> = {};
        for (const [branch, daysAgo] of Object.entries(branches)) {
            git(clone, home, ["checkout", "--quiet", "-b", branch, "main"]);
            commit(branch, daysAgo);
            heads[branch] = git(clone, home, ["rev-parse", "HEAD"]);
        }
        git(clone, home, ["checkout", "--quiet", "main"]);
        git(clone, home, ["push", "--quiet", origin, "--all"]);
        return { origin, clone, home, heads };
    }
    const refs = (repo: string, home: string) => git(repo, home, ["for-each-ref", "--format=%(objectname) %(refname)"]);
    const run = (r: { origin: string; clone: string; home: string }, env: Record<string, string> = {}) =>
        sh(staleBranchScript(model), { ...gitEnv(r.home), ML_TEAM_ENV_PUSH_URL: r.origin, STALE_NOW_EPOCH: String(NOW), ...env }, r.clone);

    const BRANCHES = { "experiment/old": 200, "experiment/fresh": 2, "experiment/lr-0.01": 89, "feature/old": 200 };

    it("archives then deletes only the stale experiment branch", () => {
        const r = repos(BRANCHES);
        const cloneRefsBefore = refs(r.clone, r.home);
        const result = run(r);
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
        expect(result.stdout).toContain("archived experiment/old as tag archive/experiment/old");

        const branches = git(r.origin, r.home, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]).split("\n").sort();
        expect(branches).toEqual(["experiment/fresh", "experiment/lr-0.01", "feature/old", "main"]);
        expect(git(r.origin, r.home, ["for-each-ref", "--format=%(refname)", "refs/tags/"])).toBe("refs/tags/archive/experiment/old");
        expect(git(r.origin, r.home, ["rev-parse", "archive/experiment/old^{commit}"])).toBe(r.heads["experiment/old"]);
        // An annotated tag that says why it exists.
        expect(git(r.origin, r.home, ["cat-file", "-t", "archive/experiment/old"])).toBe("tag");
        expect(git(r.origin, r.home, ["tag", "-l", "--format=%(contents)", "archive/experiment/old"])).toContain("Archived stale branch experiment/old: no commit for 200 days");
        // The clone keeps no refs of its own from the run.
        expect(refs(r.clone, r.home)).toBe(cloneRefsBefore);

        // A second run finds nothing stale and changes nothing.
        const originAfter = refs(r.origin, r.home);
        expect(run(r).status).toBe(0);
        expect(refs(r.origin, r.home)).toBe(originAfter);
    });

    it("changes nothing in a dry run and says what it would do", () => {
        const r = repos(BRANCHES);
        const before = [refs(r.origin, r.home), refs(r.clone, r.home)];
        const result = run(r, { STALE_DRY_RUN: "true" });
        expect(result.status).toBe(0);
        expect(result.stdout).toContain(`would archive experiment/old (last commit 200 days ago, ${r.heads["experiment/old"]}) as tag archive/experiment/old, then delete the branch`);
        expect(result.stdout).not.toMatch(/would archive experiment\/(fresh|lr-0\.01)/);
        expect(result.stdout).toContain("nothing was changed");
        expect([refs(r.origin, r.home), refs(r.clone, r.home)]).toEqual(before);
    });

    it("keeps an earlier archive tag of the same name and archives under the head's id", () => {
        const r = repos({ "experiment/lr-0.01": 120 });
        // An older experiment/lr-0.01 was archived before, at another commit.
        git(r.clone, r.home, ["push", "--quiet", r.origin, "main:refs/tags/archive/experiment/lr-0.01"]);
        const mainHead = git(r.clone, r.home, ["rev-parse", "main"]);
        expect(run(r).status).toBe(0);
        const short = r.heads["experiment/lr-0.01"]!.slice(0, 12);
        expect(git(r.origin, r.home, ["rev-parse", "archive/experiment/lr-0.01^{commit}"])).toBe(mainHead);
        expect(git(r.origin, r.home, ["rev-parse", `archive/experiment/lr-0.01-${short}^{commit}`])).toBe(r.heads["experiment/lr-0.01"]);
        expect(git(r.origin, r.home, ["for-each-ref", "refs/heads/experiment/"])).toBe("");
    });

    it("deletes nothing when the tag cannot be pushed", () => {
        const r = repos({ "experiment/old": 200 });
        // A pre-receive hook that refuses tags stands in for a protected-tag rule.
        const hook = path.join(r.origin, "hooks", "pre-receive");
        fs.writeFileSync(hook, "#!/bin/sh\nwhile read -r old new ref; do case \"$ref\" in refs/tags/*) echo refused >&2; exit 1;; esac; done\n", { mode: 0o755 });
        const result = run(r);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("could not push tag archive/experiment/old; experiment/old is kept");
        expect(git(r.origin, r.home, ["rev-parse", "refs/heads/experiment/old"])).toBe(r.heads["experiment/old"]);
    });

    it("is the script of the scheduled job, with the schedule on the default branch", () => {
        const pipeline = parse(teamPipeline(pipelineArgs("dev"))) as Record<string, any>;
        expect(pipeline[JOB.staleBranches].script[0]).toContain(staleBranchScript(model));
        expect(pipeline[JOB.staleBranches].variables).toMatchObject({ GIT_DEPTH: "0", STALE_DRY_RUN: "false" });
        expect(staleBranchSchedule({ model, staleBranches: { dryRun: true } })).toEqual({
            description: expect.stringMatching(/experiment\/\* after 90 days.*dry run/),
            cron: "0 3 * * 1",
            ref: "main",
        });
    });

    it("has no job and no schedule when no branch type goes stale", () => {
        const noStale: BranchModel = { ...model, branchTypes: model.branchTypes.map(({ staleAfterDays: _unused, ...t }) => t) };
        expect(staleBranchSchedule({ model: noStale, staleBranches: { dryRun: false } })).toBeUndefined();
        expect(JOB.staleBranches in (parse(teamPipeline({ ...pipelineArgs("dev"), model: noStale })) as object)).toBe(false);
    });
});

describe("the publish-model job", () => {
    const SHA = "b".repeat(40);
    const pipeline = parse(teamPipeline(pipelineArgs("dev"))) as Record<string, any>;
    const script: string = pipeline[JOB.publishModel].script.join("\n");

    /** Runs the job's script in `dir` against a stand-in package registry; returns what it received. */
    async function publish(dir: string): Promise<{ run: Run; uploads: { path: string; token: string | undefined; body: Buffer }[] }> {
        const uploads: { path: string; token: string | undefined; body: Buffer }[] = [];
        const server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                uploads.push({ path: `${req.method} ${req.url}`, token: req.headers["job-token"] as string | undefined, body: Buffer.concat(chunks) });
                res.writeHead(201, { "Content-Type": "application/json" }).end("{}");
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const port = (server.address() as { port: number }).port;
        const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? dir, CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`, CI_PROJECT_ID: "42", CI_COMMIT_TAG: "v1.2.0", CI_COMMIT_SHA: SHA, CI_JOB_TOKEN: "job-token-value" };
        // Asynchronous: the stand-in registry answers from this process's event loop.
        const run = await new Promise<Run>((resolve) =>
            execFile("sh", ["-c", script], { cwd: dir, env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })),
        );
        server.close();
        return { run, uploads };
    }

    function trainedModel(commit: string): string {
        const dir = tmpDir("publish");
        fs.mkdirSync(path.join(dir, "model"));
        fs.writeFileSync(path.join(dir, "model", "weights.bin"), "weights");
        fs.writeFileSync(path.join(dir, PROVENANCE_FILE), JSON.stringify({ commit_sha: commit, image: "img" }));
        return dir;
    }

    it("uploads the model archive and provenance.json to the release's asset links, with the job token", async () => {
        const dir = trainedModel(SHA);
        const { run, uploads } = await publish(dir);
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
        const base = "/api/v4/projects/42/packages/generic/model/v1.2.0";
        expect(uploads.map((u) => u.path)).toEqual([`PUT ${base}/model-v1.2.0.tar.gz`, `PUT ${base}/${PROVENANCE_FILE}`]);
        expect(uploads.map((u) => u.token)).toEqual(["job-token-value", "job-token-value"]);
        // The release links point at exactly these files.
        const links = pipeline[JOB.release].release.assets.links.map((l: { url: string }) =>
            l.url.replace("${CI_API_V4_URL}", "/api/v4").replace("${CI_PROJECT_ID}", "42").replace(/\$\{CI_COMMIT_TAG\}/g, "v1.2.0"),
        );
        expect(links).toEqual(uploads.map((u) => u.path.replace("PUT ", "")));
        // The archive holds the model, and the provenance binds the archive by its checksum.
        const archive = path.join(dir, "uploaded.tar.gz");
        fs.writeFileSync(archive, uploads[0]!.body);
        expect(spawnSync("tar", ["-tzf", archive], { encoding: "utf8" }).stdout.split("\n")).toContain("model/weights.bin");
        const provenance = JSON.parse(uploads[1]!.body.toString("utf8"));
        expect(provenance).toMatchObject({ commit_sha: SHA, published: { package: "model", version: "v1.2.0" } });
        expect(provenance.published.files["model-v1.2.0.tar.gz"]).toBe(`sha256:${crypto.createHash("sha256").update(uploads[0]!.body).digest("hex")}`);
    });

    it("publishes nothing when the model was trained from another commit", async () => {
        const { run, uploads } = await publish(trainedModel("c".repeat(40)));
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain("refusing to publish");
        expect(uploads).toEqual([]);
    });
});

describe("teamPipeline arguments", () => {
    it("refuses a package name the package registry would reject", () => {
        expect(() => teamPipeline({ ...pipelineArgs("dev"), modelPackageName: "my model" })).toThrow(/model package name/);
    });
});

const EXPECTED_JOBS = {
    mergeRequest: [JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    pushToMain: [JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    releaseTag: [JOB.releaseTrain, JOB.publishModel, JOB.release],
    schedule: [JOB.staleBranches],
};

type SourceName = keyof typeof SOURCES;
interface ParserRuns {
    readonly preview: Run;
    readonly lists: Record<SourceName, Run>;
}

/** gitlab-ci-local on one pipeline: `--preview`, and `--list-json` for each source, all at once. */
async function parseWithGitlabCiLocal(stack: string, text: string): Promise<ParserRuns> {
    const dir = tmpDir(stack);
    fs.writeFileSync(path.join(dir, ".gitlab-ci.yml"), text);
    const names = Object.keys(SOURCES) as SourceName[];
    const [preview, ...lists] = await Promise.all([
        gitlabCiLocal(dir, ["--preview"]),
        // The schema is checked once, by --preview; the listings skip it to stay fast.
        ...names.map((n) => gitlabCiLocal(dir, ["--list-json", "--no-json-schema-validation", ...SOURCES[n].gcl, ...IGNORE_PREDEFINED])),
    ]);
    return { preview: preview!, lists: Object.fromEntries(names.map((n, i) => [n, lists[i]!])) as Record<SourceName, Run> };
}

const parserRuns: Partial<Record<"dev" | "onprem", Promise<ParserRuns>>> = {};
// Started before the first test and awaited only by the stack tests at the end of the file, so
// the parser's child processes run while the script tests above use the other core. One stack
// at a time, its calls in parallel.
beforeAll(() => {
    const dev = parseWithGitlabCiLocal("dev", teamPipeline(pipelineArgs("dev")));
    parserRuns.dev = dev;
    parserRuns.onprem = dev.then(() => parseWithGitlabCiLocal("onprem", teamPipeline(pipelineArgs("onprem"))));
});
// Waits for the parser even when a filter (-t) skipped the tests that read it, so no child outlives the run.
afterAll(async () => {
    await Promise.all(Object.values(parserRuns));
    fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe.each([
    ["dev", { tier: "free", namingJob: true }],
    ["onprem", { tier: "premium", namingJob: false }],
] as const)("the pipeline of the %s stack", (stack, expected) => {
    const args = pipelineArgs(stack);
    const text = teamPipeline(args);
    const pipeline = parse(text) as Record<string, any>;
    let preview: Run;
    const listed: Partial<Record<SourceName, string[]>> = {};
    const listRuns: Partial<Record<SourceName, Run>> = {};

    beforeAll(async () => {
        const runs = await parserRuns[stack]!;
        preview = runs.preview;
        for (const [name, run] of Object.entries(runs.lists) as [SourceName, Run][]) {
            listRuns[name] = run;
            if (run.code === 0) {
                const jobs = JSON.parse(run.stdout) as { name: string; when: string }[];
                listed[name] = jobs.filter((j) => j.when !== "never").map((j) => j.name).sort();
            }
        }
    });

    it(`is for the ${expected.tier} tier, so the naming job is ${expected.namingJob ? "in" : "not in"} it`, () => {
        expect(pipelineArgs(stack).namingJob).toBe(expected.namingJob);
        expect(JOB.branchName in pipeline).toBe(expected.namingJob);
    });

    it("is accepted by gitlab-ci-local (schema, extends, needs)", () => {
        expect({ code: preview.code, stderr: preview.code === 0 ? "" : preview.stderr }).toEqual({ code: 0, stderr: "" });
        const expanded = parse(preview.stdout) as Record<string, any>;
        // Every job of the team's code runs in the stack's image, pinned by digest when the stack pins one.
        expect(expanded[JOB.smokeTrain].image.name).toBe(args.image.reference);
        expect(expanded[JOB.release].image.name).toBe(GLAB_IMAGE);
    });

    it("says it is generated and where to change it", () => {
        expect(text.split("\n")[0]).toMatch(/^# Generated by ml-team-env \(infra\/ci\/pipeline\.ts\)/);
        expect(text).toContain("pulumi up");
    });

    it.each(Object.keys(SOURCES) as SourceName[])("runs exactly the expected jobs for: %s", (source) => {
        const run = listRuns[source]!;
        expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });
        const want = source === "mergeRequest" && expected.namingJob ? [JOB.branchName, ...EXPECTED_JOBS[source]] : EXPECTED_JOBS[source];
        expect(listed[source]).toEqual([...want].sort());
        // The evaluator that checks the workflow rules below reads job rules as GitLab's parser does.
        expect(jobsByEvaluator(pipeline, SOURCES[source].vars)).toEqual(listed[source]);
    });

    it("uses the image reference (with its digest when pinned) as the default image", () => {
        expect(pipeline.default.image).toBe(args.image.reference);
        if (args.image.digest) expect(pipeline.default.image).toContain(`@${args.image.digest}`);
        expect(pipeline.variables).toEqual({ ML_TEAM_ENV_IMAGE: args.image.reference, ML_TEAM_ENV_IMAGE_DIGEST: args.image.digest ?? "" });
    });

    it("puts training on the GPU runner and everything else on the CPU runner", () => {
        for (const name of [JOB.smokeTrain, JOB.releaseTrain]) expect(pipeline[name].tags).toEqual(args.gpuTags);
        const cpuJobs = [JOB.styleCheck, JOB.unitTests, JOB.publishModel, JOB.release, JOB.staleBranches, ...(expected.namingJob ? [JOB.branchName] : [])];
        for (const name of cpuJobs) expect(pipeline[name].tags).toEqual(args.cpuTags);
    });

    it("keeps provenance.json as an artifact of every job", () => {
        const jobNames = Object.keys(pipeline).filter((k) => typeof pipeline[k] === "object" && "script" in pipeline[k]);
        expect(jobNames.length).toBeGreaterThanOrEqual(7);
        for (const name of jobNames) expect({ name, paths: pipeline[name].artifacts.paths }).toEqual({ name, paths: expect.arrayContaining([PROVENANCE_FILE]) });
        expect(pipeline[JOB.unitTests].artifacts.reports).toEqual({ junit: "report.xml" });
    });

    it("publishes the model to the package registry and links it from the release", () => {
        const base = "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/packages/generic/model/${CI_COMMIT_TAG}";
        expect(pipeline[JOB.releaseTrain].artifacts.paths).toEqual([PROVENANCE_FILE, "model/"]);
        expect(pipeline[JOB.publishModel].needs).toEqual([JOB.releaseTrain]);
        const publish = pipeline[JOB.publishModel].script.join("\n");
        expect(publish).toContain('headers={"JOB-TOKEN": os.environ["CI_JOB_TOKEN"]');
        expect(publish).toContain("/packages/generic/{package}/{tag}");
        expect(pipeline[JOB.release].release.tag_name).toBe("$CI_COMMIT_TAG");
        expect(pipeline[JOB.release].release.assets.links.map((l: { url: string }) => l.url)).toEqual([`${base}/model-\${CI_COMMIT_TAG}.tar.gz`, `${base}/${PROVENANCE_FILE}`]);
        expect(GLAB_IMAGE).toMatch(/^registry\.gitlab\.com\/gitlab-org\/cli:v\d+\.\d+\.\d+$/);
    });
});
