/**
 * Branch protection may not be weakened: the policies over the GitLab project's dynamic
 * resources, every expectation derived from the one branch model
 * (`infra/branch-model/branch-model.ts`), never restated.
 *
 * Which model? The pack cannot read the stack's config (and must not: a stack that weakens
 * its own `ml-team-env:branchModel` would then pass). It checks against DEFAULT_BRANCH_MODEL
 * with the overrides a reviewer gives the pack itself, named as the stack's
 * `ml-team-env:branchModel` keys: `approvalsOnMain` (and the project's `gitlabTier`) for the
 * approvals policy, `releaseTagPattern` for the release-tag policy (`pulumi preview --policy-pack policy
 * --policy-pack-config <file.json>`, see policy/README.md). A stack that overrides the model
 * within what the pack allows passes; one that loosens it fails with the way back.
 *
 * Values are checked in `validateResource` (the inputs, before the resource is created or
 * changed, so `pulumi up --policy-pack` blocks a weakening before GitLab sees it); whether a
 * protection exists at all can only be seen across the stack, in `validateStack`. A policy
 * may carry both hooks: the SDK runs `validateResource` in its analyze pass and
 * `validateStack` in its stack pass (server.js `isResourcePolicy` / `isStackPolicy`).
 */
import { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { AccessLevel, BranchModel, BranchModelOverrides, buildBranchModel, DEFAULT_BRANCH_MODEL, GITLAB_TIERS, GitLabTier, modelBranchAccess, modelTagAccess, tierAtLeast } from "../branch-model/branch-model";
import { BranchRuleAccess, extraBranchRuleEffect, extraTagRuleEffect } from "../branch-model/effective-protection";
import { GITLAB_KINDS, gitlabKind, known, ofKind, TypedProps } from "./common";

/** A policy with both hooks (see the module comment). */
export type ResourceAndStackPolicy = ResourceValidationPolicy & StackValidationPolicy;

/** The branch model a policy checks against: the defaults with the pack config's overrides. */
export function expectedModel(overrides: BranchModelOverrides = {}): BranchModel {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as BranchModelOverrides;
    return buildBranchModel(defined);
}

const LEVEL_NAMES: Readonly<Record<number, string>> = {
    [AccessLevel.NoOne]: "no one",
    [AccessLevel.Developer]: "developers and maintainers",
    [AccessLevel.Maintainer]: "maintainers",
    [AccessLevel.Admin]: "admins",
};

/** Who an access level lets in, in words. */
export function levelName(level: unknown): string {
    return typeof level === "number" && LEVEL_NAMES[level] !== undefined ? LEVEL_NAMES[level]! : `access level ${String(level)}`;
}

/**
 * How strict an access level is: "no one" (0) is the strictest, then the higher the level the
 * fewer people. A level that is not a number (or GitLab's -1, "no role entry") ranks lowest.
 */
export function strictness(level: unknown): number {
    if (typeof level !== "number" || level < 0) return Number.NEGATIVE_INFINITY;
    return level === AccessLevel.NoOne ? Number.POSITIVE_INFINITY : level;
}

/** Whether `actual` lets in anyone `expected` does not. */
export function looserThan(actual: unknown, expected: number): boolean {
    return strictness(actual) < strictness(expected);
}

/** The GitLab project of the stack (the program's GitLab part), or undefined when it has none. */
function projectOf(resources: readonly PolicyResource[]): PolicyResource | undefined {
    return ofKind(resources, GITLAB_KINDS.project)[0];
}

function requireProject(args: StackValidationArgs): PolicyResource {
    const project = projectOf(args.resources);
    if (!project) args.notApplicable("the stack has no GitLab project (gitlab:Project)");
    return project!;
}

const CHANGE_THE_MODEL =
    "If the model itself changed on purpose, change DEFAULT_BRANCH_MODEL in infra/branch-model/branch-model.ts (the program and this pack both derive from it) rather than one resource.";

// --- protected branches ------------------------------------------------------------------

/** The access levels of a protection: the gitlab:ProtectedBranch inputs, named as the model's rule fields. */
const LEVEL_INPUTS = [
    { input: "pushAccessLevel", what: "pushing" },
    { input: "mergeAccessLevel", what: "merging" },
    { input: "unprotectAccessLevel", what: "unprotecting" },
] as const;

/** An access-level input as a grant (no extra users or groups: the package never sets them); -1 when unset. */
const grantOf = (v: unknown) => ({ level: typeof v === "number" ? v : -1, extras: 0 });

/** A gitlab:ProtectedBranch's inputs in role terms. */
function branchRuleOf(props: Record<string, unknown>): BranchRuleAccess {
    return {
        name: String(props.name),
        push: grantOf(props.pushAccessLevel),
        merge: grantOf(props.mergeAccessLevel),
        unprotect: grantOf(props.unprotectAccessLevel),
        allowForcePush: props.allowForcePush === true,
        codeOwnerApprovalRequired: props.codeOwnerApprovalRequired === true,
    };
}

export const protectedBranchesLocked: ResourceAndStackPolicy = {
    name: "protected-branches-locked",
    description:
        "Every protected branch of the branch model is protected in GitLab and no looser than the model: the default and integration branches take no direct push (push: no one), only merge requests. A protection outside the model may not widen access (GitLab lets in anyone any matching rule lets in).",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (gitlabKind(args) !== GITLAB_KINDS.protectedBranch) return;
        const model = expectedModel();
        const name = args.props.name as string;
        const rule = model.protectedBranches.find((r) => r.name === name);
        if (!rule) {
            // A protection the model does not declare: judged with every rule of the model it
            // overlaps, as GitLab lets in anyone any matching rule lets in (the audit does the same).
            const effect = extraBranchRuleEffect(branchRuleOf(args.props), modelBranchAccess(model));
            if (effect.effect === "widens") {
                report(`Protected branch rule '${name}' is not in the branch model and widens access: ${effect.findings.join("; ")}. GitLab lets in anyone any matching rule lets in, so the model's own rules do not hold it back. Remove the gitlab:ProtectedBranch '${name}', or make it no looser than the model's rules it overlaps. ${CHANGE_THE_MODEL}`);
            }
            return;
        }
        const longLived = name === model.defaultBranch || name === model.integrationBranch;
        for (const l of LEVEL_INPUTS) {
            const actual: unknown = args.props[l.input];
            const expected = rule[l.input];
            if (!looserThan(actual, expected)) continue;
            report(
                `Branch '${name}': ${l.what} is allowed to ${levelName(actual)} (${l.input}: ${String(actual)}), but the branch model allows ${levelName(expected)}` +
                    (longLived && l.input === "pushAccessLevel" ? `; '${name}' must change only by merge request` : "") +
                    `. Set ${l.input} back to ${expected} (${levelName(expected)}): GitLabProject takes it from the branch model, so undo whatever overrides it. ${CHANGE_THE_MODEL}`,
            );
        }
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const project = requireProject(args);
        const model = expectedModel();
        const protectedNames = new Set(ofKind(args.resources, GITLAB_KINDS.protectedBranch).map((r) => known(() => r.props.name)));
        for (const rule of model.protectedBranches) {
            if (protectedNames.has(rule.name)) continue;
            report(
                `Branch '${rule.name}' is not protected: the branch model protects it (${rule.purpose}) with push ${levelName(rule.pushAccessLevel)}, merge ${levelName(rule.mergeAccessLevel)}, no force push. ` +
                    `GitLabProject creates one gitlab:ProtectedBranch per protected branch of the model; restore the '${rule.name}' protection and run the preview again. ${CHANGE_THE_MODEL}`,
                project.urn,
            );
        }
    },
};

export const noForcePush: ResourceValidationPolicy = {
    name: "no-force-push",
    description: "No protected branch allows force push.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (gitlabKind(args) !== GITLAB_KINDS.protectedBranch) return;
        const name = args.props.name as string;
        const rule = expectedModel().protectedBranches.find((r) => r.name === name);
        // The model says, per branch, whether force push is allowed; a protection outside the model gets none.
        const allowed = rule?.allowForcePush ?? false;
        if (args.props.allowForcePush === false || allowed) return;
        report(
            `Protected branch '${name}' allows force push (allowForcePush: ${String(args.props.allowForcePush)}): a force push rewrites the history that merge requests, pipelines and release tags point at. ` +
                `Set allowForcePush: false; GitLabProject takes it from the branch model (allowForcePush of the '${rule?.name ?? name}' rule), so undo whatever overrides it.`,
        );
    },
};

// --- release tags ------------------------------------------------------------------------

/** Pack config of `release-tags-protected`. */
export interface ReleaseTagsConfig {
    /** The release tag pattern the team agreed on, when it is not the model's default. */
    readonly releaseTagPattern?: string;
}

export const releaseTagsProtected: ResourceAndStackPolicy = {
    name: "release-tags-protected",
    description: "Release tags are protected: a gitlab:ProtectedTag for the model's release tag pattern, created only by the roles the model names; a tag protection outside the model may not widen who creates protected tags.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            releaseTagPattern: {
                type: "string",
                default: DEFAULT_BRANCH_MODEL.protectedTags[0]?.name,
                description: "The release tag pattern (same as the stack's ml-team-env:branchModel.releaseTagPattern), when the team agreed on another than the model's.",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (gitlabKind(args) !== GITLAB_KINDS.protectedTag) return;
        const model = expectedModel({ releaseTagPattern: args.getConfig<ReleaseTagsConfig>().releaseTagPattern });
        const name = args.props.name as string;
        const rule = model.protectedTags.find((t) => t.name === name);
        if (!rule) {
            const effect = extraTagRuleEffect({ name, create: grantOf(args.props.createAccessLevel) }, modelTagAccess(model));
            if (effect.effect === "widens") {
                report(`Protected tag rule '${name}' is not in the branch model and widens access: ${effect.findings.join("; ")}. Remove the gitlab:ProtectedTag '${name}', or let no one below Maintainer create the tags it matches.`);
            }
            return;
        }
        if (!looserThan(args.props.createAccessLevel, rule.createAccessLevel)) return;
        report(
            `Protected tag '${name}': creating tags is allowed to ${levelName(args.props.createAccessLevel)}, but the branch model allows ${levelName(rule.createAccessLevel)} only (${rule.purpose}). ` +
                `Set createAccessLevel back to ${rule.createAccessLevel}; GitLabProject takes it from the branch model.`,
        );
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const project = requireProject(args);
        const model = expectedModel({ releaseTagPattern: args.getConfig<ReleaseTagsConfig>().releaseTagPattern });
        const tags = ofKind(args.resources, GITLAB_KINDS.protectedTag).map((r) => known(() => r.props.name) as string);
        for (const rule of model.protectedTags) {
            if (tags.includes(rule.name)) continue;
            report(
                `Release tags '${rule.name}' are not protected: there is no gitlab:ProtectedTag '${rule.name}'${tags.length ? ` (protected tags: ${tags.join(", ")})` : ""}, so anyone who can push can create or move a release tag (${rule.purpose}). ` +
                    `Remove the ml-team-env:branchModel.releaseTagPattern override from the stack (or set it to '${rule.name}'); if the team's release tags really are named otherwise, set releaseTagPattern for this policy in the pack config (--policy-pack-config).`,
                project.urn,
            );
        }
    },
};

// --- merge requests ----------------------------------------------------------------------

export const pipelineMustSucceed: ResourceValidationPolicy = {
    name: "pipeline-must-succeed",
    description: "Merge requests merge only when their pipeline succeeds (gitlab:Project pipelineMustSucceed).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (gitlabKind(args) !== GITLAB_KINDS.project) return;
        if (!expectedModel().mergeRequests.pipelineMustSucceed || args.props.pipelineMustSucceed === true) return;
        report(
            `Project '${String(args.props.path)}' lets merge requests merge without a passing pipeline (pipelineMustSucceed: ${String(args.props.pipelineMustSucceed)}), so tests, the branch-name check and the smoke training become optional. ` +
                `Set pipelineMustSucceed: true; GitLabProject takes it from the branch model (mergeRequests.pipelineMustSucceed), so undo whatever overrides it.`,
        );
    },
};

/** Pack config of `approvals-not-below-model`. */
export interface ApprovalsConfig {
    /** Approvals required on merge requests into the default branch (same as the stack's ml-team-env:branchModel.approvalsOnMain). */
    readonly approvalsOnMain?: number;
    /** The project's GitLab tier, when the stack's resources do not show it (see `gitlabTierOf`). */
    readonly gitlabTier?: GitLabTier;
}

/**
 * The GitLab tier the stack is checked for: the pack config's `gitlabTier` when set, else
 * Premium when the stack has a Premium-only resource (GitLabProject creates push rules on every
 * Premium project, and the approval rule only there), else Free. A stack that claims Free for a
 * Premium project has no Premium resources: pin `gitlabTier` in the pack config to catch that
 * here (the live audit compares the tier with the server's).
 */
export function gitlabTierOf(resources: readonly TypedProps[], config: ApprovalsConfig): { tier: GitLabTier; why: string } {
    if (config.gitlabTier) return { tier: config.gitlabTier, why: "gitlabTier in the pack config" };
    const premiumOnly = resources.filter((r) => gitlabKind(r) === GITLAB_KINDS.pushRules || gitlabKind(r) === GITLAB_KINDS.approvalRule);
    return premiumOnly.length > 0
        ? { tier: "premium", why: "the stack has Premium-only GitLab resources (push rules, approval rules)" }
        : { tier: "free", why: "the stack has no Premium-only GitLab resource" };
}

/** The protected branch an approval rule applies to (its `protectedBranchId` comes from that resource). */
function protectedBranchOf(rule: PolicyResource): PolicyResource | undefined {
    const candidates = [...(rule.propertyDependencies["protectedBranchId"] ?? []), ...rule.dependencies];
    return candidates.find((d) => gitlabKind(d) === GITLAB_KINDS.protectedBranch);
}

export const approvalsNotBelowModel: StackValidationPolicy = {
    name: "approvals-not-below-model",
    description: "On GitLab Premium and above, merge requests into the default branch need at least the branch model's number of approvals (a gitlab:ApprovalRule).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            approvalsOnMain: {
                type: "integer",
                minimum: 0,
                maximum: 10,
                default: DEFAULT_BRANCH_MODEL.mergeRequests.approvalsOnDefaultBranch,
                description: "Approvals required on merge requests into the default branch (same as the stack's ml-team-env:branchModel.approvalsOnMain).",
            },
            gitlabTier: {
                type: "string",
                enum: [...GITLAB_TIERS],
                description: "The project's GitLab tier; by default inferred from the stack (Premium when it has push rules or approval rules).",
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const project = requireProject(args);
        const config = args.getConfig<ApprovalsConfig>();
        const model = expectedModel({ approvalsOnMain: config.approvalsOnMain });
        const required = model.mergeRequests.approvalsOnDefaultBranch;
        const { tier, why } = gitlabTierOf(args.resources, config);
        if (!tierAtLeast(tier, "premium")) {
            args.notApplicable(
                `GitLab ${tier} (${why}) has no approval rules: approvals are enforced by nobody there, as the branchRules stack output says. Set gitlabTier in this policy's config if the project is on Premium.`,
            );
        }
        if (required === 0) return;
        const main = model.defaultBranch;
        const rules = ofKind(args.resources, GITLAB_KINDS.approvalRule).filter((r) => known(() => protectedBranchOf(r)?.props.name) === main);
        if (rules.length === 0) {
            report(
                `Merge requests into '${main}' need no approval: there is no gitlab:ApprovalRule on the protected branch '${main}', but the branch model requires ${required} on GitLab ${tier} (${why}). ` +
                    `Remove the ml-team-env:branchModel.approvalsOnMain override from the stack (or set it to ${required} or more) so GitLabProject creates the rule; if the team agreed on fewer, set approvalsOnMain for this policy in the pack config (--policy-pack-config).`,
                project.urn,
            );
            return;
        }
        const most = Math.max(...rules.map((r) => Number(r.props.approvalsRequired)));
        if (most >= required) return;
        for (const r of rules) {
            report(
                `The approval rule on '${main}' requires ${String(r.props.approvalsRequired)} approval(s), fewer than the branch model's ${required}. ` +
                    `Set ml-team-env:branchModel.approvalsOnMain to ${required} or more (or remove the override); if the team agreed on fewer, set approvalsOnMain for this policy in the pack config.`,
                r.urn,
            );
        }
    },
};

/** The branch-protection policies, in the order the pack lists them. */
export const BRANCH_PROTECTION_POLICIES = [protectedBranchesLocked, noForcePush, releaseTagsProtected, pipelineMustSucceed, approvalsNotBelowModel] as const;
