/**
 * The emulator's GitLab MLflow API and model-package files, called as an MLflow client and a CI
 * release job call them: the answers GitLab's lib/api/ml sources give (always 200 on success,
 * MLflow error codes, DB column limits), who may call them (no CI job token on the MLflow API; a
 * job token as Bearer on the package files), and the starter's own tracking client run by python3.
 */
import { execFile, spawnSync } from "child_process";
import * as path from "path";
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";

const ROOT = path.join(__dirname, "..", "..");
const python = spawnSync("python3", ["-c", "import sys; assert sys.version_info >= (3, 9)"]).status === 0;
if (!python) console.warn("SKIPPED: the starter's MLflow client against the emulator — python3 (3.9 or later) is not on PATH.");

let em: GitLabEmulator;
let projectId: number;
let otherProjectId: number;
let bot: string;
let reporter: string;
let readOnly: string;

/** `method` on the project's MLflow API with `token` as Bearer (what MLflow clients send for MLFLOW_TRACKING_TOKEN). */
async function mlflow(token: string, method: "GET" | "POST", endpoint: string, body?: Record<string, unknown>, headers: Record<string, string> = {}, project = projectId) {
    const base = `${em.url}/api/v4/projects/${project}/ml/mlflow/api/2.0/mlflow/${endpoint}`;
    const url = method === "GET" && body ? `${base}?${new URLSearchParams(body as Record<string, string>)}` : base;
    const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    const res = await fetch(url, { method, headers: { "content-type": "application/json", ...auth, ...headers }, ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** A model-package file call, credentials given as headers. */
async function packageFile(method: "PUT" | "GET", versionId: number | string, file: string, headers: Record<string, string>, data?: Buffer, project = projectId) {
    const res = await fetch(`${em.url}/api/v4/projects/${project}/packages/ml_models/${versionId}/files/${file}`, { method, headers, ...(data ? { body: data } : {}) });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, bytes, json: res.headers.get("content-type")?.includes("json") ? JSON.parse(bytes.toString()) : null };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
    em = await startGitLabEmulator({ mode: "ee-premium" });
    const namespace_id = em.addGroup("ml-team");
    for (const u of ["alice", "rita", "olga"]) em.addUser(u);
    const created = await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "models", namespace_id });
    projectId = created.json.id;
    otherProjectId = (await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "other", namespace_id })).json.id;
    const p = em.state.projects.get(projectId)!;
    p.members.set([...em.state.users.values()].find((u) => u.username === "alice")!.id, Role.Maintainer);
    p.members.set([...em.state.users.values()].find((u) => u.username === "rita")!.id, Role.Reporter);
    // The bot: a project access token, as ProjectBotToken makes it.
    bot = (await gitlabRequest(em.url, em.adminToken, "POST", `/projects/${projectId}/access_tokens`, { name: "ml-team-env-bot", scopes: ["api"], access_level: 30 })).json.token;
    reporter = em.addToken("rita", ["api"]);
    readOnly = em.addToken("alice", ["read_api"]);
});
afterAll(() => em?.close());

describe("GitLab's MLflow API in the emulator", () => {
    it("tracks a run the way an MLflow client does, answering 200 to every success", async () => {
        expect(await mlflow(bot, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).toEqual({ status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } });
        const created = await mlflow(bot, "POST", "experiments/create", { name: "smoke" });
        expect(created).toEqual({ status: 200, json: { experiment_id: expect.stringMatching(/^\d+$/) } });
        expect(await mlflow(bot, "POST", "experiments/create", { name: "smoke" })).toEqual({ status: 400, json: { error_code: "RESOURCE_ALREADY_EXISTS" } });
        const experiment = (await mlflow(bot, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).json.experiment;
        expect(experiment).toMatchObject({ experiment_id: created.json.experiment_id, name: "smoke", lifecycle_stage: "active" });

        const run = await mlflow(bot, "POST", "runs/create", { experiment_id: experiment.experiment_id, run_name: "smoke-abc", start_time: 1000, tags: [{ key: "git.commit", value: "abc" }] });
        expect(run.status).toBe(200);
        const info = run.json.run.info;
        expect(info).toMatchObject({ experiment_id: experiment.experiment_id, run_name: "smoke-abc", status: "RUNNING", start_time: 1000, run_uuid: info.run_id });
        expect(info.run_id).toMatch(/^[0-9a-f-]{36}$/);
        const batch = { run_id: info.run_id, metrics: [{ key: "loss", value: 0.5, timestamp: 1001, step: 1 }], params: [{ key: "lr", value: "0.01" }] };
        expect(await mlflow(bot, "POST", "runs/log-batch", batch)).toEqual({ status: 200, json: {} });
        // A param logged again keeps its first value (insert_all ... ON CONFLICT DO NOTHING).
        await mlflow(bot, "POST", "runs/log-batch", { run_id: info.run_id, params: [{ key: "lr", value: "9" }] });
        const finished = await mlflow(bot, "POST", "runs/update", { run_id: info.run_id, status: "FINISHED", end_time: 2000 });
        expect(finished.json.run_info).toMatchObject({ status: "FINISHED", end_time: 2000 });
        expect((await mlflow(bot, "POST", "runs/update", { run_id: info.run_id, status: "DONE" })).status).toBe(400);
        const got = (await mlflow(bot, "GET", "runs/get", { run_id: info.run_id })).json.run;
        expect(got.data).toEqual({ metrics: [{ key: "loss", value: 0.5, timestamp: 1001, step: 1 }], params: [{ key: "lr", value: "0.01" }], tags: [{ key: "git.commit", value: "abc" }] });
        expect((await mlflow(bot, "GET", "runs/get", { run_id: "no-such-run" })).json).toEqual({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    });

    it("keeps GitLab's column limits: a param over 250 characters fails its batch after the metrics, a null tag value fails after the run exists", async () => {
        const experiment_id = (await mlflow(bot, "POST", "experiments/create", { name: "limits" })).json.experiment_id;
        const run_id = (await mlflow(bot, "POST", "runs/create", { experiment_id })).json.run.info.run_id;
        const long = await mlflow(bot, "POST", "runs/log-batch", { run_id, metrics: [{ key: "loss", value: 1, timestamp: 1 }], params: [{ key: "config.path", value: "x".repeat(251) }] });
        expect(long.status).toBe(400);
        expect(long.json.error_code).toBe("INVALID_PARAMETER_VALUE");
        const record = () => em.ml(projectId).experiments.find((e) => e.name === "limits")!.runs;
        expect(record()[0]!.metrics).toHaveLength(1);
        expect(record()[0]!.params).toEqual({});
        const nullTag = await mlflow(bot, "POST", "runs/create", { experiment_id, tags: [{ key: "image.digest", value: null }] });
        expect(nullTag.json.error_code).toBe("INVALID_PARAMETER_VALUE");
        expect(record()).toHaveLength(2);
        expect((await mlflow(bot, "POST", "runs/log-batch", { run_id, metrics: [{ key: "loss", value: 1 }] })).json).toEqual({ error: "metrics[0][timestamp] is missing" });
    });

    it("links a run to its CI job by gitlab.CI_JOB_ID, and an unknown job is GitLab's 500", async () => {
        const experiment_id = (await mlflow(bot, "POST", "experiments/create", { name: "ci" })).json.experiment_id;
        const { jobId } = em.addJobToken(projectId, "alice");
        const linked = await mlflow(bot, "POST", "runs/create", { experiment_id, tags: [{ key: "gitlab.CI_JOB_ID", value: String(jobId) }] });
        expect(linked.status).toBe(200);
        expect(em.ml(projectId).experiments.find((e) => e.name === "ci")!.runs[0]!.ciJobId).toBe(jobId);
        expect((await mlflow(bot, "POST", "runs/create", { experiment_id, tags: [{ key: "gitlab.CI_JOB_ID", value: "999999" }] })).status).toBe(500);
    });

    it("reads need Guest, writes Developer, a write token; a CI job token is refused as Bearer or JOB-TOKEN", async () => {
        expect((await mlflow(reporter, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).status).toBe(200);
        expect(await mlflow(reporter, "POST", "experiments/create", { name: "by-reporter" })).toEqual({ status: 401, json: { message: "401 Unauthorized" } });
        expect((await mlflow(readOnly, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).status).toBe(200);
        expect((await mlflow(readOnly, "POST", "experiments/create", { name: "read-only" })).json.error).toBe("insufficient_scope");
        const outsider = em.addToken("olga", ["api"]);
        expect((await mlflow(outsider, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).status).toBe(404);

        const { token: job } = em.addJobToken(projectId, "alice");
        expect(await mlflow(job, "GET", "experiments/get-by-name", { experiment_name: "smoke" })).toEqual({ status: 401, json: { message: "401 Unauthorized" } });
        expect((await mlflow("", "POST", "experiments/create", { name: "by-job" }, { "JOB-TOKEN": job })).status).toBe(401);
        expect(em.ml(projectId).experiments.map((e) => e.name)).not.toContain("by-job");
    });

    it("registers model version 1.2.0 once, stores its files uploaded with the release job's token, and serves them back", async () => {
        const model = await mlflow(bot, "POST", "registered-models/create", { name: "classifier", description: "small CNN" });
        expect(model.json.registered_model).toMatchObject({ name: "classifier", description: "small CNN", latest_versions: [] });
        expect((await mlflow(bot, "POST", "registered-models/create", { name: "classifier" })).json).toEqual({ error_code: "RESOURCE_ALREADY_EXISTS" });
        const tags = [
            { key: "gitlab.version", value: "1.2.0" },
            { key: "git.commit", value: "abc123" },
        ];
        const created = await mlflow(bot, "POST", "model-versions/create", { name: "classifier", description: "v1.2.0", tags });
        expect(created.status).toBe(200);
        const mv = created.json.model_version;
        // The MLflow `version` is GitLab's model-version id; the semantic version is the alias.
        expect(mv).toMatchObject({ name: "classifier", aliases: ["1.2.0"], status: "READY", description: "v1.2.0", tags });
        expect(mv.version).toMatch(/^\d+$/);
        expect(mv.version).not.toBe("1.2.0");
        expect(await mlflow(bot, "POST", "model-versions/create", { name: "classifier", tags })).toEqual({ status: 400, json: { error_code: "INVALID_PARAMETER_VALUE", message: ["Version has already been taken"] } });
        for (const bad of ["v1.2.0", "1.2", "1.2.0.1"]) {
            expect((await mlflow(bot, "POST", "model-versions/create", { name: "classifier", tags: [{ key: "gitlab.version", value: bad }] })).json).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: ["Version must be semantic version"] });
        }
        expect((await mlflow(bot, "GET", "model-versions/get", { name: "classifier", version: "1.2.0" })).json.model_version.version).toBe(mv.version);
        expect((await mlflow(bot, "GET", "model-versions/get", { name: "classifier", version: "9.9.9" })).status).toBe(404);

        const weights = Buffer.from([0, 1, 2, 250, 251, 252]);
        const job = em.addJobToken(projectId, "alice");
        expect(await packageFile("PUT", mv.version, "model.pt", bearer(job.token), weights)).toMatchObject({ status: 201, json: { message: "201 Created" } });
        expect((await packageFile("PUT", mv.version, "checkpoints/provenance.json", bearer(job.token), Buffer.from("{}"))).status).toBe(201);
        // Only `Authorization: Bearer` carries credentials here: JOB-TOKEN and PRIVATE-TOKEN headers are not read.
        expect((await packageFile("PUT", mv.version, "model.pt", { "JOB-TOKEN": job.token }, weights)).status).toBe(401);
        expect((await packageFile("PUT", mv.version, "model.pt", { "PRIVATE-TOKEN": em.adminToken }, weights)).status).toBe(401);
        expect((await packageFile("PUT", mv.version, "model.pt", bearer(reporter), weights)).status).toBe(403);
        // Gitlab::Regex.ml_model_file_name_regex.
        expect((await packageFile("PUT", mv.version, "model$.pt", bearer(job.token), weights)).json).toEqual({ error: "file_name is invalid" });
        expect((await packageFile("PUT", 987654, "model.pt", bearer(job.token), weights)).status).toBe(404);
        // A job token works for its own project only, and only while its job runs.
        expect((await packageFile("GET", mv.version, "model.pt", bearer(job.token), undefined, otherProjectId)).status).toBe(404);
        em.finishJob(job.jobId);
        expect((await packageFile("PUT", mv.version, "late.pt", bearer(job.token), weights)).status).toBe(401);

        const download = await packageFile("GET", mv.version, "model.pt", bearer(bot));
        expect(download.status).toBe(200);
        expect(download.bytes.equals(weights)).toBe(true);
        const version = em.ml(projectId).models.find((m) => m.name === "classifier")!.versions[0]!;
        expect(version).toMatchObject({ version: "1.2.0", tags: { "gitlab.version": "1.2.0", "git.commit": "abc123" }, runId: mv.run_id });
        expect(Object.keys(version.files).sort()).toEqual(["checkpoints/provenance.json", "model.pt"]);
        expect(version.uploadedByJobs).toEqual([job.jobId, job.jobId]);
    });
});

(python ? describe : describe.skip)("the starter's MLflow client (python3) against the emulator", () => {
    const run = (token: string, experiment: string) =>
        new Promise<{ summary: { enabled: boolean; run_id?: string; reason?: string }; stderr: string }>((resolve, reject) => {
            const args = [
                path.join(ROOT, "test", "support", "track_run.py"),
                path.join(ROOT, "infra", "team-repo", "starter"),
                experiment,
                "smoke-abc12345",
                JSON.stringify({ seed: 7, optimizer: { lr: 0.01, momentum: 0.9 }, data: { batch_size: 32 } }),
                JSON.stringify({ "git.commit": "abc12345", "git.branch": "feature/tracking", "ci.CI_PIPELINE_URL": "https://gitlab.example.com/p/-/pipelines/1" }),
                "3",
            ];
            const env = { PATH: process.env.PATH ?? "", PYTHONDONTWRITEBYTECODE: "1", MLFLOW_TRACKING_URI: `${em.url}/api/v4/projects/${projectId}/ml/mlflow`, MLFLOW_TRACKING_TOKEN: token };
            // Asynchronous: the emulator answering it lives in this process.
            execFile("python3", args, { env, encoding: "utf8", timeout: 30_000 }, (error, stdout, stderr) => {
                if (error) reject(new Error(`${error.message}\n${stderr}`));
                else resolve({ summary: JSON.parse(stdout.trim().split("\n").pop()!), stderr });
            });
        });

    it("records the run's params, metrics and tags in the project's experiment, with the bot token", async () => {
        const { summary } = await run(bot, "feature-tracking");
        expect(summary).toMatchObject({ enabled: true });
        const experiment = em.ml(projectId).experiments.find((e) => e.name === "feature-tracking")!;
        expect(experiment.runs).toHaveLength(1);
        const recorded = experiment.runs[0]!;
        expect(recorded).toMatchObject({ runId: summary.run_id, name: "smoke-abc12345", status: "FINISHED" });
        expect(recorded.params).toEqual({ seed: "7", "optimizer.lr": "0.01", "optimizer.momentum": "0.9", "data.batch_size": "32" });
        expect(recorded.tags).toEqual({ "git.commit": "abc12345", "git.branch": "feature/tracking", "ci.CI_PIPELINE_URL": "https://gitlab.example.com/p/-/pipelines/1" });
        expect(recorded.metrics.filter((m) => m.key === "loss").map((m) => [m.step, m.value])).toEqual([
            [0, 1],
            [1, 0.5],
            [2, 1 / 3],
        ]);
        expect(recorded.metrics.find((m) => m.key === "final_loss")).toMatchObject({ step: 3 });
    });

    it("with a CI job token the run still completes, tracking off with GitLab's 401, and nothing is recorded", async () => {
        const { token } = em.addJobToken(projectId, "alice");
        const { summary, stderr } = await run(token, "with-job-token");
        expect(summary.enabled).toBe(false);
        expect(summary.reason).toMatch(/HTTP 401/);
        expect(stderr).toMatch(/tracking: .* failed .*training goes on/);
        expect(em.ml(projectId).experiments.map((e) => e.name)).not.toContain("with-job-token");
    });
});
