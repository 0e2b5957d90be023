/**
 * The audit against the hand changes that used to fool it, on a project provisioned as the
 * package provisions it: wildcard rules judged by every matching rule (GitLab lets in anyone
 * any matching rule lets in), rules outside the model named, the CI file of every long-lived
 * branch compared job by job with the generated pipeline, outsiders and raised roles in both
 * modes, and the package's own open merge request reported as pending, not drift.
 */
import { defaultTarget, targetFromConfig } from "../../infra/audit/expected";
import { formatJunit, formatText } from "../../infra/audit/format";
import { AccessLevel } from "../../infra/branch-model/branch-model";
import { JOB } from "../../infra/ci/pipeline";
import { PACKAGE_PROPOSAL_PREFIX } from "../../infra/branch-model/branch-model";
import { teamPipelineFor } from "../../infra/team-environment";
import { api, Provisioned, rowOf, setupFor } from "./support";

const { s, provisioned } = setupFor("ee-free");
const failing = (r: { rows: readonly { id: string; status: string }[] }) => r.rows.filter((x) => x.status === "fail").map((x) => x.id);
const protect = (p: Provisioned, name: string, push: number, merge: number, extra: Record<string, unknown> = {}) =>
    api(s.em(), "POST", `projects/${p.pid}/protected_branches`, { name, push_access_level: push, merge_access_level: merge, ...extra });

describe("wildcard rules: every matching rule counts", () => {
    it("a hand-made * letting developers push fails main and develop, and the rule is named", async () => {
        const p = await provisioned();
        await protect(p, "*", AccessLevel.Developer, AccessLevel.Developer);
        const report = await p.audit();
        expect(report.exitCode).toBe(1);
        expect(rowOf(report, "protected-branch:main:push")).toMatchObject({ status: "fail", actual: "developers + maintainers (by rule '*')", why: expect.stringMatching(/rule '\*', which the model does not declare/) });
        expect(rowOf(report, "protected-branch:develop:push")).toMatchObject({ status: "fail" });
        // Where the model's own rule already gives as much, the wildcard is named beside it, and nothing fails.
        expect(rowOf(report, "protected-branch:hotfix/*:push")).toMatchObject({ status: "pass", actual: "developers + maintainers (also by rule '*')" });
        expect(rowOf(report, "protected-branch-rule:*")).toMatchObject({ status: "fail", mandatory: true, rule: "rule * (not in the model)", why: expect.stringMatching(/^it widens access: developers \+ maintainers may push to main/) });
        // Wide enough that no cell wraps: the words, not the layout (test/audit/format tests that).
        expect(formatText(report, 400)).toContain("rule * (not in the model)");
    });

    it("m* opens main only; release/* with developer push and an extra protected tag * for developers are named as widening", async () => {
        const p = await provisioned();
        await protect(p, "m*", AccessLevel.Developer, AccessLevel.Maintainer);
        await protect(p, "release/*", AccessLevel.Developer, AccessLevel.Developer);
        await api(s.em(), "POST", `projects/${p.pid}/protected_tags`, { name: "*", create_access_level: AccessLevel.Developer });
        const report = await p.audit();
        expect(failing(report).sort()).toEqual(["protected-branch-rule:m*", "protected-branch-rule:release/*", "protected-branch:main:push", "protected-tag-rule:*", "protected-tag:v*"].sort());
        expect(rowOf(report, "protected-branch-rule:release/*").why).toMatch(/protects branches the model leaves unprotected while developers \+ maintainers may push or merge there: their pipelines get the protected CI\/CD variables/);
        expect(rowOf(report, "protected-tag:v*")).toMatchObject({ actual: "developers + maintainers (by rule '*')" });
        expect(rowOf(report, "protected-tag-rule:*").why).toMatch(/developers \+ maintainers may create v\* tags/);
    });

    it("a rule that only narrows access warns (exit 0): a * tag rule for maintainers, release/* for maintainers", async () => {
        const p = await provisioned();
        await api(s.em(), "POST", `projects/${p.pid}/protected_tags`, { name: "*", create_access_level: AccessLevel.Maintainer });
        await protect(p, "release/*", AccessLevel.Maintainer, AccessLevel.Maintainer);
        const report = await p.audit();
        expect(report.exitCode).toBe(0);
        expect(rowOf(report, "protected-tag-rule:*")).toMatchObject({ status: "warn", mandatory: false, why: expect.stringMatching(/narrows access: .*archive\/ tags/) });
        expect(rowOf(report, "protected-branch-rule:release/*")).toMatchObject({ status: "warn", why: expect.stringMatching(/narrows/) });
    });

    it("main's own rule deleted while a strict * still covers it: a warning that pulumi up restores it, not an open branch", async () => {
        const p = await provisioned();
        await protect(p, "*", AccessLevel.NoOne, AccessLevel.Maintainer);
        await api(s.em(), "DELETE", `projects/${p.pid}/protected_branches/main`);
        const report = await p.audit();
        expect(rowOf(report, "protected-branch:main")).toMatchObject({ status: "warn", actual: "only by rule '*'" });
        expect(rowOf(report, "protected-branch:main:push")).toMatchObject({ status: "pass" });
        // * also covers feature branches: developers can no longer push them. Named, advisory.
        expect(rowOf(report, "protected-branch-rule:*")).toMatchObject({ status: "warn", why: expect.stringMatching(/can be pushed by no one only/) });
    });

    it("force push allowed by another rule shows on the branch it reaches", async () => {
        const p = await provisioned();
        await protect(p, "dev*", AccessLevel.NoOne, AccessLevel.Developer, { allow_force_push: true });
        const report = await p.audit();
        expect(rowOf(report, "protected-branch:develop:force-push")).toMatchObject({ status: "fail", actual: "allowed (by rule 'dev*')" });
    });
});

describe("the CI file of every long-lived branch, job by job", () => {
    const dropJob = (text: string, job: string) => {
        const out = text.replace(new RegExp(`\\n${job}:\\n(  .*\\n)+`), "\n");
        expect(out).not.toBe(text);
        return out;
    };

    it("a removed smoke-train job is a finding with the stack and without one (--url)", async () => {
        const p = await provisioned();
        const files = p.live().files.get("main")!;
        files.set(".gitlab-ci.yml", dropJob(files.get(".gitlab-ci.yml")!, JOB.smokeTrain));
        for (const target of [targetFromConfig(p.config), defaultTarget()]) {
            const report = await p.audit(target);
            expect(report.exitCode).toBe(1);
            expect(rowOf(report, `ci-job:main:${JOB.smokeTrain}`)).toMatchObject({ status: "fail", actual: "missing", mandatory: true });
            expect(rowOf(report, `ci-job:develop:${JOB.smokeTrain}`)).toMatchObject({ status: "pass" });
            // The score's tier 2 (a pipeline gates every merge) is not met with a job missing.
            expect(report.score.tiers[1]!.requirements.find((r) => /generated ones/.test(r.text))).toMatchObject({ met: false, why: "main: job smoke-train: not as generated" });
        }
    });

    it("an altered job: the stack compares its script and tags; without a stack only what does not depend on one", async () => {
        const p = await provisioned();
        const files = p.live().files.get("develop")!;
        files.set(".gitlab-ci.yml", files.get(".gitlab-ci.yml")!.replace("python train.py --smoke", "true"));
        const stack = await p.audit();
        expect(rowOf(stack, `ci-job:develop:${JOB.smokeTrain}`)).toMatchObject({ status: "fail", actual: "script differs", why: expect.stringMatching(/script is \["true"\], generated \["python train.py --smoke"\]/) });
        expect((await p.audit(defaultTarget())).rows.find((r) => r.id === `ci-job:develop:${JOB.smokeTrain}`)).toMatchObject({ status: "pass" });
        // Made manual, it gates nothing: a finding in both modes.
        files.set(".gitlab-ci.yml", files.get(".gitlab-ci.yml")!.replace(/(\nsmoke-train:\n)/, "$1  when: manual\n"));
        expect(rowOf(await p.audit(defaultTarget()), `ci-job:develop:${JOB.smokeTrain}`)).toMatchObject({ status: "fail", actual: "when differs" });
    });

    it("develop without the pipeline fails its own row; develop deleted is named", async () => {
        const p = await provisioned();
        p.live().files.get("develop")!.delete(".gitlab-ci.yml");
        const report = await p.audit();
        expect(rowOf(report, "ci:merge-request-pipeline:develop")).toMatchObject({ status: "fail", actual: expect.stringMatching(/no CI configuration/), why: expect.stringMatching(/Feature branches are cut from develop/) });
        expect(rowOf(report, "ci:merge-request-pipeline")).toMatchObject({ status: "pass" });
        p.live().branches.delete("develop");
        expect(rowOf(await p.audit(), "branch:develop")).toMatchObject({ status: "fail", actual: "no such branch" });
    });
});

describe("members in both modes", () => {
    it("an outsider added as Owner: a finding with the stack, and without one (a direct Owner)", async () => {
        const p = await provisioned();
        await api(s.em(), "POST", `projects/${p.pid}/members`, { username: "eve", access_level: 50 });
        for (const target of [targetFromConfig(p.config), defaultTarget()]) {
            const report = await p.audit(target);
            expect(report.exitCode).toBe(1);
            expect(rowOf(report, "member:eve")).toMatchObject({ status: "fail", mandatory: true, actual: "owner" });
        }
        // Given the team, the comparison is the stack's.
        const team = { members: p.config.team.members, source: "team.yaml" };
        expect(rowOf(await p.audit(defaultTarget(team)), "member:eve")).toMatchObject({ status: "fail", expected: "not a member (not in team.yaml)" });
        expect(rowOf(await p.audit(defaultTarget(team)), "member:alice")).toMatchObject({ status: "pass" });
    });

    it("a raised role through the group is compared as the effective role, and says where it comes from", async () => {
        const p = await provisioned();
        const bob = p.config.team.members.find((m) => m.role === "developer")!;
        s.em().addGroupMember("ml-team", bob.username, AccessLevel.Maintainer);
        try {
            const row = rowOf(await p.audit(), `member:${bob.username}`);
            expect(row).toMatchObject({ status: "fail", actual: "maintainer", why: expect.stringMatching(/through a group membership: lower it in the group, or make the team entry 'maintainer'/) });
        } finally {
            s.em().state.groups.forEach((g) => g.members.delete([...s.em().state.users.values()].find((u) => u.username === bob.username)!.id));
        }
    });
});

describe("pending: the package's own merge request", () => {
    /** The clean deploy before its merge requests are merged: the pipeline proposed into main and develop, neither merged. */
    async function proposed(): Promise<{ p: Provisioned; mrs: string[] }> {
        const p = await provisioned();
        const text = teamPipelineFor(p.config).text;
        const mrs: string[] = [];
        for (const target of ["main", "develop"]) {
            p.live().files.get(target)!.delete(".gitlab-ci.yml");
            const branch = `${PACKAGE_PROPOSAL_PREFIX}gitlab-ci.yml${target === "main" ? "" : `-${target}`}`;
            await api(s.em(), "POST", `projects/${p.pid}/repository/branches`, { branch, ref: target });
            await api(s.em(), "POST", `projects/${p.pid}/repository/files/${encodeURIComponent(".gitlab-ci.yml")}`, { branch, content: text, commit_message: "ci" });
            mrs.push(((await api(s.em(), "POST", `projects/${p.pid}/merge_requests`, { source_branch: branch, target_branch: target, title: "ci" })) as { web_url: string }).web_url);
        }
        return { p, mrs };
    }
    const merge = (p: Provisioned, target: string) => {
        const mr = p.live().mergeRequests.find((m) => m.target_branch === target && m.state === "opened")!;
        p.live().files.get(target)!.set(".gitlab-ci.yml", p.live().files.get(mr.source_branch)!.get(".gitlab-ci.yml")!);
        mr.state = "merged";
    };

    it("a clean deploy audits pending (exit 3) with the merge requests' URLs until they are merged, then clean", async () => {
        const { p, mrs } = await proposed();
        const before = await p.audit();
        expect(failing(before)).toEqual([]);
        expect(before.exitCode).toBe(3);
        expect(rowOf(before, "ci:merge-request-pipeline")).toMatchObject({ status: "pending", pendingMergeRequest: mrs[0], why: expect.stringMatching(/^the package's merge request .*merge_requests\/1 \(feature\/ml-team-env-gitlab-ci\.yml → main\) fixes it/) });
        expect(rowOf(before, "ci:merge-request-pipeline:develop")).toMatchObject({ status: "pending", pendingMergeRequest: mrs[1] });
        expect(formatText(before, 400)).toContain(`Exit 3: no mandatory rule fails, but 5 wait on the package's open merge requests ${mrs[0]}, ${mrs[1]}: merge them.`);
        // In a pipeline's test report: skipped with the merge request, never a failure.
        expect(formatJunit(before)).toContain(`<skipped message="pending: ${mrs[0]}"/>`);
        expect(formatJunit(before)).toMatch(/failures="0"/);
        merge(p, "main");
        const half = await p.audit();
        expect(rowOf(half, "ci:merge-request-pipeline")).toMatchObject({ status: "pass" });
        expect(half.exitCode).toBe(3);
        merge(p, "develop");
        const after = await p.audit();
        expect(after.exitCode).toBe(0);
        expect(after.rows.filter((r) => r.status !== "pass" && r.status !== "not-checked")).toEqual([]);
    });

    it("drift the proposal does not fix stays a failure; a merge request from any other branch is not the package's", async () => {
        const { p } = await proposed();
        await protect(p, "*", AccessLevel.Developer, AccessLevel.Developer);
        await api(s.em(), "POST", `projects/${p.pid}/repository/branches`, { branch: "feature/ci-fix", ref: "main" });
        await api(s.em(), "POST", `projects/${p.pid}/merge_requests`, { source_branch: "feature/ci-fix", target_branch: "main", title: "not ours" });
        const report = await p.audit();
        expect(report.exitCode).toBe(1);
        expect(rowOf(report, "protected-branch-rule:*").status).toBe("fail");
        expect(rowOf(report, "ci:merge-request-pipeline").status).toBe("pending");
    });
});
