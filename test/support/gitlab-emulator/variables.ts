/**
 * Project CI/CD variables (lib/api/ci/variables.rb). Every route is behind
 * `authorize! :admin_cicd_variables, user_project`, which ProjectPolicy grants in its
 * `maintainer_access` block (app/policies/project_policy.rb): Maintainers and above; a project
 * the caller cannot see is find_project!'s 404 first.
 */
import type { EmulatorCore } from "./index";
import { bool, notFound, paramError, ProjectState, Role, validationError, VariableState } from "./model";

/** Ci::Variable's key format (app/models/concerns/ci/has_variable.rb: letters, digits and '_', at most 255). */
const KEY = /^[a-zA-Z0-9_]{1,255}$/;

/** lib/api/entities/ci/variable.rb (a hidden variable's value is null; none is hidden here). */
const variableJson = (v: VariableState) => ({ ...v, hidden: false });

export function registerVariableRoutes(core: EmulatorCore): void {
    const project = (ref: string, userId: number): Map<string, VariableState> => {
        const p: ProjectState = core.findProject(ref, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        p.variables ??= new Map();
        return p.variables;
    };
    const find = (vars: Map<string, VariableState>, key: string) => {
        const v = vars.get(key);
        // `not_found!('Variable') unless variable`.
        if (!v) throw notFound("Variable");
        return v;
    };
    const flags = (body: Record<string, unknown>, into: Partial<VariableState>) => {
        for (const k of ["protected", "masked", "raw"] as const) if (body[k] !== undefined) into[k] = bool(body[k]);
        if (body.variable_type !== undefined) into.variable_type = body.variable_type === "file" ? "file" : "env_var";
        if (body.description !== undefined) into.description = String(body.description);
        if (body.value !== undefined) into.value = String(body.value);
    };

    core.route("GET", "/projects/:id/variables", (ctx) => [200, core.paginate(ctx, [...project(ctx.params[0]!, ctx.userId).values()].map(variableJson))]);
    core.route("GET", "/projects/:id/variables/:key", ({ params, userId }) => [200, variableJson(find(project(params[0]!, userId), params[1]!))]);
    core.route("POST", "/projects/:id/variables", ({ params, body, userId }) => {
        const vars = project(params[0]!, userId);
        // Grape `requires :key, :value`.
        if (body.key === undefined || body.value === undefined) throw paramError(`${[body.key === undefined ? "key" : "", body.value === undefined ? "value" : ""].filter(Boolean).join(", ")} is missing`);
        const key = String(body.key);
        if (!KEY.test(key)) throw validationError({ key: ["can contain only letters, digits and '_'."] });
        // Ci::Variable validates the key unique per project and environment scope; the save fails → render_validation_error!.
        if (vars.has(key)) throw validationError({ key: [`(${key}) has already been taken`] });
        const v: VariableState = { key, value: "", variable_type: "env_var", protected: false, masked: false, raw: false, environment_scope: String(body.environment_scope ?? "*"), description: null };
        flags(body, v);
        vars.set(key, v);
        return [201, variableJson(v)];
    });
    core.route("PUT", "/projects/:id/variables/:key", ({ params, body, userId }) => {
        const v = find(project(params[0]!, userId), params[1]!);
        flags(body, v);
        return [200, variableJson(v)];
    });
    core.route("DELETE", "/projects/:id/variables/:key", ({ params, userId }) => {
        const vars = project(params[0]!, userId);
        find(vars, params[1]!);
        vars.delete(params[1]!);
        // `no_content!`.
        return [204, null];
    });
}
