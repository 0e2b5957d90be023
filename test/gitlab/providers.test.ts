/**
 * Each GitLab provider's create / read / diff / update / delete over HTTP against the GitLab
 * API emulator, in Community Edition, unlicensed EE (gitlab.com Free) and Premium modes, so a
 * provider that only works on one edition fails here; drift made behind Pulumi's back; faults.
 */
import { approvalRuleProvider, ApprovalRuleInputs } from "../../infra/gitlab/providers/approval-rule";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { pipelineScheduleProvider, PipelineScheduleInputs } from "../../infra/gitlab/providers/pipeline-schedule";
import { projectProvider, ProjectInputs } from "../../infra/gitlab/providers/project";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { protectedBranchProvider, ProtectedBranchInputs } from "../../infra/gitlab/providers/protected-branch";
import { protectedTagProvider, ProtectedTagInputs } from "../../infra/gitlab/providers/protected-tag";
import { pushRulesProvider } from "../../infra/gitlab/providers/push-rules";
import { repositoryFilesProvider, RepositoryFilesInputs } from "../../infra/gitlab/providers/repository-files";
import { runnerProvider, RunnerInputs } from "../../infra/gitlab/providers/runner";
import { EmulatorMode, Role } from "../support/gitlab-emulator";
import { as, projectInputs as newProjectInputs, providerEmulator } from "../support/provider-emulator";

const RETRY = { maxAttempts: 4, maxTotalMs: 5_000, fixedWaitMs: 30, baseBackoffMs: 10, timeoutMs: 2_000 };

/** A provider's create, asserting it returned outputs (the SDK types them optional). */
async function create<I, O>(provider: { create?: (inputs: I) => Promise<{ id: string; outs?: O }> }, inputs: I): Promise<{ id: string; outs: O }> {
    const result = await provider.create!(inputs);
    if (result.outs === undefined) throw new Error("create returned no outputs");
    return { id: result.id, outs: result.outs };
}

/** One emulator per mode, with helpers bound to it. */
function suite(mode: EmulatorMode) {
    // One admin token for every emulator, since providers read the one GITLAB_TOKEN.
    const em = providerEmulator(mode, "glpat-providers-test-admin", (e) => {
        e.addGroup("ml-team");
        e.addUser("alice");
        e.addUser("bob");
    });
    let seq = 0;
    const base = () => ({ gitlabUrl: em().url, providerVersion: "1", retry: RETRY });
    const projectInputs = (over: Partial<ProjectInputs> = {}): ProjectInputs => newProjectInputs(base(), `ml-team/models-${++seq}`, { description: "test", ...over });
    const protection = (projectId: number, over: Partial<ProtectedBranchInputs> = {}): ProtectedBranchInputs => ({
        ...base(),
        kind: "gitlab:ProtectedBranch",
        projectId,
        name: "main",
        pushAccessLevel: 0,
        mergeAccessLevel: 40,
        unprotectAccessLevel: 40,
        allowForcePush: false,
        codeOwnerApprovalRequired: false,
        ...over,
    });
    const tag = (projectId: number, over: Partial<ProtectedTagInputs> = {}): ProtectedTagInputs => ({ ...base(), kind: "gitlab:ProtectedTag", projectId, name: "v*", createAccessLevel: 40, ...over });
    const newProject = async () => (await create(projectProvider, projectInputs())).outs.projectId;
    const live = (pid: number) => em().state.projects.get(pid)!;
    const since = () => {
        const start = em().requests.length;
        return () => em().requests.slice(start);
    };
    return { em, base, projectInputs, protection, tag, newProject, live, since };
}

describe.each(["ce", "ee-free", "ee-premium"] as const)("GitLab providers on %s", (mode) => {
    const s = suite(mode);
    const ce = mode === "ce";

    describe("project", () => {
        it("creates the project with the branch model's merge settings, and reads back with no diff", async () => {
            const inputs = s.projectInputs({ jobTokenPush: true });
            const { id, outs } = await create(projectProvider, inputs);
            const p = s.live(Number(id));
            expect(p.path_with_namespace).toBe(inputs.path);
            expect([p.default_branch, p.only_allow_merge_if_pipeline_succeeds, p.only_allow_merge_if_all_discussions_are_resolved, p.remove_source_branch_after_merge, p.allow_merge_on_skipped_pipeline, p.ci_push_repository_for_job_token_allowed]).toEqual(["main", true, true, true, false, true]);
            const read = await projectProvider.read!(id, outs);
            expect((await projectProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
        });

        it("finds drift made in GitLab, and puts it back with an update", async () => {
            const inputs = s.projectInputs();
            const { id, outs } = await create(projectProvider, inputs);
            s.live(Number(id)).only_allow_merge_if_pipeline_succeeds = false;
            const read = await projectProvider.read!(id, outs);
            expect(read.props!.pipelineMustSucceed).toBe(false);
            const diff = await projectProvider.diff!(id, read.props!, inputs);
            expect([diff.changes, diff.replaces]).toEqual([true, []]);
            await projectProvider.update!(id, read.props!, inputs);
            expect(s.live(Number(id)).only_allow_merge_if_pipeline_succeeds).toBe(true);
        });

        it("works with a Maintainer token: visibility is sent only when it changes, which needs an Owner", async () => {
            s.em().addUser(`maint-${mode}`);
            s.em().addGroupMember("ml-team", `maint-${mode}`, Role.Maintainer);
            const token = s.em().addToken(`maint-${mode}`, ["api"]);
            const inputs = s.projectInputs();
            const { id, outs } = await as(token, () => create(projectProvider, inputs));
            const adopted = await as(token, () => create(projectProvider, { ...inputs, mode: "adopt", description: "adopted" }));
            expect(adopted.id).toBe(id);
            await as(token, () => projectProvider.update!(id, outs, { ...inputs, description: "changed by a maintainer" }));
            expect(s.live(Number(id)).description).toBe("changed by a maintainer");
            const puts = s.em().requests.filter((r) => r.method === "PUT" && r.path === `/projects/${id}`);
            expect(puts.every((r) => r.status === 200)).toBe(true);
            await expect(as(token, () => projectProvider.update!(id, outs, { ...inputs, visibility: "internal" }))).rejects.toThrow(/GitLab refused PUT \/api\/v4\/projects\/\d+ \(403: 403 Forbidden\)/);
            await projectProvider.update!(id, outs, { ...inputs, visibility: "internal" });
            expect(s.live(Number(id)).visibility).toBe("internal");
        });

        it("keeps the repository on delete unless deleteOnDestroy, which marks it for deletion and frees the path", async () => {
            const kept = await create(projectProvider, s.projectInputs());
            await projectProvider.delete!(kept.id, kept.outs);
            expect(s.live(Number(kept.id)).marked_for_deletion_at).toBeNull();
            const inputs = s.projectInputs({ deleteOnDestroy: true });
            const gone = await create(projectProvider, inputs);
            await projectProvider.delete!(gone.id, gone.outs);
            const marked = s.live(Number(gone.id));
            expect(marked.archived).toBe(true);
            expect(marked.path_with_namespace).toBe(`${inputs.path}-deletion_scheduled-${gone.id}`);
            // A retried delete finds it already marked: done, not an error.
            await projectProvider.delete!(gone.id, gone.outs);
            // The path is free for a new project.
            const again = await create(projectProvider, inputs);
            expect(again.id).not.toBe(gone.id);
        });

        it("adopts an existing project, and refuses to adopt one that does not exist", async () => {
            const first = await create(projectProvider, s.projectInputs());
            const adopted = await create(projectProvider, s.projectInputs({ path: first.outs.path, mode: "adopt" }));
            expect(adopted.id).toBe(first.id);
            await expect(projectProvider.create!(s.projectInputs({ mode: "adopt" }))).rejects.toThrow(/mode is 'adopt' but there is no project at ml-team\/models-\d+/);
        });

        it("says the group path is wrong when the namespace does not exist", async () => {
            await expect(projectProvider.create!(s.projectInputs({ path: "no-such-group/models" }))).rejects.toThrow(/404.*Namespace Not Found.*check gitlab\.project\.path/);
        });
    });

    describe("protected branches", () => {
        it("creates a protection whose read-back shows no diff (every field, in this edition's shape)", async () => {
            const pid = await s.newProject();
            const inputs = s.protection(pid, { name: "hotfix/*", pushAccessLevel: 30, mergeAccessLevel: 30 });
            const { id, outs } = await create(protectedBranchProvider, inputs);
            expect(outs.protectedBranchId).toBeGreaterThan(0);
            const read = await protectedBranchProvider.read!(id, outs);
            expect(read.props).toMatchObject({ name: "hotfix/*", pushAccessLevel: 30, mergeAccessLevel: 30, unprotectAccessLevel: 40, allowForcePush: false });
            expect((await protectedBranchProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
        });

        it("tightens a loosened rule and the change really lands, never leaving the branch unprotected", async () => {
            const pid = await s.newProject();
            const inputs = s.protection(pid);
            const { id, outs } = await create(protectedBranchProvider, { ...inputs, mergeAccessLevel: 30, allowForcePush: true });
            const after = s.since();
            const updated = await protectedBranchProvider.update!(id, outs, inputs);
            const pb = s.live(pid).protectedBranches.get("main")!;
            expect(pb.merge_access_levels.map((a) => a.access_level)).toEqual([40]);
            expect(pb.allow_force_push).toBe(false);
            expect(updated.outs).toMatchObject({ mergeAccessLevel: 40, allowForcePush: false });
            const calls = after().filter((r) => r.path.includes("/protected_branches"));
            if (ce) {
                // CE answers the PATCH 200 and ignores allowed_to_*: the rule is swapped under a
                // strictest temporary `main*`, which exists before `main` goes and after it returns.
                const order = calls.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(/.*protected_branches\/?/, "")}`);
                expect(order).toEqual(["PATCH main", "POST ", "DELETE main", "POST ", "DELETE main*"]);
            } else {
                expect(calls.filter((r) => r.method === "DELETE")).toHaveLength(0);
                expect(calls.filter((r) => r.method === "PATCH")).toHaveLength(1);
            }
            expect(s.live(pid).protectedBranches.has("main*")).toBe(false);
        });

        it("keeps code-owner approval through an update where the edition has it (the PATCH always sends it)", async () => {
            const pid = await s.newProject();
            const inputs = s.protection(pid, { codeOwnerApprovalRequired: !ce });
            const { id, outs } = await create(protectedBranchProvider, inputs);
            await protectedBranchProvider.update!(id, outs, { ...inputs, mergeAccessLevel: 30 });
            const pb = s.live(pid).protectedBranches.get("main")!;
            expect(pb.code_owner_approval_required).toBe(!ce);
            expect(pb.merge_access_levels.map((a) => a.access_level)).toEqual([30]);
        });

        it("converges on a branch someone already protected loosely by hand (409)", async () => {
            const pid = await s.newProject();
            await create(protectedBranchProvider, s.protection(pid, { pushAccessLevel: 40, allowForcePush: true }));
            const { outs } = await create(protectedBranchProvider, s.protection(pid));
            expect(outs).toMatchObject({ pushAccessLevel: 0, allowForcePush: false });
            expect(s.live(pid).protectedBranches.get("main")!.push_access_levels.map((a) => a.access_level)).toEqual([0]);
            expect([...s.live(pid).protectedBranches.keys()]).toEqual(["main"]);
        });

        it("reports a rule removed behind Pulumi's back as gone, so the next up protects again", async () => {
            const pid = await s.newProject();
            const { id, outs } = await create(protectedBranchProvider, s.protection(pid));
            s.live(pid).protectedBranches.delete("main");
            expect((await protectedBranchProvider.read!(id, outs)).id).toBe("");
            await protectedBranchProvider.delete!(id, outs);
        });
    });

    describe("protected tags", () => {
        it("protects v*, reads the level back (no -1, no diff), and adopts a duplicate (422)", async () => {
            const pid = await s.newProject();
            const inputs = s.tag(pid);
            const { id, outs } = await create(protectedTagProvider, inputs);
            expect(outs.createAccessLevel).toBe(40);
            const read = await protectedTagProvider.read!(id, outs);
            expect((await protectedTagProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
            // A second create (a lost first answer) meets GitLab's 422 "Name has already been taken".
            const after = s.since();
            await create(protectedTagProvider, inputs);
            expect(after().some((r) => r.method === "POST" && r.status === 422)).toBe(true);
            expect(s.live(pid).protectedTags.size).toBe(1);
        });

        it("changes the level by swapping under a strictest temporary rule (no PATCH for tags)", async () => {
            const pid = await s.newProject();
            const inputs = s.tag(pid);
            const { id, outs } = await create(protectedTagProvider, { ...inputs, createAccessLevel: 30 });
            const after = s.since();
            await protectedTagProvider.update!(id, outs, inputs);
            expect(s.live(pid).protectedTags.get("v*")!.create_access_levels.map((a) => a.access_level)).toEqual([40]);
            const order = after().filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(/.*protected_tags\/?/, "")}`);
            expect(order).toEqual(["POST ", "DELETE v*", "POST ", "DELETE v**"]);
        });
    });

    describe("branches and members", () => {
        it("creates develop from main once, and never deletes it", async () => {
            const pid = await s.newProject();
            const inputs = { ...s.base(), kind: "gitlab:Branch", projectId: pid, branch: "develop", ref: "main" };
            const { id, outs } = await create(branchProvider, inputs);
            await create(branchProvider, inputs);
            expect([...s.live(pid).branches.keys()]).toEqual(["main", "develop"]);
            await branchProvider.delete!(id, outs);
            expect(s.live(pid).branches.has("develop")).toBe(true);
        });

        it("adds a member by username, changes the level in place, and removes only the membership", async () => {
            const pid = await s.newProject();
            const inputs = { ...s.base(), kind: "gitlab:ProjectMember", projectId: pid, username: "alice", accessLevel: 30 };
            const { id, outs } = await create(projectMemberProvider, inputs);
            expect(s.live(pid).members.get(outs.userId)).toBe(30);
            await projectMemberProvider.update!(id, outs, { ...inputs, accessLevel: 40 });
            expect(s.live(pid).members.get(outs.userId)).toBe(40);
            s.live(pid).members.set(outs.userId, 30);
            expect((await projectMemberProvider.read!(id, outs)).props!.accessLevel).toBe(30);
            await projectMemberProvider.delete!(id, outs);
            expect(s.live(pid).members.has(outs.userId)).toBe(false);
            expect(s.em().state.users.get(outs.userId)!.username).toBe("alice");
        });

        it("names an unknown username and the key to fix", async () => {
            const pid = await s.newProject();
            await expect(projectMemberProvider.create!({ ...s.base(), kind: "gitlab:ProjectMember", projectId: pid, username: "nobody-here", accessLevel: 30 })).rejects.toThrow(
                /no GitLab user 'nobody-here'.*ml-team-env:team\.members/,
            );
        });
    });

    describe("repository files and pipeline schedules", () => {
        const CI = "stages: [lint, test]\n";
        const fileInputs = (projectId: number, over: Partial<RepositoryFilesInputs> = {}): RepositoryFilesInputs => ({
            ...s.base(),
            kind: "gitlab:RepositoryFiles",
            projectId,
            managed: [{ path: ".gitlab-ci.yml", content: CI }],
            seeds: [
                { path: "train.py", content: "print('starter')\n" },
                { path: "tests/test_model.py", content: "def test_x():\n    pass\n" },
            ],
            branches: ["main", "develop"],
            mode: "merge-request",
            proposalBranches: { main: "feature/ml-team-env-setup-main", develop: "feature/ml-team-env-setup-develop" },
            commitMessage: "ml-team-env: pipeline and starter",
            ...over,
        });
        /** A project with main protected and develop made from it, as GitLabProject orders them. */
        const project = async () => {
            const pid = await s.newProject();
            await create(branchProvider, { ...s.base(), kind: "gitlab:Branch", projectId: pid, branch: "develop", ref: "main" });
            await create(protectedBranchProvider, s.protection(pid));
            await create(protectedBranchProvider, s.protection(pid, { name: "develop", mergeAccessLevel: 30 }));
            return pid;
        };

        it("proposes every file in one commit and one merge request per long-lived branch, leaving the branches untouched", async () => {
            const pid = await project();
            const { outs } = await create(repositoryFilesProvider, fileInputs(pid));
            const p = s.live(pid);
            for (const b of ["main", "develop"]) {
                const proposal = p.files.get(`feature/ml-team-env-setup-${b}`)!;
                expect([...proposal.keys()].sort()).toEqual(expect.arrayContaining([".gitlab-ci.yml", "tests/test_model.py", "train.py"]));
                expect(p.files.get(b)!.has(".gitlab-ci.yml")).toBe(false);
            }
            expect(p.mergeRequests.map((m) => `${m.source_branch} → ${m.target_branch}`)).toEqual(["feature/ml-team-env-setup-main → main", "feature/ml-team-env-setup-develop → develop"]);
            expect(outs.mergeRequests).toEqual({ main: expect.stringMatching(/merge_requests\/1$/), develop: expect.stringMatching(/merge_requests\/2$/) });
            expect(outs.seeded).toEqual({ main: ["tests/test_model.py", "train.py"], develop: ["tests/test_model.py", "train.py"] });
        });

        it("reads a pending proposal as no drift, then a merged file as converged; a changed pipeline is proposed again", async () => {
            const pid = await project();
            const inputs = fileInputs(pid);
            const { id, outs } = await create(repositoryFilesProvider, inputs);
            const p = s.live(pid);
            // Pending: nothing merged yet, and refresh shows no change (pending is not drift).
            let read = await repositoryFilesProvider.read!(id, outs);
            expect((await repositoryFilesProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
            // Both proposals merged.
            for (const b of ["main", "develop"]) p.files.set(b, new Map(p.files.get(`feature/ml-team-env-setup-${b}`)!));
            p.mergeRequests.forEach((m) => (m.state = "merged"));
            read = await repositoryFilesProvider.read!(id, outs);
            expect((await repositoryFilesProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
            // A new pipeline: only the managed file is proposed again; seeds are never offered twice.
            const next = fileInputs(pid, { managed: [{ path: ".gitlab-ci.yml", content: "stages: [lint, test, train]\n" }] });
            const updated = await repositoryFilesProvider.update!(id, read.props!, next);
            expect(p.mergeRequests.filter((m) => m.state === "opened")).toHaveLength(2);
            expect(p.files.get("feature/ml-team-env-setup-main")!.get(".gitlab-ci.yml")).toBe("stages: [lint, test, train]\n");
            expect(updated.outs!.seeded).toEqual(outs.seeded);
        });

        it("never overwrites or re-offers a team's own file, and re-proposes a pipeline edited by hand", async () => {
            const pid = await project();
            const p = s.live(pid);
            // An adopted repository: the team already has its own train.py.
            p.files.get("main")!.set("train.py", "the team's own\n");
            const inputs = fileInputs(pid, { mode: "direct", branches: ["main"] });
            // Direct commits need a branch the token's user may push to.
            p.protectedBranches.delete("main");
            const { id, outs } = await create(repositoryFilesProvider, inputs);
            expect(p.files.get("main")!.get("train.py")).toBe("the team's own\n");
            expect(p.files.get("main")!.get("tests/test_model.py")).toBe("def test_x():\n    pass\n");
            expect(outs.seeded).toEqual({ main: ["tests/test_model.py"] });
            // The team deletes a starter file and edits the pipeline by hand.
            p.files.get("main")!.delete("tests/test_model.py");
            p.files.get("main")!.set(".gitlab-ci.yml", "edited by hand\n");
            const read = await repositoryFilesProvider.read!(id, outs);
            expect((await repositoryFilesProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
            await repositoryFilesProvider.update!(id, read.props!, inputs);
            expect(p.files.get("main")!.get(".gitlab-ci.yml")).toBe(CI);
            expect(p.files.get("main")!.has("tests/test_model.py")).toBe(false);
        });

        it("a direct commit to a protected main is refused with GitLab's answer and what to do", async () => {
            const pid = await project();
            const user = `carol-${mode}`;
            s.em().addUser(user);
            s.live(pid).members.set([...s.em().state.users.values()].find((u) => u.username === user)!.id, 30);
            await expect(as(s.em().addToken(user, ["api"]), () => create(repositoryFilesProvider, fileInputs(pid, { mode: "direct" })))).rejects.toThrow(
                /GitLab refused the commit to main \(403: 403 Forbidden - You are not allowed to push into this branch\): the token.s user may not push to main.*gitlab\.ciFileCommit: merge-request/,
            );
        });

        it("schedules a pipeline: the expanded ref reads back without a diff; a Maintainer takes ownership to edit", async () => {
            const pid = await s.newProject();
            const inputs: PipelineScheduleInputs = {
                ...s.base(),
                kind: "gitlab:PipelineSchedule",
                projectId: pid,
                description: "stale experiment branches",
                ref: "main",
                cron: "0 3 * * 1",
                cronTimezone: "UTC",
                active: true,
                variables: { STALE_AFTER_DAYS: "90" },
            };
            const { id, outs } = await create(pipelineScheduleProvider, inputs);
            const schedule = s.live(pid).schedules.get(outs.scheduleId)!;
            // GitLab stores the short ref expanded.
            expect(schedule.ref).toBe("refs/heads/main");
            const read = await pipelineScheduleProvider.read!(id, outs);
            expect((await pipelineScheduleProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
            // Another maintainer edits it: only the owner may, so the provider takes ownership.
            const user = `dana-${mode}`;
            s.em().addUser(user);
            const uid = [...s.em().state.users.values()].find((u) => u.username === user)!.id;
            s.live(pid).members.set(uid, 40);
            await as(s.em().addToken(user, ["api"]), () => pipelineScheduleProvider.update!(id, read.props!, { ...inputs, cron: "0 4 * * 1", variables: {} }));
            expect(schedule).toMatchObject({ cron: "0 4 * * 1", owner_id: uid, variables: [] });
            await pipelineScheduleProvider.delete!(id, outs);
            expect(s.live(pid).schedules.size).toBe(0);
        });
    });

    describe("runners", () => {
        const runnerInputs = (projectId: number, over: Partial<RunnerInputs> = {}): RunnerInputs => ({
            ...s.base(),
            kind: "gitlab:Runner",
            projectId,
            description: "ml-team-env gpu",
            tagList: ["gpu", "cuda"],
            runUntagged: false,
            locked: true,
            accessLevel: "not_protected",
            maximumTimeout: 3600,
            rotation: "1",
            ...over,
        });

        it("creates a project runner and keeps the one-time glrt- token from the create answer", async () => {
            const pid = await s.newProject();
            const inputs = runnerInputs(pid);
            const { id, outs } = await create(runnerProvider, inputs);
            expect(outs.token).toMatch(/^glrt-/);
            const r = s.em().state.runners.get(Number(id))!;
            expect(r).toMatchObject({ project_ids: [pid], tag_list: ["gpu", "cuda"], run_untagged: false, locked: true, access_level: "not_protected", maximum_timeout: 3600 });
            // GitLab never shows the token again; read keeps the one from create.
            const read = await runnerProvider.read!(id, outs);
            expect(read.props!.token).toBe(outs.token);
            expect((await runnerProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
            // Settings change in place; a new rotation replaces the runner, new one first.
            await runnerProvider.update!(id, outs, { ...inputs, tagList: ["gpu"] });
            expect(r.tag_list).toEqual(["gpu"]);
            expect(await runnerProvider.diff!(id, outs, { ...inputs, rotation: "2" })).toMatchObject({ changes: true, replaces: ["rotation"], deleteBeforeReplace: false });
            await runnerProvider.delete!(id, outs);
            expect(s.em().state.runners.has(Number(id))).toBe(false);
        });

        it("needs the api or create_runner scope and a Maintainer", async () => {
            const pid = await s.newProject();
            const user = `runner-maker-${mode}`;
            s.em().addUser(user);
            const uid = [...s.em().state.users.values()].find((u) => u.username === user)!.id;
            s.live(pid).members.set(uid, Role.Developer);
            await expect(as(s.em().addToken(user, ["create_runner"]), () => create(runnerProvider, runnerInputs(pid)))).rejects.toThrow(/403.*Insufficient permissions/);
            s.live(pid).members.set(uid, Role.Maintainer);
            await expect(as(s.em().addToken(user, ["read_api"]), () => create(runnerProvider, runnerInputs(pid)))).rejects.toThrow(/403.*insufficient_scope/);
            const { outs } = await as(s.em().addToken(user, ["create_runner"]), () => create(runnerProvider, runnerInputs(pid)));
            expect(outs.token).toMatch(/^glrt-/);
        });

        it("removes an orphan whose create answer was lost before making the runner again", async () => {
            const pid = await s.newProject();
            s.em().injectFault("POST /user/runners", { status: 502, afterHandling: true, times: 1 });
            await expect(create(runnerProvider, runnerInputs(pid, { retry: { ...RETRY, maxAttempts: 1 } }))).rejects.toThrow(/502/);
            expect([...s.em().state.runners.values()].filter((r) => r.project_ids.includes(pid))).toHaveLength(1);
            const { outs } = await create(runnerProvider, runnerInputs(pid));
            const left = [...s.em().state.runners.values()].filter((r) => r.project_ids.includes(pid));
            expect(left.map((r) => r.id)).toEqual([outs.runnerId]);
        });
    });
});

describe("Premium rules per tier", () => {
    const premium = suite("ee-premium");
    const free = suite("ee-free");
    const ce = suite("ce");

    it("push rules: set from the naming regex on Premium and drift restored; a clear error where the tier lacks them", async () => {
        const pid = await premium.newProject();
        const inputs = { ...premium.base(), kind: "gitlab:PushRules", projectId: pid, branchNameRegex: "^(main|develop)$", preventSecrets: true, denyDeleteTag: true };
        const { id, outs } = await create(pushRulesProvider, inputs);
        expect(premium.live(pid).pushRule).toMatchObject({ branch_name_regex: "^(main|develop)$", prevent_secrets: true, deny_delete_tag: true });
        premium.live(pid).pushRule!.prevent_secrets = false;
        const read = await pushRulesProvider.read!(id, outs);
        expect((await pushRulesProvider.diff!(id, read.props!, inputs)).changes).toBe(true);
        await pushRulesProvider.update!(id, read.props!, inputs);
        expect(premium.live(pid).pushRule!.prevent_secrets).toBe(true);
        for (const s of [free, ce]) {
            const other = await s.newProject();
            await expect(create(pushRulesProvider, { ...inputs, ...s.base(), projectId: other })).rejects.toThrow(/no push rules.*they need GitLab Premium.*gitlab\.tier to free/);
        }
    });

    it("approval rule: an any-eligible-member rule on main that GitLab cannot auto-approve, adopted not duplicated", async () => {
        const pid = await premium.newProject();
        const pb = await create(protectedBranchProvider, premium.protection(pid));
        const inputs: ApprovalRuleInputs = { ...premium.base(), kind: "gitlab:ApprovalRule", projectId: pid, name: "main approvals", approvalsRequired: 1, protectedBranchId: pb.outs.protectedBranchId };
        const { id, outs } = await create(approvalRuleProvider, inputs);
        const rule = premium.live(pid).approvalRules.get(outs.ruleId)!;
        // A regular rule without approvers would be auto-approved; any_approver never is.
        expect(rule).toMatchObject({ rule_type: "any_approver", approvals_required: 1, protected_branch_ids: [pb.outs.protectedBranchId] });
        expect(outs.ruleType).toBe("any_approver");
        const read = await approvalRuleProvider.read!(id, outs);
        expect((await approvalRuleProvider.diff!(id, read.props!, inputs)).changes).toBe(false);
        // GitLab allows one any_approver rule per project: a second create adopts it.
        await create(approvalRuleProvider, { ...inputs, name: "renamed" });
        expect(premium.live(pid).approvalRules.size).toBe(1);
        await expect(create(approvalRuleProvider, { ...inputs, ...free.base(), projectId: await free.newProject() })).rejects.toThrow(/403/);
    });
});

describe("faults", () => {
    const s = suite("ee-premium");
    afterEach(() => s.em().clearFaults());
    const count = (method: string, path: string, status?: number) => s.em().requests.filter((r) => r.method === method && r.path === path && (status === undefined || r.status === status)).length;

    it("429 with Retry-After, then success: one protection, created once", async () => {
        const pid = await s.newProject();
        s.em().injectFault(`POST /projects/${pid}/protected_branches`, { status: 429, retryAfterSeconds: 0, times: 2 });
        await create(protectedBranchProvider, s.protection(pid));
        expect(count("POST", `/projects/${pid}/protected_branches`, 429)).toBe(2);
        expect(count("POST", `/projects/${pid}/protected_branches`, 201)).toBe(1);
    });

    it("429 without rate-limit headers falls back to a fixed wait and converges", async () => {
        const pid = await s.newProject();
        s.em().injectFault(`POST /projects/${pid}/members`, { status: 429, times: 1 });
        const { outs } = await create(projectMemberProvider, { ...s.base(), kind: "gitlab:ProjectMember", projectId: pid, username: "bob", accessLevel: 30 });
        expect(s.live(pid).members.get(outs.userId)).toBe(30);
        expect(count("POST", `/projects/${pid}/members`, 201)).toBe(1);
    });

    it("500 and 502 then success", async () => {
        s.em().injectFault("POST /projects", { status: 500, times: 1 });
        s.em().injectFault("GET /namespaces/:id", { status: 502, times: 1 });
        const inputs = s.projectInputs();
        await create(projectProvider, inputs);
        expect([...s.em().state.projects.values()].filter((p) => p.path_with_namespace === inputs.path)).toHaveLength(1);
    });

    it("a slow answer past the timeout is retried", async () => {
        const pid = await s.newProject();
        s.em().injectFault(`GET /projects/${pid}/push_rule`, { delayMs: 300, status: 500, times: 1 });
        await create(pushRulesProvider, { ...s.base(), retry: { ...RETRY, timeoutMs: 100 }, kind: "gitlab:PushRules", projectId: pid, branchNameRegex: "^x$", preventSecrets: true, denyDeleteTag: true });
        expect(s.live(pid).pushRule).not.toBeNull();
    });

    it("gives up after its bound with a clear error", async () => {
        const pid = await s.newProject();
        s.em().injectFault(`POST /projects/${pid}/protected_branches`, { status: 503, times: 50 });
        await expect(protectedBranchProvider.create!(s.protection(pid))).rejects.toThrow(/GitLab answered 503 on POST \/api\/v4\/projects\/\d+\/protected_branches.*Gave up after 4 attempt\(s\)/);
        expect(s.live(pid).protectedBranches.size).toBe(0);
    });

    it("answers lost after the change: a project, a protection and a membership are each made once", async () => {
        const inputs = s.projectInputs();
        s.em().injectFault("POST /projects", { status: 502, afterHandling: true, times: 1 });
        const { outs } = await create(projectProvider, inputs);
        expect([...s.em().state.projects.values()].filter((p) => p.path_with_namespace === inputs.path).map((p) => p.id)).toEqual([outs.projectId]);
        const pid = outs.projectId;
        s.em().injectFault(`POST /projects/${pid}/protected_branches`, { drop: true, afterHandling: true, times: 1 });
        s.em().injectFault(`POST /projects/${pid}/members`, { drop: true, afterHandling: true, times: 1 });
        await create(protectedBranchProvider, s.protection(pid));
        await create(projectMemberProvider, { ...s.base(), kind: "gitlab:ProjectMember", projectId: pid, username: "alice", accessLevel: 30 });
        expect(s.live(pid).protectedBranches.size).toBe(1);
        expect([...s.live(pid).members.values()].filter((l) => l === 30)).toHaveLength(1);
    });

    it("never puts the token in an error, and says what to do on 401 and 403", async () => {
        const bad = "glpat-this-token-is-wrong-123";
        const error = await as(bad, () => create(projectProvider, s.projectInputs())).catch((e: Error) => e);
        expect((error as Error).message).toMatch(/rejected the token \(401\).*invalid, expired or revoked/);
        expect((error as Error).message).not.toContain(bad);
        const denied = await as(s.em().addToken("bob", ["read_api"]), () => create(projectProvider, s.projectInputs())).catch((e: Error) => e);
        expect((denied as Error).message).toMatch(/403.*insufficient_scope/);
        await expect(as("", () => projectProvider.create!(s.projectInputs()))).rejects.toThrow(/no GitLab token: export GITLAB_TOKEN/);
    });
});
