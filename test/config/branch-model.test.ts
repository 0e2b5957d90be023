import { AccessLevel, branchNameRegex, buildBranchModel, DEFAULT_BRANCH_MODEL, enforcementReport, isValidBranchName } from "../../infra/branch-model/branch-model";

describe("the default branch model", () => {
    it("protects main and develop against pushes and force pushes", () => {
        const main = DEFAULT_BRANCH_MODEL.protectedBranches.find((b) => b.name === "main")!;
        const develop = DEFAULT_BRANCH_MODEL.protectedBranches.find((b) => b.name === "develop")!;
        expect([main.pushAccessLevel, main.mergeAccessLevel, main.allowForcePush]).toEqual([AccessLevel.NoOne, AccessLevel.Maintainer, false]);
        expect([develop.pushAccessLevel, develop.mergeAccessLevel, develop.allowForcePush]).toEqual([AccessLevel.NoOne, AccessLevel.Developer, false]);
        expect(DEFAULT_BRANCH_MODEL.protectedTags).toEqual([expect.objectContaining({ name: "v*", createAccessLevel: AccessLevel.Maintainer })]);
    });

    it.each([
        ["main", true],
        ["develop", true],
        ["feature/data-loader", true],
        ["experiment/lr-3e-4_warmup", true],
        ["hotfix/v1.2.1", true],
        ["bugfix/nan-loss", true],
        ["feature/Data-Loader", false],
        ["feature/", false],
        ["features/x", false],
        ["mainline", false],
        ["wip", false],
        ["experiment/a/b", false],
    ])("naming rule: %s → %s", (branch, ok) => {
        expect(isValidBranchName(DEFAULT_BRANCH_MODEL, branch)).toBe(ok);
    });

    it("gives one anchored regex for GitLab push rules and the CI job", () => {
        // GitLab's own Cherry-pick and Revert buttons name branches cherry-pick-<sha> and revert-<sha>.
        expect(branchNameRegex(DEFAULT_BRANCH_MODEL)).toBe("^(main|develop|(feature|experiment|hotfix|bugfix)/([a-z0-9._-]+)|cherry-pick-[0-9a-f]{8,}|revert-[0-9a-f]{8,})$");
    });
});

describe("buildBranchModel", () => {
    it("applies overrides and leaves the default untouched", () => {
        const m = buildBranchModel({ approvalsOnMain: 2, developMergeAccess: "maintainer", experimentStaleAfterDays: 30, extraBranchTypes: [{ prefix: "docs", from: "develop", mergeTo: "develop" }] });
        expect(m.mergeRequests.approvalsOnDefaultBranch).toBe(2);
        expect(m.protectedBranches.find((b) => b.name === "develop")!.mergeAccessLevel).toBe(AccessLevel.Maintainer);
        expect(m.branchTypes.find((t) => t.prefix === "experiment")!.staleAfterDays).toBe(30);
        expect(isValidBranchName(m, "docs/readme")).toBe(true);
        expect(DEFAULT_BRANCH_MODEL.mergeRequests.approvalsOnDefaultBranch).toBe(1);
    });
});

describe("enforcementReport", () => {
    const by = (tier: "free" | "premium", ciJobsDeployed = true) => Object.fromEntries(enforcementReport(DEFAULT_BRANCH_MODEL, tier, { ciJobsDeployed }).map((r) => [r.id, r.enforcedBy]));

    it("never claims CI enforcement before the CI jobs are deployed", () => {
        const free = by("free", false);
        expect(free["push-rule:branch-name"]).toBe("none");
        expect(free["stale-branches:experiment"]).toBe("none");
        expect(free["protected-branch:main"]).toBe("gitlab");
    });

    it("on Free: protections by GitLab, naming by CI, approvals and push rules by nobody", () => {
        const free = by("free");
        expect(free["protected-branch:main"]).toBe("gitlab");
        expect(free["protected-tag:v*"]).toBe("gitlab");
        expect(free["push-rule:branch-name"]).toBe("ci");
        expect(free["approval:main"]).toBe("none");
        expect(free["push-rule:prevent-secrets"]).toBe("none");
        expect(free["stale-branches:experiment"]).toBe("ci");
    });

    it("on Premium: GitLab enforces naming and approvals; stale branches stay a CI job", () => {
        const premium = by("premium");
        expect(premium["push-rule:branch-name"]).toBe("gitlab");
        expect(premium["approval:main"]).toBe("gitlab");
        expect(premium["stale-branches:experiment"]).toBe("ci");
    });

    it("says why a rule is enforced by nobody: the tier it needs, or the pipeline job that is off", () => {
        const reasons = (ci: boolean) => Object.fromEntries(enforcementReport(DEFAULT_BRANCH_MODEL, "free", { ciJobsDeployed: ci }).map((r) => [r.id, r.reason]));
        expect(reasons(false)["approval:main"]).toBe("GitLab enforces it from premium (this project: free)");
        expect(reasons(false)["push-rule:branch-name"]).toBe("GitLab enforces it from premium (this project: free), and the pipeline job that would is not deployed (ci.pipeline is off)");
        expect(reasons(true)["push-rule:branch-name"]).toBe("GitLab enforces it from premium (this project: free); a pipeline job does instead");
        expect(reasons(true)["stale-branches:experiment"]).toBe("GitLab has no such setting on any tier; a pipeline job does instead");
        expect(reasons(true)["protected-branch:main"]).toBeUndefined();
    });
});
