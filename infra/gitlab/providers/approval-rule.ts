import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface ApprovalRuleInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly name: string;
    readonly approvalsRequired: number;
    /** The protected branch (GitLab id) the rule applies to. */
    readonly protectedBranchId: number;
}

export interface ApprovalRuleOutputs extends ApprovalRuleInputs {
    readonly ruleId: number;
}

interface RuleJson {
    id: number;
    name: string;
    approvals_required: number;
    protected_branches: { id: number }[];
}

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/approval_rules`;
const body = (i: ApprovalRuleInputs) => ({ name: i.name, approvals_required: i.approvalsRequired, protected_branch_ids: [i.protectedBranchId] });
const fromLive = (i: ApprovalRuleInputs, r: RuleJson): ApprovalRuleOutputs => ({
    ...i,
    name: r.name,
    approvalsRequired: r.approvals_required,
    protectedBranchId: r.protected_branches[0]?.id ?? -1,
    ruleId: r.id,
});

/** A merge-request approval rule on one protected branch (Premium). */
export const approvalRuleProvider: pulumi.dynamic.ResourceProvider<ApprovalRuleInputs, ApprovalRuleOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "gitlabUrl"], ["name", "approvalsRequired", "protectedBranchId", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        // Adopt a rule of the same name (a lost earlier attempt, or one made by hand).
        const existing = (await rest<RuleJson[]>(api, "get", collection(inputs), { per_page: 100 })).find((r) => r.name === inputs.name);
        const live = existing ? await rest<RuleJson>(api, "put", `${collection(inputs)}/${existing.id}`, body(inputs)) : await rest<RuleJson>(api, "post", collection(inputs), body(inputs));
        return { id: `${inputs.projectId}:${live.id}`, outs: fromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        return { id, props: fromLive(props!, await rest<RuleJson>(api, "get", `${collection(props!)}/${props!.ruleId}`)) };
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
    constructor(name: string, args: ApprovalRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(approvalRuleProvider, name, { kind: "gitlab:ApprovalRule", providerVersion: PROVIDER_VERSION, ruleId: undefined, ...args }, opts);
    }
}
