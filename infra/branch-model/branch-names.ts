/**
 * Branch names under the model: the one regex GitLab's push rule and the CI naming job both
 * enforce, where merge requests from each kind of branch may go, and which slug patterns every
 * reader of that regex (JavaScript, grep -E, RE2) reads alike.
 */
import type { BranchModel, BranchType } from "./branch-model";
import { PACKAGE_PROPOSAL_PREFIX } from "./branch-model";

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

/** Whether a branch type is a hotfix: from the default branch and back into it (`hotfix/*` in the default model). */
export function isHotfixType(model: BranchModel, t: BranchType): boolean {
    return t.from === model.defaultBranch && t.mergeTo === model.defaultBranch;
}

/** Whether `branch` is allowed by the naming rule. */
export function isValidBranchName(model: BranchModel, branch: string): boolean {
    return new RegExp(branchNameRegex(model)).test(branch);
}

function escapeRegex(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
