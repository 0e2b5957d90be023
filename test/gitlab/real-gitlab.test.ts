/**
 * The providers against a real GitLab, when GITLAB_URL, GITLAB_TOKEN and GITLAB_TEST_GROUP
 * are set: a disposable project is created under the group, exercised, and deleted (marked for
 * deletion, since GitLab 18.0). Set GITLAB_TEST_TIER=premium to include the approval rule.
 */
import { approvalRuleProvider } from "../../infra/gitlab/providers/approval-rule";
import { projectProvider, ProjectInputs } from "../../infra/gitlab/providers/project";
import { protectedBranchProvider, ProtectedBranchInputs } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";

const url = process.env.GITLAB_URL;
const group = process.env.GITLAB_TEST_GROUP;
const premium = process.env.GITLAB_TEST_TIER === "premium" || process.env.GITLAB_TEST_TIER === "ultimate";
const real = Boolean(url && process.env.GITLAB_TOKEN && group);
if (!real) console.warn("SKIPPED: real-GitLab provider suite — set GITLAB_URL, GITLAB_TOKEN and GITLAB_TEST_GROUP to run it against a disposable project (GITLAB_TEST_TIER=premium adds the approval rule).");

(real ? describe : describe.skip)("providers against a real GitLab", () => {
    const base = { gitlabUrl: url!, providerVersion: "1" };
    const projectInputs: ProjectInputs = {
        ...base,
        kind: "gitlab:Project",
        path: `${group}/ml-team-env-test-${Date.now()}`,
        mode: "create",
        visibility: "private",
        description: "ml-team-env test",
        defaultBranch: "main",
        pipelineMustSucceed: true,
        allDiscussionsResolved: true,
        deleteSourceBranch: true,
        jobTokenPush: false,
        deleteOnDestroy: true,
    };
    let projectId = 0;

    afterAll(async () => {
        if (projectId) await projectProvider.delete!(String(projectId), { ...projectInputs, projectId, webUrl: "" });
    });

    it("creates the project with no diff on read-back", async () => {
        const project = await projectProvider.create!(projectInputs);
        projectId = project.outs!.projectId;
        const read = await projectProvider.read!(project.id, project.outs!);
        expect((await projectProvider.diff!(project.id, read.props!, projectInputs)).changes).toBe(false);
    });

    it("protects main, and an update of the merge level really lands (read back), whatever the edition", async () => {
        const inputs: ProtectedBranchInputs = { ...base, kind: "gitlab:ProtectedBranch", projectId, name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false };
        const pb = await protectedBranchProvider.create!(inputs);
        const updated = await protectedBranchProvider.update!(pb.id, pb.outs!, { ...inputs, mergeAccessLevel: 30 });
        expect(updated.outs!.mergeAccessLevel).toBe(30);
        const read = await protectedBranchProvider.read!(pb.id, updated.outs!);
        expect(read.props).toMatchObject({ pushAccessLevel: 0, mergeAccessLevel: 30, allowForcePush: false });
        expect((await protectedBranchProvider.diff!(pb.id, read.props!, { ...inputs, mergeAccessLevel: 30 })).changes).toBe(false);
    });

    it("protects v* for maintainers and changes it without a gap", async () => {
        const inputs = { ...base, kind: "gitlab:ProtectedTag", projectId, name: "v*", createAccessLevel: 40 };
        const tag = await protectedTagProvider.create!(inputs);
        expect(tag.outs!.createAccessLevel).toBe(40);
        const updated = await protectedTagProvider.update!(tag.id, tag.outs!, { ...inputs, createAccessLevel: 30 });
        expect(updated.outs!.createAccessLevel).toBe(30);
    });

    (premium ? it : it.skip)("Premium: an any-eligible-member approval rule on main", async () => {
        const pb = await protectedBranchProvider.read!(`${projectId}:main`, { ...base, kind: "gitlab:ProtectedBranch", projectId, name: "main", pushAccessLevel: 0, mergeAccessLevel: 30, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false, protectedBranchId: 0 });
        const rule = await approvalRuleProvider.create!({ ...base, kind: "gitlab:ApprovalRule", projectId, name: "main approvals", approvalsRequired: 1, protectedBranchId: pb.props!.protectedBranchId });
        expect(rule.outs).toMatchObject({ ruleType: "any_approver", approvalsRequired: 1 });
    });
});
