/**
 * Protected branches and tags, per edition. The shapes and params differ between the CE and EE
 * codebases (lib/api/protected_branches.rb, lib/api/helpers/protected_branches_helpers.rb and
 * their EE prepends), which is exactly where a tier-blind provider goes wrong.
 */
import type { EmulatorCore } from "./index";
import { AccessEntry, ACCESS_LEVEL_DESCRIPTIONS, bool, conflict, paramError, ProjectState, ProtectedBranchState, ProtectedTagState, recordNotFound, Role, unprocessable } from "./model";

/**
 * Older EE declared PATCH protected_branches `code_owner_approval_required` with `default: false`,
 * so omitting it reset the flag (ee/lib/ee/api/helpers/protected_branches_helpers.rb before the
 * default was removed; gitlabform users reported it). The emulator keeps that older behaviour.
 */
const CODE_OWNER_RESET_WHEN_OMITTED = true;

const num = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : Number(v));

export function registerProtectedRefRoutes(core: EmulatorCore): void {
    const { edition } = core;
    const entry = (level: number): AccessEntry => ({ id: core.nextId(), access_level: level, user_id: null, group_id: null });

    /**
     * lib/api/entities/protected_ref_access.rb: CE entries carry id, access_level and its
     * description; the EE entity (ee/lib/ee/api/entities/protected_ref_access.rb) adds user_id and
     * group_id to every entry, null when unused, licensed or not.
     */
    const entryJson = (a: AccessEntry) => ({
        id: a.id,
        access_level: a.access_level,
        access_level_description: ACCESS_LEVEL_DESCRIPTIONS[a.access_level] ?? String(a.access_level),
        ...(edition.ee ? { user_id: a.user_id, group_id: a.group_id } : {}),
    });

    /**
     * lib/api/entities/protected_branch.rb (CE): id, name, push/merge access levels and
     * allow_force_push. EE adds unprotect_access_levels and code_owner_approval_required
     * (ee/lib/ee/api/entities/protected_branch.rb).
     */
    const branchJson = (pb: ProtectedBranchState) => ({
        id: pb.id,
        name: pb.name,
        push_access_levels: pb.push_access_levels.map(entryJson),
        merge_access_levels: pb.merge_access_levels.map(entryJson),
        allow_force_push: pb.allow_force_push,
        ...(edition.ee ? { unprotect_access_levels: pb.unprotect_access_levels.map(entryJson), code_owner_approval_required: pb.code_owner_approval_required } : {}),
    });

    const findBranchRule = (p: ProjectState, name: string) => {
        const pb = p.protectedBranches.get(name);
        // find_by! → ActiveRecord::RecordNotFound → "404 Not found".
        if (!pb) throw recordNotFound();
        return pb;
    };

    /**
     * EE `allowed_to_*` arrays: `{access_level}` adds an entry next to the existing ones,
     * `{id, _destroy: true}` removes one (nested attributes via ProtectedBranches::ApiService).
     * User and group entries need the licensed feature; unlicensed EE drops them.
     */
    const applyChanges = (list: AccessEntry[], changes: unknown, what: string): AccessEntry[] => {
        if (!Array.isArray(changes)) return list;
        let out = [...list];
        for (const c of changes as Record<string, unknown>[]) {
            if (c._destroy && c.id !== undefined) out = out.filter((e) => e.id !== Number(c.id));
            else if (c.user_id !== undefined || c.group_id !== undefined) {
                if (edition.premium) out.push({ id: core.nextId(), access_level: Role.Developer, user_id: num(c.user_id) ?? null, group_id: num(c.group_id) ?? null });
            } else if (c.access_level !== undefined) {
                const level = Number(c.access_level);
                // The EE model validates access_level uniqueness per protected branch: 422.
                if (out.some((e) => e.user_id === null && e.group_id === null && e.access_level === level)) throw unprocessable([`${what} access levels access level has already been taken`]);
                out.push(entry(level));
            }
        }
        return out;
    };

    // lib/api/protected_branches.rb: both GETs start with authorize_read_code! (Reporter on a private
    // project), the list and `get ':id/protected_branches/:name'` alike.
    core.route("GET", "/projects/:id/protected_branches", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        core.requireReadCode(p, ctx.userId);
        return [200, core.paginate(ctx, [...p.protectedBranches.values()].map(branchJson))];
    });
    core.route("GET", "/projects/:id/protected_branches/:name", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireReadCode(p, userId);
        return [200, branchJson(findBranchRule(p, params[1]!))];
    });

    core.route("POST", "/projects/:id/protected_branches", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        // create_protected_branch is in ProjectPolicy's maintainer block.
        core.requireAccess(p, userId, Role.Maintainer);
        if (!body.name) throw paramError("name is missing");
        const name = String(body.name);
        if (p.protectedBranches.has(name)) throw conflict(`Protected branch '${name}' already exists`);
        // ProtectedRefs::AccessLevelParams#params_with_default: push/merge default to Maintainer.
        // CE declares only name, push/merge levels and allow_force_push: unprotect_access_level and
        // code_owner_approval_required are undeclared there and dropped by declared_params.
        const pb: ProtectedBranchState = {
            id: core.nextId(),
            name,
            push_access_levels: [entry(num(body.push_access_level) ?? Role.Maintainer)],
            merge_access_levels: [entry(num(body.merge_access_level) ?? Role.Maintainer)],
            unprotect_access_levels: edition.ee ? [entry(num(body.unprotect_access_level) ?? Role.Maintainer)] : [],
            allow_force_push: bool(body.allow_force_push),
            code_owner_approval_required: edition.ee && bool(body.code_owner_approval_required),
        };
        p.protectedBranches.set(name, pb);
        return [201, branchJson(pb)];
    });

    core.route("PATCH", "/projects/:id/protected_branches/:name", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const pb = findBranchRule(p, params[1]!);
        core.requireAccess(p, userId, Role.Maintainer);
        // PATCH never takes push_access_level/merge_access_level scalars (any edition).
        if (body.allow_force_push !== undefined) pb.allow_force_push = bool(body.allow_force_push);
        if (!edition.ee) {
            // CE: allowed_to_* and code_owner_approval_required are EE params
            // (ee/lib/ee/api/helpers/protected_branches_helpers.rb optional_params_ee); CE drops
            // them silently and answers 200 with nothing changed.
            return [200, branchJson(pb)];
        }
        if (body.code_owner_approval_required !== undefined) pb.code_owner_approval_required = bool(body.code_owner_approval_required);
        else if (CODE_OWNER_RESET_WHEN_OMITTED) pb.code_owner_approval_required = false;
        pb.push_access_levels = applyChanges(pb.push_access_levels, body.allowed_to_push, "Push");
        pb.merge_access_levels = applyChanges(pb.merge_access_levels, body.allowed_to_merge, "Merge");
        pb.unprotect_access_levels = applyChanges(pb.unprotect_access_levels, body.allowed_to_unprotect, "Unprotect");
        return [200, branchJson(pb)];
    });

    core.route("DELETE", "/projects/:id/protected_branches/:name", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const pb = findBranchRule(p, params[1]!);
        core.requireAccess(p, userId, Role.Maintainer);
        p.protectedBranches.delete(pb.name);
        return [204, null];
    });

    // --- protected tags (lib/api/protected_tags.rb) --------------------------------------------
    // The entity has `name` and `create_access_levels` only (no id); there is no PATCH or PUT.
    const tagJson = (t: ProtectedTagState) => ({ name: t.name, create_access_levels: t.create_access_levels.map(entryJson) });
    // Both GETs `authorize!(:read_protected_tags, user_project)`, which ProjectPolicy grants with
    // :manage_protected_tags in its maintainer block: Maintainer, like creating and deleting.
    core.route("GET", "/projects/:id/protected_tags", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        core.requireAccess(p, ctx.userId, Role.Maintainer);
        return [200, core.paginate(ctx, [...p.protectedTags.values()].map(tagJson))];
    });
    core.route("GET", "/projects/:id/protected_tags/:name", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        const t = p.protectedTags.get(params[1]!);
        if (!t) throw recordNotFound();
        return [200, tagJson(t)];
    });
    core.route("POST", "/projects/:id/protected_tags", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        if (!body.name) throw paramError("name is missing");
        const name = String(body.name);
        // No conflict check: the model's `validates :name, uniqueness` fails and the route renders
        // render_api_error!(errors.full_messages, 422) — 422 with an array, not 409.
        if (p.protectedTags.has(name)) throw unprocessable(["Name has already been taken"]);
        const t: ProtectedTagState = { name, create_access_levels: [entry(num(body.create_access_level) ?? Role.Maintainer)] };
        p.protectedTags.set(name, t);
        return [201, tagJson(t)];
    });
    core.route("DELETE", "/projects/:id/protected_tags/:name", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        if (!p.protectedTags.delete(params[1]!)) throw recordNotFound();
        return [204, null];
    });
}
