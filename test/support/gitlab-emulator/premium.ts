/** Premium features: push rules and merge-request approval rules and settings. */
import type { EmulatorCore } from "./index";
import { ApprovalRuleState, bool, forbidden, HttpError, notFound, paramError, ProjectState, recordNotFound, Role, routeNotFound, unprocessable } from "./model";
const list = (v: unknown): number[] => (Array.isArray(v) ? v : v === undefined || v === "" ? [] : String(v).split(",")).map(Number);

export function registerPremiumRoutes(core: EmulatorCore): void {
    const { edition } = core;

    /** EE-only routes do not exist in CE: the catch-all answers `{"error":"404 Not Found"}`. */
    const eeOnly = () => {
        if (!edition.ee) throw routeNotFound();
    };

    // --- push rule (ee/lib/api/project_push_rule.rb) --------------------------------------------
    const PUSH_RULE_FIELDS = ["branch_name_regex", "prevent_secrets", "deny_delete_tag", "commit_message_regex", "member_check"] as const;
    const BOOLEAN_FIELDS = new Set(["prevent_secrets", "deny_delete_tag", "member_check"]);
    const pushRuleProject = (raw: string, userId: number) => {
        eeOnly();
        const p = core.findProject(raw, userId);
        // before: authorize! :admin_push_rules (Maintainer), then
        // check_project_feature_available!(:push_rules) → not_found! without a resource.
        core.requireAccess(p, userId, Role.Maintainer);
        if (!edition.premium) throw notFound();
        return p;
    };
    const pushRuleFrom = (body: Record<string, unknown>, base: Record<string, unknown>) => {
        const out: Record<string, unknown> = { ...base };
        for (const f of PUSH_RULE_FIELDS) if (body[f] !== undefined) out[f] = BOOLEAN_FIELDS.has(f) ? bool(body[f]) : body[f];
        return out;
    };
    const requireSomeField = (body: Record<string, unknown>) => {
        if (!PUSH_RULE_FIELDS.some((f) => body[f] !== undefined)) throw paramError(`${PUSH_RULE_FIELDS.join(", ")} are missing, at least one parameter must be provided`);
    };
    // No rule yet: `present user_project.push_rule` → 200 with a `null` body.
    core.route("GET", "/projects/:id/push_rule", ({ params, userId }) => [200, pushRuleProject(params[0]!, userId).pushRule]);
    core.route("POST", "/projects/:id/push_rule", ({ params, body, userId }) => {
        const p = pushRuleProject(params[0]!, userId);
        requireSomeField(body);
        if (p.pushRule) throw unprocessable("Project push rule exists");
        p.pushRule = pushRuleFrom(body, { id: core.nextId(), project_id: p.id, created_at: new Date().toISOString(), branch_name_regex: null, prevent_secrets: false, deny_delete_tag: false, commit_message_regex: null, member_check: false });
        return [201, p.pushRule];
    });
    // PUT and DELETE on a project without one: not_found!('Push rule') → "404 Push rule Not Found".
    core.route("PUT", "/projects/:id/push_rule", ({ params, body, userId }) => {
        const p = pushRuleProject(params[0]!, userId);
        requireSomeField(body);
        if (!p.pushRule) throw notFound("Push rule");
        p.pushRule = pushRuleFrom(body, p.pushRule);
        return [200, p.pushRule];
    });
    core.route("DELETE", "/projects/:id/push_rule", ({ params, userId }) => {
        const p = pushRuleProject(params[0]!, userId);
        if (!p.pushRule) throw notFound("Push rule");
        p.pushRule = null;
        return [204, null];
    });

    // --- approval rules (ee/lib/api/project_approval_rules.rb) ----------------------------------
    const approvalProject = (raw: string, userId: number, write: boolean) => {
        eeOnly();
        const p = core.findProject(raw, userId);
        // check_feature_availability on an unlicensed EE: 403 (gitlab.com Free answers /approvals with 403).
        if (!edition.premium) throw forbidden();
        if (write) core.requireAccess(p, userId, Role.Maintainer);
        return p;
    };
    const ruleJson = (p: ProjectState, r: ApprovalRuleState) => {
        const users = r.user_ids.map((id) => core.user(id));
        return {
            id: r.id,
            name: r.name,
            rule_type: r.rule_type,
            // eligible_approvers are computed from the rule's users and groups, so an any_approver
            // rule lists none (ee/lib/ee/api/entities/approval_rule.rb; ApprovalWrappedRule).
            eligible_approvers: users,
            approvals_required: r.approvals_required,
            users,
            groups: [],
            contains_hidden_groups: false,
            protected_branches: r.applies_to_all_protected_branches
                ? [...p.protectedBranches.values()].map((pb) => ({ id: pb.id, name: pb.name }))
                : r.protected_branch_ids.map((id) => [...p.protectedBranches.values()].find((pb) => pb.id === id)).filter(Boolean).map((pb) => ({ id: pb!.id, name: pb!.name })),
            applies_to_all_protected_branches: r.applies_to_all_protected_branches,
        };
    };
    /** Updater#filter_eligible_users!: user ids that are not project members are dropped silently. */
    const memberIds = (p: ProjectState, ids: number[]) => ids.filter((id) => core.accessLevel(p, id) >= Role.Guest && !core.user(id)?.is_admin);
    const branchIds = (p: ProjectState, ids: number[]) => ids.filter((id) => [...p.protectedBranches.values()].some((pb) => pb.id === id));

    core.route("GET", "/projects/:id/approval_rules", (ctx) => {
        const p = approvalProject(ctx.params[0]!, ctx.userId, false);
        return [200, core.paginate(ctx, [...p.approvalRules.values()].map((r) => ruleJson(p, r)))];
    });
    // GET, PUT and DELETE find the rule with `user_project.approval_rules.find(id)`
    // (ee/lib/api/project_approval_rules.rb, ee/lib/api/helpers/project_approval_rules_helpers.rb):
    // ActiveRecord::RecordNotFound, so "404 Not found".
    core.route("GET", "/projects/:id/approval_rules/:rule", ({ params, userId }) => {
        const p = approvalProject(params[0]!, userId, false);
        const r = p.approvalRules.get(Number(params[1]));
        if (!r) throw recordNotFound();
        return [200, ruleJson(p, r)];
    });
    core.route("POST", "/projects/:id/approval_rules", ({ params, body, userId }) => {
        const p = approvalProject(params[0]!, userId, true);
        if (!body.name) throw paramError("name is missing");
        if (body.approvals_required === undefined) throw paramError("approvals_required is missing");
        const userIds = memberIds(p, list(body.user_ids ?? body.users));
        const groupIds = list(body.group_ids ?? body.groups);
        // ApprovalRules::CreateService#handle_any_approver_rule_creation: without users or groups the
        // rule becomes `any_approver` unless a rule_type was given (params.reverse_merge!).
        const ruleType = (body.rule_type ?? (userIds.length + groupIds.length === 0 ? "any_approver" : "regular")) as ApprovalRuleState["rule_type"];
        // ApprovalProjectRule validates one any_approver rule per project.
        if (ruleType === "any_approver" && [...p.approvalRules.values()].some((r) => r.rule_type === "any_approver")) {
            throw new HttpError(400, { message: { rule_type: ["any-approver for the project already exists"] } });
        }
        const r: ApprovalRuleState = {
            id: core.nextId(),
            name: String(body.name),
            rule_type: ruleType,
            approvals_required: Number(body.approvals_required),
            user_ids: userIds,
            group_ids: groupIds,
            protected_branch_ids: branchIds(p, list(body.protected_branch_ids)),
            applies_to_all_protected_branches: bool(body.applies_to_all_protected_branches),
        };
        p.approvalRules.set(r.id, r);
        return [201, ruleJson(p, r)];
    });
    core.route("PUT", "/projects/:id/approval_rules/:rule", ({ params, body, userId }) => {
        const p = approvalProject(params[0]!, userId, true);
        const r = p.approvalRules.get(Number(params[1]));
        if (!r) throw recordNotFound();
        if (body.name !== undefined) r.name = String(body.name);
        if (body.approvals_required !== undefined) r.approvals_required = Number(body.approvals_required);
        // PUT replaces the users and groups it is given.
        if (body.user_ids !== undefined || body.users !== undefined) r.user_ids = memberIds(p, list(body.user_ids ?? body.users));
        if (body.group_ids !== undefined || body.groups !== undefined) r.group_ids = list(body.group_ids ?? body.groups);
        if (body.protected_branch_ids !== undefined) r.protected_branch_ids = branchIds(p, list(body.protected_branch_ids));
        // The update params declare applies_to_all_protected_branches with default false: omitting it resets it.
        r.applies_to_all_protected_branches = bool(body.applies_to_all_protected_branches);
        return [200, ruleJson(p, r)];
    });
    core.route("DELETE", "/projects/:id/approval_rules/:rule", ({ params, userId }) => {
        const p = approvalProject(params[0]!, userId, true);
        if (!p.approvalRules.delete(Number(params[1]))) throw recordNotFound();
        return [204, null];
    });

    // --- approval settings (ee/lib/api/project_approvals.rb) ------------------------------------
    // ee/lib/api/entities/approval_settings.rb: `approvers` and `approver_groups` are deprecated and
    // always `[]`. POST presents the settings with Grape's default POST status, 201.
    const settingsJson = (p: ProjectState) => ({ approvers: [], approver_groups: [], ...p.approvalSettings });
    core.route("GET", "/projects/:id/approvals", ({ params, userId }) => [200, settingsJson(approvalProject(params[0]!, userId, false))]);
    core.route("POST", "/projects/:id/approvals", ({ params, body, userId }) => {
        const p = approvalProject(params[0]!, userId, true);
        const keys = Object.keys(p.approvalSettings) as (keyof ProjectState["approvalSettings"])[];
        if (!keys.some((k) => body[k] !== undefined)) throw paramError(`${keys.join(", ")} are missing, at least one parameter must be provided`);
        for (const k of keys) if (body[k] !== undefined) p.approvalSettings[k] = bool(body[k]);
        return [201, settingsJson(p)];
    });
}
