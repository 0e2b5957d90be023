/**
 * Who enforces each rule of the branch model on a GitLab tier: GitLab itself where the tier has
 * the feature, a pipeline job where one stands in, nobody otherwise (and why).
 */
import type { BranchModel, GitLabTier } from "./branch-model";
import { modelBranchAccess, modelTagAccess, tierAtLeast } from "./branch-model";
import { branchNameRegex } from "./branch-names";
import { effectiveBranchAccess, effectiveTagAccess, grantName } from "./effective-protection";

/** Who enforces a rule on a given tier. */
export type Enforcer = "gitlab" | "ci" | "none";

/** One rule of the model with the tier it needs and who enforces it on the current tier. */
export interface RuleEnforcement {
    /** Stable id, e.g. `protected-branch:main`, `push-rule:branch-name`. */
    readonly id: string;
    /** What the rule says, in a sentence. */
    readonly description: string;
    /** The lowest GitLab tier on which GitLab itself enforces it; null when no tier has the feature. */
    readonly gitlabTier: GitLabTier | null;
    /** Who enforces it on the tier in use. */
    readonly enforcedBy: Enforcer;
    /** Why nobody (or only CI) enforces it: the tier it needs, or the CI job that is not deployed. */
    readonly reason?: string;
}

/**
 * Lists every rule of the model with who enforces it on `tier`: GitLab where the tier has
 * the feature, CI where a pipeline job stands in for it (only once the project's CI jobs are
 * deployed: `ciJobsDeployed`), and nobody otherwise.
 */
export function enforcementReport(model: BranchModel, tier: GitLabTier, options: { ciJobsDeployed?: boolean } = {}): RuleEnforcement[] {
    const ci = options.ciJobsDeployed ?? false;
    const rule = (id: string, description: string, gitlabTier: GitLabTier | null, ciFallback: boolean): RuleEnforcement => {
        const byGitLab = gitlabTier !== null && tierAtLeast(tier, gitlabTier);
        const enforcedBy: Enforcer = byGitLab ? "gitlab" : ciFallback && ci ? "ci" : "none";
        const needs = gitlabTier === null ? "GitLab has no such setting on any tier" : `GitLab enforces it from ${gitlabTier} (this project: ${tier})`;
        const reason =
            enforcedBy === "gitlab"
                ? undefined
                : enforcedBy === "ci"
                  ? `${needs}; a pipeline job does instead`
                  : ciFallback
                    ? `${needs}, and the pipeline job that would is not deployed (ci.pipeline is off)`
                    : needs;
        return { id, description, gitlabTier, enforcedBy, ...(reason ? { reason } : {}) };
    };
    const rules: RuleEnforcement[] = [];
    // Each branch as every rule of the model that matches it leaves it, as the audit and the policy pack judge it.
    const branchRules = modelBranchAccess(model);
    for (const b of model.protectedBranches) {
        const e = effectiveBranchAccess(branchRules, b.name);
        rules.push(
            rule(
                `protected-branch:${b.name}`,
                `${b.name}: push ${grantName(e.push)}, merge ${grantName(e.merge)}, force push ${e.forcePush.allowed ? "allowed" : "denied"}, unprotect ${grantName(e.unprotect)}`,
                "free",
                false,
            ),
        );
        if (b.codeOwnerApprovalRequired) {
            rules.push(rule(`code-owner-approval:${b.name}`, `${b.name}: code-owner approval required`, "premium", false));
        }
    }
    const tagRules = modelTagAccess(model);
    for (const t of model.protectedTags) {
        rules.push(rule(`protected-tag:${t.name}`, `tags ${t.name}: created by ${grantName(effectiveTagAccess(tagRules, t.name).create)} only`, "free", false));
    }
    const mr = model.mergeRequests;
    if (mr.pipelineMustSucceed) rules.push(rule("merge-request:pipeline-must-succeed", "merge requests merge only when the pipeline succeeds", "free", false));
    if (mr.allDiscussionsResolved) rules.push(rule("merge-request:discussions-resolved", "merge requests merge only when all discussions are resolved", "free", false));
    if (mr.deleteSourceBranch) rules.push(rule("merge-request:delete-source-branch", "source branch deleted after merge", "free", false));
    if (mr.approvalsOnDefaultBranch > 0) {
        rules.push(rule(`approval:${model.defaultBranch}`, `${mr.approvalsOnDefaultBranch} approval(s) required on merge requests into ${model.defaultBranch}`, "premium", false));
    }
    rules.push(rule("push-rule:branch-name", `branch names match ${branchNameRegex(model)}`, "premium", true));
    // GitLab refuses no merge request for its target on any tier (target branch rules only pick a default): a CI job does.
    const targets = model.branchTypes.map((t) => `${t.prefix}/* → ${t.mergeTo}`).join(", ");
    rules.push(rule("merge-request:target-branch", `merge requests go where the model says (${targets}; ${model.integrationBranch} → ${model.defaultBranch})`, null, true));
    if (model.pushRules.preventSecrets) rules.push(rule("push-rule:prevent-secrets", "pushes of secret-looking files are rejected", "premium", false));
    if (model.pushRules.denyDeleteTag) rules.push(rule("push-rule:deny-delete-tag", "tags cannot be deleted", "premium", false));
    for (const t of model.branchTypes) {
        if (t.staleAfterDays !== undefined) {
            // GitLab has no stale-branch clean-up on any tier: a scheduled CI job does it.
            rules.push(rule(`stale-branches:${t.prefix}`, `${t.prefix}/* with no commit for ${t.staleAfterDays} days are archived (tag) then deleted`, null, true));
        }
    }
    return rules;
}
