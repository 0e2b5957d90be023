/**
 * Compares a project's live state with what the branch model and the stack declare, rule by
 * rule. Pure: a snapshot and a target in, table rows out. Each row says what was expected,
 * what GitLab holds, who enforces the rule, and pass / fail / warn / not-checked with why.
 * A mandatory rule that is violated fails; an advisory one, or a setting stricter than the
 * model, warns; a rule the audit could not read, or one the tier lacks, is not checked.
 */
import { AccessLevel, branchNameRegex, GitLabTier, RuleEnforcement, tierAtLeast } from "../branch-model/branch-model";
import { refMatches } from "../branch-model/effective-protection";
import { premiumResources } from "../gitlab/gitlab-project";
import { RULE_TYPE } from "../gitlab/providers/approval-rule";
import { ciRows } from "./ci-rows";
import { AuditTarget, enforcerOf, expectedEnforcement, expectedMergeSettings, isMandatory } from "./expected";
import { memberRows } from "./member-rows";
import { branchRows, tagRows } from "./protection-rows";
import { editionText, ServerTier, serverTier, tierText } from "./server-tier";
import { ApprovalRuleJson, LiveProject, unread } from "./snapshot";

export { levelVerdict } from "./protection-rows";

/**
 * A row's verdict: `fail` only for a mandatory rule that is violated (exit code 1); `pending`
 * for a finding an open merge request of the package fixes (exit code 3 when nothing fails).
 */
export type AuditStatus = "pass" | "fail" | "warn" | "not-checked" | "pending";
/** Who enforces a rule: GitLab itself, a CI job, or nobody. */
export type EnforcedBy = "gitlab" | "ci" | "nobody";

/** One row of the audit table. */
export interface AuditRow {
    /** Stable id: the enforcement report's rule id, with a suffix for one setting of it (`protected-branch:main:push`). */
    readonly id: string;
    /** The group the row belongs to (`protected-branch`, `approval`, `members`, ...). */
    readonly area: string;
    readonly rule: string;
    readonly expected: string;
    readonly actual: string;
    /** Who enforces the rule in this project as it is: nobody when the live state breaks it. */
    readonly enforcedBy: EnforcedBy;
    readonly status: AuditStatus;
    readonly mandatory: boolean;
    /** Why the row is not a plain pass: the finding, the fix, or what kept it from being checked. */
    readonly why?: string;
    /** For a `pending` row: the package's open merge request that fixes it. */
    readonly pendingMergeRequest?: string;
}

/** Measurements the score needs beyond pass/fail. */
export interface AuditFacts {
    /** Approvals that merge requests into the default branch really need; undefined when not read. */
    readonly approvalsOnDefaultBranch: number | undefined;
    /** The rules of the long-lived branches' pipelines that differ from the generated one (workflow rules, jobs): failing rows, by rule. */
    readonly pipelineDrift: readonly string[];
}

/** The comparison's result. */
export interface Comparison {
    readonly server: ServerTier;
    /** The tier the rules were judged on: the server's, else the stack's, else what answers. */
    readonly rulesTier: GitLabTier;
    readonly rows: AuditRow[];
    readonly facts: AuditFacts;
}


/** Approval rules that apply to merge requests into `branch`: scoped to it, to all protected branches, or unscoped. */
export function rulesForBranch(rules: readonly ApprovalRuleJson[], branch: string): ApprovalRuleJson[] {
    return rules.filter((r) => r.applies_to_all_protected_branches || (r.protected_branches ?? []).length === 0 || (r.protected_branches ?? []).some((b) => refMatches(b.name, branch)));
}

/**
 * The approvals a merge request into the branch really needs: the largest requirement among
 * rules that can be met. A `regular` rule with fewer eligible approvers than it requires is
 * approved automatically by GitLab (doc/user/project/merge_requests/approvals/_index.md
 * "Invalid rules"), so it counts for nothing; an `any_approver` rule draws on every member
 * with the Developer role or above.
 */
export function effectiveApprovals(rules: readonly ApprovalRuleJson[]): { approvals: number; hollow: ApprovalRuleJson[]; describe: string } {
    let approvals = 0;
    const hollow: ApprovalRuleJson[] = [];
    const parts: string[] = [];
    for (const r of rules) {
        if (r.rule_type === RULE_TYPE) {
            approvals = Math.max(approvals, r.approvals_required);
            parts.push(`'${r.name}' ${RULE_TYPE}: ${r.approvals_required}`);
        } else if (r.rule_type === "regular") {
            const eligible = (r.eligible_approvers ?? []).length;
            if (r.approvals_required > 0 && eligible < r.approvals_required) {
                hollow.push(r);
                parts.push(`'${r.name}' regular: ${r.approvals_required} required, ${eligible} eligible (approves nothing)`);
            } else {
                approvals = Math.max(approvals, r.approvals_required);
                parts.push(`'${r.name}' regular: ${r.approvals_required} of ${eligible} eligible`);
            }
        }
    }
    return { approvals, hollow, describe: parts.length ? parts.join("; ") : "no approval rule applies" };
}

/**
 * Compares the live project with the target, rule by rule. The rule list is the package's own
 * enforcement report for the server's tier, so the audit checks exactly what the package
 * manages, and says who enforces what as the plan does.
 */
export function compareProject(live: LiveProject, target: AuditTarget): Comparison {
    const model = target.model;
    const server = serverTier(live);
    const premiumAnswers = live.pushRule.ok || live.approvalRules.ok;
    const rulesTier: GitLabTier = server.tier ?? target.configuredTier ?? (premiumAnswers ? "premium" : "free");
    const tierUnknown = server.tier === undefined ? `; the server's tier is unknown (${server.source})` : "";
    const report = new Map(expectedEnforcement(target, rulesTier).map((r) => [r.id, r]));
    const rows: AuditRow[] = [];
    const add: Add = (r) => {
        const { declared, enforcedBy, mandatory, ...rest } = r;
        // Nobody enforces a rule the live state breaks; an unread rule keeps who would.
        const by = enforcedBy ?? (r.status === "pass" || r.status === "not-checked" ? declared : "nobody");
        rows.push({ ...rest, enforcedBy: by, mandatory: mandatory ?? isMandatory(r.id) });
    };
    /** A rule the tier (or the stack) leaves to nobody: not checked, with the report's reason. */
    const unenforced = (e: RuleEnforcement) => `${e.reason ?? "nobody enforces it"}${tierUnknown}`;

    // --- the server -----------------------------------------------------------------------------
    add({ id: "server:edition", area: "server", rule: "GitLab edition", expected: "—", actual: editionText(server), status: server.edition ? "pass" : "not-checked", declared: "gitlab", ...(server.edition ? {} : { why: unread(live.metadata, "GET /metadata") || "GitLab's metadata does not say which edition it runs" }) });
    add(tierRow(server, target));

    // --- default branch ---------------------------------------------------------------------------
    const liveDefault = live.project.default_branch ?? "(none)";
    add({
        id: "project:default-branch",
        area: "project",
        rule: "default branch",
        expected: model.defaultBranch,
        actual: liveDefault,
        status: liveDefault === model.defaultBranch ? "pass" : "fail",
        declared: "gitlab",
        ...(liveDefault === model.defaultBranch ? {} : { why: `the protections are built around ${model.defaultBranch}; merge requests now target ${liveDefault} by default` }),
    });

    // --- protected branches and tags: each as all matching rules leave it, and every rule outside the model ---
    branchRows(model, live.protectedBranches, report, add);
    tagRows(model, live.protectedTags, report, add);

    // --- merge settings ---------------------------------------------------------------------------
    const onOff = (b: boolean) => (b ? "on" : "off");
    for (const s of expectedMergeSettings(model)) {
        // Only the rules the model asks for (the report lists them); the skipped-pipeline setting goes with the pipeline rule.
        const parent = s.id === "merge-request:skipped-pipeline" ? "merge-request:pipeline-must-succeed" : s.id;
        const e = report.get(parent);
        if (!e) continue;
        const value = live.project[s.field];
        const base = { id: s.id, area: "merge-request", rule: s.rule, expected: onOff(s.value), declared: enforcerOf(e) };
        if (value === undefined || value === null) {
            add({ ...base, actual: "?", status: "not-checked", why: `GitLab did not return ${s.field} (an older version, or the token's role cannot see project settings)` });
            continue;
        }
        const ok = value === s.value;
        add({ ...base, actual: onOff(value), status: ok ? "pass" : isMandatory(s.id) ? "fail" : "warn", ...(ok ? {} : { why: `${s.field} is ${value}; pulumi up sets it back to ${s.value}` }) });
    }

    // --- approvals ---------------------------------------------------------------------------------
    let approvalsOnDefaultBranch: number | undefined;
    const approvalId = `approval:${model.defaultBranch}`;
    const approvalRule = report.get(approvalId);
    if (approvalRule) {
        const want = model.mergeRequests.approvalsOnDefaultBranch;
        const base = { id: approvalId, area: "approval", rule: `approvals into ${model.defaultBranch}`, expected: `≥ ${want}, from real approvers` };
        if (approvalRule.enforcedBy !== "gitlab") {
            add({ ...base, actual: live.approvalRules.ok ? "rules present, but the tier does not enforce them" : "not available", status: "not-checked", declared: "nobody", why: unenforced(approvalRule) });
        } else if (!live.approvalRules.ok) {
            add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: unread(live.approvalRules, "approval rules") });
        } else {
            const a = effectiveApprovals(rulesForBranch(live.approvalRules.value, model.defaultBranch));
            approvalsOnDefaultBranch = a.approvals;
            const pool = live.members.ok ? live.members.value.filter((m) => m.access_level >= AccessLevel.Developer && (m.state ?? "active") === "active").length : undefined;
            const ok = a.approvals >= want;
            const why = !ok
                ? a.hollow.length > 0
                    ? `${a.hollow.map((r) => `'${r.name}'`).join(", ")} require more approvers than they name, so GitLab approves them automatically: merge requests into ${model.defaultBranch} need ${a.approvals} real approval(s). pulumi up makes an ${RULE_TYPE} rule (any member with the Developer role or above)`
                    : `merge requests into ${model.defaultBranch} need ${a.approvals} approval(s), the model ${want}`
                : a.hollow.length > 0
                  ? `${a.hollow.map((r) => `'${r.name}'`).join(", ")} approve nothing (fewer eligible approvers than required); another rule carries the requirement`
                  : pool !== undefined && pool < want + 1
                    ? `only ${pool} member(s) with the Developer role or above: an author's merge request cannot collect ${want} approval(s) from others`
                    : undefined;
            add({ ...base, actual: `${a.approvals} (${a.describe})`, status: !ok ? "fail" : why ? "warn" : "pass", declared: "gitlab", enforcedBy: ok ? "gitlab" : "nobody", ...(why ? { why } : {}) });
        }
    }

    // --- push rules (Premium); where there are none, the CI naming job stands in (CI rows) ---------------
    const pushRules = premiumResources(rulesTier, model).pushRules;
    const naming = report.get("push-rule:branch-name");
    if (naming && pushRules) {
        const regex = branchNameRegex(model);
        const base = { id: naming.id, area: "push-rule", rule: "branch names (push rule)", expected: regex, declared: enforcerOf(naming) };
        if (!live.pushRule.ok) add({ ...base, actual: "?", status: "not-checked", why: unread(live.pushRule, "the push rule") + (live.pushRule.status === 403 ? ": reading push rules needs the Maintainer role" : "") });
        else {
            const actual = live.pushRule.value?.branch_name_regex || "(none)";
            const ok = actual === regex;
            add({ ...base, actual, status: ok ? "pass" : "fail", ...(ok ? {} : { why: live.pushRule.value ? "the push rule's branch_name_regex is not the model's: branches the model forbids can be pushed (or allowed ones are refused)" : "the project has no push rule: any branch name can be pushed" }) });
        }
    }
    const flags = [
        ["push-rule:prevent-secrets", "prevent_secrets", "push rule: reject secret files"],
        ["push-rule:deny-delete-tag", "deny_delete_tag", "push rule: no tag deletion"],
    ] as const;
    for (const [id, field, rule] of flags) {
        const e = report.get(id);
        if (!e) continue;
        const base = { id, area: "push-rule", rule, expected: "on" };
        if (e.enforcedBy !== "gitlab") add({ ...base, actual: "not available", status: "not-checked", declared: "nobody", why: unenforced(e) });
        else if (!live.pushRule.ok) add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: unread(live.pushRule, "the push rule") });
        else {
            const on = live.pushRule.value?.[field] === true;
            add({ ...base, actual: live.pushRule.value ? onOff(on) : "no push rule", status: on ? "pass" : "fail", declared: "gitlab", ...(on ? {} : { why: `${field} is off: ${field === "prevent_secrets" ? "files that look like secrets can be pushed" : "release tags can be deleted and re-created on other commits"}` }) });
        }
    }

    // --- the CI configuration of every long-lived branch, against the generated pipeline -------------
    ciRows(live, { model, report, pushRules, unenforced, expected: target.pipeline?.(rulesTier) }, add);

    // --- members ----------------------------------------------------------------------------------------
    memberRows(live, target, add);

    const pipelineDrift = rows.filter((r) => (r.id.startsWith("ci-job:") || r.id.startsWith("ci-workflow:")) && r.status === "fail").map((r) => r.rule);
    return { server, rulesTier, rows, facts: { approvalsOnDefaultBranch, pipelineDrift } };
}

/** How the row builders add a row: who enforces it follows from its status unless they say. */
export type Add = (r: Omit<AuditRow, "mandatory" | "enforcedBy"> & { enforcedBy?: EnforcedBy; declared: EnforcedBy; mandatory?: boolean }) => void;

/** The configured tier against the server's. */
function tierRow(server: ServerTier, target: AuditTarget): Omit<AuditRow, "mandatory" | "enforcedBy"> & { declared: EnforcedBy; mandatory: boolean } {
    const actual = server.tier ? `${tierText(server)} (${server.source})` : server.source;
    const base = { id: "server:tier", area: "server", rule: "GitLab tier", actual, declared: "gitlab" as const };
    const configured = target.configuredTier;
    if (!configured) return { ...base, expected: "—", status: server.tier ? "pass" : "not-checked", mandatory: false, ...(server.tier ? {} : { why: "give the token Owner on the top-level group, or run as an admin, to see the plan" }) };
    const expected = `${configured} (gitlab.tier)`;
    if (!server.tier) return { ...base, expected, status: "not-checked", mandatory: true, why: "the server's tier is unknown: the configured tier cannot be confirmed" };
    const paid = (t: GitLabTier) => tierAtLeast(t, "premium");
    if (server.atLeast ? paid(configured) && configured !== "ultimate" : configured === server.tier) return { ...base, expected, status: "pass", mandatory: true };
    if (server.atLeast && configured === "ultimate") return { ...base, expected, status: "not-checked", mandatory: false, why: "the server has Premium features; whether it is Ultimate cannot be told from here" };
    if (paid(configured) === paid(server.tier)) return { ...base, expected, status: "warn", mandatory: false, why: `the stack says ${configured}, the server is ${server.tier}: the package creates the same rules on both today, but correct gitlab.tier` };
    const why = paid(configured)
        ? `the stack says ${configured} but the server is ${server.tier}: pulumi up fails when it creates push rules and approval rules, and the plan's branchRules credit GitLab with rules it cannot enforce. Set gitlab.tier: ${server.tier}`
        : `the stack says ${configured} but the server is ${server.tier}: pulumi up creates no push rules and no approval rule, so enforcement is silently weaker than the server allows. Set gitlab.tier: ${server.tier}`;
    return { ...base, expected, status: "fail", mandatory: true, why };
}
