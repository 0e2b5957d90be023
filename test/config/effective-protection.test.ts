/**
 * Effective protection under all matching rules, as GitLab decides it (the module cites its
 * sources): wildcard matching, the most permissive rule winning for push, merge, force push and
 * tag creation, the strictest for unprotect, and what a rule outside the model does.
 */
import { AccessLevel, DEFAULT_BRANCH_MODEL, enforcementReport, modelBranchAccess, modelTagAccess } from "../../infra/branch-model/branch-model";
import {
    BranchRuleAccess,
    compareGrant,
    coversOpenRefs,
    effectiveBranchAccess,
    effectiveTagAccess,
    extraBranchRuleEffect,
    extraTagRuleEffect,
    patternsOverlap,
    refMatches,
} from "../../infra/branch-model/effective-protection";

const role = (level: number) => ({ level, extras: 0 });
const rule = (name: string, push: number, merge: number, o: Partial<BranchRuleAccess> = {}): BranchRuleAccess => ({ name, push: role(push), merge: role(merge), unprotect: role(40), allowForcePush: false, ...o });
const model = modelBranchAccess(DEFAULT_BRANCH_MODEL);

describe("matching (app/models/protected_ref_matcher.rb)", () => {
    it.each([
        ["main", "main", true],
        ["main", "main2", false],
        ["m*", "main", true],
        ["*", "hotfix/a/b", true],
        ["hotfix/*", "hotfix/a/b", true],
        ["hotfix/*", "hotfix", false],
        ["v*", "v1.2.0", true],
        ["v1.*", "v1x2", false],
        ["*-stable", "production-stable", true],
        ["", "main", false],
    ])("%s matches %s: %s", (pattern, ref, expected) => {
        expect(refMatches(pattern, ref)).toBe(expected);
    });

    it.each([
        ["m*", "main", true],
        ["*", "v*", true],
        ["release/*", "re*", true],
        ["hotfix/*", "v*", false],
        ["*-stable", "production-*", true],
        ["a*b", "c*", false],
        ["main", "develop", false],
    ])("%s and %s overlap: %s", (a, b, expected) => {
        expect(patternsOverlap(a, b)).toBe(expected);
        expect(patternsOverlap(b, a)).toBe(expected);
    });
});

describe("effective access under all matching rules", () => {
    it("the model alone: main pushes to no one, merges by maintainers, no force push, maintainers unprotect", () => {
        const e = effectiveBranchAccess(model, "main");
        expect(e).toMatchObject({ protected: true, rules: ["main"], push: { level: 0 }, merge: { level: 40 }, unprotect: { level: 40 }, forcePush: { allowed: false } });
    });

    it("an exact name does not override a wildcard: the most permissive push and merge win, named by their rule", () => {
        const e = effectiveBranchAccess([...model, rule("m*", 30, 30)], "main");
        expect(e.rules).toEqual(["main", "m*"]);
        expect(e.push).toEqual({ level: 30, extras: 0, by: ["m*"] });
        expect(e.merge.level).toBe(30);
        expect(effectiveBranchAccess([...model, rule("m*", 30, 30)], "develop").push.level).toBe(0);
    });

    it("force push is allowed when any matching rule allows it; code-owner approval when any requires it; unprotect takes the strictest", () => {
        const e = effectiveBranchAccess([...model, rule("*", 0, 40, { allowForcePush: true, codeOwnerApprovalRequired: true, unprotect: role(60) })], "develop");
        expect(e.forcePush).toEqual({ allowed: true, by: ["*"] });
        expect(e.codeOwnerApprovalRequired).toBe(true);
        expect(e.unprotect).toMatchObject({ level: 60, by: ["*"] });
        // CE: no unprotect setting on any rule → the Maintainer role.
        expect(effectiveBranchAccess([rule("main", 0, 40, { unprotect: undefined })], "main").unprotect.level).toBe(40);
    });

    it("no matching rule: unprotected, the Developer role pushes and force-pushes", () => {
        expect(effectiveBranchAccess(model, "feature/x")).toMatchObject({ protected: false, push: { level: 30 }, forcePush: { allowed: true } });
    });

    it("a wildcard of the model counts every rule that overlaps it; tags likewise", () => {
        expect(effectiveBranchAccess([...model, rule("hotfix/urgent-*", 30, 30, { allowForcePush: true })], "hotfix/*").forcePush.allowed).toBe(true);
        const tags = [...modelTagAccess(DEFAULT_BRANCH_MODEL), { name: "*", create: role(30) }];
        expect(effectiveTagAccess(tags, "v*").create).toEqual({ level: 30, extras: 0, by: ["*"] });
        expect(effectiveTagAccess(modelTagAccess(DEFAULT_BRANCH_MODEL), "archive/x")).toMatchObject({ protected: false });
    });

    it("user and group entries widen a grant stricter than the Developer role", () => {
        expect(compareGrant({ level: 0, extras: 1 }, role(0))).toBe("looser");
        expect(compareGrant({ level: 30, extras: 1 }, role(30))).toBe("same");
        expect(compareGrant(role(40), role(30))).toBe("stricter");
    });

    it("the plan's branchRules describe each branch by the same computation", () => {
        const main = enforcementReport(DEFAULT_BRANCH_MODEL, "free").find((r) => r.id === "protected-branch:main")!;
        expect(main.description).toBe("main: push no one, merge maintainers, force push denied, unprotect maintainers");
        const tag = enforcementReport(DEFAULT_BRANCH_MODEL, "free").find((r) => r.id === "protected-tag:v*")!;
        expect(tag.description).toBe("tags v*: created by maintainers only");
    });
});

describe("what a rule outside the model does", () => {
    it.each([
        ["*", rule("*", 30, 30), /developers \+ maintainers may push to main/],
        ["m*", rule("m*", 30, 40), /may push to main \(the model: no one\)/],
        ["release/* with developer push", rule("release/*", 30, 30), /protects branches the model leaves unprotected .*protected CI\/CD variables/],
        ["main* allowing force push", rule("main*", 0, 40, { allowForcePush: true }), /force push is allowed on main/],
    ])("%s widens", (_n, r, finding) => {
        const e = extraBranchRuleEffect(r, model);
        expect(e.effect).toBe("widens");
        expect(e.findings.join("; ")).toMatch(finding);
    });

    it.each([
        ["release/* for maintainers", rule("release/*", 40, 40), /can be pushed by maintainers only/],
        ["hotfix/urgent stricter", rule("hotfix/urgent", 0, 40, { unprotect: role(60) }), /only admins may unprotect hotfix\/\*/],
        ["m* push no one", rule("m*", 0, 40), /can be pushed by no one only/],
    ])("%s narrows", (_n, r, finding) => {
        const e = extraBranchRuleEffect(r, model);
        expect(e.effect).toBe("narrows");
        expect(e.findings.join("; ")).toMatch(finding);
    });

    it("tags: * for developers widens v*; * for maintainers narrows the tags the model leaves open (archive/)", () => {
        const tags = modelTagAccess(DEFAULT_BRANCH_MODEL);
        expect(extraTagRuleEffect({ name: "*", create: role(30) }, tags)).toMatchObject({ effect: "widens", findings: [expect.stringMatching(/may create v\* tags/), expect.stringMatching(/protected CI\/CD variables/)] });
        expect(extraTagRuleEffect({ name: "*", create: role(40) }, tags)).toMatchObject({ effect: "narrows", findings: [expect.stringMatching(/archive\/ tags/)] });
        expect(extraTagRuleEffect({ name: "v1.*", create: role(AccessLevel.NoOne) }, tags).effect).toBe("narrows");
    });

    it("whether a rule reaches refs no model rule matches", () => {
        expect(coversOpenRefs("*", ["main", "develop", "hotfix/*"])).toBe(true);
        expect(coversOpenRefs("hotfix/*", ["main", "develop", "hotfix/*"])).toBe(false);
        expect(coversOpenRefs("hotfix/x*", ["main", "develop", "hotfix/*"])).toBe(false);
        expect(coversOpenRefs("main", ["main"])).toBe(false);
    });
});
