/**
 * Who may push, merge, force-push and unprotect a branch (or create a tag) when several
 * protected-ref rules match it, as GitLab decides it. The audit (live rules), the policy pack
 * (the stack's rules) and the plan's `branchRules` (the model's rules) all judge protection
 * with these functions, so the three cannot disagree on what a wildcard does.
 *
 * GitLab's semantics, from its source:
 * - A rule matches a ref by its exact name, or, when the name has a `*`, by the name as an
 *   anchored pattern in which `*` is any run of characters, slashes included
 *   (app/models/protected_ref_matcher.rb `matches?`, `wildcard_regex`).
 * - Push and merge: a user may when ANY matching rule's access entry lets them in
 *   (app/models/concerns/protected_ref.rb `protected_ref_accessible_to?` over
 *   `access_levels_for_ref`, which flattens the entries of every `matching` rule). Protected
 *   tags' create level works the same way (ProtectedTag includes ProtectedRef). An exact name
 *   does not override a wildcard (doc/user/project/repository/branches/protection_rules.md:
 *   "the most permissive rule applies"; `main` does not override `m*`).
 * - Force push: allowed when any matching rule allows it (app/models/protected_branch.rb
 *   `allow_force_push?`: `allowing_force_push.matching(ref_name).any?`), to whoever may push.
 * - Unprotect is per rule (ee/app/models/ee/protected_branch.rb `can_unprotect?`; a rule with
 *   no unprotect entries, and every rule on Community Edition, falls back to the Maintainer
 *   role's admin_protected_branch): the branch is unprotected only once every matching rule is
 *   gone, so who may do that is the strictest of them.
 * - Code-owner approval: required when any matching rule requires it (ee/app/models/ee/
 *   protected_branch.rb `branch_requires_code_owner_approval?`).
 * - No rule at all: the branch is unprotected; the Developer role may push, force-push and
 *   delete it (doc/user/project/repository/branches/protected.md).
 */
import { AccessLevel } from "./access-level";

/** Who one access list lets in. */
export interface Grant {
    /** The lowest role it lets in: 0 no one, -1 no role entry at all. */
    readonly level: number;
    /** User or group entries beside the role entries (Premium). */
    readonly extras: number;
}

/** One protected-branch rule in role terms. */
export interface BranchRuleAccess {
    /** Branch name or wildcard, as GitLab stores it. */
    readonly name: string;
    readonly push: Grant;
    readonly merge: Grant;
    /** Undefined where the edition has no such setting (Community Edition): the Maintainer role unprotects. */
    readonly unprotect?: Grant;
    readonly allowForcePush: boolean;
    readonly codeOwnerApprovalRequired?: boolean;
}

/** One protected-tag rule in role terms. */
export interface TagRuleAccess {
    readonly name: string;
    readonly create: Grant;
}

/** A grant and the rules it comes from. */
export interface SourcedGrant extends Grant {
    /** The matching rules that decide it. */
    readonly by: readonly string[];
}

/** What all matching rules together allow on one branch (or on every branch a pattern names, at worst). */
export interface EffectiveBranchAccess {
    /** Whether any rule matches. */
    readonly protected: boolean;
    /** The names of the matching rules. */
    readonly rules: readonly string[];
    readonly push: SourcedGrant;
    readonly merge: SourcedGrant;
    readonly unprotect: SourcedGrant;
    readonly forcePush: { readonly allowed: boolean; readonly by: readonly string[] };
    readonly codeOwnerApprovalRequired: boolean;
}

/** What all matching rules together allow on the tags a name or pattern names. */
export interface EffectiveTagAccess {
    readonly protected: boolean;
    readonly rules: readonly string[];
    readonly create: SourcedGrant;
}

/** How a role level compares for permissiveness: lower lets more people in; "no one" and "no role entry" let nobody. */
function permissiveness(level: number): number {
    return level <= 0 ? Number.POSITIVE_INFINITY : level;
}

/** Whether a protected-ref name or wildcard matches a ref name (app/models/protected_ref_matcher.rb). */
export function refMatches(pattern: string, ref: string): boolean {
    if (!pattern) return false;
    if (pattern === ref) return true;
    if (!pattern.includes("*")) return false;
    const quoted = pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    return new RegExp(`^${quoted.join(".*?")}$`, "s").test(ref);
}

/**
 * Whether some ref matches both names or wildcards (`*` only, as GitLab's matcher has): `m*`
 * and `main`, `*` and `v*`, `release/*` and `re*` overlap; `hotfix/*` and `v*` do not.
 */
export function patternsOverlap(a: string, b: string): boolean {
    const memo = new Map<string, boolean>();
    const go = (i: number, j: number): boolean => {
        const key = `${i},${j}`;
        const known = memo.get(key);
        if (known !== undefined) return known;
        let r: boolean;
        if (i === a.length && j === b.length) r = true;
        else if (a[i] === "*") r = go(i + 1, j) || (j < b.length && go(i, j + 1));
        else if (b[j] === "*") r = go(i, j + 1) || (i < a.length && go(i + 1, j));
        else r = i < a.length && j < b.length && a[i] === b[j] && go(i + 1, j + 1);
        memo.set(key, r);
        return r;
    };
    return go(0, 0);
}

/** The grant that lets in anyone any of `grants` lets in (GitLab's "any matching rule"). */
function mostPermissive(grants: readonly { name: string; grant: Grant }[]): SourcedGrant {
    if (grants.length === 0) return { level: -1, extras: 0, by: [] };
    const open = grants.filter((g) => g.grant.level > 0);
    const level = open.length > 0 ? Math.min(...open.map((g) => g.grant.level)) : grants.some((g) => g.grant.level === 0) ? 0 : -1;
    const extras = grants.reduce((n, g) => n + g.grant.extras, 0);
    const by = grants.filter((g) => g.grant.level === level || g.grant.extras > 0).map((g) => g.name);
    return { level, extras, by: [...new Set(by)] };
}

/** The grant that lets in only who every one of `grants` lets in (unprotecting every matching rule). */
export function strictest(grants: readonly { name: string; grant: Grant }[]): SourcedGrant {
    if (grants.length === 0) return { level: -1, extras: 0, by: [] };
    const level = grants.map((g) => g.grant.level).reduce((a, b) => (permissiveness(b) > permissiveness(a) ? b : a));
    const extras = Math.min(...grants.map((g) => g.grant.extras));
    return { level, extras, by: grants.filter((g) => g.grant.level === level).map((g) => g.name) };
}

/** Unprotecting a rule without unprotect entries (or on CE) needs admin_protected_branch: the Maintainer role. */
const DEFAULT_UNPROTECT: Grant = { level: AccessLevel.Maintainer, extras: 0 };

/**
 * Who may do what on `ref` under every rule that applies to it. `ref` is a branch name, or a
 * pattern (`hotfix/*`): then every rule that matches some branch it names counts, so the
 * answer is the most any such branch allows.
 */
export function effectiveBranchAccess(rules: readonly BranchRuleAccess[], ref: string): EffectiveBranchAccess {
    const matching = rules.filter((r) => (ref.includes("*") ? patternsOverlap(r.name, ref) : refMatches(r.name, ref)));
    if (matching.length === 0) {
        // Unprotected: the Developer role pushes, force-pushes, merges and deletes.
        const open = { level: AccessLevel.Developer, extras: 0, by: [] };
        return { protected: false, rules: [], push: open, merge: open, unprotect: open, forcePush: { allowed: true, by: [] }, codeOwnerApprovalRequired: false };
    }
    const forcing = matching.filter((r) => r.allowForcePush).map((r) => r.name);
    return {
        protected: true,
        rules: matching.map((r) => r.name),
        push: mostPermissive(matching.map((r) => ({ name: r.name, grant: r.push }))),
        merge: mostPermissive(matching.map((r) => ({ name: r.name, grant: r.merge }))),
        unprotect: strictest(matching.map((r) => ({ name: r.name, grant: r.unprotect && (r.unprotect.level >= 0 || r.unprotect.extras > 0) ? r.unprotect : DEFAULT_UNPROTECT }))),
        forcePush: { allowed: forcing.length > 0, by: forcing },
        codeOwnerApprovalRequired: matching.some((r) => r.codeOwnerApprovalRequired === true),
    };
}

/** Who may create the tags `ref` names (a tag name or a pattern such as `v*`) under every rule that applies. */
export function effectiveTagAccess(rules: readonly TagRuleAccess[], ref: string): EffectiveTagAccess {
    const matching = rules.filter((r) => (ref.includes("*") ? patternsOverlap(r.name, ref) : refMatches(r.name, ref)));
    // An unprotected tag can be created (and moved, and deleted) by the Developer role.
    if (matching.length === 0) return { protected: false, rules: [], create: { level: AccessLevel.Developer, extras: 0, by: [] } };
    return { protected: true, rules: matching.map((r) => r.name), create: mostPermissive(matching.map((r) => ({ name: r.name, grant: r.create }))) };
}

/** How a grant compares with the wanted one. */
export type GrantVerdict = "same" | "looser" | "stricter";

/**
 * An actual grant against the wanted one. User and group entries widen a grant stricter than
 * the Developer role (they let in people the role does not).
 */
export function compareGrant(actual: Grant, wanted: Grant): GrantVerdict {
    const a = permissiveness(actual.level);
    const w = permissiveness(wanted.level);
    if (a < w || (actual.extras > wanted.extras && w > AccessLevel.Developer)) return "looser";
    if (a > w) return "stricter";
    return "same";
}

/** Who a protected-ref grant lets in, in GitLab's words (`ProtectedRefAccess.human_access_levels`). */
export function grantName(g: Grant | number): string {
    const level = typeof g === "number" ? g : g.level;
    const extras = typeof g === "number" ? 0 : g.extras;
    const role =
        level === AccessLevel.NoOne
            ? "no one"
            : level === AccessLevel.Developer
              ? "developers + maintainers"
              : level === AccessLevel.Maintainer
                ? "maintainers"
                : level === AccessLevel.Admin
                  ? "admins"
                  : level < 0
                    ? "no role"
                    : `level ${level}`;
    return extras ? `${role} + ${extras} user/group entr${extras === 1 ? "y" : "ies"}` : role;
}

/** A rule outside the model and what it does to access. */
export interface ExtraRuleEffect {
    /** `widens`: someone may do more than the model allows; `narrows`: only less. */
    readonly effect: "widens" | "narrows";
    /** What it changes, in sentences. */
    readonly findings: readonly string[];
}

/** Below the Maintainer role: who the model never lets onto a protected ref by themselves. */
const belowMaintainer = (g: Grant) => (g.level > 0 && g.level < AccessLevel.Maintainer) || g.extras > 0;

/**
 * Whether a rule also matches refs no model rule matches: a ref its wildcards make (each `*`
 * as a short run of characters) that no model pattern matches. `*`, `m*` and `release/*` do;
 * `hotfix/*` against a model with `hotfix/*`, or `main`, does not.
 */
export function coversOpenRefs(name: string, model: readonly string[]): boolean {
    const samples = name.includes("*") ? [name.replace(/\*/g, "x"), name.replace(/\*/g, "-0/z")] : [name];
    return samples.some((ref) => !model.some((m) => refMatches(m, ref)));
}

/**
 * What a protected-branch rule the model does not declare does: against every model rule it
 * overlaps, whether it lets more people push or merge, or allows force push (widens), or only
 * asks for more (narrows). Where it also matches branches the model leaves unprotected, letting
 * the Developer role (or named users) push or merge there widens, because pipelines on
 * protected branches get the project's protected CI/CD variables and protected runners
 * (doc/ci/variables/_index.md "Protect variable"); otherwise it narrows who may push there.
 */
export function extraBranchRuleEffect(rule: BranchRuleAccess, model: readonly BranchRuleAccess[]): ExtraRuleEffect {
    const overlapped = model.filter((m) => patternsOverlap(rule.name, m.name));
    const widens: string[] = [];
    const narrows: string[] = [];
    for (const m of overlapped) {
        if (compareGrant(rule.push, m.push) === "looser") widens.push(`${grantName(rule.push)} may push to ${m.name} (the model: ${grantName(m.push)})`);
        if (compareGrant(rule.merge, m.merge) === "looser") widens.push(`${grantName(rule.merge)} may merge into ${m.name} (the model: ${grantName(m.merge)})`);
        if (rule.allowForcePush && !m.allowForcePush) widens.push(`force push is allowed on ${m.name}`);
        const unprotect = rule.unprotect ?? DEFAULT_UNPROTECT;
        if (compareGrant(unprotect, m.unprotect ?? DEFAULT_UNPROTECT) === "stricter") narrows.push(`only ${grantName(unprotect)} may unprotect ${m.name}`);
        if (rule.codeOwnerApprovalRequired && !m.codeOwnerApprovalRequired) narrows.push(`code-owner approval is required on ${m.name}`);
    }
    if (coversOpenRefs(rule.name, model.map((m) => m.name))) {
        const wider = permissiveness(rule.push.level) <= permissiveness(rule.merge.level) ? rule.push : rule.merge;
        if (belowMaintainer(rule.push) || belowMaintainer(rule.merge)) {
            widens.push(`protects branches the model leaves unprotected while ${grantName(wider)} may push or merge there: their pipelines get the protected CI/CD variables and protected runners`);
        } else {
            narrows.push(`branches matching ${rule.name} that the model leaves unprotected can be pushed by ${grantName(rule.push)} only (the Developer role could push, force-push and delete them)`);
        }
    }
    if (widens.length === 0 && narrows.length === 0) narrows.push(`adds nothing to what ${overlapped.map((m) => m.name).join(", ")} of the model allow${overlapped.length === 1 ? "s" : ""}`);
    return widens.length > 0 ? { effect: "widens", findings: widens } : { effect: "narrows", findings: narrows };
}

/**
 * What a protected-tag rule the model does not declare does: over the model's tag patterns it
 * overlaps, a looser create level widens; where it matches tags the model leaves open, a
 * create level below Maintainer widens (protected tags get protected variables too), any other
 * narrows who may create them, such as the stale-branch clean-up's `archive/` tags.
 */
export function extraTagRuleEffect(rule: TagRuleAccess, model: readonly TagRuleAccess[]): ExtraRuleEffect {
    const overlapped = model.filter((m) => patternsOverlap(rule.name, m.name));
    const widens = overlapped.filter((m) => compareGrant(rule.create, m.create) === "looser").map((m) => `${grantName(rule.create)} may create ${m.name} tags (the model: ${grantName(m.create)})`);
    const narrows: string[] = [];
    if (coversOpenRefs(rule.name, model.map((m) => m.name))) {
        if (belowMaintainer(rule.create)) widens.push(`protects tags the model leaves unprotected while ${grantName(rule.create)} may create them: their pipelines get the protected CI/CD variables and protected runners`);
        else narrows.push(`tags matching ${rule.name} that the model leaves unprotected (such as the clean-up job's archive/ tags) can be created by ${grantName(rule.create)} only`);
    }
    if (widens.length > 0) return { effect: "widens", findings: widens };
    return { effect: "narrows", findings: narrows.length > 0 ? narrows : [`adds nothing to what ${overlapped.map((m) => m.name).join(", ")} of the model allow${overlapped.length === 1 ? "s" : ""}`] };
}
