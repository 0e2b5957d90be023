/** CI runners created with the runner-creation flow (lib/api/user_runners.rb, lib/api/ci/runners.rb). */
import { randomBytes } from "crypto";
import type { EmulatorCore } from "./index";
import { badRequest, bool, forbidden, notFound, paramError, Role, RunnerState } from "./model";

/** `put ':id'`'s `at_least_one_of` (lib/api/ci/runners.rb). */
const RUNNER_UPDATE_PARAMS = ["description", "active", "paused", "tag_list", "run_untagged", "locked", "access_level", "maximum_timeout", "maintenance_note"] as const;
const RUNNER_ACCESS_LEVELS = ["not_protected", "ref_protected"];

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
        // No runner here ever contacts GitLab: Ci::Runner#status is :never_contacted without a
        // contacted_at, and online? needs a recent one (app/models/ci/runner.rb).
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
            if (body.access_level !== undefined && !RUNNER_ACCESS_LEVELS.includes(String(body.access_level))) throw paramError("access_level does not have a valid value");
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

    const findRunner = (raw: string, userId: number) => {
        const r = state.runners.get(Number(raw));
        // lib/api/ci/runners.rb get_runner: find_runner (find_by), then not_found!('Runner').
        if (!r) throw notFound("Runner");
        const level = Math.max(0, ...r.project_ids.map((id) => (state.projects.has(id) ? core.accessLevel(state.projects.get(id)!, userId) : 0)));
        // authenticate_show_runner!/authenticate_update_runner!: can?(:read_runner / :update_runner), which
        // app/policies/ci/runner_policy.rb grants for runners the user owns: a project runner is owned by
        // the project's Maintainers (User#ci_owned_runners), for reading and writing alike.
        if (level < Role.Maintainer && !core.user(userId).is_admin) throw forbidden("No access granted");
        return r;
    };
    core.route("GET", "/runners/:id", ({ params, userId }) => [200, runnerJson(findRunner(params[0]!, userId))]);
    // lib/api/ci/runners.rb `put ':id'`: Grape validates first (at_least_one_of the fields below,
    // `mutually_exclusive :active, :paused`, access_level's values: 400), then get_runner and
    // authenticate_update_runner!; `active` is the deprecated inverse of `paused`. 200 with RunnerDetails.
    core.route("PUT", "/runners/:id", ({ params, body, userId }) => {
        if (!RUNNER_UPDATE_PARAMS.some((k) => body[k] !== undefined)) throw paramError(`${RUNNER_UPDATE_PARAMS.join(", ")} are missing, at least one parameter must be provided`);
        if (body.active !== undefined && body.paused !== undefined) throw paramError("active, paused are mutually exclusive");
        if (body.access_level !== undefined && !RUNNER_ACCESS_LEVELS.includes(String(body.access_level))) throw paramError("access_level does not have a valid value");
        const r = findRunner(params[0]!, userId);
        if (body.active !== undefined) r.paused = !bool(body.active);
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
        const r = findRunner(params[0]!, userId);
        // authenticate_delete_runner!: a runner of several projects cannot be deleted by a project member.
        if (r.project_ids.length > 1 && !core.user(userId).is_admin) throw forbidden("Runner associated with more than one project");
        state.runners.delete(r.id);
        return [204, null];
    });
    // lib/api/ci/runners.rb, resource :projects: `before { authorize! :read_project_runners, user_project }`,
    // which ProjectPolicy enables in its maintainer block.
    core.route("GET", "/projects/:id/runners", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        core.requireAccess(p, ctx.userId, Role.Maintainer);
        return [200, core.paginate(ctx, [...state.runners.values()].filter((r) => r.project_ids.includes(p.id)).map(runnerJson))];
    });
}
