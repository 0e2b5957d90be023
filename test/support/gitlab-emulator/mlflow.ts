/**
 * GitLab's MLflow-compatible API at /projects/:id/ml/mlflow/api/2.0/mlflow/ (lib/api/ml/mlflow/*.rb),
 * the calls an MLflow client makes to track runs and register model versions. Every tier and both
 * editions serve it. Like GitLab, it authenticates personal and project access tokens only: the
 * routes set no `job_token_allowed`, so a CI job token is a 401 (see access-tokens.ts).
 */
import { randomUUID } from "crypto";
import type { EmulatorCore, RequestContext } from "./index";
import { CandidateState, ExperimentState, invalidParameter, KeyValue, MlProjectState, MlRecord, mlRecordOf, mlStateOf, ModelState, ModelVersionState, resourceAlreadyExists, resourceNotFound, SEMVER } from "./ml-state";
import { HttpError, paramError, projectByRef, ProjectState, Role } from "./model";

const PREFIX = "/projects/:id/ml/mlflow/api/2.0/mlflow/";
/** Ml::Candidate.statuses, upcased (lib/api/ml/mlflow/runs.rb `update`'s `values:`). */
const STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
/** Ml::Model name: Gitlab::Regex.ml_model_name_regex = package_name_regex (lib/gitlab/regex/packages.rb), at most 255. */
const MODEL_NAME = /^@?(?:[\w\-.+]*\/)*[\w\-.]+@?(?:[\w\-.+]*\/)*[\w\-.]*$/;
/** Ml::Model::EXPERIMENT_NAME_PREFIX: a model's runs live in the experiment `[model]<name>`. */
const MODEL_EXPERIMENT_PREFIX = "[model]";

/** A key/value list as the MLflow client sends it (tags, params): `[{key, value}]`. */
const pairs = (v: unknown): { key: unknown; value: unknown }[] => (Array.isArray(v) ? (v as { key: unknown; value: unknown }[]) : []);

/**
 * Rows inserted with `insert_all` (CandidateRepository#insert_many, ExperimentRepository#add_tags):
 * no model validations, but the columns' NOT NULL and text limits still hold (db/migrate
 * create_ml_candidate_params: name and value 250; ml_candidate_metadata: name 255, value 5000), and a
 * violation is an ActiveRecord error the entrypoint answers with INVALID_PARAMETER_VALUE. A key
 * already present is skipped (ON CONFLICT DO NOTHING): the first value stays.
 */
function insertAll(target: KeyValue[], rows: { key: unknown; value: unknown }[], limits: { name: number; value: number }): void {
    for (const r of rows) {
        if (typeof r.key !== "string" || r.key.length > limits.name) throw invalidParameter(`PG::CheckViolation: name of '${String(r.key).slice(0, 40)}' breaks the column's NOT NULL or ${limits.name}-character limit`);
        if (r.value === null || r.value === undefined || String(r.value).length > limits.value) throw invalidParameter(`PG::NotNullViolation or PG::CheckViolation: value of '${r.key}' is null or longer than ${limits.value} characters`);
    }
    for (const r of rows) if (!target.some((t) => t.key === r.key)) target.push({ key: String(r.key), value: String(r.value) });
}

export function registerMlflowRoutes(core: EmulatorCore): { ml(project: string | number): MlRecord } {
    const { state } = core;
    const url = () => core.url();

    /**
     * A route under the MLflow prefix. The `before` blocks: check_api_read! (not_found! without
     * read_model_experiments: Guest on a private project) and, for writes, check_api_write!
     * (unauthorized! without write_model_experiments: Developer), the model-registry twins for
     * registered models and model versions, which ProjectPolicy grants to the same roles
     * (lib/api/ml/mlflow/api_helpers.rb, app/policies/project_policy.rb).
     * Every success is a 200, even a create: "MLFlow Client considers any status code different than 200 an error" (entrypoint.rb).
     */
    const route = (method: "GET" | "POST", endpoint: string, handler: (p: ProjectState, ml: MlProjectState, ctx: RequestContext) => unknown) =>
        core.route(method, PREFIX + endpoint, (ctx) => {
            const p = core.findProject(ctx.params[0]!, ctx.userId); // 404 for a non-member of a private project
            if (method !== "GET" && core.accessLevel(p, ctx.userId) < Role.Developer) throw new HttpError(401, { message: "401 Unauthorized" });
            return [200, handler(p, mlStateOf(state.ml, p.id), ctx)];
        });

    // --- entities (lib/api/entities/ml/mlflow/*.rb) ---------------------------------------------
    const experimentJson = (e: ExperimentState) => ({ experiment_id: String(e.iid), name: e.name, lifecycle_stage: "active", artifact_location: "not_implemented", tags: e.tags });
    const runInfo = (p: ProjectState, c: CandidateState) => ({
        run_id: c.eid,
        run_uuid: c.eid,
        experiment_id: String(c.experimentIid),
        start_time: c.startTime,
        ...(c.endTime !== null ? { end_time: c.endTime } : {}),
        ...(c.name !== null ? { run_name: c.name } : {}),
        status: c.status.toUpperCase(),
        // RunInfo#artifact_uri: the model version's package, else the candidate's (`candidate:<iid>`).
        artifact_uri: `${url()}/api/v4/projects/${p.id}/packages/ml_models/${c.modelVersionId ?? `candidate:${c.iid}`}/files/`,
        lifecycle_stage: "active",
        user_id: String(c.userId),
    });
    const runJson = (p: ProjectState, c: CandidateState) => ({
        info: runInfo(p, c),
        data: { metrics: c.metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, ...(m.step !== null ? { step: m.step } : {}) })), params: c.params, tags: c.tags },
    });
    const versionJson = (p: ProjectState, m: ModelState, v: ModelVersionState) => ({
        name: m.name,
        // The MLflow `version` is the GitLab model version's id; the semantic version is its alias.
        version: String(v.id),
        creation_timestamp: v.createdAt,
        last_updated_timestamp: v.updatedAt,
        user_id: null,
        current_stage: "development",
        description: v.description,
        source: `${url()}/${p.path_with_namespace}/-/ml/models/${m.id}/versions/${v.id}`,
        run_id: v.candidateEid,
        status: "READY",
        status_message: "",
        tags: v.tags,
        run_link: "",
        aliases: [v.version],
    });
    // `expose :versions, as: :latest_versions` has no entity: the records' attributes as they are.
    const modelJson = (ml: MlProjectState, m: ModelState) => ({
        name: m.name,
        creation_timestamp: m.createdAt,
        last_updated_timestamp: m.updatedAt,
        description: m.description,
        user_id: String(m.userId),
        tags: m.tags,
        latest_versions: ml.versions.filter((v) => v.modelId === m.id).map((v) => ({ id: v.id, model_id: m.id, version: v.version, description: v.description })),
    });

    // --- experiments (experiments.rb) ----------------------------------------------------------
    const newExperiment = (ml: MlProjectState, name: string, userId: number, modelId: number | null): ExperimentState => {
        const e: ExperimentState = { id: core.nextId(), iid: ml.nextExperimentIid++, name, userId, tags: [], modelId };
        ml.experiments.push(e);
        return e;
    };
    // find_experiment!: by iid when experiment_id is given (even ''), else by name; RESOURCE_DOES_NOT_EXIST otherwise.
    const findExperiment = (ml: MlProjectState, by: { iid?: unknown; name?: unknown }) =>
        (by.iid !== undefined ? ml.experiments.find((e) => String(e.iid) === String(by.iid)) : ml.experiments.find((e) => e.name === String(by.name ?? ""))) ?? (() => {
            throw resourceNotFound();
        })();
    route("GET", "experiments/get", (_p, ml, { body }) => ({ experiment: experimentJson(findExperiment(ml, { iid: body.experiment_id ?? "" })) }));
    route("GET", "experiments/get-by-name", (_p, ml, { body }) => ({ experiment: experimentJson(findExperiment(ml, { name: body.experiment_name ?? "" })) }));
    route("POST", "experiments/create", (_p, ml, { body, userId }) => {
        if (body.name === undefined) throw paramError("name is missing");
        // Ml::Experiment validates name unique per project; RecordInvalid → resource_already_exists!.
        if (ml.experiments.some((e) => e.name === String(body.name))) throw resourceAlreadyExists();
        const e = newExperiment(ml, String(body.name), userId, null);
        insertAll(e.tags, pairs(body.tags), { name: 255, value: 5000 });
        return { experiment_id: String(e.iid) };
    });

    // --- runs (runs.rb, app/services/ml/experiment_tracking/candidate_repository.rb) ------------
    const findRun = (ml: MlProjectState, runId: unknown) => ml.candidates.find((c) => c.eid === String(runId ?? "")) ?? (() => {
        throw resourceNotFound();
    })();
    /** HandleCandidateGitlabMetadataService: `gitlab.CI_JOB_ID` links the run to its job; an unknown job raises ArgumentError, a 500. */
    const linkJob = (c: CandidateState, tags: { key: unknown; value: unknown }[]) => {
        const jobTag = tags.find((t) => t.key === "gitlab.CI_JOB_ID");
        if (!jobTag) return;
        if (!state.jobs.has(Number(jobTag.value))) throw new Error("gitlab.CI_JOB_ID must refer to an existing build");
        c.ciJobId = Number(jobTag.value);
    };
    const newCandidate = (ml: MlProjectState, e: ExperimentState, over: Partial<CandidateState> & Pick<CandidateState, "userId">): CandidateState => {
        const c: CandidateState = { id: core.nextId(), iid: ml.nextCandidateIid++, eid: randomUUID(), experimentIid: e.iid, name: null, status: "running", startTime: 0, endTime: null, params: [], metrics: [], tags: [], modelVersionId: null, ciJobId: null, ...over };
        ml.candidates.push(c);
        return c;
    };
    route("POST", "runs/create", (p, ml, { body, userId }) => {
        if (body.experiment_id === undefined) throw paramError("experiment_id is missing");
        if (!/^\d+$/.test(String(body.experiment_id))) throw paramError("experiment_id is invalid");
        const e = findExperiment(ml, { iid: body.experiment_id });
        const tags = pairs(body.tags);
        // candidate_name: run_name, else the `mlflow.runName` tag (ml_candidates.name: text limit 255).
        const name = (body.run_name ? String(body.run_name) : undefined) ?? (tags.find((t) => t.key === "mlflow.runName")?.value as string | undefined) ?? null;
        if (name !== null && name.length > 255) throw invalidParameter("PG::CheckViolation: the run name is longer than 255 characters");
        const c = newCandidate(ml, e, { userId, name, startTime: body.start_time === undefined ? 0 : Number(body.start_time) });
        // Tags after the candidate is saved: a bad tag fails the request but leaves the run.
        linkJob(c, tags);
        insertAll(c.tags, tags, { name: 255, value: 5000 });
        return { run: runJson(p, c) };
    });
    route("GET", "runs/get", (p, ml, { body }) => {
        if (body.run_id === undefined) throw paramError("run_id is missing");
        return { run: runJson(p, findRun(ml, body.run_id)) };
    });
    route("POST", "runs/update", (p, ml, { body }) => {
        if (body.run_id === undefined) throw paramError("run_id is missing");
        if (body.status !== undefined && !STATUSES.includes(String(body.status))) throw paramError("status does not have a valid value");
        const c = findRun(ml, body.run_id);
        if (body.status !== undefined) c.status = String(body.status).toLowerCase() as CandidateState["status"];
        if (body.end_time !== undefined) c.endTime = Number(body.end_time);
        return { run_info: runInfo(p, c) };
    });
    route("POST", "runs/log-batch", (_p, ml, { body }) => {
        if (body.run_id === undefined) throw paramError("run_id is missing");
        const metrics = Array.isArray(body.metrics) ? (body.metrics as Record<string, unknown>[]) : [];
        const params = pairs(body.params);
        // Grape validates each entry before the endpoint runs: metrics need key, value (Float) and timestamp (Integer).
        metrics.forEach((m, i) => {
            for (const k of ["key", "value", "timestamp"]) if (m[k] === undefined || m[k] === null) throw paramError(`metrics[${i}][${k}] is missing`);
            if (typeof m.value !== "number" && Number.isNaN(Number(m.value))) throw paramError(`metrics[${i}][value] is invalid`);
            if (!Number.isInteger(Number(m.timestamp))) throw paramError(`metrics[${i}][timestamp] is invalid`);
            if (m.step !== undefined && m.step !== null && !Number.isInteger(Number(m.step))) throw paramError(`metrics[${i}][step] is invalid`);
        });
        params.forEach((x, i) => {
            for (const k of ["key", "value"] as const) if (x[k] === undefined) throw paramError(`params[${i}][${k}] is missing`);
        });
        const c = findRun(ml, body.run_id);
        // add_metrics, add_params, add_tags in that order, each its own insert_all: a failing group keeps the ones before it.
        for (const m of metrics) if (String(m.key).length > 250) throw invalidParameter(`PG::CheckViolation: metric name '${String(m.key).slice(0, 40)}' is longer than 250 characters`);
        c.metrics.push(...metrics.map((m) => ({ key: String(m.key), value: Number(m.value), timestamp: Number(m.timestamp), step: m.step === undefined || m.step === null ? null : Number(m.step) })));
        insertAll(c.params, params, { name: 250, value: 250 });
        linkJob(c, pairs(body.tags));
        insertAll(c.tags, pairs(body.tags), { name: 255, value: 5000 });
        return {};
    });

    // --- registered models and versions (registered_models.rb, model_versions.rb) ------------
    const findModel = (ml: MlProjectState, name: unknown) => ml.models.find((m) => m.name === String(name ?? "")) ?? (() => {
        throw resourceNotFound();
    })();
    route("POST", "registered-models/create", (_p, ml, { body, userId }) => {
        if (body.name === undefined) throw paramError("name is missing");
        const name = String(body.name);
        // Ml::CreateModelService: any failure (name taken, invalid, or its `[model]` experiment taken) is RESOURCE_ALREADY_EXISTS.
        const experimentName = MODEL_EXPERIMENT_PREFIX + name;
        if (!MODEL_NAME.test(name) || name.length > 255 || ml.models.some((m) => m.name === name) || ml.experiments.some((e) => e.name === experimentName)) throw resourceAlreadyExists();
        const now = Math.floor(Date.now() / 1000);
        const m: ModelState = { id: core.nextId(), name, description: body.description === undefined ? "" : String(body.description), userId, tags: [], createdAt: now, updatedAt: now };
        newExperiment(ml, experimentName, userId, m.id);
        ml.models.push(m);
        for (const t of pairs(body.tags)) m.tags.push({ key: String(t.key), value: String(t.value) });
        return { registered_model: modelJson(ml, m) };
    });
    route("GET", "registered-models/get", (_p, ml, { body }) => ({ registered_model: modelJson(ml, findModel(ml, body.name)) }));

    const semverOrder = (a: string, b: string) => {
        const [x, y] = [a, b].map((v) => SEMVER.exec(v)!.slice(1, 4).map(Number));
        return x![0]! - y![0]! || x![1]! - y![1]! || x![2]! - y![2]!;
    };
    route("POST", "model-versions/create", (p, ml, { body, userId }) => {
        const m = findModel(ml, body.name);
        const tags = pairs(body.tags);
        // ApiHelpers#custom_version: the `gitlab.version` tag; without it IncrementVersionService bumps the latest patch (1.0.0 first).
        const custom = tags.find((t) => t.key === "gitlab.version")?.value;
        const latest = ml.versions.filter((v) => v.modelId === m.id).map((v) => v.version).sort(semverOrder).pop();
        const version = custom !== undefined ? String(custom) : latest ? latest.replace(/^(\d+)\.(\d+)\.(\d+).*$/, (_s, a, b, c) => `${a}.${b}.${Number(c) + 1}`) : "1.0.0";
        // CreateModelVersionService runs in a transaction: an error leaves nothing behind and is INVALID_PARAMETER_VALUE with the messages.
        if (!SEMVER.test(version)) throw invalidParameter(["Version must be semantic version"]);
        if (ml.versions.some((v) => v.modelId === m.id && v.version === version)) throw invalidParameter(["Version has already been taken"]);
        const description = body.description === undefined ? "" : String(body.description);
        if (description.length > 10_000) throw invalidParameter(["Description is too long (maximum is 10000 characters)"]);
        const keys = tags.map((t) => String(t.key));
        const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
        if (duplicate !== undefined) throw invalidParameter([`Validation failed: Name '${duplicate}' already taken`]);
        const now = Math.floor(Date.now() / 1000);
        const v: ModelVersionState = { id: core.nextId(), modelId: m.id, version, description, tags: tags.map((t) => ({ key: String(t.key), value: String(t.value) })), candidateEid: "", files: [], createdAt: now, updatedAt: now };
        // The version gets a run of its own in the model's experiment (Ml::CreateCandidateService with model_version).
        const experiment = ml.experiments.find((e) => e.modelId === m.id)!;
        v.candidateEid = newCandidate(ml, experiment, { userId, modelVersionId: v.id }).eid;
        ml.versions.push(v);
        return { model_version: versionJson(p, m, v) };
    });
    route("GET", "model-versions/get", (p, ml, { body }) => {
        const missing = ["name", "version"].filter((k) => body[k] === undefined);
        if (missing.length > 0) throw paramError(missing.map((k) => `${k} is missing`).join(", "));
        // GetModelVersionService: by the model's name and the semantic version (not the id the `version` field shows).
        const m = findModel(ml, body.name);
        const v = ml.versions.find((x) => x.modelId === m.id && x.version === String(body.version));
        if (!v) throw resourceNotFound();
        return { model_version: versionJson(p, m, v) };
    });

    return { ml: (project) => mlRecordOf(state.ml.get(projectByRef(state, project).id)) };
}
