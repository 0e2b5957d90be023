/**
 * Every GitLab provider run the way `pulumi up` runs it: serialized by the SDK, loaded by the
 * SDK's dynamic-provider host in a fresh Node process, driven over gRPC. GitLab's own error
 * messages must reach the caller (not "Unknown Error"), and the token must come from the
 * stack config the engine sends, read by its full key.
 *
 * Drift that heals, as `pulumi refresh` and `pulumi up` drive the host: each provider's object
 * removed by hand reads as gone (an empty id, so refresh drops it from the state), and the
 * create `up` then makes restores it; when the project itself is gone, read says so with
 * GitLab's project-path message instead of dropping everything. A member whose group role is
 * above the stack's is refused by `check` (the preview), before anything is changed, with the
 * fix named. One file, so each provider is serialized once (about a second each).
 */
// This file checks the serialized provider code itself: use the real serializer (see test/setup.ts).
jest.unmock("@pulumi/pulumi/runtime/closure/serializeClosure");
import { approvalRuleProvider } from "../../infra/gitlab/providers/approval-rule";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { TOKEN_CONFIG_KEY } from "../../infra/gitlab/providers/common";
import { pipelineScheduleProvider } from "../../infra/gitlab/providers/pipeline-schedule";
import { projectProvider } from "../../infra/gitlab/providers/project";
import { projectBotTokenProvider } from "../../infra/gitlab/providers/project-bot-token";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { projectVariableProvider, sha256 } from "../../infra/gitlab/providers/project-variable";
import { protectedBranchProvider } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";
import { pushRulesProvider } from "../../infra/gitlab/providers/push-rules";
import { repositoryFilesProvider } from "../../infra/gitlab/providers/repository-files";
import { runnerProvider } from "../../infra/gitlab/providers/runner";
import { CHANGE_GUARD_KIND, changeGuardProvider } from "../../infra/stack/change-guard";
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, ProjectState, Role, startGitLabEmulator } from "../support/gitlab-emulator";
import { failureOf, ProviderHost, serializeProvider, startProviderHost } from "../support/provider-host";
import { projectInputs } from "../support/provider-emulator";

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
    ["RepositoryFiles", repositoryFilesProvider, () => ({ ...base(), kind: "gitlab:RepositoryFiles", projectId: MISSING_PROJECT, managed: [{ path: ".gitlab-ci.yml", content: "x" }], seeds: [], branches: ["main"], mode: "direct", proposalBranches: {}, commitMessage: "ci" }), NOT_FOUND],
    ["PipelineSchedule", pipelineScheduleProvider, () => ({ ...base(), kind: "gitlab:PipelineSchedule", projectId: MISSING_PROJECT, description: "nightly", ref: "main", cron: "0 3 * * *", cronTimezone: "UTC", active: true, variables: {} }), NOT_FOUND],
    ["ProjectBotToken", projectBotTokenProvider, () => ({ ...base(), kind: "gitlab:ProjectBotToken", projectId: MISSING_PROJECT, tokenName: "ml-team-env-bot", accessLevel: 30, scopes: ["api"], expiresInDays: 30, variableKey: "ML_TEAM_ENV_BOT_TOKEN", environmentScope: "*", rotation: "1" }), NOT_FOUND],
    ["ProjectVariable", projectVariableProvider, () => ({ ...base(), kind: "gitlab:ProjectVariable", projectId: MISSING_PROJECT, key: "ML_TEAM_ENV_BOT_TOKEN", value: "glpat-stack-secret-000", protected: false, environmentScope: "*", description: "d" }), NOT_FOUND],
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
        const inputs = projectInputs(base(), "ml-team/host-denied");
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

    it("ProjectBotToken: creates, rotates and deletes in the host; the token reaches the variable and no output, GitLab.com Free's refusal arrives whole", async () => {
        const serialized = await serializeProvider(projectBotTokenProvider);
        const projectId = (await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "bot-host", namespace_id: em.addGroup("ml-team") })).json.id;
        const inputs = { ...base(), kind: "gitlab:ProjectBotToken", projectId, tokenName: "ml-team-env-bot", accessLevel: 30, scopes: ["api"], expiresInDays: 30, variableKey: "ML_TEAM_ENV_BOT_TOKEN", environmentScope: "*", rotation: "1" };
        const variable = async () => (await gitlabRequest(em.url, em.adminToken, "GET", `/projects/${projectId}/variables/ML_TEAM_ENV_BOT_TOKEN`)).json.value as string;
        const created = await host.create(serialized, inputs);
        const first = await variable();
        expect(created.outs.tokenSha256).toBe(sha256(first));
        expect(JSON.stringify(created.outs)).not.toContain(first);
        const rotated = await host.update(serialized, created.id, created.outs, { ...inputs, rotation: "2" });
        const second = await variable();
        expect(second).not.toBe(first);
        expect(JSON.stringify(rotated)).not.toContain(second);
        expect((await gitlabRequest(em.url, first, "GET", "/user")).status).toBe(401);
        expect((await gitlabRequest(em.url, second, "GET", "/user")).status).toBe(200);
        await host.delete(serialized, created.id, rotated);
        expect((await gitlabRequest(em.url, second, "GET", "/user")).status).toBe(401);

        const dotcom = await startGitLabEmulator({ mode: "ee-free", gitlabCom: true, adminToken: em.adminToken });
        try {
            const free = (await gitlabRequest(dotcom.url, dotcom.adminToken, "POST", "/projects", { name: "free", namespace_id: dotcom.addGroup("ml-team") })).json.id;
            const failure = await failureOf(host.create(serialized, { ...inputs, gitlabUrl: dotcom.url, projectId: free }));
            expect(failure.message).toMatch(/GitLab did not let ml-team-env create a project access token.*User does not have permission.*paid plan.*stack secret/s);
        } finally {
            await dotcom.close();
        }
    });

    it("ProjectMember: an unknown username is named with the stack key to fix", async () => {
        const serialized = await serializeProvider(projectMemberProvider);
        const failure = await failureOf(host.create(serialized, { ...base(), kind: "gitlab:ProjectMember", projectId: MISSING_PROJECT, username: "nobody-at-all", accessLevel: 30 }));
        expect(failure.message).toMatch(/no GitLab user 'nobody-at-all'.*ml-team-env:team\.members/);
    });

    it("creates, reads, updates and deletes through the host with the token from stack config", async () => {
        const project = await serializeProvider(projectProvider);
        const created = await host.create(project, projectInputs(base(), "ml-team/through-host", { description: "d" }));
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

let pid = 0;
let mainProtectionId = 0;
const live = (): ProjectState => em.state.projects.get(pid)!;
const userId = (username: string) => [...em.state.users.values()].find((u) => u.username === username)!.id;

/** The project the drift cases change by hand: created through the host, `main` protected. */
async function driftProject(): Promise<void> {
    for (const u of ["dana", "lead"]) em.addUser(u);
    const project = await host.create(await serializeProvider(projectProvider), projectInputs(base(), "ml-team/drift"));
    pid = project.outs.projectId as number;
    const main = await host.create(await serializeProvider(protectedBranchProvider), { ...base(), kind: "gitlab:ProtectedBranch", projectId: pid, name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false });
    mainProtectionId = main.outs.protectedBranchId as number;
}

interface Case {
    readonly provider: object;
    readonly inputs: (projectId: number) => Record<string, unknown>;
    /** Removes the object by hand, as a maintainer would in GitLab's UI. */
    readonly remove: (outs: Record<string, unknown>, id: string) => void;
    readonly exists: () => boolean;
}

const cases: [string, Case][] = [
    [
        "ProjectMember (a member removed)",
        {
            provider: projectMemberProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:ProjectMember", projectId, username: "dana", accessLevel: Role.Developer, namespacePath: "ml-team" }),
            remove: () => void live().members.delete(userId("dana")),
            exists: () => live().members.get(userId("dana")) === Role.Developer,
        },
    ],
    [
        "PipelineSchedule (the schedule deleted)",
        {
            provider: pipelineScheduleProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:PipelineSchedule", projectId, description: "weekly clean-up", ref: "main", cron: "0 3 * * 1", cronTimezone: "UTC", active: true, variables: { DRY_RUN: "0" } }),
            remove: (outs) => void live().schedules.delete(outs.scheduleId as number),
            exists: () => [...live().schedules.values()].some((s) => s.description === "weekly clean-up" && s.variables.some((v) => v.key === "DRY_RUN")),
        },
    ],
    [
        "Branch (develop deleted)",
        {
            provider: branchProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:Branch", projectId, branch: "develop", ref: "main" }),
            remove: () => void live().branches.delete("develop"),
            exists: () => live().branches.has("develop"),
        },
    ],
    [
        "ProtectedBranch (develop unprotected)",
        {
            provider: protectedBranchProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:ProtectedBranch", projectId, name: "develop", pushAccessLevel: 0, mergeAccessLevel: 30, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false }),
            remove: () => void live().protectedBranches.delete("develop"),
            exists: () => live().protectedBranches.has("develop"),
        },
    ],
    [
        "ProtectedTag (v* unprotected)",
        {
            provider: protectedTagProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:ProtectedTag", projectId, name: "v*", createAccessLevel: 40 }),
            remove: () => void live().protectedTags.delete("v*"),
            exists: () => live().protectedTags.has("v*"),
        },
    ],
    [
        "PushRules (the push rule removed)",
        {
            provider: pushRulesProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:PushRules", projectId, branchNameRegex: "^(main|develop)$", preventSecrets: true, denyDeleteTag: true }),
            remove: () => void (live().pushRule = null),
            exists: () => live().pushRule?.branch_name_regex === "^(main|develop)$",
        },
    ],
    [
        "ApprovalRule (the rule deleted)",
        {
            provider: approvalRuleProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:ApprovalRule", projectId, name: "main approvals", approvalsRequired: 1, protectedBranchId: mainProtectionId }),
            remove: () => live().approvalRules.clear(),
            exists: () => [...live().approvalRules.values()].some((r) => r.name === "main approvals"),
        },
    ],
    [
        "Runner (the runner deleted)",
        {
            provider: runnerProvider,
            inputs: (projectId) => ({ ...base(), kind: "gitlab:Runner", projectId, description: "gpu", tagList: ["gpu"], runUntagged: false, locked: true, accessLevel: "not_protected", maximumTimeout: 3600, rotation: "1" }),
            remove: (_outs, id) => void em.state.runners.delete(Number(id)),
            exists: () => [...em.state.runners.values()].some((r) => r.description === "gpu" && r.project_ids.includes(pid)),
        },
    ],
];

describe("a removal by hand is drift that refresh shows and up repairs", () => {
    beforeAll(driftProject);
    it.each(cases)("%s: read says gone, create restores it", async (_name, c) => {
        const provider = await serializeProvider(c.provider);
        const created = await host.create(provider, c.inputs(pid));
        expect(c.exists()).toBe(true);
        // Unchanged: read finds it, under its id.
        expect((await host.read(provider, created.id, created.outs)).id).toBe(created.id);
        c.remove(created.outs, created.id);
        expect(c.exists()).toBe(false);
        // refresh: an empty id, so the engine drops it from the state ...
        const refreshed = await host.read(provider, created.id, created.outs);
        expect(refreshed.id).toBe("");
        // ... and the next up creates it again.
        await host.create(provider, c.inputs(pid));
        expect(c.exists()).toBe(true);
    });

    it.each(cases)("%s: with the project itself gone, read fails with the project-path message", async (_name, c) => {
        const provider = await serializeProvider(c.provider);
        const props = { ...c.inputs(MISSING_PROJECT), userId: userId("dana"), scheduleId: 1, ruleId: 1, protectedBranchId: 1, runnerId: 1, token: "glrt-x" };
        const failure = await failureOf(host.read(provider, `${MISSING_PROJECT}:x`, props));
        expect(failure.message).toMatch(new RegExp(`GitLab found nothing at GET /api/v4/projects/${MISSING_PROJECT} \\(404: 404 Project Not Found\\): check gitlab\\.project\\.path`));
    });
});

describe("a member whose group role is above the stack's", () => {
    beforeAll(async () => {
        if (!pid) await driftProject();
    });
    const lead = (accessLevel: number) => ({ ...base(), kind: "gitlab:ProjectMember", projectId: pid, username: "lead", accessLevel, namespacePath: "ml-team" });
    beforeAll(() => em.addGroupMember("ml-team", "lead", Role.Maintainer));


    it("is refused by check (the preview), before anything is changed, with the fix named", async () => {
        const provider = await serializeProvider(projectMemberProvider);
        const before = em.requests.length;
        const checked = await host.check(provider, {}, lead(Role.Developer));
        expect(checked.failures).toEqual([
            {
                property: "accessLevel",
                reason: "team member 'lead' is listed as developer, but is a Maintainer of group ml-team, which the project inherits: GitLab keeps no project role below an inherited one (it answers 400). Fix: set role: maintainer for lead in ml-team-env:team.members, or lower their role in group ml-team.",
            },
        ]);
        expect(em.requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);
        expect((await host.check(provider, {}, lead(Role.Maintainer))).failures).toEqual([]);
        // Lowered from maintainer in the stack: refused too. Unchanged: not asked again (read shows later drift).
        expect((await host.check(provider, lead(Role.Maintainer), lead(Role.Developer))).failures).toHaveLength(1);
        const asked = em.requests.length;
        expect((await host.check(provider, lead(Role.Developer), lead(Role.Developer))).failures).toEqual([]);
        expect(em.requests.length).toBe(asked);
        // Before the project exists (a preview of a new stack) the group is enough: projectId is unknown.
        expect((await host.check(provider, {}, { ...lead(Role.Developer), projectId: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).failures).toHaveLength(1);
    });

    it("create (when no preview ran) passes GitLab's 400 on with the same fix; nothing is added", async () => {
        const failure = await failureOf(host.create(await serializeProvider(projectMemberProvider), lead(Role.Developer)));
        expect(failure.message).toMatch(/GitLab answered 400 on POST .*should be greater than or equal to Maintainer inherited membership from group ml-team.*Fix: set role: maintainer for lead/);
        expect(live().members.has(userId("lead"))).toBe(false);
    });

    it("read gives the effective role: raised through the group after the fact, it is drift", async () => {
        const provider = await serializeProvider(projectMemberProvider);
        const created = await host.create(provider, { ...lead(Role.Developer), username: "dana" });
        em.addGroupMember("ml-team", "dana", Role.Maintainer);
        try {
            const read = await host.read(provider, created.id, created.outs);
            expect(read.props.accessLevel).toBe(Role.Maintainer);
            expect((await host.diff(provider, created.id, read.props, { ...lead(Role.Developer), username: "dana" })).changes).toBe(2);
        } finally {
            em.state.groups.forEach((g) => g.members.delete(userId("dana")));
        }
    });
});

/**
 * What `pulumi up` refuses (issue 22), as the host hands it to the engine: a project another stack
 * manages (surprise 1; in check too, so the preview fails), and the change guard's Check (surprise 3: a smaller home size, a cluster
 * mode changed without confirmation, which the plan had shown as harmless updates).
 */
describe("refusals the engine shows", () => {
    const guard = (o: { clusterMode: string; storageGiB?: number; confirmModeChangeFrom?: string; confirmStorageShrinkFrom?: number }) => ({ kind: CHANGE_GUARD_KIND, providerVersion: "1", ...o });

    it("Project: another stack's project is refused, naming that stack and how to hand it over", async () => {
        const provider = await serializeProvider(projectProvider);
        const project = projectInputs(base(), "ml-team/owned");
        await host.create(provider, { ...project, owner: "acme/ml-team-env/dev#1a2b3c4d" });
        const failure = await failureOf(host.create(provider, { ...project, mode: "adopt", owner: "lab/ml-team-env/dev#5e6f7a8b" }));
        expect(failure.message).toMatch(/ml-team\/owned is managed by another ml-team-env stack, acme\/ml-team-env\/dev#1a2b3c4d .*run `pulumi destroy` in that stack.*gitlab\.project\.takeOverFrom: "acme\/ml-team-env\/dev#1a2b3c4d"/);
    });

    it("Project: check refuses another stack's project in the preview, before anything is made; its own passes", async () => {
        const provider = await serializeProvider(projectProvider);
        const project = projectInputs(base(), "ml-team/owned-check");
        await host.create(provider, { ...project, owner: "acme/ml-team-env/dev#1a2b3c4d" });
        const { failures } = await host.check(provider, {}, { ...project, mode: "adopt", owner: "lab/ml-team-env/dev#5e6f7a8b" });
        expect(failures).toEqual([{ property: "owner", reason: expect.stringMatching(/^ml-team\/owned-check is managed by another ml-team-env stack, acme\/ml-team-env\/dev#1a2b3c4d .*gitlab\.project\.takeOverFrom/) }]);
        expect((await host.check(provider, {}, { ...project, owner: "acme/ml-team-env/dev#1a2b3c4d" })).failures).toEqual([]);
    });

    it("ChangeGuard: a smaller jupyterhub.storageGiB unless confirmed, with the reason and the way out; growing and a first deployment pass", async () => {
        const provider = await serializeProvider(changeGuardProvider);
        const { failures } = await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 40 }));
        expect(failures).toEqual([
            {
                property: "storageGiB",
                reason: expect.stringMatching(/jupyterhub\.storageGiB went from 50 to 40: Kubernetes cannot shrink a volume claim .*Set it back to 50 or more\. To give homes less room, .*docs\/notebooks\.md "Home volumes"/),
            },
        ]);
        expect((await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 80 }))).failures).toEqual([]);
        // Confirmed with the size last deployed (the claims deleted first): passed; a wrong size is not.
        expect((await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 40, confirmStorageShrinkFrom: 50 }))).failures).toEqual([]);
        expect((await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 40, confirmStorageShrinkFrom: 45 }))).failures.map((f) => f.property)).toEqual(["storageGiB"]);
        expect((await host.check(provider, {}, guard({ clusterMode: "eks", storageGiB: 10 }))).failures).toEqual([]);
    });

    it("ChangeGuard: a change of cluster.mode, unless cluster.confirmModeChangeFrom names the mode left; the values are kept for the next Check", async () => {
        const provider = await serializeProvider(changeGuardProvider);
        const refused = await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(refused.failures).toEqual([{ property: "clusterMode", reason: expect.stringMatching(/cluster\.mode changes from existing to eks: the members' home volumes stay in the existing cluster .*cluster\.confirmModeChangeFrom: existing \(docs\/cluster\.md "Changing the cluster mode"\)/) }]);
        expect((await host.check(provider, guard({ clusterMode: "existing" }), guard({ clusterMode: "eks", confirmModeChangeFrom: "none" }))).failures.map((f) => f.property)).toEqual(["clusterMode"]);
        expect((await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50, confirmModeChangeFrom: "existing" }))).failures).toEqual([]);
        // From none (a GitLab-only stack: no homes) nothing needs confirming.
        expect((await host.check(provider, guard({ clusterMode: "none" }), guard({ clusterMode: "eks", storageGiB: 50 }))).failures).toEqual([]);
        const created = await host.create(provider, guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(created.outs).toMatchObject({ clusterMode: "eks", storageGiB: 50 });
        expect(await host.diff(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }))).toEqual({ changes: 2, replaces: [] });
        expect(await host.update(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }))).toMatchObject({ storageGiB: 60 });
    });
});
