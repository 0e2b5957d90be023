/**
 * Surprise 7 of issue 22: nothing could be tried without the Pulumi CLI, a backend and a cluster.
 * `npm run gitlab-apply` applies a GitLab-only stack with the program's own resources and their
 * real providers, here against the GitLab API emulator: the branch model is there afterwards, a
 * second run changes nothing, the audit says pending (exit 3) with the package's merge requests
 * until they are merged and then passes (exit 0), a member removed from the stack loses the
 * membership, and a second stack on the same project is refused (surprise 1, end to end) until the
 * first one is destroyed.
 */
import * as fs from "fs";
import * as path from "path";
import { PENDING_EXIT } from "../../infra/audit/audit";
import { auditMain } from "../../infra/cli/audit";
import { gitlabApplyMain } from "../../infra/cli/gitlab-apply";
import { OWNER_VARIABLE } from "../../infra/gitlab/providers/project-owner";
import { capture } from "../support/cli-io";
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, startGitLabEmulator } from "../support/gitlab-emulator";
import { seedEmulator } from "../support/gitlab-emulator-cli";
import { tempStack } from "../support/temp-stack";
import { ROOT } from "../harness";

const STACK = "gitlab-only";
const PROJECT_PATH = "ml-team/vision-models";
const text = fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${STACK}.yaml`), "utf8");

let em: GitLabEmulator;
let dir: string;
beforeAll(async () => {
    em = await startGitLabEmulator({ mode: "ee-free" });
    // Seeded as `npm run gitlab-emulator` seeds it, so this is README's flow.
    seedEmulator(em);
    dir = tempStack(STACK, text, "ml-team-env-apply-");
});
afterAll(() => em?.close());

const apply = async (argv: string[] = []) => {
    const io = capture(dir, { GITLAB_TOKEN: em.adminToken });
    const code = await gitlabApplyMain(["--stack", STACK, "--url", em.url, ...argv], io);
    return { code, out: io.stdout, err: io.stderr };
};
const project = () => [...em.state.projects.values()].find((p) => p.path_with_namespace === PROJECT_PATH)!;

describe("npm run gitlab-apply (a GitLab-only stack on the emulator)", () => {
    it("creates the project with the branch model, members, pipeline proposal and schedule, and records the stack", async () => {
        // The stack's mode is create: the emulator seeds no project for it to adopt silently.
        expect(project()).toBeUndefined();
        const r = await apply();
        expect(r.err.split("\n")[0]).toBe(`Applying the GitLab part of stack '${STACK}' on ${em.url} (state: .ml-team-env/gitlab-apply/${STACK}.json)...`);
        // The config's warnings once, without the runtime's noise.
        expect(r.err).toMatch(/^warning: cluster.mode none runs no runners: /m);
        expect(r.err).not.toMatch(/\[runtime\]|Undefined value/);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/\+ gitlab:Project {2}gitlab-only-gitlab-project/);
        expect(r.out).toMatch(/^\d+ created, 0 changed, 0 deleted, 0 unchanged\.$/m);
        const p = project();
        expect([...p.protectedBranches.keys()].sort()).toEqual(["develop", "hotfix/*", "main"]);
        expect([...p.protectedTags.keys()]).toEqual(["v*"]);
        // The team's files, proposed once per long-lived branch.
        expect(p.mergeRequests).toEqual([
            expect.objectContaining({ source_branch: "feature/ml-team-env-gitlab-only-setup-main", target_branch: "main", state: "opened" }),
            expect.objectContaining({ source_branch: "feature/ml-team-env-gitlab-only-setup-develop", target_branch: "develop", state: "opened" }),
        ]);
        expect([...p.schedules.values()].map((s) => s.description)).toEqual([expect.stringMatching(/^ml-team-env: archive then delete stale branches .* \[organization\/ml-team-env\/gitlab-only#[0-9a-f]{8}\]$/)]);
        expect(em.state.variables.get(p.id)!.find((v) => v.key === OWNER_VARIABLE)!.value).toMatch(/^organization\/ml-team-env\/gitlab-only#[0-9a-f]{8}$/);
        const members = [...p.members.entries()].map(([uid, level]) => [em.state.users.get(uid)!.username, level]);
        expect(members).toEqual(expect.arrayContaining([["alice", 40], ["bob", 30]]));
    });

    it("a second run changes nothing", async () => {
        const r = await apply();
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^0 created, 0 changed, 0 deleted, \d+ unchanged\.$/m);
    });

    it("the audit finds the branch protection in place", async () => {
        const io = capture(dir, { GITLAB_TOKEN: em.adminToken });
        await auditMain(["--url", em.url, "--project", PROJECT_PATH, "--format", "json"], io);
        const rows = JSON.parse(io.stdout).rows as { id: string; status: string }[];
        const protection = rows.filter((r) => /^protected-(branch|tag):/.test(r.id));
        expect(protection.length).toBeGreaterThan(5);
        expect(protection.filter((r) => r.status !== "pass")).toEqual([]);
    });

    it("the audit says pending (exit 3) with the package's merge requests, and passes (exit 0) once they are merged", async () => {
        // `--stack`, so the stack's own branch model, tier and team are the target: its file, pointed at the emulator.
        const audited = tempStack(STACK, text.replace("url: https://gitlab.com", `url: ${em.url}`));
        const audit = async () => {
            const io = capture(audited, { GITLAB_TOKEN: em.adminToken });
            const code = await auditMain(["--stack", STACK, "--format", "json"], io);
            return { code, report: JSON.parse(io.stdout) as { rows: { id: string; status: string; pendingMergeRequest?: string }[] } };
        };
        const p = project();
        const mrs = p.mergeRequests.filter((m) => m.state === "opened");
        expect(mrs.map((m) => m.source_branch)).toEqual(["main", "develop"].map((b) => `feature/ml-team-env-${STACK}-setup-${b}`));
        const before = await audit();
        expect(before.report.rows.filter((r) => r.status === "fail")).toEqual([]);
        const pending = before.report.rows.filter((r) => r.status === "pending");
        expect(pending.length).toBeGreaterThan(0);
        // The real merge requests' URLs, one per long-lived branch.
        expect([...new Set(pending.map((r) => r.pendingMergeRequest))].sort()).toEqual(mrs.map((m) => m.web_url).sort());
        expect(before.code).toBe(PENDING_EXIT);

        // Merged as a maintainer would: each has its pipeline (the branch holds the CI file), which passes.
        for (const mr of mrs) {
            expect(em.headPipeline(p.id, mr.source_branch)).toMatchObject({ status: "success" });
            const merged = await gitlabRequest(em.url, em.adminToken, "PUT", `/projects/${p.id}/merge_requests/${mr.iid}/merge`);
            expect(merged.json).toMatchObject({ state: "merged" });
        }
        const after = await audit();
        expect(after.report.rows.filter((r) => r.status === "pending" || r.status === "fail")).toEqual([]);
        expect(after.code).toBe(0);
    });

    it("a member removed from the stack loses the membership on the next run", async () => {
        fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${STACK}.yaml`), text.replace("      - username: bob\n        role: developer\n", ""));
        const r = await apply();
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/- gitlab:ProjectMember {2}gitlab-only-gitlab-member-bob/);
        expect([...project().members.keys()].map((uid) => em.state.users.get(uid)!.username)).not.toContain("bob");
        fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${STACK}.yaml`), text);
    });

    it("a second stack (its own state, so its own id) is refused on the same project, naming the first", async () => {
        const before = project().description;
        const r = await apply(["--state", "other.json"]);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/ml-team\/vision-models is managed by another ml-team-env stack, organization\/ml-team-env\/gitlab-only#[0-9a-f]{8}/);
        expect(r.err).toMatch(/What was done is in other\.json; run again to go on\./);
        expect(project().description).toBe(before);
    });

    it("once the first stack is destroyed (the project stays, the record goes), the second one may take it", async () => {
        const destroyed = await apply(["--destroy"]);
        expect(destroyed.code).toBe(0);
        expect(project()).toBeDefined();
        expect((em.state.variables.get(project().id) ?? []).some((v) => v.key === OWNER_VARIABLE)).toBe(false);
        const r = await apply(["--state", "other.json"]);
        expect(r.code).toBe(0);
    });

    it("refuses a stack with a cluster, and a run without a token, as usage errors", async () => {
        const full = tempStack("dev", fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8"));
        const io = capture(full, { GITLAB_TOKEN: em.adminToken });
        expect(await gitlabApplyMain(["--stack", "dev", "--url", em.url], io)).toBe(2);
        expect(io.stderr).toMatch(/has cluster.mode eks: gitlab-apply applies only GitLab-only stacks/);
        const noToken = capture(dir, {});
        expect(await gitlabApplyMain(["--stack", STACK], noToken)).toBe(2);
        expect(noToken.stderr).toMatch(/GITLAB_TOKEN is not set/);
    });
});
