/**
 * The protection rows of the audit: each branch and tag pattern of the model as ALL the live
 * rules that match it leave it (GitLab lets in anyone any matching rule lets in; see
 * infra/branch-model/effective-protection.ts), and one row for every protected-branch or
 * protected-tag rule the model does not declare, with whether it widens or narrows access.
 * Pure: live rules and the model in, rows out.
 */
import { BranchModel, modelBranchAccess, modelTagAccess, RuleEnforcement } from "../branch-model/branch-model";
import {
    BranchRuleAccess,
    compareGrant,
    effectiveBranchAccess,
    effectiveTagAccess,
    extraBranchRuleEffect,
    extraTagRuleEffect,
    Grant,
    GrantVerdict,
    grantName,
    SourcedGrant,
    TagRuleAccess,
} from "../branch-model/effective-protection";
import { AccessEntryJson, effectiveLevel, roleEntries } from "../gitlab/providers/common";
import { ProtectedBranchJson } from "../gitlab/providers/protected-branch";
import { ProtectedTagJson } from "../gitlab/providers/protected-tag";
import type { Add, AuditStatus, EnforcedBy } from "./compare";
import { enforcerOf } from "./expected";
import { Fetched, unread } from "./snapshot";

/** An access list as a grant: its effective role level and how many user or group entries it has. */
function grantOf(list: readonly AccessEntryJson[] | undefined): Grant {
    return { level: effectiveLevel(list), extras: (list ?? []).length - roleEntries(list).length };
}

/** A live protected branch in role terms; CE has no unprotect levels (the Maintainer role unprotects). */
function liveBranchAccess(pb: ProtectedBranchJson): BranchRuleAccess {
    return {
        name: pb.name,
        push: grantOf(pb.push_access_levels),
        merge: grantOf(pb.merge_access_levels),
        ...(pb.unprotect_access_levels === undefined ? {} : { unprotect: grantOf(pb.unprotect_access_levels) }),
        allowForcePush: pb.allow_force_push,
        ...(pb.code_owner_approval_required === undefined ? {} : { codeOwnerApprovalRequired: pb.code_owner_approval_required }),
    };
}

/** A live protected tag in role terms. */
function liveTagAccess(t: ProtectedTagJson): TagRuleAccess {
    return { name: t.name, create: grantOf(t.create_access_levels) };
}

/** A live access list against a wanted role level, as the audit words it. */
export function levelVerdict(list: readonly AccessEntryJson[] | undefined, expected: number): { actual: string; verdict: GrantVerdict } {
    const g = grantOf(list);
    return { actual: grantName(g), verdict: compareGrant(g, { level: expected, extras: 0 }) };
}

/** A verdict as a row's status; a stricter setting is still enforced by whoever enforces the rule. */
function verdictStatus(verdict: GrantVerdict, looser: string, declared: EnforcedBy, stricter = "stricter than the model: pulumi up would set it back to the model's level"): { status: AuditStatus; why?: string; enforcedBy: EnforcedBy } {
    if (verdict === "same") return { status: "pass", enforcedBy: declared };
    if (verdict === "looser") return { status: "fail", why: looser, enforcedBy: "nobody" };
    return { status: "warn", why: stricter, enforcedBy: declared };
}

const quoted = (names: readonly string[]) => names.map((n) => `'${n}'`).join(", ");

/** "maintainers", or "developers + maintainers (by rule '*')" when another rule than the named one decides ("also by" when both do). */
function sourced(g: SourcedGrant, own: string): string {
    const others = g.by.filter((n) => n !== own);
    if (others.length === 0) return grantName(g);
    return `${grantName(g)} (${g.by.includes(own) ? "also " : ""}by rule ${quoted(others)})`;
}

/** Where the model's expectation cannot be met by `pulumi up` alone: a rule outside the model decides it. */
function outsideModel(g: SourcedGrant, model: BranchModel, own: string): string | undefined {
    const names = new Set([...model.protectedBranches.map((b) => b.name), ...model.protectedTags.map((t) => t.name)]);
    const others = g.by.filter((n) => n !== own && !names.has(n));
    return others.length > 0 ? `rule ${quoted(others)}, which the model does not declare, decides it (its own row says what to do)` : undefined;
}

/** The rows of every protected branch pattern of the model, and of every live rule outside it. */
export function branchRows(model: BranchModel, fetchedBranches: Fetched<readonly ProtectedBranchJson[]>, report: Map<string, RuleEnforcement>, add: Add): void {
    const area = "protected-branch";
    if (!fetchedBranches.ok) {
        for (const b of model.protectedBranches) add({ id: `protected-branch:${b.name}`, area, rule: `${b.name}: protected`, expected: "protected", actual: "?", status: "not-checked", declared: enforcerOf(report.get(`protected-branch:${b.name}`)), why: unread(fetchedBranches, "protected branches") });
        return;
    }
    const live = fetchedBranches.value.map(liveBranchAccess);
    const wanted = modelBranchAccess(model);
    for (const b of model.protectedBranches) {
        const id = `protected-branch:${b.name}`;
        const declared = enforcerOf(report.get(id));
        const e = effectiveBranchAccess(live, b.name);
        const want = effectiveBranchAccess(wanted, b.name);
        const own = live.find((r) => r.name === b.name);
        if (!e.protected) {
            add({ id, area, rule: `${b.name}: protected`, expected: "protected", actual: "not protected", status: "fail", declared, why: `anyone with the Developer role can push, force-push and delete ${b.name}; pulumi up protects it again` });
            continue;
        }
        if (own) add({ id, area, rule: `${b.name}: protected`, expected: "protected", actual: e.rules.length > 1 ? `protected (rules ${quoted(e.rules)})` : "protected", status: "pass", declared });
        else add({ id, area, rule: `${b.name}: protected`, expected: `protected by rule '${b.name}'`, actual: `only by rule ${quoted(e.rules)}`, status: "warn", mandatory: false, declared, why: `the model's own rule '${b.name}' is gone and rules outside the model decide alone; pulumi up protects ${b.name} again` });
        const levels: [string, string, SourcedGrant, SourcedGrant, string][] = [
            ["push", "who may push", e.push, want.push, `more people may push to ${b.name} directly than the model allows: changes can skip review and the pipeline`],
            ["merge", "who may merge", e.merge, want.merge, `more people may merge into ${b.name} than the model allows`],
            ["unprotect", "who may unprotect", e.unprotect, want.unprotect, `more people may unprotect ${b.name} (and then do anything to it) than the model allows`],
        ];
        for (const [suffix, label, got, wantGrant, looser] of levels) {
            const v = compareGrant(got, wantGrant);
            const outside = outsideModel(got, model, b.name);
            // Community Edition has no unprotect setting: admin_protected_branch (the Maintainer role) decides.
            const ce = suffix === "unprotect" && live.filter((r) => e.rules.includes(r.name)).every((r) => r.unprotect === undefined);
            const actual = ce ? "maintainers (Community Edition: fixed)" : sourced(got, b.name);
            const looserWhy = ce ? `maintainers can unprotect ${b.name}; only the Enterprise codebase can restrict it further` : `${looser}${outside ? `: ${outside}` : ""}`;
            add({ id: `${id}:${suffix}`, area, rule: `${b.name}: ${label}`, expected: grantName(wantGrant), actual, declared, ...verdictStatus(v, looserWhy, declared, outside ? `stricter than the model: ${outside}` : undefined) });
        }
        const fp = (x: boolean) => (x ? "allowed" : "denied");
        const fpVerdict: GrantVerdict = e.forcePush.allowed === want.forcePush.allowed ? "same" : e.forcePush.allowed ? "looser" : "stricter";
        const byOthers = e.forcePush.by.filter((n) => n !== b.name);
        add({
            id: `${id}:force-push`,
            area,
            rule: `${b.name}: force push`,
            expected: fp(want.forcePush.allowed),
            actual: byOthers.length > 0 ? `${fp(e.forcePush.allowed)} (by rule ${quoted(byOthers)})` : fp(e.forcePush.allowed),
            declared,
            ...verdictStatus(fpVerdict, `whoever may push can rewrite ${b.name}'s history`, declared),
        });

        const co = report.get(`code-owner-approval:${b.name}`);
        if (co) {
            const base = { id: co.id, area, rule: `${b.name}: code-owner approval`, expected: "required" };
            const known = live.some((r) => e.rules.includes(r.name) && r.codeOwnerApprovalRequired !== undefined);
            if (co.enforcedBy !== "gitlab") add({ ...base, actual: "not available", status: "not-checked", declared: "nobody", why: co.reason ?? "nobody enforces it" });
            else if (!known) add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: "GitLab did not return code_owner_approval_required" });
            else add({ ...base, actual: e.codeOwnerApprovalRequired ? "required" : "not required", status: e.codeOwnerApprovalRequired ? "pass" : "fail", declared: "gitlab", ...(e.codeOwnerApprovalRequired ? {} : { why: `changes to owned files reach ${b.name} without their code owners' approval` }) });
        }
    }
    const declaredNames = new Set(model.protectedBranches.map((b) => b.name));
    for (const r of live.filter((x) => !declaredNames.has(x.name))) {
        const effect = extraBranchRuleEffect(r, wanted);
        const widens = effect.effect === "widens";
        add({
            id: `protected-branch-rule:${r.name}`,
            area,
            rule: `rule ${r.name} (not in the model)`,
            expected: "no such rule",
            actual: `push ${grantName(r.push)}, merge ${grantName(r.merge)}, force push ${r.allowForcePush ? "allowed" : "denied"}`,
            status: widens ? "fail" : "warn",
            mandatory: widens,
            declared: "gitlab",
            enforcedBy: "nobody",
            why: `it ${effect.effect} access: ${effect.findings.join("; ")}. pulumi up leaves rules outside the model alone: remove it (Settings → Repository → Protected branches) or add it to the branch model`,
        });
    }
}

/** The rows of every protected tag pattern of the model, and of every live tag rule outside it. */
export function tagRows(model: BranchModel, fetchedTags: Fetched<readonly ProtectedTagJson[]>, report: Map<string, RuleEnforcement>, add: Add): void {
    const area = "protected-tag";
    const wanted = modelTagAccess(model);
    for (const t of model.protectedTags) {
        const id = `protected-tag:${t.name}`;
        const declared = enforcerOf(report.get(id));
        const base = { id, area, rule: `tags ${t.name}: who may create`, expected: grantName(t.createAccessLevel), declared };
        if (!fetchedTags.ok) {
            add({ ...base, actual: "?", status: "not-checked", why: unread(fetchedTags, "protected tags") });
            continue;
        }
        const e = effectiveTagAccess(fetchedTags.value.map(liveTagAccess), t.name);
        if (!e.protected) {
            add({ ...base, actual: "not protected", status: "fail", why: `anyone who may push can create (and move) ${t.name} tags: a release tag no longer binds its model; protect ${t.name} (pulumi up does)` });
            continue;
        }
        const outside = outsideModel(e.create, model, t.name);
        const own = fetchedTags.value.some((x) => x.name === t.name);
        const v = compareGrant(e.create, effectiveTagAccess(wanted, t.name).create);
        if (!own && v === "same") {
            add({ ...base, actual: `${sourced(e.create, t.name)}; the model's own rule is gone`, status: "warn", mandatory: false, why: `rule ${quoted(e.rules)} alone protects ${t.name} tags; pulumi up protects them again` });
            continue;
        }
        add({ ...base, actual: sourced(e.create, t.name), ...verdictStatus(v, `more people may create ${t.name} tags than the model allows${outside ? `: ${outside}` : ""}`, declared, outside ? `stricter than the model: ${outside}` : undefined) });
    }
    if (!fetchedTags.ok) return;
    const declaredNames = new Set(model.protectedTags.map((t) => t.name));
    for (const r of fetchedTags.value.filter((x) => !declaredNames.has(x.name)).map(liveTagAccess)) {
        const effect = extraTagRuleEffect(r, wanted);
        const widens = effect.effect === "widens";
        add({
            id: `protected-tag-rule:${r.name}`,
            area,
            rule: `tag rule ${r.name} (not in the model)`,
            expected: "no such rule",
            actual: `create ${grantName(r.create)}`,
            status: widens ? "fail" : "warn",
            mandatory: widens,
            declared: "gitlab",
            enforcedBy: "nobody",
            why: `it ${effect.effect} access: ${effect.findings.join("; ")}. pulumi up leaves rules outside the model alone: remove it (Settings → Repository → Protected tags) or add it to the branch model`,
        });
    }
}
