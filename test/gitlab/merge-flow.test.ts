/**
 * Issue 23's point, shown against the emulator's merge endpoint (test/support/gitlab-emulator/merge.ts,
 * which cites GitLab's source): with "pipelines must succeed", the branch model's default, GitLab
 * refuses a merge request that has no pipeline, and a merge request's pipeline comes from its source
 * branch's `.gitlab-ci.yml`. The project is set up by the package's real providers in the order
 * that leaves `develop` without the pipeline (`GitLabProject`'s when this was written): `develop`
 * is cut from `main` and protected before the package's own merge requests bring the CI file, so
 * feature branches cut from `develop` before that merges have no pipeline and cannot be merged.
 */
import { BranchModel, DEFAULT_BRANCH_MODEL, GitLabTier } from "../../infra/branch-model/branch-model";
import { accessLevelFor, filesProposalBranch } from "../../infra/gitlab/gitlab-project";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { projectProvider } from "../../infra/gitlab/providers/project";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { repositoryFilesProvider, RepositoryFilesInputs } from "../../infra/gitlab/providers/repository-files";
import { gitlabRequest, RawAnswer } from "../support/emulator-http";
import { EmulatorMode, Role } from "../support/gitlab-emulator";
import { premiumRulesAsModel, protectAsModel } from "../support/model-protections";
import { providerEmulator } from "../support/provider-emulator";

const RETRY = { maxAttempts: 2, maxTotalMs: 1_000, fixedWaitMs: 10, baseBackoffMs: 10, timeoutMs: 2_000 };
const ADMIN_TOKEN = "glpat-merge-flow-admin";
const CI = "stages: [lint, test]\nunit:\n  stage: test\n  script: [pytest]\n";
const NOT_ALLOWED = { status: 405, json: { message: "405 Method Not Allowed" } };
/** The stack whose proposals these are (its name is in their branch names). */
const STACK = "dev";

/** One emulator with users and helpers for the raw calls a team member makes. */
function team(mode: EmulatorMode) {
    const tokens: Record<"dev" | "lead", string> = { dev: "", lead: "" };
    const em = providerEmulator(mode, ADMIN_TOKEN, (e) => {
        e.addGroup("ml-team");
        e.addUser("dana-dev");
        e.addUser("leo-lead");
        tokens.dev = e.addToken("dana-dev", ["api"]);
        tokens.lead = e.addToken("leo-lead", ["api"]);
    });
    const call = (who: keyof typeof tokens, method: string, path: string, body?: unknown): Promise<RawAnswer> => gitlabRequest(em().url, tokens[who], method, path, body);
    return { em, call };
}

/**
 * The project as `GitLabProject` provisions it on a new project: settings from the branch model,
 * `develop` from `main`, the protections, push rules and the approval rule where the tier has
 * them, then the files proposed by one merge request per long-lived branch, and the members.
 */
async function provision(url: string, mode: EmulatorMode, path: string, model: BranchModel = DEFAULT_BRANCH_MODEL) {
    const common = { gitlabUrl: url, providerVersion: "1", retry: RETRY };
    const tier: GitLabTier = mode === "ee-premium" ? "premium" : "free";
    const project = await projectProvider.create!({
        ...common,
        kind: "gitlab:Project",
        path,
        mode: "create",
        visibility: "private",
        description: "",
        defaultBranch: model.defaultBranch,
        pipelineMustSucceed: model.mergeRequests.pipelineMustSucceed,
        allDiscussionsResolved: model.mergeRequests.allDiscussionsResolved,
        deleteSourceBranch: model.mergeRequests.deleteSourceBranch,
        jobTokenPush: false,
        deleteOnDestroy: false,
    });
    const projectId = project.outs!.projectId;
    const onProject = { ...common, projectId };
    await branchProvider.create!({ ...onProject, kind: "gitlab:Branch", branch: model.integrationBranch, ref: model.defaultBranch });
    const protections = await protectAsModel(onProject, model, tier);
    await premiumRulesAsModel(onProject, model, tier, protections);
    const branches = [model.defaultBranch, model.integrationBranch];
    const filesInputs: RepositoryFilesInputs = {
        ...onProject,
        kind: "gitlab:RepositoryFiles",
        managed: [{ path: ".gitlab-ci.yml", content: CI }],
        seeds: [{ path: "train.py", content: "print('starter')\n" }],
        branches,
        mode: "merge-request",
        proposalBranches: Object.fromEntries(branches.map((b) => [b, filesProposalBranch(STACK, b)])),
        commitMessage: "ml-team-env: the team's pipeline and starter project",
    };
    const files = await repositoryFilesProvider.create!(filesInputs);
    await projectMemberProvider.create!({ ...onProject, kind: "gitlab:ProjectMember", username: "dana-dev", accessLevel: accessLevelFor("developer") });
    await projectMemberProvider.create!({ ...onProject, kind: "gitlab:ProjectMember", username: "leo-lead", accessLevel: accessLevelFor("maintainer") });
    const iidOf = (target: string) => Number(/merge_requests\/(\d+)$/.exec(files.outs!.mergeRequests[target]!)![1]);
    return { projectId, filesInputs, files: { id: files.id, outs: files.outs! }, proposal: { main: iidOf(model.defaultBranch), develop: iidOf(model.integrationBranch) } };
}

describe.each(["ce", "ee-premium"] as const)("merging on a new project with pipelines that must succeed (%s)", (mode) => {
    const t = team(mode);
    let project!: Awaited<ReturnType<typeof provision>>;
    let api!: string;
    beforeAll(async () => {
        project = await provision(t.em().url, mode, `ml-team/vision-${mode}`);
        api = `/projects/${project.projectId}`;
    });
    const live = () => t.em().state.projects.get(project.projectId)!;

    /** A developer's branch from `from` with one commit, and its merge request into `into`: the iid. */
    async function featureRequest(branch: string, from = "develop", into = from): Promise<number> {
        expect((await t.call("dev", "POST", `${api}/repository/branches`, { branch, ref: from })).status).toBe(201);
        const commit = await t.call("dev", "POST", `${api}/repository/commits`, { branch, commit_message: `work on ${branch}`, actions: [{ action: "create", file_path: `${branch.replace("/", "-")}.py`, content: "x = 1\n" }] });
        expect(commit.status).toBe(201);
        const mr = await t.call("dev", "POST", `${api}/merge_requests`, { source_branch: branch, target_branch: into, title: `Add ${branch}` });
        expect(mr.status).toBe(201);
        return mr.json.iid;
    }
    const merge = (who: "dev" | "lead", iid: number, body?: unknown) => t.call(who, "PUT", `${api}/merge_requests/${iid}/merge`, body);
    const show = async (iid: number) => (await t.call("dev", "GET", `${api}/merge_requests/${iid}`)).json;

    it("(a) a feature cut from develop before develop holds .gitlab-ci.yml has no pipeline, and GitLab refuses to merge it", async () => {
        expect(live().files.get("develop")!.has(".gitlab-ci.yml")).toBe(false);
        const early = await featureRequest("feature/early-augmentation");
        expect(await merge("dev", early)).toMatchObject(NOT_ALLOWED);
        expect(await show(early)).toMatchObject({ state: "opened", head_pipeline: null, detailed_merge_status: "ci_must_pass" });
        expect(live().files.get("develop")!.has("feature-early-augmentation.py")).toBe(false);
    });

    it("(b) once the package's proposal into develop merges, a feature cut from develop carries the pipeline and merges; features cut before stay blocked", async () => {
        // The proposal's own branch holds the CI file, so it has a pipeline; a Developer may merge into develop.
        expect(await show(project.proposal.develop)).toMatchObject({ head_pipeline: { status: "success" }, detailed_merge_status: "mergeable" });
        const merged = await merge("dev", project.proposal.develop);
        expect(merged.status).toBe(200);
        expect(merged.json).toMatchObject({ state: "merged", merge_commit_sha: live().branches.get("develop")!.commit });
        expect(live().files.get("develop")!.get(".gitlab-ci.yml")).toBe(CI);
        // The package asked for its proposal branch to go (remove_source_branch: true).
        expect(live().branches.has(filesProposalBranch(STACK, "develop"))).toBe(false);
        // The provider now reads develop as converged: nothing left to propose there.
        const read = await repositoryFilesProvider.read!(project.files.id, project.files.outs);
        expect((await repositoryFilesProvider.diff!(project.files.id, read.props!, project.filesInputs)).changes).toBe(false);

        const late = await featureRequest("feature/late-augmentation");
        expect(await show(late)).toMatchObject({ head_pipeline: { ref: "feature/late-augmentation", status: "success" } });
        const done = await merge("dev", late);
        expect(done.status).toBe(200);
        expect(live().files.get("develop")!.has("feature-late-augmentation.py")).toBe(true);
        // The project deletes source branches after merge (the model's deleteSourceBranch).
        expect(live().branches.has("feature/late-augmentation")).toBe(false);

        // The branch cut before still holds no CI file: still no pipeline, still refused.
        const early = live().mergeRequests.find((m) => m.source_branch === "feature/early-augmentation")!;
        expect(await merge("dev", early.iid)).toMatchObject(NOT_ALLOWED);
    });

    it("(c) a failed pipeline blocks the merge, a running one too; the rerun that succeeds lets it through", async () => {
        const flaky = await featureRequest("feature/flaky-loader");
        t.em().setPipelineStatus(project.projectId, "feature/flaky-loader", "failed");
        expect(await merge("dev", flaky)).toMatchObject(NOT_ALLOWED);
        expect(await show(flaky)).toMatchObject({ head_pipeline: { status: "failed" }, detailed_merge_status: "ci_must_pass" });
        t.em().setPipelineStatus(project.projectId, "feature/flaky-loader", "running");
        expect(await merge("dev", flaky)).toMatchObject(NOT_ALLOWED);
        expect((await show(flaky)).detailed_merge_status).toBe("ci_still_running");
        t.em().setPipelineStatus(project.projectId, "feature/flaky-loader", "success");
        expect((await merge("dev", flaky)).json.state).toBe("merged");
    });

    it("(d) a Developer may merge into develop but not into main (401); a Maintainer may, on Premium only once approved", async () => {
        const mainBefore = live().branches.get("main")!.commit;
        // The package's proposal into main has its pipeline; the block is who merges.
        expect(await show(project.proposal.main)).toMatchObject({ head_pipeline: { status: "success" } });
        expect(await merge("dev", project.proposal.main)).toMatchObject({ status: 401, json: { message: "401 Unauthorized" } });
        expect(live().branches.get("main")!.commit).toBe(mainBefore);
        const byLead = await merge("lead", project.proposal.main);
        if (mode === "ee-premium") {
            // The package's approval rule on main wants one approval; approving is not emulated, so it stays unmerged.
            expect(byLead).toMatchObject(NOT_ALLOWED);
            expect((await show(project.proposal.main)).detailed_merge_status).toBe("not_approved");
        } else {
            expect(byLead.json).toMatchObject({ state: "merged", merge_user: { username: "leo-lead" } });
            expect(live().files.get("main")!.get(".gitlab-ci.yml")).toBe(CI);
        }
        // A Developer's own feature into develop merges (shown in (b)); into main, never.
        const direct = await featureRequest("feature/straight-to-main", "develop", "main");
        expect((await merge("dev", direct)).status).toBe(401);
    });
});

describe("the merge endpoint's other answers (emulator, CE)", () => {
    const t = team("ce");
    let api!: string;
    let pid!: number;
    beforeAll(async () => {
        pid = (await provision(t.em().url, "ce", "ml-team/answers")).projectId;
        api = `/projects/${pid}`;
        // develop with the pipeline, as after the package's proposal merged.
        const p = t.em().state.projects.get(pid)!;
        p.files.get("develop")!.set(".gitlab-ci.yml", CI);
    });
    const live = () => t.em().state.projects.get(pid)!;
    let n = 0;
    async function request(over: { title?: string; commit?: boolean; body?: Record<string, unknown> } = {}): Promise<{ iid: number; branch: string }> {
        const branch = `feature/answer-${++n}`;
        await t.call("dev", "POST", `${api}/repository/branches`, { branch, ref: "develop" });
        if (over.commit !== false) await t.call("dev", "POST", `${api}/repository/commits`, { branch, commit_message: "x", actions: [{ action: "create", file_path: `f${n}.py`, content: "x\n" }] });
        const mr = await t.call("dev", "POST", `${api}/merge_requests`, { source_branch: branch, target_branch: "develop", title: over.title ?? `Answer ${n}`, ...over.body });
        return { iid: mr.json.iid, branch };
    }
    const merge = (iid: number, body?: unknown, who: "dev" | "lead" = "dev") => t.call(who, "PUT", `${api}/merge_requests/${iid}/merge`, body);

    it("an unknown iid is ActiveRecord's 404; a sha that is not the source head is a 409 naming the head", async () => {
        expect(await merge(999)).toMatchObject({ status: 404, json: { message: "404 Not found" } });
        const { iid, branch } = await request();
        // A Guest of this private project may not read merge requests (404); a Reporter may, but not merge (401).
        const as = (username: string, level: number) => {
            const uid = t.em().addUser(username);
            live().members.set(uid, level);
            return t.em().addToken(username, ["api"]);
        };
        const guest = await gitlabRequest(t.em().url, as("gus-guest", Role.Guest), "PUT", `${api}/merge_requests/${iid}/merge`);
        const reporter = await gitlabRequest(t.em().url, as("rita-reporter", Role.Reporter), "PUT", `${api}/merge_requests/${iid}/merge`);
        expect([guest.status, reporter.status]).toEqual([404, 401]);
        const head = live().branches.get(branch)!.commit;
        expect(await merge(iid, { sha: "0".repeat(40) })).toMatchObject({ status: 409, json: { message: `SHA does not match HEAD of source branch: ${head}` } });
        expect((await merge(iid, { sha: head })).status).toBe(200);
        // Merged already: no longer open, so not mergeable.
        expect(await merge(iid)).toMatchObject(NOT_ALLOWED);
    });

    it("a Draft, or a merge request without commits, is refused like a missing pipeline (405), each with its own reason", async () => {
        const draft = await request({ title: "Draft: try a bigger batch" });
        expect(await merge(draft.iid)).toMatchObject(NOT_ALLOWED);
        expect((await t.call("dev", "GET", `${api}/merge_requests/${draft.iid}`)).json.detailed_merge_status).toBe("draft_status");
        const empty = await request({ commit: false });
        expect(await merge(empty.iid)).toMatchObject(NOT_ALLOWED);
        expect((await t.call("dev", "GET", `${api}/merge_requests/${empty.iid}`)).json.detailed_merge_status).toBe("commits_status");
    });

    it("a skipped pipeline passes only with allow_merge_on_skipped_pipeline; without 'pipelines must succeed' no pipeline is needed", async () => {
        const skipped = await request();
        t.em().setPipelineStatus(pid, skipped.branch, "skipped");
        expect(await merge(skipped.iid)).toMatchObject(NOT_ALLOWED);
        live().allow_merge_on_skipped_pipeline = true;
        expect((await merge(skipped.iid)).status).toBe(200);
        live().allow_merge_on_skipped_pipeline = false;

        const p = live();
        p.files.get("develop")!.delete(".gitlab-ci.yml");
        const none = await request();
        expect(t.em().headPipeline(pid, none.branch)).toBeNull();
        expect(await merge(none.iid)).toMatchObject(NOT_ALLOWED);
        p.only_allow_merge_if_pipeline_succeeds = false;
        expect((await merge(none.iid)).status).toBe(200);
        p.only_allow_merge_if_pipeline_succeeds = true;
        p.files.get("develop")!.set(".gitlab-ci.yml", CI);
    });

    it("the source branch goes as asked, but never a protected one; should_remove_source_branch=false keeps it", async () => {
        const kept = await request();
        expect((await merge(kept.iid, { should_remove_source_branch: false })).json.should_remove_source_branch).toBe(false);
        expect(live().branches.has(kept.branch)).toBe(true);
        const asked = await request({ body: { remove_source_branch: false } });
        expect((await merge(asked.iid)).status).toBe(200);
        expect(live().branches.has(asked.branch)).toBe(true);
        // develop → main (a release): a protected source is never deleted, whatever is asked.
        const release = await t.call("lead", "POST", `${api}/merge_requests`, { source_branch: "develop", target_branch: "main", title: "Release", remove_source_branch: true });
        expect((await merge(release.json.iid, { should_remove_source_branch: true }, "lead")).status).toBe(200);
        expect(live().branches.has("develop")).toBe(true);
        expect(live().files.get("main")!.get(".gitlab-ci.yml")).toBe(CI);
    });

    it("auto-merge is not emulated: it says so instead of pretending", async () => {
        const { iid } = await request();
        expect(await merge(iid, { merge_when_pipeline_succeeds: true })).toMatchObject({ status: 400, json: { message: expect.stringMatching(/auto-merge .* is not emulated/) } });
    });
});
