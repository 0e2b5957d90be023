/** Project CI/CD variables (lib/api/ci/variables.rb, app/models/ci/variable.rb, app/models/concerns/ci/maskable.rb). */
import type { EmulatorCore, RequestContext } from "./index";
import { bool, conflict, notFound, paramError, ProjectState, Role, validationError, VariableState } from "./model";

/** Ci::Maskable::REGEX: what a masked, expanded variable may hold (Base64 alphabet plus `@:.~`, 8 or more). */
const MASKABLE = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
/** Ci::Maskable::MASK_AND_RAW_REGEX: a masked raw variable only needs 8 or more non-whitespace characters. */
const MASKABLE_RAW = /^\S{8,}$/;
/** HasVariable: `key` is letters, digits and `_`, at most 255. */
const KEY = /^[a-zA-Z0-9_]{1,255}$/;
const VARIABLE_TYPES = ["env_var", "file"];

/** Entities::Ci::Variable: a hidden variable's value is never shown. */
const variableJson = (v: VariableState) => ({ ...v, value: v.hidden ? null : v.value });

/** The model validations a create or update runs, as render_validation_error! answers them (400, the errors hash). */
function validate(v: VariableState, others: readonly VariableState[]): void {
    const errors: Record<string, string[]> = {};
    if (!KEY.test(v.key)) errors.key = ["can contain only letters, digits and '_'."];
    // Ci::Variable validates key uniqueness per project and environment scope.
    if (others.some((o) => o.key === v.key && o.environment_scope === v.environment_scope)) errors.key = [...(errors.key ?? []), `(${v.key}) has already been taken`];
    if (v.masked && !(v.raw ? MASKABLE_RAW : MASKABLE).test(v.value)) errors.value = ["is invalid"];
    if (Object.keys(errors).length > 0) throw validationError(errors);
}

export function registerVariableRoutes(core: EmulatorCore): void {
    const { state } = core;
    const listOf = (p: ProjectState) => {
        let list = state.variables.get(p.id);
        if (!list) state.variables.set(p.id, (list = []));
        return list;
    };
    /** `before { authorize! :admin_cicd_variables, user_project }`: ProjectPolicy's maintainer block. */
    const project = ({ params, userId }: Pick<RequestContext, "params" | "userId">) => {
        const p = core.findProject(params[0]!, userId);
        core.requireAccess(p, userId, Role.Maintainer);
        return p;
    };
    /**
     * VariablesHelpers#find_variable: by key, narrowed by `filter[environment_scope]`; more than one
     * match is a 409 asking for the filter.
     */
    const find = (p: ProjectState, key: string, body: Record<string, any>) => {
        const scope = body["filter[environment_scope]"] ?? body.filter?.environment_scope;
        const found = listOf(p).filter((v) => v.key === key && (scope === undefined || v.environment_scope === scope));
        if (found.length > 1) throw conflict("There are multiple variables with provided parameters. Please use 'filter[environment_scope]'");
        if (!found[0]) throw notFound("Variable");
        return found[0];
    };
    const typeOf = (raw: unknown): VariableState["variable_type"] => {
        if (raw !== undefined && !VARIABLE_TYPES.includes(String(raw))) throw paramError("variable_type does not have a valid value");
        return (raw ?? "env_var") as VariableState["variable_type"];
    };

    core.route("GET", "/projects/:id/variables", (ctx) => [200, core.paginate(ctx, listOf(project(ctx)).map(variableJson))]);
    core.route("GET", "/projects/:id/variables/:key", (ctx) => [200, variableJson(find(project(ctx), ctx.params[1]!, ctx.body))]);

    core.route("POST", "/projects/:id/variables", (ctx) => {
        const { body } = ctx;
        if (body.key === undefined) throw paramError("key is missing");
        if (body.value === undefined) throw paramError("value is missing");
        const type = typeOf(body.variable_type);
        const p = project(ctx);
        // masked_and_hidden: hidden implies masked (Ci::ChangeVariableService create params).
        const hidden = bool(body.masked_and_hidden);
        const v: VariableState = {
            key: String(body.key),
            value: String(body.value),
            variable_type: type,
            protected: bool(body.protected),
            masked: hidden || bool(body.masked),
            hidden,
            raw: bool(body.raw),
            environment_scope: body.environment_scope === undefined ? "*" : String(body.environment_scope),
            description: body.description === undefined ? null : String(body.description),
        };
        validate(v, listOf(p));
        listOf(p).push(v);
        return [201, variableJson(v)];
    });

    core.route("PUT", "/projects/:id/variables/:key", (ctx) => {
        const { body } = ctx;
        const type = body.variable_type === undefined ? undefined : typeOf(body.variable_type);
        const p = project(ctx);
        const current = find(p, ctx.params[1]!, body);
        // declared_params without key and filter: the key never changes through this route.
        const next: VariableState = {
            ...current,
            ...(body.value !== undefined ? { value: String(body.value) } : {}),
            ...(type ? { variable_type: type } : {}),
            ...(body.protected !== undefined ? { protected: bool(body.protected) } : {}),
            ...(body.masked !== undefined ? { masked: bool(body.masked) } : {}),
            ...(body.raw !== undefined ? { raw: bool(body.raw) } : {}),
            ...(body.environment_scope !== undefined ? { environment_scope: String(body.environment_scope) } : {}),
            ...(body.description !== undefined ? { description: String(body.description) } : {}),
        };
        validate(next, listOf(p).filter((v) => v !== current));
        Object.assign(current, next);
        return [200, variableJson(current)];
    });

    core.route("DELETE", "/projects/:id/variables/:key", (ctx) => {
        const p = project(ctx);
        const v = find(p, ctx.params[1]!, ctx.body);
        listOf(p).splice(listOf(p).indexOf(v), 1);
        return [204, null];
    });
}
