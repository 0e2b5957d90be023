/**
 * Each GitLab provider's create / read / diff / update / delete over HTTP, against the GitLab
 * API emulator; drift made behind Pulumi's back; faults on the first attempts.
 */
import { projectProvider, ProjectInputs } from "../../infra/gitlab/providers/project";
import { protectedBranchProvider, ProtectedBranchInputs } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { pushRulesProvider } from "../../infra/gitlab/providers/push-rules";
import { approvalRuleProvider } from "../../infra/gitlab/providers/approval-rule";
import { repositoryFileProvider, RepositoryFileInputs } from "../../infra/gitlab/providers/repository-file";
import { pipelineScheduleProvider, PipelineScheduleInputs } from "../../infra/gitlab/providers/pipeline-schedule";
import { GitLabEmulator, startGitLabEmulator } from "../support/gitlab-emulator";

const RETRY = { maxAttempts: 4, maxTotalMs: 5_000, fixedWaitMs: 30, baseBackoffMs: 10, timeoutMs: 2_000 };

let em: GitLabEmulator;
let savedToken: string | undefined;
let seq = 0;

beforeAll(async () => {
    em = await startGitLabEmulator({ tier: "premium" });
    em.addGroup("ml-team");
    em.addUser("alice");
    em.addUser("bob");
    savedToken = process.env.GITLAB_TOKEN;
    process.env.GITLAB_TOKEN = em.adminToken;
});
afterAll(async () => {
    if (savedToken === undefined) delete process.env.GITLAB_TOKEN;
    else process.env.GITLAB_TOKEN = savedToken;
    await em.close();
});

function projectInputs(over: Partial<ProjectInputs> = {}): ProjectInputs {
    return {
        kind: "gitlab:Project",
        gitlabUrl: em.url,
        providerVersion: "1",
        retry: RETRY,
        path: `ml-team/models-${++seq}`,
        mode: "create",
        visibility: "private",
        description: "test",
        defaultBranch: "main",
        pipelineMustSucceed: true,
        allDiscussionsResolved: true,
        deleteSourceBranch: true,
        deleteOnDestroy: false,
        ...over,
    };
}

async function newProject(): Promise<number> {
    const { outs } = await create(projectProvider, projectInputs());
    return outs.projectId;
}

const protection = (projectId: number, over: Partial<ProtectedBranchInputs> = {}): ProtectedBranchInputs => ({
    kind: "gitlab:ProtectedBranch",
    gitlabUrl: em.url,
    providerVersion: "1",
    retry: RETRY,
    projectId,
    name: "main",
    pushAccessLevel: 0,
    mergeAccessLevel: 40,
    unprotectAccessLevel: 40,
    allowForcePush: false,
    codeOwnerApprovalRequired: false,
    ...over,
});

/** A provider's create, asserting it returned outputs (the SDK types them optional). */
async function create<I, O>(provider: { create?: (inputs: I) => Promise<{ id: string; outs?: O }> }, inputs: I): Promise<{ id: string; outs: O }> {
    const result = await provider.create!(inputs);
    if (result.outs === undefined) throw new Error("create returned no outputs");
    return { id: result.id, outs: result.outs };
}

const count = (method: string, path: string | RegExp, status?: number) =>
    em.requests.filter((r) => r.method === method && (typeof path === "string" ? r.path === path : path.test(r.path)) && (status === undefined || r.status === status)).length;

describe("project", () => {
    it("creates the project with the branch model's merge settings", async () => {
        const inputs = projectInputs();
        const { id, outs } = await create(projectProvider, inputs);
        const live = em.state.projects.get(Number(id))!;
        expect(live.path_with_namespace).toBe(inputs.path);
        expect(live.default_branch).toBe("main");
        expect([live.only_allow_merge_if_pipeline_succeeds, live.only_allow_merge_if_all_discussions_are_resolved, live.remove_source_branch_after_merge]).toEqual([true, true, true]);
        expect(outs.webUrl).toBe(`${em.url}/${inputs.path}`);
    });

    it("finds drift made in GitLab, and puts it back with an update", async () => {
        const inputs = projectInputs();
        const { id, outs } = await create(projectProvider, inputs);
        em.state.projects.get(Number(id))!.only_allow_merge_if_pipeline_succeeds = false;
        const read = await projectProvider.read!(id, outs);
        expect(read.props!.pipelineMustSucceed).toBe(false);
        const diff = await projectProvider.diff!(id, read.props!, inputs);
        expect(diff.changes).toBe(true);
        expect(diff.replaces).toEqual([]);
        await projectProvider.update!(id, read.props!, inputs);
        expect(em.state.projects.get(Number(id))!.only_allow_merge_if_pipeline_succeeds).toBe(true);
    });

    it("keeps the repository on delete unless deleteOnDestroy", async () => {
        const kept = await create(projectProvider, projectInputs());
        await projectProvider.delete!(kept.id, kept.outs);
        expect(em.state.projects.has(Number(kept.id))).toBe(true);
        const gone = await create(projectProvider, projectInputs({ deleteOnDestroy: true }));
        await projectProvider.delete!(gone.id, gone.outs);
        expect(em.state.projects.has(Number(gone.id))).toBe(false);
    });

    it("adopts an existing project, and refuses to adopt one that does not exist", async () => {
        const first = await create(projectProvider, projectInputs());
        const adopted = await create(projectProvider, projectInputs({ path: first.outs.path, mode: "adopt" }));
        expect(adopted.id).toBe(first.id);
        await expect(projectProvider.create!(projectInputs({ mode: "adopt" }))).rejects.toThrow(/mode is 'adopt' but there is no project at ml-team\/models-\d+/);
    });

    it("says the group path is wrong when the namespace does not exist", async () => {
        await expect(projectProvider.create!(projectInputs({ path: "no-such-group/models" }))).rejects.toThrow(/404.*check gitlab\.project\.path/);
    });
});

describe("protected branches", () => {
    it("protects a wildcard branch and reads it back by its encoded name", async () => {
        const pid = await newProject();
        const inputs = protection(pid, { name: "hotfix/*", pushAccessLevel: 30, mergeAccessLevel: 30 });
        const { id, outs } = await create(protectedBranchProvider, inputs);
        expect(outs.protectedBranchId).toBeGreaterThan(0);
        const read = await protectedBranchProvider.read!(id, outs);
        expect(read.props).toMatchObject({ name: "hotfix/*", pushAccessLevel: 30, mergeAccessLevel: 30, allowForcePush: false });
    });

    it("finds a loosened rule (drift) and tightens it in place with PATCH, never unprotecting", async () => {
        const pid = await newProject();
        const inputs = protection(pid);
        const { id, outs } = await create(protectedBranchProvider, inputs);
        const live = em.state.projects.get(pid)!.protectedBranches.get("main")!;
        live.push_access_levels[0]!.access_level = 30;
        live.allow_force_push = true;
        const read = await protectedBranchProvider.read!(id, outs);
        expect(read.props).toMatchObject({ pushAccessLevel: 30, allowForcePush: true });
        expect((await protectedBranchProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
        await protectedBranchProvider.update!(id, read.props!, inputs);
        const fixed = em.state.projects.get(pid)!.protectedBranches.get("main")!;
        expect(fixed.push_access_levels.map((a) => a.access_level)).toEqual([0]);
        expect(fixed.allow_force_push).toBe(false);
        expect(count("DELETE", `/projects/${pid}/protected_branches/main`)).toBe(0);
        expect(count("PATCH", `/projects/${pid}/protected_branches/main`)).toBe(1);
    });

    it("keeps code-owner approval through an update (the PATCH always sends it)", async () => {
        const pid = await newProject();
        const inputs = protection(pid, { codeOwnerApprovalRequired: true });
        const { id, outs } = await create(protectedBranchProvider, inputs);
        await protectedBranchProvider.update!(id, outs, { ...inputs, mergeAccessLevel: 30 });
        const live = em.state.projects.get(pid)!.protectedBranches.get("main")!;
        expect(live.code_owner_approval_required).toBe(true);
        expect(live.merge_access_levels.map((a) => a.access_level)).toEqual([30]);
    });

    it("converges on a branch someone already protected by hand (409)", async () => {
        const pid = await newProject();
        const loose = await create(protectedBranchProvider, protection(pid, { pushAccessLevel: 40, allowForcePush: true }));
        expect(loose.outs.allowForcePush).toBe(true);
        const { outs } = await create(protectedBranchProvider, protection(pid));
        expect(outs).toMatchObject({ pushAccessLevel: 0, allowForcePush: false });
        expect(em.state.projects.get(pid)!.protectedBranches.size).toBe(1);
    });

    it("unprotects on delete", async () => {
        const pid = await newProject();
        const { id, outs } = await create(protectedBranchProvider, protection(pid));
        await protectedBranchProvider.delete!(id, outs);
        expect(em.state.projects.get(pid)!.protectedBranches.size).toBe(0);
    });
});

describe("protected tags, branches, members, push rules, approval rules", () => {
    it("protects v* for maintainers and re-protects on a level change", async () => {
        const pid = await newProject();
        const inputs = { kind: "gitlab:ProtectedTag", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, name: "v*", createAccessLevel: 40 };
        const { id, outs } = await create(protectedTagProvider, inputs);
        expect(em.state.projects.get(pid)!.protectedTags.get("v*")!.create_access_levels[0]!.access_level).toBe(40);
        em.state.projects.get(pid)!.protectedTags.get("v*")!.create_access_levels[0]!.access_level = 30;
        const read = await protectedTagProvider.read!(id, outs);
        expect((await protectedTagProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
        await protectedTagProvider.update!(id, read.props!, inputs);
        expect(em.state.projects.get(pid)!.protectedTags.get("v*")!.create_access_levels[0]!.access_level).toBe(40);
    });

    it("creates develop from main once, and never deletes it", async () => {
        const pid = await newProject();
        const inputs = { kind: "gitlab:Branch", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, branch: "develop", ref: "main" };
        const { id, outs } = await create(branchProvider, inputs);
        await create(branchProvider, inputs);
        expect([...em.state.projects.get(pid)!.branches.keys()]).toEqual(["main", "develop"]);
        await branchProvider.delete!(id, outs);
        expect(em.state.projects.get(pid)!.branches.has("develop")).toBe(true);
    });

    it("adds a member by username, changes the level in place, and removes only the membership", async () => {
        const pid = await newProject();
        const inputs = { kind: "gitlab:ProjectMember", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, username: "alice", accessLevel: 30 };
        const { id, outs } = await create(projectMemberProvider, inputs);
        expect(em.state.projects.get(pid)!.members.get(outs.userId)).toBe(30);
        await projectMemberProvider.update!(id, outs, { ...inputs, accessLevel: 40 });
        expect(em.state.projects.get(pid)!.members.get(outs.userId)).toBe(40);
        em.state.projects.get(pid)!.members.set(outs.userId, 30);
        expect((await projectMemberProvider.read!(id, outs)).props!.accessLevel).toBe(30);
        await projectMemberProvider.delete!(id, outs);
        expect(em.state.projects.get(pid)!.members.has(outs.userId)).toBe(false);
        expect(em.state.users.get(outs.userId)!.username).toBe("alice");
    });

    it("names an unknown username and the key to fix", async () => {
        const pid = await newProject();
        await expect(
            projectMemberProvider.create!({ kind: "gitlab:ProjectMember", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, username: "nobody-here", accessLevel: 30 }),
        ).rejects.toThrow(/no GitLab user 'nobody-here'.*ml-team-env:team\.members/);
    });

    it("sets push rules from the naming regex and restores drift", async () => {
        const pid = await newProject();
        const inputs = { kind: "gitlab:PushRules", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, branchNameRegex: "^(main|develop)$", preventSecrets: true, denyDeleteTag: true };
        const { id, outs } = await create(pushRulesProvider, inputs);
        expect(em.state.projects.get(pid)!.pushRule).toMatchObject({ branch_name_regex: "^(main|develop)$", prevent_secrets: true, deny_delete_tag: true });
        em.state.projects.get(pid)!.pushRule!.prevent_secrets = false;
        const read = await pushRulesProvider.read!(id, outs);
        expect((await pushRulesProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
        await pushRulesProvider.update!(id, read.props!, inputs);
        expect(em.state.projects.get(pid)!.pushRule!.prevent_secrets).toBe(true);
        await pushRulesProvider.delete!(id, inputs);
        expect(em.state.projects.get(pid)!.pushRule).toBeNull();
    });

    it("requires one approval on main through an approval rule tied to main's protection", async () => {
        const pid = await newProject();
        const main = await create(protectedBranchProvider, protection(pid));
        const inputs = { kind: "gitlab:ApprovalRule", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, name: "main approvals", approvalsRequired: 1, protectedBranchId: main.outs.protectedBranchId };
        const { id, outs } = await create(approvalRuleProvider, inputs);
        const rule = em.state.projects.get(pid)!.approvalRules.get(outs.ruleId)!;
        expect(rule).toMatchObject({ approvals_required: 1, protected_branches: [{ id: main.outs.protectedBranchId, name: "main" }] });
        rule.approvals_required = 0;
        const read = await approvalRuleProvider.read!(id, outs);
        expect(read.props!.approvalsRequired).toBe(0);
        await approvalRuleProvider.update!(id, read.props!, inputs);
        expect(em.state.projects.get(pid)!.approvalRules.get(outs.ruleId)!.approvals_required).toBe(1);
        // A second create adopts the rule by name instead of adding another.
        await create(approvalRuleProvider, inputs);
        expect(em.state.projects.get(pid)!.approvalRules.size).toBe(1);
    });
});

describe("faults on the first attempts", () => {
    afterEach(() => em.clearFaults());

    it("429 with Retry-After, then success: one protection, created once", async () => {
        const pid = await newProject();
        em.injectFault(`POST /projects/${pid}/protected_branches`, { status: 429, retryAfterSeconds: 0, times: 2 });
        await create(protectedBranchProvider, protection(pid));
        expect(count("POST", `/projects/${pid}/protected_branches`, 429)).toBe(2);
        expect(count("POST", `/projects/${pid}/protected_branches`, 201)).toBe(1);
        expect(em.state.projects.get(pid)!.protectedBranches.size).toBe(1);
    });

    it("429 without rate-limit headers falls back to a fixed wait and converges", async () => {
        const pid = await newProject();
        em.injectFault(`POST /projects/${pid}/members`, { status: 429, times: 1 });
        const { outs } = await create(projectMemberProvider, { kind: "gitlab:ProjectMember", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, username: "bob", accessLevel: 30 });
        expect(em.state.projects.get(pid)!.members.get(outs.userId)).toBe(30);
        expect(count("POST", `/projects/${pid}/members`, 201)).toBe(1);
    });

    it("500 and 502 then success", async () => {
        em.injectFault("POST /projects", { status: 500, times: 1 });
        em.injectFault("GET /namespaces/:id", { status: 502, times: 1 });
        const inputs = projectInputs();
        const { outs } = await create(projectProvider, inputs);
        expect([...em.state.projects.values()].filter((p) => p.path_with_namespace === inputs.path)).toHaveLength(1);
        expect(outs.projectId).toBeGreaterThan(0);
    });

    it("a dropped connection, then success: the tag is protected once", async () => {
        const pid = await newProject();
        em.injectFault(`POST /projects/${pid}/protected_tags`, { drop: true, times: 1 });
        await create(protectedTagProvider, { kind: "gitlab:ProtectedTag", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, name: "v*", createAccessLevel: 40 });
        expect(em.state.projects.get(pid)!.protectedTags.size).toBe(1);
        expect(count("POST", `/projects/${pid}/protected_tags`, 201)).toBe(1);
    });

    it("a slow answer past the timeout is retried", async () => {
        const pid = await newProject();
        em.injectFault(`GET /projects/${pid}/push_rule`, { delayMs: 300, status: 500, times: 1 });
        await create(pushRulesProvider, { kind: "gitlab:PushRules", gitlabUrl: em.url, providerVersion: "1", retry: { ...RETRY, timeoutMs: 100 }, projectId: pid, branchNameRegex: "^x$", preventSecrets: true, denyDeleteTag: true });
        expect(em.state.projects.get(pid)!.pushRule).not.toBeNull();
    });

    it("gives up after its bound with a clear error", async () => {
        const pid = await newProject();
        em.injectFault(`POST /projects/${pid}/protected_branches`, { status: 503, times: 50 });
        await expect(protectedBranchProvider.create!(protection(pid))).rejects.toThrow(/GitLab answered 503 on POST \/api\/v4\/projects\/\d+\/protected_branches.*Gave up after 4 attempt\(s\)/);
        expect(count("POST", `/projects/${pid}/protected_branches`, 503)).toBe(4);
        expect(em.state.projects.get(pid)!.protectedBranches.size).toBe(0);
    });
});

describe("tokens", () => {
    it("never puts the token in an error, and says what to do on 401 and 403", async () => {
        const bad = "glpat-this-token-is-wrong-123";
        process.env.GITLAB_TOKEN = bad;
        try {
            const error = await create(projectProvider, projectInputs()).catch((e: Error) => e);
            expect((error as Error).message).toMatch(/rejected the token \(401\).*invalid, expired or revoked/);
            expect((error as Error).message).not.toContain(bad);
            process.env.GITLAB_TOKEN = em.addToken("bob", ["read_api"]);
            const denied = await create(projectProvider, projectInputs()).catch((e: Error) => e);
            expect((denied as Error).message).toMatch(/403.*lacks the api scope, or its user is not a Maintainer/);
            delete process.env.GITLAB_TOKEN;
            await expect(projectProvider.create!(projectInputs())).rejects.toThrow(/no GitLab token: export GITLAB_TOKEN/);
        } finally {
            process.env.GITLAB_TOKEN = em.adminToken;
        }
    });
});

describe("answers lost after the change was made", () => {
    afterEach(() => em.clearFaults());

    it("a project whose create answer was lost is found, not created twice", async () => {
        const inputs = projectInputs();
        em.injectFault("POST /projects", { status: 502, afterHandling: true, times: 1 });
        const { outs } = await create(projectProvider, inputs);
        expect([...em.state.projects.values()].filter((p) => p.path_with_namespace === inputs.path)).toHaveLength(1);
        expect(outs.projectId).toBe([...em.state.projects.values()].find((p) => p.path_with_namespace === inputs.path)!.id);
    });

    it("a protection and a membership whose answers were dropped converge to one each", async () => {
        const pid = await newProject();
        em.injectFault(`POST /projects/${pid}/protected_branches`, { drop: true, afterHandling: true, times: 1 });
        em.injectFault(`POST /projects/${pid}/members`, { drop: true, afterHandling: true, times: 1 });
        await create(protectedBranchProvider, protection(pid));
        await create(projectMemberProvider, { kind: "gitlab:ProjectMember", gitlabUrl: em.url, providerVersion: "1", retry: RETRY, projectId: pid, username: "alice", accessLevel: 30 });
        expect(em.state.projects.get(pid)!.protectedBranches.size).toBe(1);
        expect([...em.state.projects.get(pid)!.members.values()].filter((l) => l === 30)).toHaveLength(1);
    });
});

describe("repository files and pipeline schedules", () => {
    const fileInputs = (projectId: number, over: Partial<RepositoryFileInputs> = {}): RepositoryFileInputs => ({
        kind: "gitlab:RepositoryFile",
        gitlabUrl: em.url,
        providerVersion: "1",
        retry: RETRY,
        projectId,
        filePath: ".gitlab-ci.yml",
        content: "stages: [lint, test]\n",
        branch: "main",
        commitMessage: "ci: pipeline from ml-team-env",
        mode: "merge-request",
        proposalBranch: "feature/ml-team-env-ci",
        ...over,
    });

    it("proposes a file through a merge request into a protected main, once", async () => {
        const pid = await newProject();
        await create(protectedBranchProvider, protection(pid));
        const { id, outs } = await create(repositoryFileProvider, fileInputs(pid));
        const p = em.state.projects.get(pid)!;
        expect(p.files.get("feature/ml-team-env-ci")!.get(".gitlab-ci.yml")).toBe("stages: [lint, test]\n");
        expect(p.files.get("main")!.has(".gitlab-ci.yml")).toBe(false);
        expect(p.mergeRequests).toEqual([expect.objectContaining({ source_branch: "feature/ml-team-env-ci", target_branch: "main", state: "opened" })]);
        expect(outs.mergeRequestUrl).toMatch(/\/-\/merge_requests\/1$/);
        // Until merged, main still differs: read reports it.
        const read = await repositoryFileProvider.read!(id, outs);
        expect(read.props!.content).toBe("");
        // Landing again reuses the open merge request.
        await repositoryFileProvider.update!(id, read.props!, fileInputs(pid, { content: "stages: [lint, test, train]\n" }));
        expect(p.mergeRequests).toHaveLength(1);
        expect(p.files.get("feature/ml-team-env-ci")!.get(".gitlab-ci.yml")).toBe("stages: [lint, test, train]\n");
    });

    it("commits directly where the branch allows pushes, and finds drift", async () => {
        const pid = await newProject();
        const inputs = fileInputs(pid, { mode: "direct" });
        const { id, outs } = await create(repositoryFileProvider, inputs);
        const p = em.state.projects.get(pid)!;
        expect(p.files.get("main")!.get(".gitlab-ci.yml")).toBe(inputs.content);
        p.files.get("main")!.set(".gitlab-ci.yml", "edited by hand\n");
        const read = await repositoryFileProvider.read!(id, outs);
        expect((await repositoryFileProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
        await repositoryFileProvider.update!(id, read.props!, inputs);
        expect(p.files.get("main")!.get(".gitlab-ci.yml")).toBe(inputs.content);
    });

    it("direct commits to a protected main are refused by GitLab, with the reason", async () => {
        const pid = await newProject();
        await create(protectedBranchProvider, protection(pid));
        em.addUser("carol-dev");
        const saved = process.env.GITLAB_TOKEN;
        const carol = [...em.state.users.values()].find((u) => u.username === "carol-dev")!;
        em.state.projects.get(pid)!.members.set(carol.id, 40);
        process.env.GITLAB_TOKEN = em.addToken("carol-dev", ["api"]);
        try {
            await expect(create(repositoryFileProvider, fileInputs(pid, { mode: "direct" }))).rejects.toThrow(/403.*not allowed to push into this branch/);
        } finally {
            process.env.GITLAB_TOKEN = saved;
        }
    });

    it("schedules a pipeline with exactly the declared variables, adopting by description", async () => {
        const pid = await newProject();
        const inputs: PipelineScheduleInputs = {
            kind: "gitlab:PipelineSchedule",
            gitlabUrl: em.url,
            providerVersion: "1",
            retry: RETRY,
            projectId: pid,
            description: "stale experiment branches",
            ref: "main",
            cron: "0 3 * * 1",
            cronTimezone: "UTC",
            active: true,
            variables: { STALE_AFTER_DAYS: "90", BRANCH_PREFIX: "experiment" },
        };
        const { id, outs } = await create(pipelineScheduleProvider, inputs);
        const live = em.state.projects.get(pid)!.schedules.get(outs.scheduleId)!;
        expect(live).toMatchObject({ cron: "0 3 * * 1", ref: "main", active: true });
        expect(Object.fromEntries(live.variables.map((v) => [v.key, v.value]))).toEqual(inputs.variables);
        live.active = false;
        live.variables.push({ key: "ROGUE", value: "1", variable_type: "env_var" });
        const read = await pipelineScheduleProvider.read!(id, outs);
        expect(read.props).toMatchObject({ active: false, variables: { ...inputs.variables, ROGUE: "1" } });
        await pipelineScheduleProvider.update!(id, read.props!, { ...inputs, variables: { STALE_AFTER_DAYS: "60", BRANCH_PREFIX: "experiment" } });
        const fixed = em.state.projects.get(pid)!.schedules.get(outs.scheduleId)!;
        expect(fixed.active).toBe(true);
        expect(Object.fromEntries(fixed.variables.map((v) => [v.key, v.value]))).toEqual({ STALE_AFTER_DAYS: "60", BRANCH_PREFIX: "experiment" });
        const again = await create(pipelineScheduleProvider, inputs);
        expect(again.outs.scheduleId).toBe(outs.scheduleId);
        await pipelineScheduleProvider.delete!(id, outs);
        expect(em.state.projects.get(pid)!.schedules.size).toBe(0);
    });
});
