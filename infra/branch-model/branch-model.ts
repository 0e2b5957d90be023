/**
 * The team's branch model, as data. GitLab settings, the policy pack, the live audit and
 * the CI naming job are all derived from a `BranchModel`; nothing else restates the rules.
 */

import { AccessLevel } from "./access-level";
import { BranchRuleAccess, TagRuleAccess } from "./effective-protection";

export { AccessLevel };
export * from "./branch-names";
export * from "./enforcement";

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
