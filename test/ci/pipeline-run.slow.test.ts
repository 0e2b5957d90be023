/**
 * The team's workflow, run for real: the repository the package creates (its pipeline, image
 * definition and starter project) in real git, the generated pipeline's jobs executed by
 * gitlab-ci-local's shell executor with this machine's PyTorch standing in for the image, and
 * the GitLab emulator as the project (tracking, model registry, merge requests). One event of
 * the branch workflow per test, in order: the package's first merge request, a feature merge
 * request into develop, an experiment, releases on and off main, a hotfix, the weekly clean-up.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { IMAGE_JOB } from "../../infra/ci/image-jobs";
import { JOB, teamPipeline } from "../../infra/ci/pipeline";
import { TeamConfig } from "../../infra/config/validate";
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";
import { gitlabCiLocal, ignorePredefined, Run, variableArgs } from "../support/gitlab-ci-local";
import { onPath, tempDirs } from "../support/run-script";
import { imageStandIn, jobEnv, newTeamRepo, TeamRepo, torchPython } from "../support/team-repo";
import { teamPipelineArgs } from "../../infra/team-environment";
import { teamRepositoryFiles } from "../../infra/team-repo/team-files";
import { stackConfig } from "../cluster/fixtures";

const python = torchPython();
const why = typeof python !== "string" ? python.missing : !onPath("rsync") ? "rsync is not installed (apt-get install -y rsync): gitlab-ci-local's shell executor copies the checkout with it" : undefined;
if (why) console.warn(`SKIPPED: the team workflow under gitlab-ci-local — ${why}.`);
const describeRun = why ? describe.skip : describe;

/** The dev stack with the team's own image pinned (not the bootstrap one) and a short release training. */
function teamConfig(): TeamConfig {
    return stackConfig("dev", (yaml) => {
        const doc = parseDocument(yaml);
        doc.setIn(["config", "ml-team-env:environment", "image"], `registry.gitlab.com/ml-team/vision-models/environment:main@sha256:${"e".repeat(64)}`);
        doc.setIn(["config", "ml-team-env:ci", "releaseTrain"], "python train.py --output model/ --set train.steps=40");
        doc.setIn(["config", "ml-team-env:ci", "experimentTrain"], "python train.py --set train.steps=30");
        return doc.toString();
    });
}

describeRun("the branch workflow, run", () => {
    const tmp = tempDirs("ml-team-env-workflow-");
    const config = teamConfig();
    const pipelineText = teamPipeline(teamPipelineArgs(config));
    const files = teamRepositoryFiles(config, pipelineText);
    let em: GitLabEmulator;
    let projectId: number;
    let bot: string;
    let repo: TeamRepo;
    let bin: string;

    beforeAll(async () => {
        em = await startGitLabEmulator({ mode: "ee-free" });
        const namespace_id = em.addGroup("ml-team");
        em.addUser("alice");
        projectId = (await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "vision-models", namespace_id })).json.id;
        em.state.projects.get(projectId)!.members.set([...em.state.users.values()].find((u) => u.username === "alice")!.id, Role.Maintainer);
        bot = (await gitlabRequest(em.url, em.adminToken, "POST", `/projects/${projectId}/access_tokens`, { name: "ml-team-env-bot", scopes: ["api"], access_level: 30 })).json.token;
        const dir = tmp.dir("team");
        repo = newTeamRepo(dir);
        bin = imageStandIn(dir, python as string);
    });
    afterAll(async () => {
        await em?.close();
    });

    /** What GitLab sets for a job of this project, plus the pipeline source. */
    function ciVariables(source: Record<string, string>): string[] {
        const { token } = em.addJobToken(projectId, "alice");
        const vars: Record<string, string> = {
            CI_API_V4_URL: `${em.url}/api/v4`,
            CI_PROJECT_ID: String(projectId),
            CI_PROJECT_PATH: "ml-team/vision-models",
            CI_PROJECT_URL: `${em.url}/ml-team/vision-models`,
            CI_JOB_TOKEN: token,
            // The masked project variable the bot token lives in.
            ML_TEAM_ENV_BOT_TOKEN: bot,
            ...source,
        };
        return variableArgs(vars);
    }
    const PREDEFINED = ignorePredefined(["CI_PIPELINE_SOURCE", "CI_COMMIT_BRANCH", "CI_COMMIT_TAG", "CI_API_V4_URL", "CI_PROJECT_ID", "CI_PROJECT_PATH", "CI_PROJECT_URL", "CI_JOB_TOKEN", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]);

    /** Runs `jobs` of the pipeline for a source, in the working clone as it stands. */
    async function run(source: Record<string, string>, jobs: readonly string[], extra: readonly string[] = []): Promise<Run & { results: Record<string, "PASS" | "FAIL"> }> {
        const unset = "CI_COMMIT_BRANCH" in source || !("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" in source || "CI_COMMIT_TAG" in source) ? [] : ["--unset-variable", "CI_COMMIT_BRANCH"];
        const r = await gitlabCiLocal(repo.work, ["--force-shell-executor", ...ciVariables(source), ...unset, ...PREDEFINED, ...extra, ...jobs], { env: jobEnv(repo, bin), timeoutMs: 900_000 });
        const results: Record<string, "PASS" | "FAIL"> = {};
        for (const m of r.stdout.matchAll(/^ (PASS|FAIL) {2}(\S+)/gm)) results[m[2]!] = m[1] as "PASS" | "FAIL";
        return { ...r, results };
    }
    /** The jobs the pipeline holds for a source, with `changes` judged against origin/main as gitlab-ci-local does. */
    async function listed(source: Record<string, string>): Promise<string[]> {
        const r = await gitlabCiLocal(repo.work, ["--list-json", "--no-json-schema-validation", ...ciVariables(source), ...PREDEFINED]);
        if (r.code !== 0) throw new Error(r.stderr);
        return (JSON.parse(r.stdout) as { name: string; when: string }[]).filter((j) => j.when !== "never").map((j) => j.name).sort();
    }
    const artifact = (job: string, file: string) => JSON.parse(fs.readFileSync(path.join(repo.work, ".gitlab-ci-local/artifacts", job, file), "utf8"));
    const mr = (source: string, target: string) => ({ CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: source, CI_MERGE_REQUEST_TARGET_BRANCH_NAME: target });
    const push = (branch: string) => ({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: branch });
    const CHECKS = [JOB.branchName, JOB.mergeTarget, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain];

    it("the package's first merge request into main goes green: naming, target, lint, tests and a tracked smoke run", async () => {
        repo.git("switch", "--quiet", "-c", "feature/ml-team-env-setup-main");
        repo.write(files);
        const setup = repo.commit("ml-team-env: the team's pipeline and starter project");
        repo.git("push", "--quiet", "origin", "HEAD");
        // It changes the image definition: the pipeline builds and checks the image too.
        expect(await listed(mr("feature/ml-team-env-setup-main", "main"))).toEqual([...CHECKS, IMAGE_JOB.build, IMAGE_JOB.contract, IMAGE_JOB.contractGpu].sort());
        // Every job but the image build (which needs a registry: tested on its own) runs.
        const r = await run(mr("feature/ml-team-env-setup-main", "main"), CHECKS);
        expect({ code: r.code, results: r.results }).toEqual({ code: 0, results: Object.fromEntries(CHECKS.map((j) => [j, "PASS"])) });
        // The smoke run is in the project's model experiments, with its commit and branch.
        const runs = em.ml(projectId).experiments.find((e) => e.name === "smoke")!.runs;
        expect(runs).toHaveLength(1);
        expect(runs[0]!.tags).toMatchObject({ "git.commit": setup, "git.branch": "feature/ml-team-env-setup-main", "image.digest": `sha256:${"e".repeat(64)}` });
        expect(runs[0]!.params).toMatchObject({ seed: "1234", "optimizer.lr": "0.01", "smoke.steps": "200" });
        expect(runs[0]!.metrics.map((m) => m.key)).toEqual(expect.arrayContaining(["loss", "batch_accuracy", "final_loss"]));
        expect(runs[0]!.status).toBe("FINISHED");
        expect(artifact(JOB.smokeTrain, "run.json")).toMatchObject({ commit: setup, branch: "feature/ml-team-env-setup-main", dirty: false, tracking: { enabled: true } });
        // The merge: main and develop hold the files (develop through its own merge request).
        repo.git("push", "--quiet", "origin", "HEAD:main", "HEAD:refs/heads/develop");
    });

    it("two smoke runs at one commit give bit-identical weights", async () => {
        const first = artifact(JOB.smokeTrain, "run.json").result.weights_digest;
        const r = await run(mr("feature/ml-team-env-setup-main", "main"), [JOB.smokeTrain]);
        expect(r.results[JOB.smokeTrain]).toBe("PASS");
        expect(artifact(JOB.smokeTrain, "run.json").result.weights_digest).toBe(first);
    });

    it("a feature merge request into develop: the checks and a tracked smoke run, no image build", async () => {
        repo.git("fetch", "--quiet", "origin");
        repo.git("switch", "--quiet", "-c", "feature/wider-model", "origin/develop");
        repo.write([{ path: "config/train.toml", content: fs.readFileSync(path.join(repo.work, "config/train.toml"), "utf8").replace("channels = 16", "channels = 24") }]);
        repo.commit("feature: a wider model");
        expect(await listed(mr("feature/wider-model", "develop"))).toEqual([...CHECKS].sort());
        const r = await run(mr("feature/wider-model", "develop"), CHECKS);
        expect(r.results).toEqual(Object.fromEntries(CHECKS.map((j) => [j, "PASS"])));
        const smoke = em.ml(projectId).experiments.find((e) => e.name === "smoke")!.runs;
        expect(smoke[smoke.length - 1]!.tags["git.branch"]).toBe("feature/wider-model");
        expect(smoke[smoke.length - 1]!.params["model.channels"]).toBe("24");
    });

    it("a merge request that changes requirements.txt builds and checks the image; one into main from a feature branch is refused", async () => {
        repo.git("switch", "--quiet", "-c", "feature/add-pandas", "origin/develop");
        repo.write([{ path: "requirements.txt", content: `${fs.readFileSync(path.join(repo.work, "requirements.txt"), "utf8")}pandas==2.3.3\n` }]);
        repo.commit("feature: pandas in the image");
        expect(await listed(mr("feature/add-pandas", "develop"))).toEqual(expect.arrayContaining([IMAGE_JOB.build, IMAGE_JOB.contract, IMAGE_JOB.contractGpu]));
        const wrong = await run(mr("feature/add-pandas", "main"), [JOB.mergeTarget]);
        expect(wrong.results[JOB.mergeTarget]).toBe("FAIL");
        expect(wrong.stdout).toContain("feature/add-pandas → main breaks the branch model: feature/* merges into develop");
    });

    it("develop and main run the checks on every push", async () => {
        repo.git("switch", "--quiet", "--detach", "origin/develop");
        const d = await run(push("develop"), [JOB.styleCheck, JOB.unitTests, JOB.smokeTrain]);
        expect(d.results).toEqual({ [JOB.styleCheck]: "PASS", [JOB.unitTests]: "PASS", [JOB.smokeTrain]: "PASS" });
        repo.git("switch", "--quiet", "--detach", "origin/main");
        const m = await run(push("main"), [JOB.styleCheck, JOB.unitTests, JOB.smokeTrain]);
        expect(m.results).toEqual({ [JOB.styleCheck]: "PASS", [JOB.unitTests]: "PASS", [JOB.smokeTrain]: "PASS" });
    });

    it("an experiment branch offers GPU training on demand, tracked under the branch's name", async () => {
        repo.git("switch", "--quiet", "-c", "experiment/lr-1e4-20261204", "origin/develop");
        repo.write([{ path: "config/train.toml", content: fs.readFileSync(path.join(repo.work, "config/train.toml"), "utf8").replace("lr = 0.01", "lr = 0.0001") }]);
        repo.commit("experiment: lr 1e-4");
        expect(await listed(push("experiment/lr-1e4-20261204"))).toEqual([JOB.experimentSmoke, JOB.experimentTrain].sort());
        const r = await run(push("experiment/lr-1e4-20261204"), [JOB.experimentTrain], ["--manual", JOB.experimentTrain]);
        expect(r.results[JOB.experimentTrain]).toBe("PASS");
        const exp = em.ml(projectId).experiments.find((e) => e.name === "experiment/lr-1e4-20261204")!;
        expect(exp.runs[0]!.params["optimizer.lr"]).toBe("0.0001");
        expect(exp.runs[0]!.params["train.steps"]).toBe("30");
    });

    it("a tag on a commit that is not on main publishes nothing; nor does a tag that is not a version", async () => {
        // A commit that never went through a merge request into main.
        repo.git("switch", "--quiet", "-c", "feature/unmerged", "origin/main");
        repo.write([{ path: "notes.md", content: "not reviewed\n" }]);
        repo.commit("feature: unreviewed");
        for (const tag of ["v1.3.0", "v1.2"]) {
            const r = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: tag }, [JOB.releaseCheck, JOB.unitTests, JOB.releaseModel, IMAGE_JOB.publish]);
            expect({ tag, check: r.results[JOB.releaseCheck], out: r.results[JOB.releaseCheck] ? "" : r.stdout + r.stderr }).toEqual({ tag, check: "FAIL", out: "" });
            // Nothing of a later stage runs: no model, and the image gets no version name.
            expect({ model: r.results[JOB.releaseModel], image: r.results[IMAGE_JOB.publish] }).toEqual({ model: undefined, image: undefined });
        }
        expect(em.ml(projectId).models).toEqual([]);
    });

    it("v1.2.0 on main: tests, then model version 1.2.0 trained and registered with its files, bound to the commit; a re-run makes no second version", async () => {
        repo.git("switch", "--quiet", "--detach", "origin/main");
        const sha = repo.git("rev-parse", "HEAD");
        const jobs = [JOB.releaseCheck, JOB.unitTests, JOB.releaseModel, JOB.release];
        const r = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.0" }, jobs);
        expect(r.results).toEqual(Object.fromEntries(jobs.map((j) => [j, "PASS"])));
        const model = em.ml(projectId).models.find((m) => m.name === config.ci.modelName)!;
        expect(model.versions.map((v) => v.version)).toEqual(["1.2.0"]);
        const version = model.versions[0]!;
        // Bound to the commit and to the image the training ran in (the stand-in's CI_JOB_IMAGE here).
        expect(version.tags).toMatchObject({ "git.commit": sha, "git.tag": "v1.2.0", image: expect.stringMatching(/\S/), "image.digest": expect.any(String) });
        expect(version.tags.image).toBe(artifact(JOB.releaseModel, "run.json").image);
        expect(Object.keys(version.files).sort()).toEqual(["model/config.toml", "model/model.pt", "model/run.json"]);
        expect(artifact(JOB.releaseModel, "provenance.json").published).toMatchObject({ model: config.ci.modelName, version: "1.2.0" });
        // The release job's re-run (say, after a failed upload) completes the same version.
        const again = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.0" }, [JOB.releaseModel]);
        expect(again.results[JOB.releaseModel]).toBe("PASS");
        expect(again.stdout).toContain(`${config.ci.modelName} 1.2.0 exists (this commit)`);
        expect(em.ml(projectId).models.find((m) => m.name === config.ci.modelName)!.versions).toHaveLength(1);
    });

    it("a hotfix merged into main opens its way back into develop, once", async () => {
        repo.git("switch", "--quiet", "-c", "hotfix/fix-nan-loss", "origin/main");
        repo.write([{ path: "mlteam/model.py", content: fs.readFileSync(path.join(repo.work, "mlteam/model.py"), "utf8").replace("nn.ReLU(),\n            nn.Conv2d", "nn.ReLU(),\n            nn.Conv2d") + "\n# hotfix\n" }]);
        repo.commit("hotfix: guard the loss");
        repo.git("switch", "--quiet", "--detach", "origin/main");
        repo.git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'hotfix/fix-nan-loss' into 'main'", "hotfix/fix-nan-loss");
        const merge = repo.git("rev-parse", "HEAD");
        repo.git("push", "--quiet", "origin", "HEAD:main");
        const p = em.state.projects.get(projectId)!;
        p.mergeRequests.push({ id: 90_000 + p.mergeRequests.length, iid: p.mergeRequests.length + 1, state: "merged", source_branch: "hotfix/fix-nan-loss", target_branch: "main", title: "Fix NaN loss", web_url: `${em.url}/ml-team/vision-models/-/merge_requests/${p.mergeRequests.length + 1}`, merge_commit_sha: merge });
        expect(await listed(push("main"))).toContain(JOB.hotfixBackport);
        for (let i = 0; i < 2; i++) {
            const r = await run({ ...push("main"), CI_COMMIT_SHA: merge }, [JOB.hotfixBackport]);
            expect(r.results[JOB.hotfixBackport]).toBe("PASS");
        }
        const back = p.mergeRequests.filter((m) => m.source_branch === "main" && m.target_branch === "develop");
        expect(back).toHaveLength(1);
        expect(back[0]).toMatchObject({ state: "opened", title: expect.stringContaining("Back-merge hotfix/fix-nan-loss") });
    });

    it("the weekly schedule archives a stale experiment and deletes it", async () => {
        repo.git("switch", "--quiet", "-c", "experiment/old-idea", "origin/develop");
        repo.write([{ path: "notes.md", content: "an old idea\n" }]);
        repo.commit("experiment: an idea nobody came back to");
        repo.git("push", "--quiet", "origin", "HEAD");
        repo.git("switch", "--quiet", "--detach", "origin/main");
        // "Now" is 100 days on: the branch's last commit is past experiment/*'s 90 days.
        const now = Math.floor(Date.now() / 1000) + 100 * 86400;
        const r = await run({ CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", ML_TEAM_ENV_PUSH_URL: repo.origin, STALE_NOW_EPOCH: String(now) }, [JOB.staleBranches]);
        expect(r.results[JOB.staleBranches]).toBe("PASS");
        const heads = repo.git("ls-remote", "--heads", "origin").split("\n").map((l) => l.split("\trefs/heads/")[1]);
        expect(heads).not.toContain("experiment/old-idea");
        expect(repo.git("ls-remote", "--tags", "origin")).toContain("refs/tags/archive/experiment/old-idea");
    });
});
