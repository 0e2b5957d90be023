/**
 * The live audit against the GitLab API emulator: a project provisioned as the package
 * provisions it audits clean on Free and on Premium (and Community Edition), and each
 * deliberate drift shows in its own row with the exit code it deserves.
 */
import { buildReport } from "../../infra/audit/audit";
import { AuditTarget, defaultTarget, targetFromConfig } from "../../infra/audit/expected";
import { formatText } from "../../infra/audit/format";
import { readLiveProject } from "../../infra/audit/read";
import { AccessLevel, GitLabTier } from "../../infra/branch-model/branch-model";
import { GitLabEmulator } from "../support/gitlab-emulator";
import { api, Provisioned, RETRY, rowOf, setupFor } from "./support";

describe.each(["ee-free", "ee-premium"] as const)("the audit on %s", (mode) => {
    const { s, tier, provisioned } = setupFor(mode);
    const premium = tier === "premium";

    it("a project provisioned as the package provisions it audits clean", async () => {
        const p = await provisioned();
        const report = await p.audit();
        expect(report.exitCode).toBe(0);
        expect(report.rows.filter((r) => r.status === "fail" || r.status === "warn")).toEqual([]);
        expect(report.server).toMatchObject({ edition: "ee", tier });
        expect(rowOf(report, "server:tier")).toMatchObject({ expected: `${tier} (gitlab.tier)`, status: "pass" });
        for (const id of ["protected-branch:main:push", "protected-branch:develop:force-push", "protected-branch:hotfix/*", "protected-tag:v*", "merge-request:pipeline-must-succeed", "ci:merge-request-pipeline", "member:alice"]) {
            expect(rowOf(report, id)).toMatchObject({ status: "pass" });
        }
        if (premium) {
            expect(report.rows.filter((r) => r.status === "not-checked")).toEqual([]);
            expect(rowOf(report, "approval:main")).toMatchObject({ status: "pass", enforcedBy: "gitlab", actual: expect.stringMatching(/^1 \('main approvals' any_approver: 1\)/) });
            expect(rowOf(report, "push-rule:branch-name")).toMatchObject({ area: "push-rule", status: "pass", enforcedBy: "gitlab" });
            expect(report.score).toMatchObject({ score: 10, tierReached: 5 });
            expect(report.score.cap).toBeUndefined();
        } else {
            // What only Premium has: nobody enforces it here, said with the reason, not as failures.
            for (const id of ["approval:main", "push-rule:prevent-secrets", "push-rule:deny-delete-tag"]) {
                expect(rowOf(report, id)).toMatchObject({ status: "not-checked", enforcedBy: "nobody", why: expect.stringMatching(/from premium \(this project: free\)/) });
            }
            // Branch names: the CI job stands in for the push rule.
            expect(rowOf(report, "push-rule:branch-name")).toMatchObject({ area: "ci", status: "pass", enforcedBy: "ci" });
            expect(report.score).toMatchObject({ score: 6, tierReached: 2 });
            expect(report.score.cap?.points).toBe(6);
            expect(report.score.cap?.reasons.join("\n")).toMatch(/tier 3: at least one approval .*needs GitLab Premium \(this server: free\)/);
            expect(report.score.cap?.reasons.join("\n")).toMatch(/tier 5: branch names .*needs GitLab Premium/);
        }
        // The token's own user (the deploying admin here) is reported, not counted as drift.
        expect(rowOf(report, "member:root")).toMatchObject({ status: "pass", mandatory: false });
    });

    it("takes the pipeline's bot (the package's project access token) for the Developer it is, and a raised bot for a finding", async () => {
        const p = await provisioned();
        const made = (await api(s.em(), "POST", `/projects/${p.pid}/access_tokens`, { name: "ml-team-env-bot", scopes: ["api"], access_level: AccessLevel.Developer })) as { user_id: number };
        const bot = [...s.em().state.users.values()].find((u) => u.id === made.user_id)!;
        let report = await p.audit();
        expect(report.exitCode).toBe(0);
        expect(rowOf(report, `member:${bot.username}`)).toMatchObject({ status: "pass", expected: "developer", rule: expect.stringContaining("the pipeline's bot") });
        p.live().members.set(bot.id, AccessLevel.Maintainer);
        report = await p.audit();
        expect(rowOf(report, `member:${bot.username}`)).toMatchObject({ status: "fail", actual: "maintainer" });
    });

    it("without a stack: the default model, members listed but not compared (no direct Owner here)", async () => {
        const p = await provisioned();
        const report = await p.audit(defaultTarget());
        expect(report.model.source).toBe("default");
        expect(report.exitCode).toBe(0);
        expect(rowOf(report, "member:bob")).toMatchObject({ status: "not-checked", actual: "developer", why: expect.stringMatching(/no team to compare with: give --members FILE/) });
        expect(rowOf(report, "server:tier")).toMatchObject({ status: "pass", expected: "—" });
        expect(report.score.score).toBe(premium ? 10 : 6);
    });

    /** Each drift: what is done behind the package's back, the row that must show it, and what it must say. */
    const drifts: { name: string; only?: GitLabTier; maxFails?: number; drift: (p: Provisioned, em: GitLabEmulator) => Promise<void> | void; row: string; actual?: RegExp; target?: (p: Provisioned) => AuditTarget }[] = [
        { name: "force push on main", drift: (p, em) => api(em, "PATCH", `projects/${p.pid}/protected_branches/main`, { allow_force_push: true }).then(() => undefined), row: "protected-branch:main:force-push", actual: /^allowed$/ },
        { name: "develop unprotected", drift: (p, em) => api(em, "DELETE", `projects/${p.pid}/protected_branches/develop`).then(() => undefined), row: "protected-branch:develop", actual: /not protected/ },
        {
            name: "developers may push to main",
            drift: async (p, em) => {
                const entry = p.live().protectedBranches.get("main")!.push_access_levels[0]!;
                await api(em, "PATCH", `projects/${p.pid}/protected_branches/main`, { allowed_to_push: [{ access_level: AccessLevel.Developer }, { id: entry.id, _destroy: true }] });
            },
            row: "protected-branch:main:push",
            actual: /^developers \+ maintainers$/,
        },
        { name: "tag protection removed", drift: (p, em) => api(em, "DELETE", `projects/${p.pid}/protected_tags/${encodeURIComponent("v*")}`).then(() => undefined), row: "protected-tag:v*", actual: /not protected/ },
        { name: "merge without a pipeline", drift: (p, em) => api(em, "PUT", `projects/${p.pid}`, { only_allow_merge_if_pipeline_succeeds: false }).then(() => undefined), row: "merge-request:pipeline-must-succeed", actual: /^off$/ },
        {
            name: "approval rule without eligible approvers",
            only: "premium",
            drift: async (p, em) => {
                const [rule] = p.live().approvalRules.values();
                await api(em, "DELETE", `projects/${p.pid}/approval_rules/${rule!.id}`);
                await api(em, "POST", `projects/${p.pid}/approval_rules`, { name: "reviewers", rule_type: "regular", approvals_required: 1, user_ids: [], protected_branch_ids: [p.live().protectedBranches.get("main")!.id] });
            },
            row: "approval:main",
            actual: /^0 \('reviewers' regular: 1 required, 0 eligible \(approves nothing\)\)/,
        },
        {
            name: "an extra maintainer not in the stack",
            drift: (p, em) => api(em, "POST", `projects/${p.pid}/members`, { username: "mallory", access_level: AccessLevel.Maintainer }).then(() => undefined),
            row: "member:mallory",
            actual: /^maintainer$/,
        },
        { name: "wildcard rule hotfix/* missing", drift: (p, em) => api(em, "DELETE", `projects/${p.pid}/protected_branches/${encodeURIComponent("hotfix/*")}`).then(() => undefined), row: "protected-branch:hotfix/*", actual: /not protected/ },
        { name: "push-rule regex changed", only: "premium", drift: (p, em) => api(em, "PUT", `projects/${p.pid}/push_rule`, { branch_name_regex: "^.*$" }).then(() => undefined), row: "push-rule:branch-name", actual: /^\^\.\*\$$/ },
        {
            name: "branch-name CI job removed (Free's stand-in for the push rule)",
            only: "free",
            drift: (p) => {
                const files = p.live().files.get("main")!;
                files.set(".gitlab-ci.yml", files.get(".gitlab-ci.yml")!.replace(/\nbranch-name:\n(  .*\n)+/, "\n"));
            },
            row: "push-rule:branch-name",
            actual: /no branch-name job/,
        },
        {
            name: "no merge-request pipeline (workflow rules changed)",
            drift: (p) => {
                const files = p.live().files.get("main")!;
                const text = files.get(".gitlab-ci.yml")!;
                const changed = text.replace(/( *)- if: \$CI_PIPELINE_SOURCE == "merge_request_event"\n/, (m, indent: string) => `${m}${indent}  when: never\n`);
                expect(changed).not.toBe(text);
                files.set(".gitlab-ci.yml", changed);
            },
            row: "ci:merge-request-pipeline",
            actual: /^no: workflow:rules do not admit merge_request_event/,
            // The workflow row itself, the merge-target job that no longer runs, and on Free the branch-name job.
            maxFails: 4,
        },
        // The file's row, and the merge-target job it held (and on Free the branch-name job).
        { name: "no merge-request pipeline (.gitlab-ci.yml deleted)", drift: (p) => void p.live().files.get("main")!.delete(".gitlab-ci.yml"), row: "ci:merge-request-pipeline", actual: /no CI configuration/, maxFails: 3 },
        {
            name: "tier mismatch (the stack says premium, the server is free)",
            only: "free",
            drift: () => undefined,
            target: (p) => ({ ...targetFromConfig(p.config), configuredTier: "premium" }),
            row: "server:tier",
            actual: /^free \(plan 'free' of namespace ml-team\)$/,
        },
        {
            name: "tier mismatch (the stack says free, the server is premium)",
            only: "premium",
            drift: () => undefined,
            target: (p) => ({ ...targetFromConfig(p.config), configuredTier: "free" }),
            row: "server:tier",
            actual: /^premium/,
        },
    ];

    it.each(drifts.filter((d) => !d.only || d.only === tier).map((d) => [d.name, d] as const))("drift: %s is reported in its row, exit 1", async (_name, d) => {
        const p = await provisioned();
        await d.drift(p, s.em());
        const report = await p.audit(d.target?.(p));
        const row = rowOf(report, d.row);
        expect(row).toMatchObject({ status: "fail", mandatory: true, enforcedBy: "nobody" });
        if (d.actual) expect(row.actual).toMatch(d.actual);
        expect(row.why).toBeTruthy();
        expect(report.exitCode).toBe(1);
        // Only that rule (and what depends on it) fails: the drift does not smear over the table.
        expect(report.rows.filter((r) => r.status === "fail").length).toBeLessThanOrEqual(d.maxFails ?? 2);
        expect(formatText(report)).toContain(row.why!.slice(0, 40));
    });

    it("advisory drift warns and keeps exit 0; a stricter setting than the model warns too", async () => {
        const p = await provisioned();
        await api(s.em(), "PUT", `projects/${p.pid}`, { remove_source_branch_after_merge: false });
        await api(s.em(), "POST", `projects/${p.pid}/members`, { username: "eve", access_level: 20 });
        p.live().members.delete([...s.em().state.users.values()].find((u) => u.username === "chen.wei")!.id);
        p.live().protectedBranches.get("hotfix/*")!.merge_access_levels[0]!.access_level = AccessLevel.Maintainer;
        const report = await p.audit();
        expect(report.exitCode).toBe(0);
        expect(rowOf(report, "merge-request:delete-source-branch")).toMatchObject({ status: "warn", mandatory: false });
        expect(rowOf(report, "member:eve")).toMatchObject({ status: "warn", actual: "reporter" });
        expect(rowOf(report, "member:chen.wei")).toMatchObject({ status: "warn", actual: "not a member" });
        expect(rowOf(report, "protected-branch:hotfix/*:merge")).toMatchObject({ status: "warn", why: expect.stringMatching(/stricter/) });
    });
});

describe("the audit on ce (Community Edition)", () => {
    const { provisioned } = setupFor("ce");

    it("audits clean; the unprotect level CE lacks is the Maintainer role it fixes", async () => {
        const p = await provisioned();
        const report = await p.audit();
        expect(report.exitCode).toBe(0);
        expect(report.server).toMatchObject({ edition: "ce", tier: "free", tierSource: "Community Edition: no paid tier" });
        expect(rowOf(report, "protected-branch:main:unprotect")).toMatchObject({ status: "pass", actual: expect.stringMatching(/Community Edition/) });
        expect(report.rows.filter((r) => r.status === "fail" || r.status === "warn")).toEqual([]);
        expect(report.score.score).toBe(6);
    });
});

describe("what a token without Owner or admin rights can tell", () => {
    const { s, provisioned } = setupFor("ee-premium");

    it("a Developer's token: tier unknown, push rules not checked, nothing reported as failed that was not read", async () => {
        const p = await provisioned();
        const token = s.em().addToken("bob", ["read_api"]);
        const report = buildReport(await readLiveProject({ url: s.em().url, token, project: p.path, retry: RETRY }), targetFromConfig(p.config));
        // Push rules need Maintainer (403), the plan needs Owner, the licence an admin: the tier cannot be told.
        expect(report.server.tier).toBeUndefined();
        expect(rowOf(report, "server:tier")).toMatchObject({ status: "not-checked" });
        expect(rowOf(report, "push-rule:branch-name")).toMatchObject({ status: "not-checked", why: expect.stringMatching(/403.*Maintainer/) });
        // The deploying account is excused only when the audit runs as it: seen from bob, root is an extra member.
        expect(report.rows.filter((r) => r.status === "fail").map((r) => r.id)).toEqual(["member:root"]);
    });

    it("a Maintainer's token: push rules answer, so the tier is Premium or higher", async () => {
        const p = await provisioned();
        s.em().addGroupMember("ml-team", "alice", AccessLevel.Maintainer);
        const token = s.em().addToken("alice", ["api"]);
        const report = buildReport(await readLiveProject({ url: s.em().url, token, project: p.path, retry: RETRY }), targetFromConfig(p.config));
        expect(report.server).toMatchObject({ tier: "premium", tierAtLeast: true });
        expect(rowOf(report, "server:tier")).toMatchObject({ status: "pass" });
        expect(rowOf(report, "push-rule:branch-name")).toMatchObject({ status: "pass" });
    });
});
