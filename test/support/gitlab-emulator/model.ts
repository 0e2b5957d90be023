/**
 * The emulator's state, its editions and the error shapes GitLab answers with.
 *
 * Citations name GitLab source files and the route or method inside them (GitLab's own
 * `lib/api/*.rb`, `ee/lib/...`, `app/policies/...`) or a documentation page under `doc/`.
 * "CE" and "EE" are codebases, not licences: gitlab.com Free and most self-managed Free
 * installs run the EE codebase without a licence, so they answer with EE-shaped JSON while
 * Premium features stay off. That is why the modes are codebase + tier.
 */

import type { MlProjectState } from "./ml-state";

/** `ce`: gitlab-foss (Community Edition). `ee-*`: the EE codebase at that licence tier. */
export type EmulatorMode = "ce" | "ee-free" | "ee-premium" | "ee-ultimate";

export const EMULATOR_MODES: readonly EmulatorMode[] = ["ce", "ee-free", "ee-premium", "ee-ultimate"];

export interface Edition {
    readonly mode: EmulatorMode;
    /** The EE codebase: EE entity fields and EE params exist, whatever the licence. */
    readonly ee: boolean;
    /** Premium features are licensed (push rules, approval rules, user/group access entries). */
    readonly premium: boolean;
    /** The tier as GitLab names its plans (`plan` on namespaces, `GET /license`). */
    readonly plan: "free" | "premium" | "ultimate";
}

export function edition(mode: EmulatorMode): Edition {
    const plan = mode === "ee-ultimate" ? "ultimate" : mode === "ee-premium" ? "premium" : "free";
    return { mode, ee: mode !== "ce", premium: plan !== "free", plan };
}

/**
 * A Grape `Boolean` param as JSON (`true`) or form/query text (`"true"`); anything else is false.
 * Grape coerces declared `type: Boolean` params before the endpoint runs (lib/api/*.rb `optional ..., type: Boolean`).
 */
export const bool = (v: unknown): boolean => v === true || v === "true";

/** Role access levels (lib/gitlab/access.rb: GUEST 10, REPORTER 20, DEVELOPER 30, MAINTAINER 40, OWNER 50; ADMIN 60 for protected refs). */
export const Role = { Guest: 10, Reporter: 20, Developer: 30, Maintainer: 40, Owner: 50, Admin: 60 } as const;

/**
 * `ProtectedRefAccess.human_access_levels`: the `access_level_description` GitLab writes
 * beside each protected-ref access level.
 */
export const ACCESS_LEVEL_DESCRIPTIONS: Record<number, string> = { 0: "No one", 30: "Developers + Maintainers", 40: "Maintainers", 60: "Instance admins" };

/** A protected branch or tag access entry as stored (rendered per edition by `accessEntryJson`). */
export interface AccessEntry {
    id: number;
    access_level: number;
    user_id: number | null;
    group_id: number | null;
}

export interface ProtectedBranchState {
    id: number;
    name: string;
    push_access_levels: AccessEntry[];
    merge_access_levels: AccessEntry[];
    /** EE only: CE has no unprotect association (CE `ProtectedBranch` model has push and merge levels only). */
    unprotect_access_levels: AccessEntry[];
    allow_force_push: boolean;
    /** EE column; CE has none. */
    code_owner_approval_required: boolean;
}

export interface ProtectedTagState {
    name: string;
    create_access_levels: AccessEntry[];
}

export interface ApprovalRuleState {
    id: number;
    name: string;
    rule_type: "regular" | "any_approver" | "report_approver";
    approvals_required: number;
    user_ids: number[];
    group_ids: number[];
    protected_branch_ids: number[];
    applies_to_all_protected_branches: boolean;
}

export interface ScheduleState {
    id: number;
    description: string;
    ref: string;
    cron: string;
    cron_timezone: string;
    active: boolean;
    owner_id: number;
    variables: { key: string; value: string; variable_type: string }[];
}

export interface RunnerState {
    id: number;
    description: string;
    runner_type: "project_type";
    project_ids: number[];
    tag_list: string[];
    run_untagged: boolean;
    locked: boolean;
    access_level: "not_protected" | "ref_protected";
    maximum_timeout: number | null;
    paused: boolean;
    token: string;
}

export interface ProjectState {
    id: number;
    name: string;
    path: string;
    path_with_namespace: string;
    namespace: { id: number; full_path: string; kind: string };
    default_branch: string;
    visibility: string;
    description: string;
    web_url: string;
    archived: boolean;
    marked_for_deletion_at: string | null;
    only_allow_merge_if_pipeline_succeeds: boolean;
    only_allow_merge_if_all_discussions_are_resolved: boolean;
    remove_source_branch_after_merge: boolean;
    allow_merge_on_skipped_pipeline: boolean;
    ci_push_repository_for_job_token_allowed: boolean;
    ci_pipeline_variables_minimum_override_role: string;
    /** `ff`, `rebase_merge` or `merge`. */
    merge_method: string;
    /** `never`, `always`, `default_on` or `default_off`. */
    squash_option: string;
    branches: Map<string, { commit: string; committed_date: string }>;
    tags: Map<string, { commit: string }>;
    protectedBranches: Map<string, ProtectedBranchState>;
    protectedTags: Map<string, ProtectedTagState>;
    /** Direct members: user id → access level. */
    members: Map<number, number>;
    pushRule: Record<string, unknown> | null;
    approvalRules: Map<number, ApprovalRuleState>;
    approvalSettings: { reset_approvals_on_push: boolean; merge_requests_author_approval: boolean; merge_requests_disable_committers_approval: boolean };
    /** File contents (text) per branch. */
    files: Map<string, Map<string, string>>;
    mergeRequests: {
        id: number;
        iid: number;
        state: string;
        source_branch: string;
        target_branch: string;
        title: string;
        web_url: string;
        /** The commit a merge made (set by `PUT .../merge`, or by tests that record one). */
        merge_commit_sha?: string | null;
        description?: string;
        /**
         * Delete the source branch on merge unless the merge says otherwise: the create request's
         * `remove_source_branch`, else the project's remove_source_branch_after_merge
         * (MergeRequests::BuildService#force_remove_source_branch).
         */
        force_remove_source_branch?: boolean;
        /** What the merge request asked for (MergeService#merge_request_merge_param); null until then. */
        should_remove_source_branch?: boolean | null;
        merged_at?: string | null;
        merge_user?: UserState | null;
    }[];
    schedules: Map<number, ScheduleState>;
}

export interface UserState {
    id: number;
    username: string;
    name: string;
    state: string;
    is_admin: boolean;
}

export interface GroupState {
    id: number;
    name: string;
    path: string;
    full_path: string;
    kind: "group";
    /** Direct group members: user id → access level (inherited by subgroups and projects). */
    members: Map<number, number>;
    /**
     * The top-level group's "Users can create project access tokens and group access tokens in this
     * group" (namespace_settings.resource_access_token_creation_allowed, default true), read from the
     * root ancestor by ProjectPolicy#resource_access_token_creation_allowed?. @default true
     */
    resource_access_token_creation_allowed?: boolean;
}

export interface TokenState {
    id: number;
    userId: number;
    scopes: string[];
    name: string;
    expires_at: string | null;
    /**
     * A personal access token (the default); a project access token, which is a personal access
     * token of a project bot user (ResourceAccessTokens::CreateService); or a CI job token, which
     * authenticates only on routes that accept job tokens. @default "personal"
     */
    kind?: "personal" | "project_access" | "job";
    /** PersonalAccessToken#revoke!: the token stays listed but no longer authenticates. */
    revoked?: boolean;
    created_at?: string;
    description?: string | null;
    /** Job tokens: the job whose token it is (valid while the job runs). */
    jobId?: number;
}

/** A CI job, as far as its job token needs one: the token acts as the user who ran the pipeline, for the job's project. */
export interface JobState {
    id: number;
    projectId: number;
    userId: number;
    status: "running" | "success";
}

/** A project CI/CD variable (app/models/ci/variable.rb; entity lib/api/entities/ci/variable.rb). */
export interface VariableState {
    key: string;
    value: string;
    variable_type: "env_var" | "file";
    protected: boolean;
    masked: boolean;
    hidden: boolean;
    raw: boolean;
    environment_scope: string;
    description: string | null;
}

export interface EmulatorState {
    readonly users: Map<number, UserState>;
    readonly groups: Map<number, GroupState>;
    readonly projects: Map<number, ProjectState>;
    readonly tokens: Map<string, TokenState>;
    readonly runners: Map<number, RunnerState>;
    /** CI jobs that hold a job token. */
    readonly jobs: Map<number, JobState>;
    /** Project bot users (user_type project_bot): user id → the project whose bot it is. */
    readonly bots: Map<number, number>;
    /** Project CI/CD variables per project id. */
    readonly variables: Map<number, VariableState[]>;
    /** Model experiments and the model registry per project id. */
    readonly ml: Map<number, MlProjectState>;
}

/** A project by id or full path, for test helpers (no permission check); throws when there is none. */
export function projectByRef(state: EmulatorState, ref: string | number): ProjectState {
    const p = /^\d+$/.test(String(ref)) ? state.projects.get(Number(ref)) : [...state.projects.values()].find((x) => x.path_with_namespace === ref);
    if (!p) throw new Error(`no project ${ref}`);
    return p;
}

/** An HTTP answer other than success. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly body: unknown,
    ) {
        super(String(status));
    }
}

// Error shapes, from lib/api/helpers.rb and lib/api/api.rb.
/** `not_found!(resource)`: `{"message":"404 <Resource> Not Found"}`. */
export const notFound = (resource?: string) => new HttpError(404, { message: resource ? `404 ${resource} Not Found` : "404 Not Found" });
/** `ActiveRecord::RecordNotFound` from a `find_by!`: note the lowercase "found". */
export const recordNotFound = () => new HttpError(404, { message: "404 Not found" });
/** The catch-all `route :any, '*path'` of lib/api/api.rb: an `error` key, not `message`. */
export const routeNotFound = () => new HttpError(404, { error: "404 Not Found" });
/** Grape parameter validation (missing, at_least_one_of): 400 with an `error` string. */
export const paramError = (error: string) => new HttpError(400, { error });
/** `bad_request!(reason)`. */
export const badRequest = (reason: string) => new HttpError(400, { message: `400 Bad request - ${reason}` });
/** `forbidden!(reason)` / failed `authorize!`. */
export const forbidden = (reason?: string) => new HttpError(403, { message: reason ? `403 Forbidden - ${reason}` : "403 Forbidden" });
/** `conflict!(message)`. */
export const conflict = (message: string) => new HttpError(409, { message });
/** `render_validation_error!`: the model's errors hash. */
export const validationError = (errors: Record<string, string[]>) => new HttpError(400, { message: errors });
/** `render_api_error!(model.errors.full_messages, 422)`: an array of full messages. */
export const unprocessable = (messages: string[] | string) => new HttpError(422, { message: messages });
