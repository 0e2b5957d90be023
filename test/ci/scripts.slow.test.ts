/**
 * The pipeline's shell scripts (infra/ci/scripts/), run for real with sh and git, with the
 * variables the generated jobs give them.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { buildBranchModel } from "../../infra/branch-model/branch-model";
import { JOB, PROVENANCE_FILE, staleBranchSchedule, teamPipeline } from "../../infra/ci/pipeline";
import { CI_SCRIPTS_DIR } from "../../infra/ci/scripts";
import { teamPipelineArgs } from "../../infra/team-environment";
import { stackConfig } from "../cluster/fixtures";
import { cleanEnv, git, onPath, runFile, tempDirs } from "../support/run-script";

const tmp = tempDirs("ml-team-env-scripts-");

const args = teamPipelineArgs(stackConfig("dev"));
const pipeline = parse(teamPipeline(args)) as Record<string, any>;
const script = (name: string) => path.join(CI_SCRIPTS_DIR, name);

/** Runs a script file with sh, with `env` over a clean environment. */
function sh(file: string, env: Record<string, string>, cwd = tmp.dir("cwd")) {
    return runFile("sh", file, cleanEnv(tmp.dir("home"), env), cwd);
}

describe("branch-name.sh, with the branch-name job's variables", () => {
    const vars = pipeline[JOB.branchName].variables as Record<string, string>;
    const check = (branch: string, extra: Record<string, string> = vars) => sh(script("branch-name.sh"), { ...extra, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch });

    it.each(["feature/add-resnet", "experiment/lr-0.01", "hotfix/x", "bugfix/y", "develop", "main", "cherry-pick-1a2b3c4d", "revert-0123abcd99"])("accepts %s", (branch) => {
        const run = check(branch);
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        expect(run.stdout).toContain(`'${branch}' follows`);
    });

    it.each(["Feature/X", "feature/", "feat/x", "experiment/UPPER", "random", "cherry-pick-xyz", "feature/a/b"])("rejects %s with the rule and the allowed prefixes", (branch) => {
        const run = check(branch);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(`'${branch}' breaks the team's branch naming rule`);
        expect(run.stderr).toContain("feature, experiment, hotfix, bugfix");
        expect(run.stderr).toContain(vars.ML_TEAM_ENV_BRANCH_RULE);
    });

    it("reads a configured slug pattern as the job writes it: ticket keys and nested names", () => {
        const model = buildBranchModel({ slugPattern: "[A-Z]+-[0-9]+(-[a-z0-9-]+)?|[a-z0-9._-]+(/[a-z0-9._-]+)*" });
        const custom = parse(teamPipeline({ ...args, model }))[JOB.branchName].variables;
        expect(check("feature/ML-123-fix-loader", custom).status).toBe(0);
        expect(check("feature/team/fix-loader", custom).status).toBe(0);
        expect(check("feature/ml-123", custom).status).toBe(0);
        expect(check("feature/ML-x", custom).status).toBe(1);
    });

    it("falls back to CI_COMMIT_BRANCH, and fails when there is no branch or no rule", () => {
        expect(sh(script("branch-name.sh"), { ...vars, CI_COMMIT_BRANCH: "feature/ok" }).status).toBe(0);
        expect(sh(script("branch-name.sh"), { ...vars, CI_COMMIT_BRANCH: "Nope" }).status).toBe(1);
        expect(sh(script("branch-name.sh"), vars).status).toBe(1);
        expect(sh(script("branch-name.sh"), { CI_COMMIT_BRANCH: "feature/ok" }).status).toBe(2);
    });

    it("is the text the job runs", () => {
        const item: string = pipeline[JOB.branchName].script[0];
        expect(item).toContain(fs.readFileSync(script("branch-name.sh"), "utf8"));
        const job = path.join(tmp.dir("job"), "job.sh");
        fs.writeFileSync(job, item);
        expect(sh(job, { ...vars, TMPDIR: tmp.dir("t"), CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "experiment/lr-0.01" }).status).toBe(0);
        expect(sh(job, { ...vars, TMPDIR: tmp.dir("t"), CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "Feature/X" }).status).toBe(1);
    });
});

describe("merge-target.sh, with the merge-target job's variables", () => {
    const vars = pipeline[JOB.mergeTarget].variables as Record<string, string>;
    const check = (source: string, target: string) => sh(script("merge-target.sh"), { ...vars, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: source, CI_MERGE_REQUEST_TARGET_BRANCH_NAME: target });

    it.each([
        ["feature/x", "develop", 0],
        ["experiment/lr", "develop", 0],
        ["bugfix/y", "develop", 0],
        ["hotfix/z", "main", 0],
        ["develop", "main", 0],
        ["main", "develop", 0],
        ["cherry-pick-1a2b3c4d", "develop", 0],
        // The package's own proposals, one into each long-lived branch.
        ["feature/ml-team-env-setup-main", "main", 0],
        ["feature/ml-team-env-setup-develop", "develop", 0],
        ["feature/x", "main", 1],
        ["hotfix/z", "develop", 1],
        ["experiment/lr", "main", 1],
    ] as const)("%s → %s exits %i", (source, target, code) => {
        const run = check(source, target);
        expect(run.status).toBe(code);
        if (code === 1) expect(run.stderr).toContain(`${source} → ${target} breaks the branch model`);
    });

    it("refuses to judge outside a merge request", () => {
        expect(sh(script("merge-target.sh"), vars).status).toBe(2);
    });
});

describe("provenance.sh", () => {
    const run = (env: Record<string, string>) => {
        const dir = tmp.dir("provenance");
        const result = sh(script("provenance.sh"), { ...pipeline.variables, CI_COMMIT_SHA: "a".repeat(40), CI_COMMIT_REF_NAME: 'feature/odd"name\\x', ...env }, dir);
        expect(result.status).toBe(0);
        return JSON.parse(fs.readFileSync(path.join(dir, PROVENANCE_FILE), "utf8"));
    };
    const digest = `sha256:${"d".repeat(64)}`;

    it("records the image the job ran in, with its digest when the reference pins one", () => {
        const p = run({ CI_JOB_IMAGE: `registry.example.com/team/environment:abc@${digest}`, CI_JOB_NAME: JOB.unitTests });
        expect(p).toMatchObject({ commit_sha: "a".repeat(40), ref_name: 'feature/odd"name\\x', job_name: JOB.unitTests, image: `registry.example.com/team/environment:abc@${digest}`, image_digest: digest });
    });

    it("says the digest is unknown for an image pinned by tag only, not the stack's digest", () => {
        expect(run({ CI_JOB_IMAGE: "registry.example.com/team/environment:abc", ML_TEAM_ENV_IMAGE_DIGEST: digest }).image_digest).toBeNull();
        // The stack's own image, pinned by digest in the pipeline's variables: that digest.
        expect(run({ CI_JOB_IMAGE: "r.example.com/x:1", ML_TEAM_ENV_IMAGE: "r.example.com/x:1", ML_TEAM_ENV_IMAGE_DIGEST: digest }).image_digest).toBe(digest);
    });
});

describe("release-check.sh", () => {
    /** A bare origin with main, and a feature branch whose commit never reached main; a clone of it. */
    function repos(shallow = false) {
        const dir = tmp.dir("release");
        const home = tmp.dir("home");
        const origin = path.join(dir, "origin.git");
        const work = path.join(dir, "work");
        git(dir, home, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
        git(dir, home, ["clone", "--quiet", origin, work]);
        git(work, home, ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "one"]);
        git(work, home, ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "two"]);
        const onMain = git(work, home, ["rev-parse", "HEAD"]);
        git(work, home, ["push", "--quiet", "origin", "main"]);
        git(work, home, ["switch", "--quiet", "-c", "feature/x"]);
        git(work, home, ["-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "unmerged"]);
        const offMain = git(work, home, ["rev-parse", "HEAD"]);
        git(work, home, ["push", "--quiet", "origin", "feature/x"]);
        // What a tag pipeline checks out: the tagged commit, possibly shallow, no branch.
        const job = path.join(dir, "job");
        git(dir, home, ["clone", "--quiet", ...(shallow ? ["--depth", "1", "--no-single-branch"] : []), `file://${origin}`, job]);
        return { home, job, onMain, offMain };
    }
    const check = (r: ReturnType<typeof repos>, tag: string, sha: string) => {
        git(r.job, r.home, ["checkout", "--quiet", "--detach", sha]);
        return runFile("sh", script("release-check.sh"), cleanEnv(r.home, { ...pipeline[JOB.releaseCheck].variables, CI_COMMIT_TAG: tag, CI_COMMIT_SHA: sha }), r.job);
    };

    // One full and one shallow clone serve every case: the script changes nothing in them.
    let full: ReturnType<typeof repos>;
    let shallow: ReturnType<typeof repos>;
    beforeAll(() => {
        full = repos();
        shallow = repos(true);
    });

    it.each(["v1.2.0", "v0.1.0", "v1.3.0-rc.1", "v2.0.0-beta"])("lets %s on main release", (tag) => {
        const r = full;
        const run = check(r, tag, r.onMain);
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        expect(run.stdout).toContain(`is version ${tag.slice(1)}, on main`);
    });

    it.each(["v1.2", "v01.2.0", "v1.2.0.1", "version-1"])("refuses %s: not a version", (tag) => {
        const r = full;
        const run = check(r, tag, r.onMain);
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(`tag '${tag}' is not a release version`);
        expect(run.stderr).toContain("Nothing was trained or published");
    });

    it("refuses a tag on a commit that is not on main, also from a shallow clone", () => {
        for (const r of [full, shallow]) {
            const run = check(r, "v1.2.0", r.offMain);
            expect(run.status).toBe(1);
            expect(run.stderr).toContain(`points at ${r.offMain}, which is not on main`);
        }
        expect(check(shallow, "v1.2.0", shallow.onMain).status).toBe(0);
    });
});

describe("stale-branches.sh", () => {
    const DAY = 86_400;
    const NOW = Date.UTC(2026, 10, 25) / 1000;
    const vars = pipeline[JOB.staleBranches].variables as Record<string, string>;

    /** A bare origin and a clone, with branches whose last commits are `daysAgo` old. */
    function repos(branches: Record<string, number>) {
        const dir = tmp.dir("repos");
        const home = tmp.dir("home");
        const origin = path.join(dir, "origin.git");
        const clone = path.join(dir, "clone");
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
        runFile("sh", script("stale-branches.sh"), cleanEnv(r.home, { ...vars, ML_TEAM_ENV_PUSH_URL: r.origin, STALE_NOW_EPOCH: String(NOW), ...env }), r.clone);
    const BRANCHES = { "experiment/old": 200, "experiment/fresh": 2, "experiment/lr-0.01": 89, "feature/old": 200 };

    it("archives then deletes only the stale experiment branch, and a second run changes nothing", () => {
        const r = repos(BRANCHES);
        const cloneRefsBefore = refs(r.clone, r.home);
        const result = run(r);
        expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
        expect(result.stdout).toContain("archived experiment/old as tag archive/experiment/old");
        const branches = git(r.origin, r.home, ["for-each-ref", "--format=%(refname:short)", "refs/heads/"]).split("\n").sort();
        expect(branches).toEqual(["experiment/fresh", "experiment/lr-0.01", "feature/old", "main"]);
        expect(git(r.origin, r.home, ["rev-parse", "archive/experiment/old^{commit}"])).toBe(r.heads["experiment/old"]);
        expect(git(r.origin, r.home, ["cat-file", "-t", "archive/experiment/old"])).toBe("tag");
        expect(git(r.origin, r.home, ["tag", "-l", "--format=%(contents)", "archive/experiment/old"])).toContain("Archived stale branch experiment/old: no commit for 200 days");
        expect(refs(r.clone, r.home)).toBe(cloneRefsBefore);
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
        expect(result.stdout).toContain("nothing was changed");
        expect([refs(r.origin, r.home), refs(r.clone, r.home)]).toEqual(before);
    });

    it("keeps an earlier archive tag of the same name and archives under the head's id", () => {
        const r = repos({ "experiment/lr-0.01": 120 });
        git(r.clone, r.home, ["push", "--quiet", r.origin, "main:refs/tags/archive/experiment/lr-0.01"]);
        const mainHead = git(r.clone, r.home, ["rev-parse", "main"]);
        expect(run(r).status).toBe(0);
        const short = r.heads["experiment/lr-0.01"]!.slice(0, 12);
        expect(git(r.origin, r.home, ["rev-parse", "archive/experiment/lr-0.01^{commit}"])).toBe(mainHead);
        expect(git(r.origin, r.home, ["rev-parse", `archive/experiment/lr-0.01-${short}^{commit}`])).toBe(r.heads["experiment/lr-0.01"]);
    });

    it("deletes nothing when the tag cannot be pushed, and fails so someone looks", () => {
        const r = repos({ "experiment/old": 200 });
        const hook = path.join(r.origin, "hooks", "pre-receive");
        fs.writeFileSync(hook, '#!/bin/sh\nwhile read -r old new ref; do case "$ref" in refs/tags/*) echo refused >&2; exit 1;; esac; done\n', { mode: 0o755 });
        const result = run(r);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("could not push tag archive/experiment/old; experiment/old is kept");
        expect(git(r.origin, r.home, ["rev-parse", "refs/heads/experiment/old"])).toBe(r.heads["experiment/old"]);
    });

    it("keeps a branch it may not delete (protected) and says so each week without failing the job", () => {
        const r = repos({ "experiment/old": 200 });
        // A pre-receive hook refusing branch deletions stands in for a protected branch.
        const hook = path.join(r.origin, "hooks", "pre-receive");
        fs.writeFileSync(hook, '#!/bin/sh\nwhile read -r old new ref; do case "$new,$ref" in 0000000000000000000000000000000000000000,refs/heads/*) echo protected >&2; exit 1;; esac; done\n', { mode: 0o755 });
        for (let week = 0; week < 2; week++) {
            const result = run(r);
            expect(result.status).toBe(0);
            expect(result.stderr).toContain("kept experiment/old: its archive tag archive/experiment/old is on the remote, but the branch could not be deleted");
        }
        expect(git(r.origin, r.home, ["rev-parse", "archive/experiment/old^{commit}"])).toBe(r.heads["experiment/old"]);
    });

    it("refuses malformed rules, and is the scheduled job's script with its schedule on main", () => {
        const r = repos({});
        expect(run(r, { ML_TEAM_ENV_STALE_RULES: "experiment:ninety" }).status).toBe(2);
        expect(run(r, { ML_TEAM_ENV_STALE_RULES: "" }).status).toBe(2);
        expect(vars).toMatchObject({ GIT_DEPTH: "0", STALE_DRY_RUN: "false", ML_TEAM_ENV_STALE_RULES: "experiment:90" });
        expect(pipeline[JOB.staleBranches].script[0]).toContain(fs.readFileSync(script("stale-branches.sh"), "utf8"));
        expect(staleBranchSchedule({ model: args.model, staleBranches: { dryRun: true } })).toEqual({ description: expect.stringMatching(/experiment\/\* after 90 days.*dry run/), cron: "0 3 * * 1", ref: "main" });
    });
});

describe("every shell script of the package", () => {
    const shellcheck = onPath("shellcheck");
    const files = [
        ...fs.readdirSync(CI_SCRIPTS_DIR).filter((f) => f.endsWith(".sh")).map((f) => path.join(CI_SCRIPTS_DIR, f)),
        ...["check-image-contract.sh", "check-requirements.sh"].map((f) => path.join(__dirname, "../../infra/environment/image", f)),
    ];
    if (!shellcheck) console.warn("SKIPPED: shellcheck of the package's shell scripts — shellcheck is not installed (apt-get install -y shellcheck).");
    (shellcheck ? it : it.skip)("passes shellcheck as POSIX sh", () => {
        const run = spawnSync("shellcheck", ["--shell=sh", ...files], { encoding: "utf8" });
        expect({ status: run.status, out: run.stdout }).toEqual({ status: 0, out: "" });
        expect(files.length).toBeGreaterThanOrEqual(8);
    });
});

describe("the Python scripts, when GitLab cannot be reached", () => {
    // Port 1 on loopback: nothing listens, so the connection is refused at once.
    const closed = "http://127.0.0.1:1";
    const python = (file: string, env: Record<string, string>, cwd: string) => runFile("python3", file, cleanEnv(tmp.dir("home"), { PATH: "/usr/bin:/bin", ...env }), cwd);

    it("register-model.py ends with one line naming the call and why, no traceback", () => {
        const cwd = tmp.dir("release");
        fs.mkdirSync(path.join(cwd, "model"));
        fs.writeFileSync(path.join(cwd, "model/model.pt"), "weights");
        const run = python(script("register-model.py"), {
            MLFLOW_TRACKING_URI: `${closed}/api/v4/projects/7/ml/mlflow`,
            MLFLOW_TRACKING_TOKEN: "glpat-test",
            CI_API_V4_URL: `${closed}/api/v4`,
            CI_PROJECT_ID: "7",
            CI_JOB_TOKEN: "job-token",
            CI_COMMIT_TAG: "v1.2.0",
            CI_COMMIT_SHA: "0123456789abcdef0123456789abcdef01234567",
            ML_TEAM_ENV_MODEL_NAME: "model",
            ML_TEAM_ENV_MODEL_PATHS: "model",
            ML_TEAM_ENV_RELEASE_PREFIX: "v",
        }, cwd);
        expect(run.status).toBe(1);
        expect(run.stderr).not.toContain("Traceback");
        expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^register-model: GET http:\/\/127\.0\.0\.1:1\/\S+\/registered-models\/get failed: .*refused.*; nothing more was published$/)]);
    });

    it("hotfix-backport.py ends with one line naming the call and why, no traceback", () => {
        const run = python(script("hotfix-backport.py"), {
            CI_API_V4_URL: `${closed}/api/v4`,
            CI_PROJECT_ID: "7",
            ML_TEAM_ENV_BOT_TOKEN: "glpat-test",
            CI_COMMIT_SHA: "0123456789abcdef0123456789abcdef01234567",
            ML_TEAM_ENV_HOTFIX_PREFIX: "hotfix",
            ML_TEAM_ENV_DEFAULT_BRANCH: "main",
            ML_TEAM_ENV_INTEGRATION_BRANCH: "develop",
        }, tmp.dir("backport"));
        expect(run.status).toBe(1);
        expect(run.stderr).not.toContain("Traceback");
        expect(run.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^hotfix-backport: GET repository\/commits\/\S+\/merge_requests failed: .*refused/)]);
    });
});
