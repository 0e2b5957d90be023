/**
 * The audit's pure parts without a server: tier detection, access-level and approval
 * judgements, the score's tiers and caps, and the escaping of the XML and Markdown formats.
 */
import { buildReport } from "../../infra/audit/audit";
import { effectiveApprovals, levelVerdict, rulesForBranch } from "../../infra/audit/compare";
import { defaultTarget } from "../../infra/audit/expected";
import { formatJunit, formatMarkdown, mdCell, xmlEscape } from "../../infra/audit/format";
import { computeScore, scoreTiers } from "../../infra/audit/score";
import { serverTier, tierFromPlan } from "../../infra/audit/server-tier";
import { ApprovalRuleJson, Fetched, LiveProject } from "../../infra/audit/snapshot";
import { AccessLevel, buildBranchModel, DEFAULT_BRANCH_MODEL } from "../../infra/branch-model/branch-model";
import { parseXml } from "./support";

const ok = <T>(value: T): Fetched<T> => ({ ok: true, value });
const no = (status: number | undefined, message = `${status}`): Fetched<never> => ({ ok: false, status, message });

describe("the server's tier", () => {
    it.each([
        ["free", "free"],
        ["premium", "premium"],
        ["premium_trial", "premium"],
        ["silver", "premium"],
        ["bronze", "premium"],
        ["early_adopter", "premium"],
        ["ultimate", "ultimate"],
        ["gold", "ultimate"],
        ["opensource", "ultimate"],
        ["default", undefined],
        [undefined, undefined],
    ])("plan %s → %s", (plan, tier) => {
        expect(tierFromPlan(plan)).toBe(tier);
    });

    const base = { project: { id: 1, path_with_namespace: "g/p", web_url: "", default_branch: "main", namespace: { id: 2, full_path: "g", kind: "group" } } };
    it("from the namespace plan, the licence, the push-rule endpoint, or not at all", () => {
        const ee = ok({ version: "18.6.0", enterprise: true });
        expect(serverTier({ ...base, metadata: ok({ version: "17.0.0", enterprise: false }), namespace: no(404), license: no(404), pushRule: no(404) })).toMatchObject({ edition: "ce", tier: "free" });
        expect(serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g", plan: "premium" }), license: no(403), pushRule: no(403) })).toMatchObject({ tier: "premium", atLeast: false, source: "plan 'premium' of namespace g" });
        // Self-managed: the namespace says `default`, the licence says what the instance has.
        expect(serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g", plan: "default" }), license: ok({ plan: "ultimate" }), pushRule: ok(null) })).toMatchObject({ tier: "ultimate", source: "instance licence 'ultimate'" });
        expect(serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g" }), license: ok(null), pushRule: no(404) })).toMatchObject({ tier: "free", source: "no licence installed on this instance" });
        expect(serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g" }), license: no(403), pushRule: ok(null) })).toMatchObject({ tier: "premium", atLeast: true });
        expect(serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g" }), license: no(403), pushRule: no(404) })).toMatchObject({ tier: "free", atLeast: false });
        const unknown = serverTier({ ...base, metadata: ee, namespace: ok({ id: 2, full_path: "g" }), license: no(403), pushRule: no(403) });
        expect(unknown.tier).toBeUndefined();
        expect(unknown.source).toMatch(/could not determine: namespace g shows no plan .*; the instance licence is shown to admins only/);
    });
});

describe("judging access levels and approval rules", () => {
    const role = (access_level: number) => ({ access_level, user_id: null, group_id: null });
    it("a level is the same, looser or stricter; user and group entries widen a strict rule", () => {
        expect(levelVerdict([role(0)], AccessLevel.NoOne)).toEqual({ actual: "no one", verdict: "same" });
        expect(levelVerdict([role(30)], AccessLevel.NoOne).verdict).toBe("looser");
        expect(levelVerdict([role(0), role(40)], AccessLevel.NoOne)).toEqual({ actual: "maintainers", verdict: "looser" });
        expect(levelVerdict([role(40)], AccessLevel.Developer).verdict).toBe("stricter");
        expect(levelVerdict([role(0), { access_level: 30, user_id: 7, group_id: null }], AccessLevel.NoOne)).toEqual({ actual: "no one + 1 user/group entry", verdict: "looser" });
        // CE omits user_id/group_id: entries are roles.
        expect(levelVerdict([{ access_level: 40 }], AccessLevel.Maintainer).verdict).toBe("same");
    });

    const rule = (o: Partial<ApprovalRuleJson>): ApprovalRuleJson => ({ id: 1, name: "r", rule_type: "any_approver", approvals_required: 1, eligible_approvers: [], protected_branches: [], ...o });
    it("real approvals: any_approver counts, a regular rule short of approvers approves nothing", () => {
        expect(effectiveApprovals([rule({})]).approvals).toBe(1);
        const hollow = effectiveApprovals([rule({ rule_type: "regular", name: "team", approvals_required: 2, eligible_approvers: [{ id: 1 }] })]);
        expect(hollow).toMatchObject({ approvals: 0, describe: "'team' regular: 2 required, 1 eligible (approves nothing)" });
        expect(effectiveApprovals([rule({ rule_type: "regular", approvals_required: 2, eligible_approvers: [{ id: 1 }, { id: 2 }, { id: 3 }] }), rule({ approvals_required: 1 })]).approvals).toBe(2);
        expect(effectiveApprovals([]).describe).toBe("no approval rule applies");
    });

    it("rules that apply to main: scoped to it or a wildcard matching it, to all protected branches, or unscoped", () => {
        const rules = [
            rule({ id: 1, protected_branches: [{ id: 9, name: "main" }] }),
            rule({ id: 2, protected_branches: [{ id: 8, name: "develop" }] }),
            rule({ id: 3, protected_branches: [{ id: 7, name: "ma*" }] }),
            rule({ id: 4, protected_branches: [], applies_to_all_protected_branches: false }),
            rule({ id: 5, protected_branches: [{ id: 8, name: "develop" }], applies_to_all_protected_branches: true }),
        ];
        expect(rulesForBranch(rules, "main").map((r) => r.id)).toEqual([1, 3, 4, 5]);
    });
});

describe("the score", () => {
    it("is reachable with the default model, and its tiers come from the model", () => {
        const tiers = scoreTiers(DEFAULT_BRANCH_MODEL);
        expect(tiers.map((t) => t.points)).toEqual([3, 6, 8, 9, 10]);
        expect(tiers[3]!.requirements.map((r) => r.text)).toEqual([
            "at least 1 approval(s) into main, as the model says",
            "merge rights on main and develop as the model sets them",
            "hotfix/* protected as the model says",
            "discussions resolved before merge",
        ]);
        const strict = scoreTiers(buildBranchModel({ approvalsOnMain: 2, codeOwnerApprovalOnMain: true }));
        expect(strict[3]!.requirements.map((r) => r.text)).toContain("code-owner approval on main");
    });

    it("says what caps it: the tier, and a model that asks for no approvals", () => {
        const score = computeScore(scoreTiers(buildBranchModel({ approvalsOnMain: 0 })), [], { approvalsOnDefaultBranch: undefined, pipelineDrift: [] }, "premium", "premium");
        expect(score.cap).toEqual({ points: 6, reasons: ["tier 3: at least one approval GitLab really requires on merge requests into main: the model requires no approvals (branchModel.approvalsOnMain: 0)"] });
        expect(score.score).toBe(0);
        const free = computeScore(scoreTiers(DEFAULT_BRANCH_MODEL), [], { approvalsOnDefaultBranch: undefined, pipelineDrift: [] }, "free", "free");
        expect(free.cap?.points).toBe(6);
        expect(free.cap?.reasons.every((r) => /needs GitLab Premium \(this server: free\)/.test(r))).toBe(true);
    });
});

describe("rows the default model does not have", () => {
    /** A premium project as the package leaves it, with `main` as given. */
    const live = (main: Partial<{ code_owner_approval_required: boolean }>, plan = "premium"): LiveProject => ({
        gitlabUrl: "https://gitlab.example.com",
        project: { id: 1, path_with_namespace: "g/p", web_url: "", default_branch: "main", namespace: { id: 2, full_path: "g", kind: "group" } },
        tokenUser: ok({ id: 5, username: "bot" }),
        metadata: ok({ version: "18.6.0", enterprise: true }),
        namespace: ok({ id: 2, full_path: "g", plan }),
        license: no(403),
        protectedBranches: ok([{ id: 3, name: "main", push_access_levels: [{ access_level: 0 }], merge_access_levels: [{ access_level: 40 }], unprotect_access_levels: [{ access_level: 40 }], allow_force_push: false, ...main }]),
        protectedTags: ok([]),
        pushRule: no(404),
        approvalRules: no(403),
        ciFiles: { main: ok({ path: ".gitlab-ci.yml", ref: "main", content: null, branchExists: true }) },
        proposals: ok([]),
        schedules: ok([]),
        members: ok([]),
        directMembers: ok([]),
    });
    const target = { ...defaultTarget(), model: buildBranchModel({ codeOwnerApprovalOnMain: true }) };
    const row = (l: LiveProject) => buildReport(l, target).rows.find((r) => r.id === "code-owner-approval:main");

    it("code-owner approval on main: checked on Premium, left to nobody on Free", () => {
        expect(row(live({ code_owner_approval_required: true }))).toMatchObject({ status: "pass", enforcedBy: "gitlab" });
        expect(row(live({ code_owner_approval_required: false }))).toMatchObject({ status: "fail", enforcedBy: "nobody", mandatory: true });
        expect(row(live({ code_owner_approval_required: false }, "free"))).toMatchObject({ status: "not-checked", enforcedBy: "nobody", why: expect.stringMatching(/from premium/) });
    });
});

describe("escaping", () => {
    it("XML: markup characters become entities, characters XML forbids are dropped", () => {
        expect(xmlEscape(`a<b>&"c"'\u0001\u0007d`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&apos;d");
    });

    it("Markdown: pipes, emphasis, code and HTML", () => {
        expect(mdCell("^(a|b)$ *x* `y` <br> _z_")).toBe("^(a\\|b)$ \\*x\\* \\`y\\` &lt;br> \\_z\\_");
    });

    it("a report with hostile text in every field stays well-formed XML and a seven-cell table", () => {
        const hostile = `<x a="1">&amp; |pipe| ]]> \u0000`;
        const live: LiveProject = {
            gitlabUrl: "https://gitlab.example.com",
            project: { id: 1, path_with_namespace: "g/p", web_url: "https://gitlab.example.com/g/p", default_branch: hostile, namespace: { id: 2, full_path: "g", kind: "group" } },
            tokenUser: ok({ id: 5, username: "bot" }),
            metadata: ok({ version: hostile, enterprise: true }),
            namespace: ok({ id: 2, full_path: "g", plan: "premium" }),
            license: no(403),
            protectedBranches: ok([]),
            protectedTags: no(500, hostile),
            pushRule: ok({ branch_name_regex: hostile, prevent_secrets: false, deny_delete_tag: true }),
            approvalRules: ok([]),
            ciFiles: { main: ok({ path: ".gitlab-ci.yml", ref: "main", content: hostile, branchExists: true }) },
            proposals: ok([]),
            schedules: ok([]),
            members: ok([{ id: 6, username: hostile, access_level: 40 }]),
            directMembers: ok([]),
        };
        const report = buildReport(live, defaultTarget());
        expect(report.exitCode).toBe(1);
        const elements = parseXml(formatJunit(report));
        expect(elements.filter((e) => e.name === "testcase")).toHaveLength(report.rows.length);
        for (const line of formatMarkdown(report).split("\n").filter((l) => l.startsWith("| "))) {
            expect(line.replace(/\\\|/g, "").split("|").length - 2).toBe(7);
        }
    });
});
