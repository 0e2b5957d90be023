/**
 * The branch model's protected branches created with the package's real provider, with the
 * inputs `GitLabProject` gives it: tests that provision a project the package's way share this
 * (test/audit/support.ts `provision`, test/gitlab/merge-flow.test.ts).
 */
import { BranchModel, GitLabTier, tierAtLeast } from "../../infra/branch-model/branch-model";
import type { GitLabResourceInputs } from "../../infra/gitlab/providers/common";
import { protectedBranchProvider } from "../../infra/gitlab/providers/protected-branch";

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
