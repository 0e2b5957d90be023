/**
 * Surprise 1 of issue 22: a second stack pointed at a project silently took it over (it replaced
 * the first stack's pipeline merge request and, with the same stack name, deleted its runners).
 * Now the project records which stack manages it (a CI/CD variable), `create` and `adopt` refuse a
 * project another stack manages (naming it, and how to hand it over), and runners, schedules and
 * proposal branches carry the stack, so two stacks never touch each other's objects. `check`
 * refuses it already, so `pulumi preview` fails before anything (a cluster) is made. The refusal
 * as the engine's provider host returns it: test/gitlab/provider-host.slow.test.ts.
 */
import { proposalBranchName, scheduleDescription } from "../../infra/gitlab/gitlab-project";
import { pipelineScheduleProvider } from "../../infra/gitlab/providers/pipeline-schedule";
import { projectProvider, ProjectInputs } from "../../infra/gitlab/providers/project";
import { OWNER_VARIABLE } from "../../infra/gitlab/providers/project-owner";
import { runnerDescription, runnerProvider, RunnerInputs } from "../../infra/gitlab/providers/runner";
import { projectInputs, providerEmulator } from "../support/provider-emulator";

const RETRY = { maxAttempts: 2, maxTotalMs: 2_000, fixedWaitMs: 10, baseBackoffMs: 10, timeoutMs: 2_000 };
const A = "acme/ml-team-env/dev#1a2b3c4d";
const B = "lab/ml-team-env/dev#5e6f7a8b";

const emulator = providerEmulator("ee-free", "glpat-ownership-test-admin", (e) => e.addGroup("ml-team"));
let seq = 0;
const base = () => ({ gitlabUrl: emulator().url, providerVersion: "1", retry: RETRY });
const project = (over: Partial<ProjectInputs> = {}): ProjectInputs => projectInputs(base(), `ml-team/owned-${++seq}`, { description: "stack A's", owner: A, ...over });
const live = (path: string) => [...emulator().state.projects.values()].find((p) => p.path_with_namespace === path)!;
const record = (path: string) => emulator().state.variables.get(live(path).id)?.find((v) => v.key === OWNER_VARIABLE);

describe("the project records the stack that manages it", () => {
    it("create records the stack in a CI/CD variable that says what it is", async () => {
        const a = project();
        await projectProvider.create!(a);
        expect(record(a.path)).toMatchObject({ value: A, raw: true, protected: false, masked: false, description: expect.stringMatching(/ml-team-env stack that manages this project/) });
    });

    it.each(["create", "adopt"] as const)("%s refuses a project another stack manages, naming it and the hand-over, before changing anything", async (mode) => {
        const a = project();
        await projectProvider.create!(a);
        const before = { ...live(a.path), description: live(a.path).description };
        const err = await projectProvider.create!({ ...a, mode, owner: B, description: "stack B's" }).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).toMatch(new RegExp(`${a.path} is managed by another ml-team-env stack, acme/ml-team-env/dev#1a2b3c4d`));
        expect(err?.message).toMatch(/run `pulumi destroy` in that stack/);
        expect(err?.message).toContain(`gitlab.project.takeOverFrom: "${A}"`);
        expect(live(a.path).description).toBe(before.description);
        expect(record(a.path)!.value).toBe(A);
    });

    it("check (the preview) refuses another stack's project before anything is changed, and passes its own, a free one and a hand-over", async () => {
        const a = project();
        await projectProvider.create!(a);
        // A first deployment: the engine hands check no old inputs.
        const none = {} as ProjectInputs;
        const checked = await projectProvider.check!(none, { ...a, mode: "adopt", owner: B, description: "stack B's" });
        expect(checked.failures).toEqual([{ property: "owner", reason: expect.stringMatching(new RegExp(`^${a.path} is managed by another ml-team-env stack, acme/ml-team-env/dev#1a2b3c4d .*gitlab\\.project\\.takeOverFrom: "${A}"`)) }]);
        expect(live(a.path).description).toBe("stack A's");
        expect(record(a.path)!.value).toBe(A);
        expect((await projectProvider.check!(a, { ...a, description: "A again" })).failures).toEqual([]);
        expect((await projectProvider.check!(none, { ...a, owner: B, takeOverFrom: A })).failures).toEqual([]);
        expect((await projectProvider.check!(none, project({ owner: B }))).failures).toEqual([]);
        // A renamed stack: the record it had before is its own.
        expect((await projectProvider.check!(a, { ...a, owner: B })).failures).toEqual([]);
    });

    it("takeOverFrom hands it over; the former stack is then refused, and its destroy leaves the new record", async () => {
        const a = project();
        const created = await projectProvider.create!(a);
        const b = await projectProvider.create!({ ...a, owner: B, takeOverFrom: A, description: "stack B's" });
        expect(b.id).toBe(created.id);
        expect(record(a.path)!.value).toBe(B);
        await expect(projectProvider.update!(created.id, created.outs!, { ...a, description: "A again" })).rejects.toThrow(/managed by another ml-team-env stack, lab\/ml-team-env\/dev#5e6f7a8b/);
        await projectProvider.delete!(created.id, created.outs!);
        expect(record(a.path)!.value).toBe(B);
    });

    it("a destroy that keeps the project hands it back: another stack may then take it without takeOverFrom", async () => {
        const a = project();
        const created = await projectProvider.create!(a);
        await projectProvider.delete!(created.id, created.outs!);
        expect(live(a.path)).toBeDefined();
        expect(record(a.path)).toBeUndefined();
        await projectProvider.create!({ ...a, owner: B });
        expect(record(a.path)!.value).toBe(B);
    });

    it("a refresh reads the live record, so a project taken behind the stack's back shows as drift", async () => {
        const a = project();
        const created = await projectProvider.create!(a);
        record(a.path)!.value = B;
        const read = await projectProvider.read!(created.id, created.outs!);
        expect(read.props).toMatchObject({ owner: B });
    });
});

describe("two stacks of the same name never delete or adopt each other's objects", () => {
    /** The runners `CiRunners` registers for a stack recorded as `owner` (their descriptions as the component builds them). */
    const runnersOf = (owner: string, pid: number): RunnerInputs[] =>
        (["cpu", "gpu"] as const).map((kind) => ({ kind: "gitlab:Runner", ...base(), projectId: pid, description: runnerDescription(kind, owner), tagList: [kind], runUntagged: kind === "cpu", locked: true, accessLevel: "not_protected", maximumTimeout: 3600, rotation: "1" }));

    it("runners: the second stack's create removes only its own lost runners, never the first stack's", async () => {
        const a = project();
        const { id } = await projectProvider.create!(a);
        const pid = Number(id);
        const first = runnersOf(A, pid);
        const second = runnersOf(B, pid);
        expect(first.map((r) => r.description)).toEqual([`ml-team-env cpu runner (${A})`, `ml-team-env gpu runner (${A})`]);
        for (const r of first) await runnerProvider.create!(r);
        for (const r of second) await runnerProvider.create!(r);
        // Neither stack's runners ever contacted GitLab (the emulator's never do): before, the second
        // stack's create took the first one's for its own lost runners and deleted them.
        const descriptions = [...emulator().state.runners.values()].filter((r) => r.project_ids.includes(pid)).map((r) => r.description);
        expect(descriptions.sort()).toEqual([...first, ...second].map((r) => r.description).sort());
    });

    it("schedules: a stack adopts only a schedule that carries its own record", async () => {
        const a = project();
        const { id } = await projectProvider.create!(a);
        const sched = (owner: string) => ({ kind: "gitlab:PipelineSchedule", ...base(), projectId: Number(id), description: scheduleDescription("ml-team-env: stale branches", owner), ref: "main", cron: "0 3 * * 1", cronTimezone: "UTC", active: true, variables: {} });
        const first = await pipelineScheduleProvider.create!(sched(A));
        const second = await pipelineScheduleProvider.create!(sched(B));
        expect(second.outs!.scheduleId).not.toBe(first.outs!.scheduleId);
        expect([...live(a.path).schedules.values()].map((s) => s.description).sort()).toEqual([`ml-team-env: stale branches [${A}]`, `ml-team-env: stale branches [${B}]`]);
    });

    it("proposal branches: one per stack, accepted by the naming rule, recognised by the audit's prefix", () => {
        expect(proposalBranchName("dev", ".gitlab-ci.yml")).toBe("feature/ml-team-env-dev-gitlab-ci.yml");
        expect(proposalBranchName("Prod_EU", "starter files")).toBe("feature/ml-team-env-prod_eu-starter-files");
        expect(proposalBranchName("dev", "x")).not.toBe(proposalBranchName("staging", "x"));
        expect(proposalBranchName("dev", "x")).toMatch(/^feature\/ml-team-env-[a-z0-9._-]+$/);
    });
});
