/**
 * What GitLab's model experiments and model registry hold for a project (app/models/ml/*.rb), the
 * MLflow API's error shapes (lib/api/ml/mlflow/api_helpers.rb) and the read-out tests assert on.
 */
import { HttpError } from "./model";

/** A key/value pair as the MLflow entities render them (lib/api/entities/ml/mlflow/key_value.rb: name as `key`). */
export interface KeyValue {
    key: string;
    value: string;
}

export interface MetricState {
    key: string;
    value: number;
    /** `tracked_at`, rendered as `timestamp` (lib/api/entities/ml/mlflow/metric.rb). */
    timestamp: number;
    step: number | null;
}

/** Ml::Experiment: `iid` per project (AtomicInternalId), the id MLflow clients see. */
export interface ExperimentState {
    id: number;
    iid: number;
    name: string;
    userId: number;
    tags: KeyValue[];
    /** Set for a registered model's default experiment `[model]<name>` (Ml::Model#default_experiment). */
    modelId: number | null;
}

/** Ml::Candidate: an MLflow run; `eid` (a UUID) is its run_id, `iid` its per-project internal id. */
export interface CandidateState {
    id: number;
    iid: number;
    eid: string;
    experimentIid: number;
    name: string | null;
    status: "running" | "scheduled" | "finished" | "failed" | "killed";
    startTime: number;
    endTime: number | null;
    userId: number;
    params: KeyValue[];
    metrics: MetricState[];
    tags: KeyValue[];
    modelVersionId: number | null;
    /** Set from the `gitlab.CI_JOB_ID` tag (HandleCandidateGitlabMetadataService). */
    ciJobId: number | null;
}

export interface ModelState {
    id: number;
    name: string;
    description: string;
    userId: number;
    tags: KeyValue[];
    createdAt: number;
    updatedAt: number;
}

/** A file of a model version's package (Packages::PackageFile); several uploads of one name are kept, the last one is served. */
export interface PackageFileState {
    fileName: string;
    data: Buffer;
    /** The CI job that uploaded it, when a job token did (package build infos). */
    jobId: number | null;
}

/** Ml::ModelVersion: `id` is global (the MLflow `version` field), `version` the semantic version. */
export interface ModelVersionState {
    id: number;
    modelId: number;
    version: string;
    description: string;
    tags: KeyValue[];
    candidateEid: string;
    files: PackageFileState[];
    createdAt: number;
    updatedAt: number;
}

export interface MlProjectState {
    experiments: ExperimentState[];
    candidates: CandidateState[];
    models: ModelState[];
    versions: ModelVersionState[];
    nextExperimentIid: number;
    nextCandidateIid: number;
}

export function mlStateOf(ml: Map<number, MlProjectState>, projectId: number): MlProjectState {
    let s = ml.get(projectId);
    if (!s) {
        s = { experiments: [], candidates: [], models: [], versions: [], nextExperimentIid: 1, nextCandidateIid: 1 };
        ml.set(projectId, s);
    }
    return s;
}

// lib/api/ml/mlflow/api_helpers.rb: render_structured_api_error! with an MLflow error code.
export const resourceNotFound = () => new HttpError(404, { error_code: "RESOURCE_DOES_NOT_EXIST" });
export const resourceAlreadyExists = () => new HttpError(400, { error_code: "RESOURCE_ALREADY_EXISTS" });
export const invalidParameter = (message?: unknown) => new HttpError(400, { error_code: "INVALID_PARAMETER_VALUE", message: message ?? null });

/**
 * Gitlab::Regex.semver_regex (lib/gitlab/regex/packages.rb): semver.org's regex, no `v` prefix.
 * Ml::ModelVersion validates its version with it; CreateModelVersionService checks Packages::SemVer.match first.
 */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0)(?:\.(?:\d*[a-zA-Z-][0-9a-zA-Z-]*|[1-9]\d*|0))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** What a project's experiments, runs and models hold, in plain values, for tests to assert on. */
export interface MlRecord {
    readonly experiments: {
        readonly id: string;
        readonly name: string;
        readonly runs: {
            readonly runId: string;
            readonly name: string | null;
            readonly status: string;
            readonly params: Record<string, string>;
            readonly metrics: readonly MetricState[];
            readonly tags: Record<string, string>;
            readonly userId: number;
            readonly ciJobId: number | null;
        }[];
    }[];
    readonly models: {
        readonly name: string;
        readonly versions: {
            readonly id: number;
            readonly version: string;
            readonly description: string;
            readonly tags: Record<string, string>;
            readonly runId: string;
            /** The files as they would be downloaded: the last upload of each name. */
            readonly files: Record<string, Buffer>;
            readonly uploadedByJobs: readonly number[];
        }[];
    }[];
}

const record = (kv: readonly KeyValue[]) => Object.fromEntries(kv.map((t) => [t.key, t.value]));

export function mlRecordOf(s: MlProjectState | undefined): MlRecord {
    if (!s) return { experiments: [], models: [] };
    return {
        experiments: s.experiments.map((e) => ({
            id: String(e.iid),
            name: e.name,
            runs: s.candidates
                .filter((c) => c.experimentIid === e.iid)
                .map((c) => ({ runId: c.eid, name: c.name, status: c.status.toUpperCase(), params: record(c.params), metrics: c.metrics, tags: record(c.tags), userId: c.userId, ciJobId: c.ciJobId })),
        })),
        models: s.models.map((m) => ({
            name: m.name,
            versions: s.versions
                .filter((v) => v.modelId === m.id)
                .map((v) => ({
                    id: v.id,
                    version: v.version,
                    description: v.description,
                    tags: record(v.tags),
                    runId: v.candidateEid,
                    files: Object.fromEntries(v.files.map((f) => [f.fileName, f.data])),
                    uploadedByJobs: v.files.flatMap((f) => (f.jobId === null ? [] : [f.jobId])),
                })),
        })),
    };
}
