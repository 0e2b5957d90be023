/**
 * The branch model's protected branches, and the push rules and approval rule where the tier has
 * them, created with the package's real providers with the inputs `GitLabProject` gives them: tests that provision a project the package's way share this
 * (test/audit/support.ts `provision`, test/gitlab/merge-flow.test.ts).
 */
import { BranchModel, branchNameRegex, GitLabTier, tierAtLeast } from "../../infra/branch-model/branch-model";
import { premiumResources } from "../../infra/gitlab/gitlab-project";
import { approvalRuleProvider } from "../../infra/gitlab/providers/approval-rule";
import type { GitLabResourceInputs } from "../../infra/gitlab/providers/common";
import { protectedBranchProvider } from "../../infra/gitlab/providers/protected-branch";
import { pushRulesProvider } from "../../infra/gitlab/providers/push-rules";

/** Protects every rule of `model` on the project; the GitLab id of each protection, by rule name. */
export async function protectAsModel(onProject: Omit<GitLabResourceInputs, "kind"> & { projectId: number }, model: BranchModel, tier: GitLabTier): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    for (const rule of model.protectedBranches) {
        const pb = await protectedBranchProvider.create!({
            ...onProject,
            kind: "gitlab:ProtectedBranch",
            name: rule.name,
            pushAccessLevel: rule.pushAccessLevel,
            mergeAccessLevel: rule.mergeAccessLevel,
            unprotectAccessLevel: rule.unprotectAccessLevel,
            allowForcePush: rule.allowForcePush,
            // Code-owner approval is Premium; elsewhere the package sends false.
            codeOwnerApprovalRequired: tierAtLeast(tier, "premium") && rule.codeOwnerApprovalRequired,
        });
        ids.set(rule.name, pb.outs!.protectedBranchId);
    }
    return ids;
}

/** The push rules and the default branch's approval rule, where the tier has them (`protections`: protectAsModel's ids). */
export async function premiumRulesAsModel(onProject: Omit<GitLabResourceInputs, "kind"> & { projectId: number }, model: BranchModel, tier: GitLabTier, protections: ReadonlyMap<string, number>): Promise<void> {
    const premium = premiumResources(tier, model);
    if (premium.pushRules) {
        await pushRulesProvider.create!({ ...onProject, kind: "gitlab:PushRules", branchNameRegex: branchNameRegex(model), preventSecrets: model.pushRules.preventSecrets, denyDeleteTag: model.pushRules.denyDeleteTag });
    }
    if (premium.approvalRule) {
        await approvalRuleProvider.create!({ ...onProject, kind: "gitlab:ApprovalRule", name: `${model.defaultBranch} approvals`, approvalsRequired: model.mergeRequests.approvalsOnDefaultBranch, protectedBranchId: protections.get(model.defaultBranch)! });
    }
}
