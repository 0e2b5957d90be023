/** CI runners created with the runner-creation flow (lib/api/user_runners.rb, lib/api/ci/runners.rb). */
import { randomBytes } from "crypto";
import type { EmulatorCore } from "./index";
import { badRequest, forbidden, paramError, recordNotFound, Role, RunnerState } from "./model";

const bool = (v: unknown) => v === true || v === "true";

export function registerCiRoutes(core: EmulatorCore): void {
    const { state } = core;

    /** RunnerDetails: never the token (exposing it was deprecated in 12.10 and removed). */
    const runnerJson = (r: RunnerState) => ({
        id: r.id,
        description: r.description,
        active: !r.paused,
        paused: r.paused,
        is_shared: false,
        runner_type: r.runner_type,
        name: null,
        online: false,
        status: "never_contacted",
        tag_list: r.tag_list,
        run_untagged: r.run_untagged,
        locked: r.locked,
        maximum_timeout: r.maximum_timeout,
        access_level: r.access_level,
        projects: r.project_ids.map((id) => ({ id, path_with_namespace: state.projects.get(id)?.path_with_namespace })),
    });
    const tags = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === "" ? [] : String(v).split(",").map((s) => s.trim()));

    // POST /user/runners: `create_runner` or `api` scope; ProjectRunnerStrategy needs create_runner
    // on the project (Maintainer). The token (`glrt-` prefix) is shown once, in this answer.
    core.route(
        "POST",
        "/user/runners",
        ({ body, userId }) => {
            if (!body.runner_type) throw paramError("runner_type is missing");
            if (body.runner_type !== "project_type") throw badRequest("only project_type runners are emulated");
            const project = body.project_id !== undefined && /^\d+$/.test(String(body.project_id)) ? state.projects.get(Number(body.project_id)) : undefined;
            // validate_params: a missing or non-numeric project is a 400; Project.find_by_id has no
            // visibility check, so a project the caller cannot see is a 403, not a 404.
            if (!project) throw badRequest("Missing/invalid project");
            if (core.accessLevel(project, userId) < Role.Maintainer) throw forbidden("Insufficient permissions");
            if (body.access_level !== undefined && !["not_protected", "ref_protected"].includes(String(body.access_level))) throw paramError("access_level does not have a valid value");
            const r: RunnerState = {
                id: core.nextId(),
                description: String(body.description ?? ""),
                runner_type: "project_type",
                project_ids: [project.id],
                tag_list: tags(body.tag_list),
                // Defaults: run_untagged true, locked false (lib/api/user_runners.rb params).
                run_untagged: body.run_untagged === undefined ? true : bool(body.run_untagged),
                locked: bool(body.locked),
                access_level: (body.access_level ?? "not_protected") as RunnerState["access_level"],
                maximum_timeout: body.maximum_timeout === undefined ? null : Number(body.maximum_timeout),
                paused: bool(body.paused),
                token: `glrt-${randomBytes(15).toString("base64url")}`,
            };
            state.runners.set(r.id, r);
            return [201, { id: r.id, token: r.token, token_expires_at: null }];
        },
        { scopes: ["api", "create_runner"] },
    );

    const findRunner = (raw: string, userId: number, write: boolean) => {
        const r = state.runners.get(Number(raw));
        if (!r) throw recordNotFound();
        const level = Math.max(0, ...r.project_ids.map((id) => (state.projects.has(id) ? core.accessLevel(state.projects.get(id)!, userId) : 0)));
        // authenticate_show_runner!/authenticate_update_runner!: Maintainer of an owning project.
        if (level < (write ? Role.Maintainer : Role.Developer)) throw forbidden("No access granted");
        return r;
    };
    core.route("GET", "/runners/:id", ({ params, userId }) => [200, runnerJson(findRunner(params[0]!, userId, false))]);
    core.route("PUT", "/runners/:id", ({ params, body, userId }) => {
        const r = findRunner(params[0]!, userId, true);
        if (body.description !== undefined) r.description = String(body.description);
        if (body.tag_list !== undefined) r.tag_list = tags(body.tag_list);
        if (body.run_untagged !== undefined) r.run_untagged = bool(body.run_untagged);
        if (body.locked !== undefined) r.locked = bool(body.locked);
        if (body.access_level !== undefined) r.access_level = String(body.access_level) as RunnerState["access_level"];
        if (body.maximum_timeout !== undefined) r.maximum_timeout = Number(body.maximum_timeout);
        if (body.paused !== undefined) r.paused = bool(body.paused);
        return [200, runnerJson(r)];
    });
    core.route("DELETE", "/runners/:id", ({ params, userId }) => {
        const r = findRunner(params[0]!, userId, true);
        // authenticate_delete_runner!: a runner of several projects cannot be deleted by a project member.
        if (r.project_ids.length > 1 && !core.user(userId).is_admin) throw forbidden("Runner associated with more than one project");
        state.runners.delete(r.id);
        return [204, null];
    });
    core.route("GET", "/projects/:id/runners", ({ params, query, res, path, userId }) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        return [200, core.paginate(res, query, path, [...state.runners.values()].filter((r) => r.project_ids.includes(p.id)).map(runnerJson))];
    });
}
