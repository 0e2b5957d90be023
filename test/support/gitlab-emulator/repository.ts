/** Branches, repository files, merge requests and pipeline schedules. */
import type { EmulatorCore } from "./index";
import { HttpError, notFound, paramError, ProjectState, Role, ScheduleState, forbidden } from "./model";

const bool = (v: unknown) => v === true || v === "true";

/**
 * Whether a protected-ref name or wildcard matches a ref: `*` matches any characters,
 * slashes included (lib/gitlab/ref_matcher.rb: the escaped pattern with `\*` → `.*?`, anchored).
 */
export function refMatches(pattern: string, ref: string): boolean {
    if (!pattern.includes("*")) return pattern === ref;
    return new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*?") + "$").test(ref);
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
    return entries.some((a) => (a.user_id !== null ? a.user_id === userId : a.access_level > 0 && level >= a.access_level));
}

export function registerRepositoryRoutes(core: EmulatorCore): void {
    const commitId = () => Math.random().toString(16).slice(2, 10).padEnd(8, "0");

    // --- branches (lib/api/branches.rb) -------------------------------------------------------
    const branchJson = (p: ProjectState, name: string) => {
        const b = p.branches.get(name)!;
        return { name, commit: { id: b.commit, committed_date: b.committed_date }, protected: [...p.protectedBranches.keys()].some((k) => refMatches(k, name)), default: p.default_branch === name };
    };
    core.route("GET", "/projects/:id/repository/branches", ({ params, query, res, path, userId }) => {
        const p = core.findProject(params[0]!, userId);
        return [200, core.paginate(res, query, path, [...p.branches.keys()].map((n) => branchJson(p, n)))];
    });
    core.route("GET", "/projects/:id/repository/branches/:branch", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const name = decodeURIComponent(params[1]!);
        if (!p.branches.has(name)) throw notFound("Branch");
        return [200, branchJson(p, name)];
    });
    core.route("POST", "/projects/:id/repository/branches", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Developer);
        if (!body.branch) throw paramError("branch is missing");
        if (!body.ref) throw paramError("ref is missing");
        const name = String(body.branch);
        // Gitlab::UserAccess#can_create_branch?: a protected name needs push or merge rights on it.
        if ([...p.protectedBranches.keys()].some((k) => refMatches(k, name)) && !canPushTo(core, p, name, userId) && !canPushTo(core, p, name, userId, "merge")) throw forbidden();
        if (p.branches.has(name)) throw new HttpError(400, { message: "Branch already exists" });
        const from = p.branches.get(String(body.ref));
        if (!from) throw new HttpError(400, { message: "Invalid reference name: " + body.ref });
        p.branches.set(name, { ...from });
        p.files.set(name, new Map(p.files.get(String(body.ref)) ?? []));
        return [201, branchJson(p, name)];
    });
    core.route("DELETE", "/projects/:id/repository/branches/:branch", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const name = decodeURIComponent(params[1]!);
        if (!canPushTo(core, p, name, userId)) throw forbidden();
        if (!p.branches.delete(name)) throw notFound("Branch");
        return [204, null];
    });

    // --- repository files (lib/api/files.rb) ----------------------------------------------------
    const fileOp = (kind: "create" | "update" | "delete") => ({ params, body, userId }: { params: string[]; body: Record<string, any>; userId: number }): [number, unknown] => {
        const p = core.findProject(params[0]!, userId);
        // `authorize! :push_code`: Reporters and Guests get a plain 403.
        core.requireAccess(p, userId, Role.Developer);
        const filePath = decodeURIComponent(params[1]!);
        if (!body.branch) throw paramError("branch is missing");
        if (!body.commit_message) throw paramError("commit_message is missing");
        const branch = String(body.branch);
        if (!p.branches.has(branch)) throw new HttpError(400, { message: "You can only create or edit files when you are on a branch" });
        // Commits::CreateService#validate_permissions! raises "You are not allowed to push into this
        // branch", which files.rb renders as 400 (render_api_error!(result[:message], 400)), not 403.
        if (!canPushTo(core, p, branch, userId)) throw new HttpError(400, { message: "You are not allowed to push into this branch" });
        const files = p.files.get(branch) ?? new Map<string, string>();
        p.files.set(branch, files);
        if (kind === "create" && files.has(filePath)) throw new HttpError(400, { message: "A file with this name already exists" });
        if (kind !== "create" && !files.has(filePath)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
        p.branches.set(branch, { commit: commitId(), committed_date: new Date().toISOString() });
        if (kind === "delete") {
            files.delete(filePath);
            return [204, null];
        }
        if (body.content === undefined) throw paramError("content is missing");
        files.set(filePath, body.encoding === "base64" ? Buffer.from(String(body.content), "base64").toString("utf8") : String(body.content));
        return [kind === "create" ? 201 : 200, { file_path: filePath, branch }];
    };
    core.route("GET", "/projects/:id/repository/files/:path", ({ params, query, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const filePath = decodeURIComponent(params[1]!);
        const ref = query.get("ref");
        if (!ref) throw paramError("ref is missing");
        const content = p.files.get(ref)?.get(filePath);
        if (content === undefined) throw notFound("File");
        return [200, { file_name: filePath.split("/").pop(), file_path: filePath, size: Buffer.byteLength(content), encoding: "base64", content: Buffer.from(content).toString("base64"), ref, last_commit_id: p.branches.get(ref)?.commit }];
    });
    core.route("POST", "/projects/:id/repository/files/:path", fileOp("create"));
    core.route("PUT", "/projects/:id/repository/files/:path", fileOp("update"));
    core.route("DELETE", "/projects/:id/repository/files/:path", fileOp("delete"));

    // --- merge requests (lib/api/merge_requests.rb) ---------------------------------------------
    core.route("GET", "/projects/:id/merge_requests", ({ params, query, res, path, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const list = p.mergeRequests.filter((m) => (!query.get("source_branch") || m.source_branch === query.get("source_branch")) && (!query.get("state") || m.state === query.get("state")));
        return [200, core.paginate(res, query, path, list)];
    });
    core.route("POST", "/projects/:id/merge_requests", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Developer);
        for (const f of ["source_branch", "target_branch", "title"]) if (!body[f]) throw paramError(`${f} is missing`);
        if (p.mergeRequests.some((m) => m.state === "opened" && m.source_branch === body.source_branch && m.target_branch === body.target_branch)) {
            throw new HttpError(409, { message: ["Another open merge request already exists for this source branch"] });
        }
        const iid = p.mergeRequests.length + 1;
        const mr = { id: core.nextId(), iid, state: "opened", source_branch: String(body.source_branch), target_branch: String(body.target_branch), title: String(body.title), web_url: `${p.web_url}/-/merge_requests/${iid}` };
        p.mergeRequests.push(mr);
        return [201, mr];
    });

    // --- pipeline schedules (lib/api/ci/pipeline_schedules.rb) ---------------------------------
    const schedule = (p: ProjectState, sid: string) => {
        const s = p.schedules.get(Number(sid));
        if (!s) throw notFound("Pipeline Schedule");
        return s;
    };
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
    core.route("GET", "/projects/:id/pipeline_schedules", ({ params, query, res, path, userId }) => {
        const p = core.findProject(params[0]!, userId);
        return [200, core.paginate(res, query, path, [...p.schedules.values()].map((s) => scheduleJson(s, false)))];
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
        if (s.variables.some((v) => v.key === body.key)) throw new HttpError(400, { message: { key: [`(${body.key}) has already been taken`] } });
        const v = { key: String(body.key), value: String(body.value), variable_type: String(body.variable_type ?? "env_var") };
        s.variables.push(v);
        return [201, v];
    });
    core.route("PUT", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireVariableRights(p, userId);
        requireOwner(s, userId);
        const v = s.variables.find((x) => x.key === decodeURIComponent(params[2]!));
        if (!v) throw notFound("Pipeline Schedule Variable");
        if (body.value !== undefined) v.value = String(body.value);
        return [200, v];
    });
    core.route("DELETE", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const s = schedule(p, params[1]!);
        requireOwner(s, userId);
        const v = s.variables.find((x) => x.key === decodeURIComponent(params[2]!));
        if (!v) throw notFound("Pipeline Schedule Variable");
        s.variables = s.variables.filter((x) => x !== v);
        // `status :accepted; present variable.destroy`: 202 with the deleted variable.
        return [202, v];
    });
}
