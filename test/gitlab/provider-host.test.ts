/**
 * Every GitLab provider run the way `pulumi up` runs it: serialized by the SDK, loaded by the
 * SDK's dynamic-provider host in a fresh Node process, driven over gRPC. GitLab's own error
 * messages must reach the caller (not "Unknown Error"), and the token must come from the
 * stack config the engine sends, read by its full key.
 */
// This file checks the serialized provider code itself: use the real serializer (see test/setup.ts).
jest.unmock("@pulumi/pulumi/runtime/closure/serializeClosure");
import { approvalRuleProvider } from "../../infra/gitlab/providers/approval-rule";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { TOKEN_CONFIG_KEY } from "../../infra/gitlab/providers/common";
import { pipelineScheduleProvider } from "../../infra/gitlab/providers/pipeline-schedule";
import { projectProvider } from "../../infra/gitlab/providers/project";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { protectedBranchProvider } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";
import { pushRulesProvider } from "../../infra/gitlab/providers/push-rules";
import { repositoryFileProvider } from "../../infra/gitlab/providers/repository-file";
import { runnerProvider } from "../../infra/gitlab/providers/runner";
import { CHANGE_GUARD_KIND, changeGuardProvider } from "../../infra/stack/change-guard";
import { GitLabEmulator, startGitLabEmulator } from "../support/gitlab-emulator";
import { failureOf, ProviderHost, serializeProvider, startProviderHost } from "../support/provider-host";

const RETRY = { maxAttempts: 2, maxTotalMs: 2_000, fixedWaitMs: 10, baseBackoffMs: 10, timeoutMs: 2_000 };
const MISSING_PROJECT = 987654;

let em: GitLabEmulator;
let host: ProviderHost;

beforeAll(async () => {
    em = await startGitLabEmulator({ mode: "ee-premium" });
    em.addGroup("ml-team");
    host = await startProviderHost();
    // What the engine sends a dynamic provider: the stack's config, keys fully qualified.
    await host.configure({ [TOKEN_CONFIG_KEY]: em.adminToken });
});
afterAll(async () => {
    await host?.close();
    await em?.close();
});

const base = () => ({ gitlabUrl: em.url, providerVersion: "test", retry: RETRY });

const NOT_FOUND = new RegExp(`GitLab found nothing at (GET|POST|PUT) /api/v4/projects/${MISSING_PROJECT}.*404.*Not Found.*check gitlab\\.project\\.path`);

/** Each provider with inputs that point at a project GitLab does not have, and what GitLab says. */
const onMissingProject: [string, object, () => Record<string, unknown>, RegExp][] = [
    ["ProtectedBranch", protectedBranchProvider, () => ({ ...base(), kind: "gitlab:ProtectedBranch", projectId: MISSING_PROJECT, name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false }), NOT_FOUND],
    ["ProtectedTag", protectedTagProvider, () => ({ ...base(), kind: "gitlab:ProtectedTag", projectId: MISSING_PROJECT, name: "v*", createAccessLevel: 40 }), NOT_FOUND],
    ["Branch", branchProvider, () => ({ ...base(), kind: "gitlab:Branch", projectId: MISSING_PROJECT, branch: "develop", ref: "main" }), NOT_FOUND],
    ["PushRules", pushRulesProvider, () => ({ ...base(), kind: "gitlab:PushRules", projectId: MISSING_PROJECT, branchNameRegex: "^main$", preventSecrets: true, denyDeleteTag: true }), NOT_FOUND],
    ["ApprovalRule", approvalRuleProvider, () => ({ ...base(), kind: "gitlab:ApprovalRule", projectId: MISSING_PROJECT, name: "main approvals", approvalsRequired: 1, protectedBranchId: 1 }), NOT_FOUND],
    ["RepositoryFile", repositoryFileProvider, () => ({ ...base(), kind: "gitlab:RepositoryFile", projectId: MISSING_PROJECT, filePath: ".gitlab-ci.yml", content: "x", branch: "main", commitMessage: "ci", mode: "direct", proposalBranch: "feature/ci" }), NOT_FOUND],
    ["PipelineSchedule", pipelineScheduleProvider, () => ({ ...base(), kind: "gitlab:PipelineSchedule", projectId: MISSING_PROJECT, description: "nightly", ref: "main", cron: "0 3 * * *", cronTimezone: "UTC", active: true, variables: {} }), NOT_FOUND],
    ["Runner", runnerProvider, () => ({ ...base(), kind: "gitlab:Runner", projectId: MISSING_PROJECT, description: "gpu", tagList: ["gpu"], runUntagged: false, locked: true, accessLevel: "not_protected", maximumTimeout: 3600, rotation: "1" }), /GitLab answered 400 on POST \/api\/v4\/user\/runners: 400 Bad request - Missing\/invalid project/],
];

describe("GitLab providers in the SDK's dynamic-provider host", () => {
    it.each(onMissingProject)("%s: GitLab's answer for a missing project reaches the user with its message and what to do", async (_name, provider, inputs, expected) => {
        const serialized = await serializeProvider(provider);
        const failure = await failureOf(host.create(serialized, inputs()));
        expect(failure.message).toMatch(expected);
        expect(failure.message).not.toMatch(/Unknown Error|undefined/);
        expect(failure.message).not.toContain(em.adminToken);
    });

    it("Project: a 401 for a revoked token and a 403 for a token without the api scope say which, without the token", async () => {
        const serialized = await serializeProvider(projectProvider);
        const inputs = { ...base(), kind: "gitlab:Project", path: "ml-team/host-denied", mode: "create", visibility: "private", description: "", defaultBranch: "main", pipelineMustSucceed: true, allDiscussionsResolved: true, deleteSourceBranch: true, jobTokenPush: false, deleteOnDestroy: false };
        const readOnly = em.addToken("root", ["read_api"]);
        const other = await startProviderHost();
        try {
            await other.configure({ [TOKEN_CONFIG_KEY]: "glpat-revoked-000000000000" });
            const unauthorized = await failureOf(other.create(serialized, inputs));
            expect(unauthorized.message).toMatch(/GitLab rejected the token \(401\)/);
            expect(unauthorized.message).not.toContain("glpat-revoked");
        } finally {
            await other.close();
        }
        const scoped = await startProviderHost();
        try {
            await scoped.configure({ [TOKEN_CONFIG_KEY]: readOnly });
            const denied = await failureOf(scoped.create(serialized, inputs));
            expect(denied.message).toMatch(/GitLab refused POST \/api\/v4\/projects \(403: insufficient_scope\)/);
            expect(denied.message).not.toContain(readOnly);
        } finally {
            await scoped.close();
        }
    });

    it("ProjectMember: an unknown username is named with the stack key to fix", async () => {
        const serialized = await serializeProvider(projectMemberProvider);
        const failure = await failureOf(host.create(serialized, { ...base(), kind: "gitlab:ProjectMember", projectId: MISSING_PROJECT, username: "nobody-at-all", accessLevel: 30 }));
        expect(failure.message).toMatch(/no GitLab user 'nobody-at-all'.*ml-team-env:team\.members/);
    });

    it("creates, reads, updates and deletes through the host with the token from stack config", async () => {
        const project = await serializeProvider(projectProvider);
        const created = await host.create(project, { ...base(), kind: "gitlab:Project", path: "ml-team/through-host", mode: "create", visibility: "private", description: "d", defaultBranch: "main", pipelineMustSucceed: true, allDiscussionsResolved: true, deleteSourceBranch: true, jobTokenPush: false, deleteOnDestroy: false });
        const projectId = created.outs.projectId as number;
        expect(em.state.projects.get(projectId)!.path_with_namespace).toBe("ml-team/through-host");
        const protection = await serializeProvider(protectedBranchProvider);
        const inputs = { ...base(), kind: "gitlab:ProtectedBranch", projectId, name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false };
        const pb = await host.create(protection, inputs);
        const read = await host.read(protection, pb.id, pb.outs);
        expect(read.props).toMatchObject({ pushAccessLevel: 0, mergeAccessLevel: 40 });
        const updated = await host.update(protection, pb.id, read.props, { ...inputs, mergeAccessLevel: 30 });
        expect(updated.mergeAccessLevel).toBe(30);
        // Removing the rule from the model unprotects; a destroy never calls this (deletedWith the project).
        await host.delete(protection, pb.id, updated);
        expect(em.state.projects.get(projectId)!.protectedBranches.has("main")).toBe(false);
    });
});

/**
 * What `pulumi up` refuses (issue 22), as the host hands it to the engine: a project another stack
 * manages (surprise 1), and the change guard's Check (surprise 3: a smaller home size, a cluster
 * mode changed without confirmation, which the plan had shown as harmless updates).
 */
describe("refusals the engine shows", () => {
    const guard = (o: { clusterMode: string; storageGiB?: number; confirmModeChangeFrom?: string }) => ({ kind: CHANGE_GUARD_KIND, providerVersion: "1", ...o });

    it("Project: another stack's project is refused, naming that stack and how to hand it over", async () => {
        const provider = await serializeProvider(projectProvider);
        const project = { ...base(), kind: "gitlab:Project", path: "ml-team/owned", mode: "create", visibility: "private", description: "", defaultBranch: "main", pipelineMustSucceed: true, allDiscussionsResolved: true, deleteSourceBranch: true, jobTokenPush: false, deleteOnDestroy: false };
        await host.create(provider, { ...project, owner: "acme/ml-team-env/dev#1a2b3c4d" });
        const failure = await failureOf(host.create(provider, { ...project, mode: "adopt", owner: "lab/ml-team-env/dev#5e6f7a8b" }));
        expect(failure.message).toMatch(/ml-team\/owned is managed by another ml-team-env stack, acme\/ml-team-env\/dev#1a2b3c4d .*run `pulumi destroy` in that stack.*gitlab\.project\.takeOverFrom: "acme\/ml-team-env\/dev#1a2b3c4d"/);
    });

    it("ChangeGuard: a smaller jupyterhub.storageGiB, with the reason and the way out; growing and a first deployment pass", async () => {
        const provider = await serializeProvider(changeGuardProvider);
        const { failures } = await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 40 }));
        expect(failures).toEqual([
            {
                property: "storageGiB",
                reason: expect.stringMatching(/jupyterhub\.storageGiB went from 50 to 40: Kubernetes cannot shrink a volume claim .*Set it back to 50 or more\. To give homes less room, .*docs\/notebooks\.md "Home volumes"/),
            },
        ]);
        expect((await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 80 }))).failures).toEqual([]);
        expect((await host.check(provider, {}, guard({ clusterMode: "eks", storageGiB: 10 }))).failures).toEqual([]);
    });

    it("ChangeGuard: a change of cluster.mode, unless cluster.confirmModeChangeFrom names the mode left; the values are kept for the next Check", async () => {
        const provider = await serializeProvider(changeGuardProvider);
        const refused = await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(refused.failures).toEqual([{ property: "clusterMode", reason: expect.stringMatching(/cluster\.mode changes from existing to eks: the members' home volumes stay in the existing cluster .*cluster\.confirmModeChangeFrom: existing \(docs\/cluster\.md "Changing the cluster mode"\)/) }]);
        expect((await host.check(provider, guard({ clusterMode: "existing" }), guard({ clusterMode: "eks", confirmModeChangeFrom: "none" }))).failures.map((f) => f.property)).toEqual(["clusterMode"]);
        expect((await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50, confirmModeChangeFrom: "existing" }))).failures).toEqual([]);
        const created = await host.create(provider, guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(created.outs).toMatchObject({ clusterMode: "eks", storageGiB: 50 });
        expect(await host.diff(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }))).toEqual({ changes: 2, replaces: [] });
        expect(await host.update(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }))).toMatchObject({ storageGiB: 60 });
    });
});
