/** Branches, repository files, merge requests and pipeline schedules. */
import type { EmulatorCore, RequestContext } from "./index";
import { AccessEntry, bool, HttpError, notFound, paramError, ProjectState, Role, ScheduleState, forbidden } from "./model";

/**
 * Whether a protected-ref name or wildcard matches a ref: the exact name, or, when it has a `*`,
 * the quoted name with each `*` as `.*?` (any characters, slashes included), anchored
 * (app/models/protected_ref_matcher.rb `matches?` and `wildcard_regex`).
 */
export function refMatches(pattern: string, ref: string): boolean {
    if (!pattern.includes("*")) return pattern === ref;
    return new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*?") + "$").test(ref);
}

/** Whether any protected-branch rule (a name or a wildcard) covers the branch (ProtectedBranch.protected?). */
export function isProtected(p: ProjectState, branchName: string): boolean {
    return [...p.protectedBranches.keys()].some((k) => refMatches(k, branchName));
}

/**
 * Whether one access entry of a protected branch lets the user through (ProtectedRefAccess#check_access,
 * app/models/concerns/protected_ref_access.rb, and its EE prepend ee/app/models/concerns/ee/protected_ref_access.rb).
 * An entry's type is :user when it has a user_id, :group when it has a group_id, a role otherwise;
 * only role entries compare the user's access level. A user entry lets that user in if they are a
 * project member. A group entry lets in members of a group *invited* to the project
 * (project_group_links), never through the project's own ancestor groups (gitlab-org/gitlab#427486);
 * this emulator models no invited groups, so a group entry lets no one in.
 */
function entryAllows(a: AccessEntry, userId: number, level: number): boolean {
    if (a.user_id !== null) return a.user_id === userId && level >= Role.Guest;
    if (a.group_id !== null) return false;
    // Role entries: `no_access?` (0) lets no one in; otherwise push_code and max_member_access >= access_level.
    return a.access_level > 0 && level >= a.access_level;
}

/**
 * Whether the user may push (or merge) to a branch: when several rules match, any rule that
 * allows the user allows them (ProtectedBranch.protected_ref_accessible_to? checks
 * `access_levels_for_ref(...).any?`). Unprotected branches need Developer (push_code).
 */
export function canPushTo(core: EmulatorCore, p: ProjectState, branch: string, userId: number, action: "push" | "merge" = "push"): boolean {
    const level = core.accessLevel(p, userId);
    const rules = [...p.protectedBranches.values()].filter((pb) => refMatches(pb.name, branch));
    if (rules.length === 0) return level >= Role.Developer;
    const entries = rules.flatMap((pb) => (action === "push" ? pb.push_access_levels : pb.merge_access_levels));
    return entries.some((a) => entryAllows(a, userId, level));
}

export function registerRepositoryRoutes(core: EmulatorCore): void {
    const commitId = () => Math.random().toString(16).slice(2, 10).padEnd(8, "0");

    // --- branches (lib/api/branches.rb) -------------------------------------------------------
    const branchJson = (p: ProjectState, name: string) => {
        const b = p.branches.get(name)!;
        return { name, commit: { id: b.commit, committed_date: b.committed_date }, protected: isProtected(p, name), default: p.default_branch === name };
    };
    core.route("GET", "/projects/:id/repository/branches", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        return [200, core.paginate(ctx, [...p.branches.keys()].map((n) => branchJson(p, n)))];
    });
    core.route("GET", "/projects/:id/repository/branches/:branch", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const name = params[1]!;
        if (!p.branches.has(name)) throw notFound("Branch");
        return [200, branchJson(p, name)];
    });
    // `post ':id/repository/branches'`: Grape's `requires :branch, :ref` (400), authorize_push_project
    // (Developer, 403), then Branches::CreateService renders its errors as 400 `{message}`.
    core.route("POST", "/projects/:id/repository/branches", ({ params, body, userId }) => {
        if (!body.branch) throw paramError("branch is missing");
        if (!body.ref) throw paramError("ref is missing");
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Developer);
        const name = String(body.branch);
        const ref = String(body.ref);
        // Branches::ValidateNewService (app/services/branches/validate_new_service.rb).
        if (p.branches.has(name)) throw new HttpError(400, { message: "Branch already exists" });
        // repository.add_branch finds no such ref (app/services/branches/create_service.rb).
        const from = p.branches.get(ref);
        if (!from) throw new HttpError(400, { message: `Failed to create branch '${name}': invalid reference name '${ref}'` });
        // The push runs Gitlab::Checks::BranchCheck#protected_branch_creation_checks (lib/gitlab/checks/branch_check.rb):
        // push rights suffice; merge rights only from a commit already on a protected branch.
        // A PreReceiveError is rendered as 400 with its message.
        if (isProtected(p, name) && !canPushTo(core, p, name, userId)) {
            if (!canPushTo(core, p, name, userId, "merge")) throw new HttpError(400, { message: "You are not allowed to create protected branches on this project." });
            if (!isProtected(p, ref)) throw new HttpError(400, { message: "You can only use an existing protected branch ref as the basis of a new protected branch." });
        }
        p.branches.set(name, { ...from });
        p.files.set(name, new Map(p.files.get(ref) ?? []));
        return [201, branchJson(p, name)];
    });
    // `delete ':id/repository/branches/:branch'`: authorize_push_project (Developer, 403), find_branch!
    // (404 "Branch Not Found"), then the deletion's pre-receive checks (lib/gitlab/checks/branch_check.rb),
    // a PreReceiveError rendered as 400: never the default branch, and a protected branch only by
    // those with push_to_delete_protected_branch (Gitlab::UserAccess#can_delete_branch?: Maintainer).
    core.route("DELETE", "/projects/:id/repository/branches/:branch", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Developer);
        const name = params[1]!;
        if (!p.branches.has(name)) throw notFound("Branch");
        if (name === p.default_branch) throw new HttpError(400, { message: "The default branch of a project cannot be deleted." });
        if (isProtected(p, name) && core.accessLevel(p, userId) < Role.Maintainer) {
            throw new HttpError(400, { message: "You are not allowed to delete protected branches from this project. Only a project maintainer or owner can delete a protected branch." });
        }
        p.branches.delete(name);
        p.files.delete(name);
        return [204, null];
    });

    // --- repository files (lib/api/files.rb) ----------------------------------------------------
    const fileOp =
        (kind: "create" | "update" | "delete") =>
        ({ params, body, userId }: RequestContext): [number, unknown] => {
            // Grape validates `requires :branch, :commit_message` (and `:content` to create or update) first.
            if (!body.branch) throw paramError("branch is missing");
            if (!body.commit_message) throw paramError("commit_message is missing");
            if (kind !== "delete" && body.content === undefined) throw paramError("content is missing");
            const p = core.findProject(params[0]!, userId);
            // `authorize! :push_code`: Reporters and Guests get a plain 403.
            core.requireAccess(p, userId, Role.Developer);
            const filePath = params[1]!;
            const branch = String(body.branch);
            // Commits::CreateService#validate! (app/services/commits/create_service.rb): its errors are
            // rendered as 400 (render_api_error!(result[:message], 400)), not 403. validate_permissions!
            // comes first, then validate_on_branch!, which an empty repository skips (its first commit
            // creates the branch).
            if (!canPushTo(core, p, branch, userId)) throw new HttpError(400, { message: "You are not allowed to push into this branch" });
            if (!p.branches.has(branch) && p.branches.size > 0) throw new HttpError(400, { message: "You can only create or edit files when you are on a branch" });
            const files = p.files.get(branch) ?? new Map<string, string>();
            // Gitaly's UserCommitFiles index errors (ErrFileExists, ErrFileNotFound), rendered as 400.
            if (kind === "create" && files.has(filePath)) throw new HttpError(400, { message: "A file with this name already exists" });
            if (kind !== "create" && !files.has(filePath)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
            p.files.set(branch, files);
            p.branches.set(branch, { commit: commitId(), committed_date: new Date().toISOString() });
            if (kind === "delete") {
                files.delete(filePath);
                return [204, null];
            }
            files.set(filePath, body.encoding === "base64" ? Buffer.from(String(body.content), "base64").toString("utf8") : String(body.content));
            return [kind === "create" ? 201 : 200, { file_path: filePath, branch }];
        };
    // `get ":id/repository/files/:file_path"` → assign_file_vars!: authorize_read_code!, then
    // not_found!('Commit') for an unknown ref and not_found!('File') for a path not in it.
    core.route("GET", "/projects/:id/repository/files/:path", ({ params, query, userId }) => {
        const ref = query.get("ref");
        if (!ref) throw paramError("ref is missing");
        const p = core.findProject(params[0]!, userId);
        core.requireReadCode(p, userId);
        const filePath = params[1]!;
        if (!p.branches.has(ref) && !p.tags.has(ref)) throw notFound("Commit");
        const content = p.files.get(ref)?.get(filePath);
        if (content === undefined) throw notFound("File");
        return [200, { file_name: filePath.split("/").pop(), file_path: filePath, size: Buffer.byteLength(content), encoding: "base64", content: Buffer.from(content).toString("base64"), ref, last_commit_id: p.branches.get(ref)?.commit }];
    });
    core.route("POST", "/projects/:id/repository/files/:path", fileOp("create"));
    core.route("PUT", "/projects/:id/repository/files/:path", fileOp("update"));
    core.route("DELETE", "/projects/:id/repository/files/:path", fileOp("delete"));

    // --- merge requests (lib/api/merge_requests.rb) ---------------------------------------------
    core.route("GET", "/projects/:id/merge_requests", (ctx) => {
        const { query } = ctx;
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        // MergeRequestsFinder's source_branch, target_branch and state filters.
        const matches = (m: { source_branch: string; target_branch: string; state: string }) =>
            (["source_branch", "target_branch", "state"] as const).every((f) => !query.get(f) || m[f] === query.get(f));
        const list = p.mergeRequests.filter(matches);
        return [200, core.paginate(ctx, list)];
    });
    core.route("POST", "/projects/:id/merge_requests", ({ params, body, userId }) => {
        for (const f of ["source_branch", "target_branch", "title"]) if (!body[f]) throw paramError(`${f} is missing`);
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Developer);
        // MergeRequest#validate_branches adds "...: !<iid of the open one>" to :validate_branches, which
        // handle_merge_request_errors! answers with conflict!(errors[:validate_branches]): 409, an array.
        const open = p.mergeRequests.find((m) => m.state === "opened" && m.source_branch === body.source_branch && m.target_branch === body.target_branch);
        if (open) throw new HttpError(409, { message: [`Another open merge request already exists for this source branch: !${open.iid}`] });
        // iids count up from 1 per project (app/models/merge_request.rb `has_internal_id :iid, scope: :target_project`).
        const iid = p.mergeRequests.length + 1;
        const mr = {
            id: core.nextId(),
            iid,
            state: "opened",
            source_branch: String(body.source_branch),
            target_branch: String(body.target_branch),
            title: String(body.title),
            description: String(body.description ?? ""),
            web_url: `${p.web_url}/-/merge_requests/${iid}`,
            merge_commit_sha: null,
            // The API hands `remove_source_branch` over as force_remove_source_branch; without it the
            // project's remove_source_branch_after_merge decides (MergeRequests::BuildService#force_remove_source_branch).
            force_remove_source_branch: body.remove_source_branch === undefined ? p.remove_source_branch_after_merge : bool(body.remove_source_branch),
            should_remove_source_branch: null,
            merged_at: null,
            merge_user: null,
        };
        p.mergeRequests.push(mr);
        return [201, mr];
    });

    // --- pipeline schedules (lib/api/ci/pipeline_schedules.rb) ---------------------------------
    const schedule = (p: ProjectState, sid: string) => {
        const s = p.schedules.get(Number(sid));
        if (!s) throw notFound("Pipeline Schedule");
        return s;
    };
    /**
     * Entities::Ci::PipelineScheduleDetails (single schedule, create, update) adds `variables` to
     * Entities::Ci::PipelineSchedule, which the list uses (lib/api/ci/pipeline_schedules.rb).
     */
    const scheduleJson = (s: ScheduleState, withVariables = true) => {
        const { owner_id, variables, ...rest } = s;
        return { ...rest, owner: core.user(owner_id), ...(withVariables ? { variables } : {}) };
    };
    /**
     * Ci::PipelineSchedule#expand_short_ref: a short ref naming an existing branch comes back as
     * `refs/heads/<ref>` (a tag: `refs/tags/<ref>`); an ambiguous or unknown ref stays as given.
     */
    const expandRef = (p: ProjectState, ref: string) => {
        if (/^refs\/(heads|tags)\//.test(ref)) return ref;
        const branch = p.branches.has(ref);
        const tag = p.tags.has(ref);
        if (branch && !tag) return `refs/heads/${ref}`;
        if (tag && !branch) return `refs/tags/${ref}`;
        return ref;
    };
    /** `update_pipeline_schedule`: only the schedule's owner (or an admin), whatever their role (PipelineSchedulePolicy). */
    const requireOwner = (s: ScheduleState, userId: number) => {
        if (s.owner_id !== userId && !core.user(userId).is_admin) throw forbidden();
    };
    /** `set_pipeline_variables`: the project's `ci_pipeline_variables_minimum_override_role` (ProjectPolicy). */
    const requireVariableRights = (p: ProjectState, userId: number) => {
        const min = { no_one_allowed: Infinity, developer: Role.Developer, maintainer: Role.Maintainer, owner: Role.Owner }[p.ci_pipeline_variables_minimum_override_role] ?? Role.Developer;
        if (core.accessLevel(p, userId) < min) throw forbidden();
    };
    core.route("GET", "/projects/:id/pipeline_schedules", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        return [200, core.paginate(ctx, [...p.schedules.values()].map((s) => scheduleJson(s, false)))];
    });
    core.route("GET", "/projects/:id/pipeline_schedules/:sid", ({ params, userId }) => [200, scheduleJson(schedule(core.findProject(params[0]!, userId), params[1]!))]);
    core.route("POST", "/projects/:id/pipeline_schedules", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        // create_pipeline_schedule: Developer and above; the creator owns the schedule.
        core.requireAccess(p, userId, Role.Developer);
        for (const f of ["description", "ref", "cron"]) if (!body[f]) throw paramError(`${f} is missing`);
        const s: ScheduleState = {
            id: core.nextId(),
            description: String(body.description),
            ref: expandRef(p, String(body.ref)),
            cron: String(body.cron),
            // `optional :cron_timezone, default: 'UTC'` and `optional :active, default: true` (post ':id/pipeline_schedules').
            cron_timezone: String(body.cron_timezone ?? "UTC"),
            active: body.active === undefined ? true : bool(body.active),
            owner_id: userId,
            variables: [],
        };
        p.schedules.set(s.id, s);
        return [201, scheduleJson(s)];
    });
    core.route("PUT", "/projects/:id/pipeline_schedules/:sid", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireOwner(s, userId);
        for (const f of ["description", "cron", "cron_timezone"] as const) if (body[f] !== undefined) s[f] = String(body[f]);
        if (body.ref !== undefined) s.ref = expandRef(p, String(body.ref));
        if (body.active !== undefined) s.active = bool(body.active);
        return [200, scheduleJson(s)];
    });
    core.route("POST", "/projects/:id/pipeline_schedules/:sid/take_ownership", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        // admin_pipeline_schedule: Maintainer, or the owner.
        if (s.owner_id !== userId) core.requireAccess(p, userId, Role.Maintainer);
        s.owner_id = userId;
        return [201, scheduleJson(s)];
    });
    core.route("DELETE", "/projects/:id/pipeline_schedules/:sid", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        if (s.owner_id !== userId) core.requireAccess(p, userId, Role.Maintainer);
        p.schedules.delete(s.id);
        // destroy_conditionally! → 204 without a body (the docs' JSON example is wrong).
        return [204, null];
    });
    core.route("POST", "/projects/:id/pipeline_schedules/:sid/variables", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireVariableRights(p, userId);
        requireOwner(s, userId);
        if (!body.key) throw paramError("key is missing");
        if (body.value === undefined) throw paramError("value is missing");
        // Ci::PipelineScheduleVariable `validates :key, uniqueness: { scope: :pipeline_schedule_id }`,
        // answered with render_validation_error!(variable): 400 and the default message.
        if (s.variables.some((v) => v.key === body.key)) throw new HttpError(400, { message: { key: ["has already been taken"] } });
        const v = { key: String(body.key), value: String(body.value), variable_type: String(body.variable_type ?? "env_var") };
        s.variables.push(v);
        return [201, v];
    });
    // `put ':id/pipeline_schedules/:pipeline_schedule_id/variables/:key'`: set_pipeline_variables and
    // update_pipeline_schedule, then not_found!('Pipeline Schedule Variable'); value and variable_type
    // are optional, the rest of the variable stays; 200 with Entities::Ci::Variable.
    core.route("PUT", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireVariableRights(p, userId);
        requireOwner(s, userId);
        const v = s.variables.find((x) => x.key === params[2]);
        if (!v) throw notFound("Pipeline Schedule Variable");
        if (body.value !== undefined) v.value = String(body.value);
        if (body.variable_type !== undefined) v.variable_type = String(body.variable_type);
        return [200, v];
    });
    core.route("DELETE", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireOwner(s, userId);
        const v = s.variables.find((x) => x.key === params[2]);
        if (!v) throw notFound("Pipeline Schedule Variable");
        s.variables = s.variables.filter((x) => x !== v);
        // `status :accepted; present variable.destroy`: 202 with the deleted variable.
        return [202, v];
    });
}
