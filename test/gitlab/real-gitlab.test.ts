/**
 * The provider round trip against a real GitLab, when GITLAB_URL, GITLAB_TOKEN and
 * GITLAB_TEST_GROUP are set: a disposable project is created under the group and deleted.
 */
import { projectProvider } from "../../infra/gitlab/providers/project";
import { protectedBranchProvider } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";

const url = process.env.GITLAB_URL;
const group = process.env.GITLAB_TEST_GROUP;
const real = Boolean(url && process.env.GITLAB_TOKEN && group);
if (!real) console.warn("SKIPPED: real-GitLab provider suite — set GITLAB_URL, GITLAB_TOKEN and GITLAB_TEST_GROUP to run it against a disposable project.");

(real ? describe : describe.skip)("providers against a real GitLab", () => {
    const path = `${group}/ml-team-env-test-${Date.now()}`;
    const base = { gitlabUrl: url!, providerVersion: "1" };
    let projectId = 0;

    afterAll(async () => {
        if (projectId) await projectProvider.delete!(String(projectId), { ...base, kind: "gitlab:Project", path, mode: "create", visibility: "private", description: "", defaultBranch: "main", pipelineMustSucceed: true, allDiscussionsResolved: true, deleteSourceBranch: true, deleteOnDestroy: true, projectId, webUrl: "" });
    });

    it("creates the project, protects main in place and protects v*", async () => {
        const project = await projectProvider.create!({ ...base, kind: "gitlab:Project", path, mode: "create", visibility: "private", description: "ml-team-env test", defaultBranch: "main", pipelineMustSucceed: true, allDiscussionsResolved: true, deleteSourceBranch: true, deleteOnDestroy: true });
        projectId = project.outs!.projectId;
        const protectionInputs = { ...base, kind: "gitlab:ProtectedBranch", projectId, name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false };
        const pb = await protectedBranchProvider.create!(protectionInputs);
        const updated = await protectedBranchProvider.update!(pb.id, pb.outs!, { ...protectionInputs, mergeAccessLevel: 30 });
        expect(updated.outs!.mergeAccessLevel).toBe(30);
        const tag = await protectedTagProvider.create!({ ...base, kind: "gitlab:ProtectedTag", projectId, name: "v*", createAccessLevel: 40 });
        expect(tag.outs!.createAccessLevel).toBe(40);
    });
});
