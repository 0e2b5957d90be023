/** Projects (create, settings, delayed deletion) and project members. */
import type { EmulatorCore } from "./index";
import { bool, conflict, forbidden, HttpError, notFound, paramError, ProjectState, recordNotFound, Role, validationError } from "./model";

/**
 * The `ci_pipeline_variables_minimum_override_role` new projects get: self-managed keeps
 * `developer`; gitlab.com defaults new projects to `no_one_allowed` (gitlab-org/gitlab#515794).
 */
const PIPELINE_VARIABLES_MINIMUM_ROLE = "developer";

/**
 * A project's path and the two fields derived from it: `path_with_namespace` is
 * Project#full_path (namespace path + path) and `web_url` the project's URL (lib/api/entities/project.rb).
 * Every change of path goes through here so the three never disagree.
 */
function located(core: EmulatorCore, namespacePath: string, path: string): Pick<ProjectState, "path" | "path_with_namespace" | "web_url"> {
    const full = `${namespacePath}/${path}`;
    return { path, path_with_namespace: full, web_url: `${core.url()}/${full}` };
}

/** PUT /projects/:id settings this emulator keeps (doc/api/projects.md "Edit a project"). */
const BOOLEAN_SETTINGS = [
    "only_allow_merge_if_pipeline_succeeds",
    "only_allow_merge_if_all_discussions_are_resolved",
    "remove_source_branch_after_merge",
    "allow_merge_on_skipped_pipeline",
    "ci_push_repository_for_job_token_allowed",
] as const;
const STRING_SETTINGS = ["default_branch", "visibility", "description", "name", "ci_pipeline_variables_minimum_override_role"] as const;

function projectJson(core: EmulatorCore, p: ProjectState): Record<string, unknown> {
    const {
        branches: _b,
        tags: _t,
        protectedBranches: _pb,
        protectedTags: _pt,
        members: _m,
        pushRule: _pr,
        approvalRules: _ar,
        approvalSettings: _as,
        files: _f,
        mergeRequests: _mr,
        schedules: _s,
        variables: _v,
        marked_for_deletion_at,
        ...rest
    } = p;
    void [_b, _t, _pb, _pt, _m, _pr, _ar, _as, _f, _mr, _s, _v];
    // marked_for_deletion_at/_on are exposed by the EE entity (ee/lib/ee/api/entities/project.rb).
    const deletion = core.edition.ee ? { marked_for_deletion_at, marked_for_deletion_on: marked_for_deletion_at?.slice(0, 10) ?? null } : {};
    return { ...rest, ...deletion };
}

export function registerProjectRoutes(core: EmulatorCore): void {
    const { state } = core;

    core.route("POST", "/projects", ({ body, userId }) => {
        if (!body.name && !body.path) throw paramError("name, path are missing, at least one parameter must be provided");
        const ns = body.namespace_id !== undefined ? state.groups.get(Number(body.namespace_id)) : undefined;
        if (body.namespace_id !== undefined && !ns) throw notFound("Namespace");
        // A group's default project_creation_level is Maintainer: developers cannot create projects
        // (spec/.../group_where_direct_developer_but_developers_cannot_create_projects uses a default group).
        if (ns && core.groupAccessLevel(ns, userId) < Role.Maintainer) throw forbidden();
        const path = String(body.path ?? body.name).toLowerCase();
        const owner = core.user(userId).username;
        const where = located(core, ns ? ns.full_path : owner, path);
        // app/models/project.rb validates name and path unique per namespace; lib/api/projects.rb
        // `post` answers a failed save with render_validation_error!(project): 400, the errors hash.
        if ([...state.projects.values()].some((p) => p.path_with_namespace === where.path_with_namespace)) {
            throw validationError({ name: ["has already been taken"], path: ["has already been taken"] });
        }
        const pid = core.nextId();
        // Defaults when the POST omits them: the default branch is `main` (Gitlab::DefaultBranch.value,
        // lib/gitlab/default_branch.rb), visibility the instance's default_project_visibility, private
        // out of the box (ApplicationSettingImplementation defaults), and remove_source_branch_after_merge
        // true (app/models/project.rb `attribute :remove_source_branch_after_merge, default: true`).
        const defaultBranch = String(body.default_branch ?? "main");
        const now = new Date().toISOString();
        const withReadme = bool(body.initialize_with_readme);
        const p: ProjectState = {
            id: pid,
            name: String(body.name ?? path),
            ...where,
            namespace: ns ? { id: ns.id, full_path: ns.full_path, kind: "group" } : { id: 0, full_path: owner, kind: "user" },
            default_branch: defaultBranch,
            visibility: String(body.visibility ?? "private"),
            description: String(body.description ?? ""),
            archived: false,
            marked_for_deletion_at: null,
            only_allow_merge_if_pipeline_succeeds: bool(body.only_allow_merge_if_pipeline_succeeds),
            only_allow_merge_if_all_discussions_are_resolved: bool(body.only_allow_merge_if_all_discussions_are_resolved),
            remove_source_branch_after_merge: body.remove_source_branch_after_merge === undefined ? true : bool(body.remove_source_branch_after_merge),
            allow_merge_on_skipped_pipeline: false,
            ci_push_repository_for_job_token_allowed: false,
            ci_pipeline_variables_minimum_override_role: PIPELINE_VARIABLES_MINIMUM_ROLE,
            branches: new Map(withReadme ? [[defaultBranch, { commit: "c0ffee00", committed_date: now }]] : []),
            tags: new Map(),
            protectedBranches: new Map(),
            protectedTags: new Map(),
            // The creator becomes a member: Owner of a personal project, Maintainer in a group
            // unless the group already gives more (Projects::CreateService#add_members).
            members: new Map([[userId, ns ? Math.max(Role.Maintainer, core.groupAccessLevel(ns, userId) >= Role.Admin ? Role.Owner : core.groupAccessLevel(ns, userId)) : Role.Owner]]),
            pushRule: null,
            approvalRules: new Map(),
            approvalSettings: { reset_approvals_on_push: true, merge_requests_author_approval: false, merge_requests_disable_committers_approval: false },
            files: new Map(withReadme ? [[defaultBranch, new Map([["README.md", `# ${path}\n`]])]] : []),
            mergeRequests: [],
            schedules: new Map(),
        };
        state.projects.set(pid, p);
        return [201, projectJson(core, p)];
    });

    core.route("GET", "/projects/:id", ({ params, userId }) => [200, projectJson(core, core.findProject(params[0]!, userId))]);

    core.route("PUT", "/projects/:id", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        // lib/api/projects.rb `put ':id'`: authorize_admin_project (Maintainer), then
        // `authorize! :change_visibility_level` when `visibility` is *present* (not changed):
        // that ability is in ProjectPolicy's owner block, so a Maintainer sending the current
        // visibility gets 403 too.
        core.requireAccess(p, userId, Role.Maintainer);
        if (body.visibility !== undefined && body.visibility !== "") core.requireAccess(p, userId, Role.Owner);
        const known = [...BOOLEAN_SETTINGS, ...STRING_SETTINGS, "path", "archived"];
        if (!Object.keys(body).some((k) => known.includes(k))) throw paramError(`${[...STRING_SETTINGS, ...BOOLEAN_SETTINGS].join(", ")} are missing, at least one parameter must be provided`);
        if (body.default_branch !== undefined && !p.branches.has(String(body.default_branch)) && p.branches.size > 0) {
            throw validationError({ base: [`Could not change HEAD: branch '${body.default_branch}' does not exist`] });
        }
        for (const k of STRING_SETTINGS) if (body[k] !== undefined) (p as unknown as Record<string, unknown>)[k] = String(body[k]);
        for (const k of BOOLEAN_SETTINGS) if (body[k] !== undefined) p[k] = bool(body[k]);
        return [200, projectJson(core, p)];
    });

    core.route("DELETE", "/projects/:id", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        // `authorize! :remove_project`: Owner (ProjectPolicy owner block).
        core.requireAccess(p, userId, Role.Owner);
        // doc/api/projects.md "Delete a project": since 18.0 every tier marks the project for
        // deletion (archived, renamed `<path>-deletion_scheduled-<id>`) and answers 202; GET still
        // finds it (Projects::MarkForDeletionService). A second delete is refused.
        if (p.marked_for_deletion_at) throw new HttpError(400, { message: "Project has been already marked for deletion" });
        p.archived = true;
        p.marked_for_deletion_at = new Date().toISOString();
        Object.assign(p, located(core, p.namespace.full_path, `${p.path}-deletion_scheduled-${p.id}`));
        p.name = `${p.name}-deletion_scheduled-${p.id}`;
        return [202, { message: "202 Accepted" }];
    });

    // --- members (lib/api/members.rb) -------------------------------------------------------
    const memberJson = (uid: number, level: number) => ({ ...core.user(uid), access_level: level });
    // `get ":id/members"`: find_source (find_project!, so visibility is the only check), then the
    // project's direct members (MembersHelpers#source_members), paginated.
    core.route("GET", "/projects/:id/members", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        return [200, core.paginate(ctx, [...p.members.entries()].map(([uid, level]) => memberJson(uid, level)))];
    });
    // /members/all includes members inherited from the group chain (find_all_members).
    core.route("GET", "/projects/:id/members/all", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        const ids = new Set<number>([...p.members.keys()]);
        for (const g of core.groupChain(p.namespace.full_path)) for (const uid of g.members.keys()) ids.add(uid);
        return [200, core.paginate(ctx, [...ids].map((uid) => memberJson(uid, core.accessLevel(p, uid))))];
    });
    // `get ":id/members/:user_id"`: source_members(source).find_by!(user_id:), so a user who is only
    // an inherited member is ActiveRecord's 404 "Not found", as is a non-member.
    core.route("GET", "/projects/:id/members/:user", ({ params, userId }) => {
        const level = core.findProject(params[0]!, userId).members.get(Number(params[1]));
        if (level === undefined) throw recordNotFound();
        return [200, memberJson(Number(params[1]), level)];
    });
    core.route("GET", "/projects/:id/members/all/:user", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const level = core.accessLevel(p, Number(params[1]));
        if (level < Role.Guest || !state.users.has(Number(params[1]))) throw recordNotFound();
        return [200, memberJson(Number(params[1]), level)];
    });
    core.route("POST", "/projects/:id/members", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        if (body.access_level === undefined) throw paramError("access_level is missing");
        if (body.user_id === undefined && body.username === undefined) throw paramError("user_id, username are missing, exactly one parameter must be provided");
        const uid = body.user_id !== undefined ? Number(body.user_id) : [...state.users.values()].find((u) => u.username === body.username)?.id;
        if (uid === undefined || !state.users.has(uid)) throw notFound("User");
        // add_single_member → check_existing_membership → conflict!('Member already exists').
        if (p.members.has(uid)) throw conflict("Member already exists");
        // Only Owners may add Owners (Members::CreateService, cannot_assign_owner_responsibilities…).
        if (Number(body.access_level) >= Role.Owner) core.requireAccess(p, userId, Role.Owner);
        p.members.set(uid, Number(body.access_level));
        return [201, memberJson(uid, Number(body.access_level))];
    });
    // `put ":id/members/:user_id"`: Grape's `requires :access_level` fails first (400), then
    // authorize_admin_source! (Maintainer), then `find_by!` (404 "Not found") on direct members.
    core.route("PUT", "/projects/:id/members/:user", ({ params, body, userId }) => {
        if (body.access_level === undefined) throw paramError("access_level is missing");
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        const uid = Number(params[1]);
        if (!p.members.has(uid)) throw recordNotFound();
        // Members::UpdateService#has_update_permissions?: making someone Owner, or changing an Owner,
        // needs :manage_owners (ProjectPolicy owner block); otherwise AccessDeniedError → 403.
        if (Number(body.access_level) === Role.Owner || p.members.get(uid) === Role.Owner) core.requireAccess(p, userId, Role.Owner);
        p.members.set(uid, Number(body.access_level));
        return [200, memberJson(uid, Number(body.access_level))];
    });
    // `delete ":id/members/:user_id"`: `find_by!` first (404 "Not found", whoever asks), then
    // Members::DestroyService#authorized? (:destroy_project_member, Maintainer) → 403; 204 on success.
    core.route("DELETE", "/projects/:id/members/:user", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const uid = Number(params[1]);
        if (!p.members.has(uid)) throw recordNotFound();
        core.requireAccess(p, userId, Role.Maintainer);
        p.members.delete(uid);
        return [204, null];
    });
}
