import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

export interface ApprovalRuleInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly name: string;
    readonly approvalsRequired: number;
    /** The protected branch (GitLab id) the rule applies to. */
    readonly protectedBranchId: number;
}

export interface ApprovalRuleOutputs extends ApprovalRuleInputs {
    readonly ruleId: number;
    /** GitLab's rule type: this resource keeps `any_approver`. */
    readonly ruleType: string;
}

interface RuleJson {
    id: number;
    name: string;
    rule_type: string;
    approvals_required: number;
    eligible_approvers: { id: number }[];
    protected_branches?: { id: number }[];
    applies_to_all_protected_branches?: boolean;
}

/**
 * The rule type that makes "N approvals" real. A `regular` rule with no approvers is
 * impossible to satisfy, and GitLab auto-approves such rules (doc/user/project/merge_requests/
 * approvals/_index.md "Invalid rules"), so it would approve nothing. An `any_approver` rule is
 * never invalid: it needs N approvals from any member with the Developer role or above other
 * than the author (ApprovalWrappedAnyApproverRule). It names nobody, so onboarding a member
 * changes nothing here.
 */
export const RULE_TYPE = "any_approver";

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/approval_rules`;
/**
 * Always send rule_type (without users or groups GitLab would pick any_approver anyway,
 * but saying it is clearer) and applies_to_all_protected_branches (a PUT that omits it resets it).
 */
const body = (i: ApprovalRuleInputs) => ({
    name: i.name,
    rule_type: RULE_TYPE,
    approvals_required: i.approvalsRequired,
    protected_branch_ids: [i.protectedBranchId],
    applies_to_all_protected_branches: false,
});
const fromLive = (i: ApprovalRuleInputs, r: RuleJson): ApprovalRuleOutputs => ({
    ...i,
    name: r.name,
    approvalsRequired: r.approvals_required,
    protectedBranchId: r.applies_to_all_protected_branches ? -1 : (r.protected_branches?.[0]?.id ?? -1),
    ruleId: r.id,
    ruleType: r.rule_type,
});

/** An any-eligible-member approval rule on one protected branch (Premium). */
export const approvalRuleProvider: pulumi.dynamic.ResourceProvider<ApprovalRuleInputs, ApprovalRuleOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        // A rule turned into another type by hand is replaced: GitLab allows one any_approver rule per project.
        const drifted = (olds as Partial<ApprovalRuleOutputs>).ruleType !== undefined && (olds as Partial<ApprovalRuleOutputs>).ruleType !== RULE_TYPE;
        const result = diffResult(olds, news, ["projectId", "gitlabUrl"], ["name", "approvalsRequired", "protectedBranchId", "providerVersion"]);
        return drifted ? { changes: true, replaces: ["ruleType"], deleteBeforeReplace: true } : result;
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        // A project has at most one any_approver rule ("any-approver for the project already
        // exists"): adopt it, whatever it is called (a lost earlier answer, or one made in the UI).
        const existing = (await rest<RuleJson[]>(api, "get", collection(inputs), { per_page: 100 })).find((r) => r.rule_type === RULE_TYPE);
        const live = existing ? await rest<RuleJson>(api, "put", `${collection(inputs)}/${existing.id}`, body(inputs)) : await rest<RuleJson>(api, "post", collection(inputs), body(inputs));
        return { id: `${inputs.projectId}:${live.id}`, outs: fromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await readOwn<RuleJson>(api, props!.projectId, `${collection(props!)}/${props!.ruleId}`);
        return live ? { id, props: fromLive(props!, live) } : readGone<ApprovalRuleOutputs>();
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        return { outs: fromLive(news, await rest<RuleJson>(api, "put", `${collection(news)}/${olds.ruleId}`, body(news))) };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, `${collection(props)}/${props.ruleId}`);
    },
};

export type ApprovalRuleArgs = { [K in keyof Omit<ApprovalRuleInputs, "kind" | "providerVersion">]: pulumi.Input<ApprovalRuleInputs[K]> };

export class ApprovalRule extends pulumi.dynamic.Resource {
    declare readonly ruleType: pulumi.Output<string>;

    constructor(name: string, args: ApprovalRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(approvalRuleProvider, name, { kind: "gitlab:ApprovalRule", providerVersion: PROVIDER_VERSION, ruleId: undefined, ruleType: undefined, ...args }, opts);
    }
}
