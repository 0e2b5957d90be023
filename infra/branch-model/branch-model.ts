/**
 * The team's branch model, as data. GitLab settings, the policy pack, the live audit and
 * the CI naming job are all derived from a `BranchModel`; nothing else restates the rules.
 */

import { AccessLevel } from "./access-level";
import { BranchRuleAccess, effectiveBranchAccess, effectiveTagAccess, grantName, TagRuleAccess } from "./effective-protection";

export { AccessLevel };

/** GitLab subscription tiers, in increasing order of features. */
export const GITLAB_TIERS = ["free", "premium", "ultimate"] as const;
export type GitLabTier = (typeof GITLAB_TIERS)[number];

/**
 * A GitLab plan name (a namespace's `plan` on GitLab.com, or a licence's plan on self-managed)
 * as the tier whose features it licenses; undefined for names that say nothing about features
 * (`default`: self-managed namespaces carry no plan of their own, the licence decides).
 * Names: gitlabhq ee/app/models/ee/plan.rb (FREE … OPEN_SOURCE = 'opensource') and
 * app/models/plan.rb PLAN_NAME_UID_LIST; licence plans `starter`/`premium`/`ultimate`
 * (ee/app/models/license.rb). Trials and the open-source programme license their tier's
 * features (GitlabSubscriptions::Features::LICENSE_PLANS_TO_SAAS_PLANS). `bronze`/`starter`
 * and the retired `early_adopter` (its frozen EARLY_ADOPTER_FEATURES in license.rb) had push
 * rules and approvals but no Ultimate features, so they count as Premium here.
 */
export function tierFromPlan(plan: string | undefined): GitLabTier | undefined {
    const p = (plan ?? "").toLowerCase();
    if (p === "free") return "free";
    if (["premium", "premium_trial", "silver", "bronze", "starter", "early_adopter"].includes(p)) return "premium";
    if (["ultimate", "ultimate_trial", "ultimate_trial_paid_customer", "gold", "opensource"].includes(p)) return "ultimate";
    return undefined;
}

/** True when `tier` includes the features of `needed`. */
export function tierAtLeast(tier: GitLabTier, needed: GitLabTier): boolean {
    return GITLAB_TIERS.indexOf(tier) >= GITLAB_TIERS.indexOf(needed);
}

/** Protection of one branch or wildcard (`main`, `hotfix/*`). Free tier. */
export interface ProtectedBranchRule {
    /** Branch name or wildcard, exactly as GitLab stores it. */
    readonly name: string;
    /** Who may push directly. */
    readonly pushAccessLevel: AccessLevel;
    /** Who may merge a merge request into it. */
    readonly mergeAccessLevel: AccessLevel;
    /** Who may unprotect it. */
    readonly unprotectAccessLevel: AccessLevel;
    /** Whether force push is allowed. */
    readonly allowForcePush: boolean;
    /** Require code-owner approval (Premium; sent as false elsewhere so a PATCH never resets it). */
    readonly codeOwnerApprovalRequired: boolean;
    /** Why the rule exists, shown in plan and audit output. */
    readonly purpose: string;
}

/** A branch type `<prefix>/<slug>` developers create freely. */
export interface BranchType {
    /** Prefix before the slash, e.g. `feature`. */
    readonly prefix: string;
    /** The branch it is cut from. */
    readonly from: string;
    /** The branch its merge requests target. */
    readonly mergeTo: string;
    /** Delete branches of this type with no commit for this many days (after archiving a tag). */
    readonly staleAfterDays?: number;
    /**
     * A push (or "Run pipeline") on such a branch offers the smoke run and a longer training
     * run on the GPU runner, as manual jobs: GPU time is spent only when someone asks.
     */
    readonly manualTraining?: boolean;
    /** What it is for. */
    readonly purpose: string;
}

/** A protected tag pattern. Free tier. */
export interface ProtectedTagRule {
    /** Tag name or wildcard, e.g. `v*`. */
    readonly name: string;
    /** Who may create matching tags. */
    readonly createAccessLevel: AccessLevel;
    readonly purpose: string;
}

/** Merge-request rules. */
export interface MergeRequestRules {
    /** `only_allow_merge_if_pipeline_succeeds` (Free). */
    readonly pipelineMustSucceed: boolean;
    /** `only_allow_merge_if_all_discussions_are_resolved` (Free). */
    readonly allDiscussionsResolved: boolean;
    /** `remove_source_branch_after_merge` (Free). */
    readonly deleteSourceBranch: boolean;
    /** Approvals required on merge requests into the default branch (Premium approval rule). */
    readonly approvalsOnDefaultBranch: number;
}

/** Push rules (Premium). */
export interface PushRules {
    /** Reject pushes of files that look like secrets (`prevent_secrets`). */
    readonly preventSecrets: boolean;
    /** Nobody may delete tags (`deny_delete_tag`), so a release tag keeps binding its model. */
    readonly denyDeleteTag: boolean;
}

export interface BranchModel {
    /** The production branch and GitLab default branch. */
    readonly defaultBranch: string;
    /** The integration branch every feature lands on first. */
    readonly integrationBranch: string;
    readonly protectedBranches: readonly ProtectedBranchRule[];
    readonly branchTypes: readonly BranchType[];
    /** Regex (no anchors) a slug after `<type>/` must match; written in the syntax JavaScript, POSIX ERE and RE2 read alike. */
    readonly slugPattern: string;
    /**
     * Whole branch names GitLab itself creates and the naming rule must let through (regexes, no
     * anchors): its "Cherry-pick" and "Revert" buttons name new branches `cherry-pick-<sha>` and
     * `revert-<sha>` (app/services/commits/change_service.rb, Commit#cherry_pick_branch_name).
     */
    readonly gitlabBranchPatterns: readonly string[];
    readonly protectedTags: readonly ProtectedTagRule[];
    readonly mergeRequests: MergeRequestRules;
    readonly pushRules: PushRules;
}

/**
 * What the package's own proposal branches start with: one merge request per long-lived branch
 * (infra/gitlab/gitlab-project.ts), which the merge-target check lets into either, and by which
 * the audit recognises the package's pending changes. A feature branch, so the naming rule takes it.
 */
export const PACKAGE_PROPOSAL_PREFIX = "feature/ml-team-env-";

/** The default model, as PRODUCT.md states it. */
export const DEFAULT_BRANCH_MODEL: BranchModel = {
    defaultBranch: "main",
    integrationBranch: "develop",
    protectedBranches: [
        {
            name: "main",
            pushAccessLevel: AccessLevel.NoOne,
            mergeAccessLevel: AccessLevel.Maintainer,
            unprotectAccessLevel: AccessLevel.Maintainer,
            allowForcePush: false,
            codeOwnerApprovalRequired: false,
            purpose: "production-ready; changes only by merge request, merged by maintainers",
        },
        {
            name: "develop",
            pushAccessLevel: AccessLevel.NoOne,
            mergeAccessLevel: AccessLevel.Developer,
            unprotectAccessLevel: AccessLevel.Maintainer,
            allowForcePush: false,
            codeOwnerApprovalRequired: false,
            purpose: "integration; every feature lands here first by merge request",
        },
        {
            name: "hotfix/*",
            pushAccessLevel: AccessLevel.Developer,
            mergeAccessLevel: AccessLevel.Developer,
            unprotectAccessLevel: AccessLevel.Maintainer,
            allowForcePush: false,
            codeOwnerApprovalRequired: false,
            purpose: "urgent fixes headed for main keep their history (no force push)",
        },
    ],
    branchTypes: [
        { prefix: "feature", from: "develop", mergeTo: "develop", purpose: "one feature each" },
        {
            prefix: "experiment",
            from: "develop",
            mergeTo: "develop",
            staleAfterDays: 90,
            manualTraining: true,
            purpose: "hyper-parameter and architecture experiments; merged to develop if kept",
        },
        { prefix: "hotfix", from: "main", mergeTo: "main", purpose: "urgent fixes; cherry-picked to develop after merge" },
        { prefix: "bugfix", from: "develop", mergeTo: "develop", purpose: "ordinary fixes" },
    ],
    slugPattern: "[a-z0-9._-]+",
    gitlabBranchPatterns: ["cherry-pick-[0-9a-f]{8,}", "revert-[0-9a-f]{8,}"],
    protectedTags: [
        {
            name: "v*",
            createAccessLevel: AccessLevel.Maintainer,
            purpose: "release tags bind code, config and model weights",
        },
    ],
    mergeRequests: {
        pipelineMustSucceed: true,
        allDiscussionsResolved: true,
        deleteSourceBranch: true,
        approvalsOnDefaultBranch: 1,
    },
    pushRules: { preventSecrets: true, denyDeleteTag: true },
};

/** Overrides a stack may make to the default model (`ml-team-env:branchModel`). */
export interface BranchModelOverrides {
    readonly approvalsOnMain?: number;
    readonly experimentStaleAfterDays?: number;
    readonly codeOwnerApprovalOnMain?: boolean;
    readonly developMergeAccess?: "developer" | "maintainer";
    readonly releaseTagPattern?: string;
    readonly slugPattern?: string;
    readonly extraBranchTypes?: readonly { readonly prefix: string; readonly from: string; readonly mergeTo: string; readonly purpose?: string }[];
}

/** Applies stack overrides to the default model. Pure; inputs are validated by the config schema. */
export function buildBranchModel(overrides: BranchModelOverrides = {}, base: BranchModel = DEFAULT_BRANCH_MODEL): BranchModel {
    const protectedBranches = base.protectedBranches.map((rule) => {
        if (rule.name === base.defaultBranch && overrides.codeOwnerApprovalOnMain !== undefined) {
            return { ...rule, codeOwnerApprovalRequired: overrides.codeOwnerApprovalOnMain };
        }
        if (rule.name === base.integrationBranch && overrides.developMergeAccess !== undefined) {
            const level = overrides.developMergeAccess === "maintainer" ? AccessLevel.Maintainer : AccessLevel.Developer;
            return { ...rule, mergeAccessLevel: level };
        }
        return rule;
    });
    const branchTypes = [
        ...base.branchTypes.map((t) =>
            t.prefix === "experiment" && overrides.experimentStaleAfterDays !== undefined
                ? { ...t, staleAfterDays: overrides.experimentStaleAfterDays }
                : t,
        ),
        ...(overrides.extraBranchTypes ?? []).map((t) => ({
            prefix: t.prefix,
            from: t.from,
            mergeTo: t.mergeTo,
            purpose: t.purpose ?? `${t.prefix} branches`,
        })),
    ];
    const protectedTags = overrides.releaseTagPattern
        ? base.protectedTags.map((t, i) => (i === 0 ? { ...t, name: overrides.releaseTagPattern! } : t))
        : base.protectedTags;
    const mergeRequests =
        overrides.approvalsOnMain !== undefined
            ? { ...base.mergeRequests, approvalsOnDefaultBranch: overrides.approvalsOnMain }
            : base.mergeRequests;
    return { ...base, protectedBranches, branchTypes, protectedTags, mergeRequests, ...(overrides.slugPattern ? { slugPattern: overrides.slugPattern } : {}) };
}

/**
 * The anchored regex every branch name must match: the two long-lived branches, or
 * `<type>/<slug>`. Used verbatim as GitLab's push-rule `branch_name_regex` and by the CI
 * naming job, so both enforce the same rule.
 */
export function branchNameRegex(model: BranchModel): string {
    const types = model.branchTypes.map((t) => escapeRegex(t.prefix)).join("|");
    const fixed = [model.defaultBranch, model.integrationBranch].map(escapeRegex).join("|");
    const generated = model.gitlabBranchPatterns.map((p) => `|${p}`).join("");
    return `^(${fixed}|(${types})/(${model.slugPattern})${generated})$`;
}

/**
 * Where merge requests from each source may go, as `[source glob, target]` pairs: each branch
 * type into its `mergeTo`, the integration branch into the default branch (a release), and the
 * default branch back into the integration branch (bringing a hotfix back).
 */
export function mergeTargets(model: BranchModel): [string, string][] {
    return [
        // The package's own proposals go into each long-lived branch; listed first, as the first matching source wins.
        [`${PACKAGE_PROPOSAL_PREFIX}*`, model.defaultBranch],
        [`${PACKAGE_PROPOSAL_PREFIX}*`, model.integrationBranch],
        ...model.branchTypes.map((t): [string, string] => [`${t.prefix}/*`, t.mergeTo]),
        [model.integrationBranch, model.defaultBranch],
        [model.defaultBranch, model.integrationBranch],
    ];
}

/**
 * Why a slug pattern cannot be used, or undefined. The same text is a JavaScript regex (the
 * plan and audit), a POSIX ERE (the CI naming job's `grep -E`) and an RE2 regex (GitLab's push
 * rule), so it must use only what all three read alike, and must not be anchored or contain
 * a group that changes how the rule around it reads.
 */
export function slugPatternProblem(pattern: string): string | undefined {
    try {
        new RegExp(`^(${pattern})$`);
    } catch (e) {
        return `is not a valid regular expression: ${(e as Error).message}`;
    }
    if (/\\(?![.\\/[\]()*+?{}|^$-])/.test(pattern)) return "uses a backslash escape (such as \\d or \\w) that grep -E does not read; write a bracket expression such as [0-9] instead";
    if (/\(\?/.test(pattern)) return "uses a (?...) group (lookaround or non-capturing), which grep -E and RE2 do not all read";
    if (/[*+?}]\?/.test(pattern)) return "uses a lazy quantifier (*?, +?), which grep -E does not read";
    if (/(^|[^\\])[\^$]/.test(pattern.replace(/\[[^\]]*\]/g, ""))) return "contains ^ or $ outside a bracket expression: the rule anchors the whole name itself";
    if (pattern.trim() === "") return "is empty";
    return undefined;
}

/** Whether `branch` is allowed by the naming rule. */
export function isValidBranchName(model: BranchModel, branch: string): boolean {
    return new RegExp(branchNameRegex(model)).test(branch);
}

function escapeRegex(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The model's protected-branch rules in role terms, as `effectiveBranchAccess` takes rules. */
export function modelBranchAccess(model: BranchModel): BranchRuleAccess[] {
    const role = (level: number) => ({ level, extras: 0 });
    return model.protectedBranches.map((b) => ({
        name: b.name,
        push: role(b.pushAccessLevel),
        merge: role(b.mergeAccessLevel),
        unprotect: role(b.unprotectAccessLevel),
        allowForcePush: b.allowForcePush,
        codeOwnerApprovalRequired: b.codeOwnerApprovalRequired,
    }));
}

/** The model's protected-tag rules in role terms, as `effectiveTagAccess` takes rules. */
export function modelTagAccess(model: BranchModel): TagRuleAccess[] {
    return model.protectedTags.map((t) => ({ name: t.name, create: { level: t.createAccessLevel, extras: 0 } }));
}

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
