/**
 * Compares a project's live state with what the branch model and the stack declare, rule by
 * rule. Pure: a snapshot and a target in, table rows out. Each row says what was expected,
 * what GitLab holds, who enforces the rule, and pass / fail / warn / not-checked with why.
 * A mandatory rule that is violated fails; an advisory one, or a setting stricter than the
 * model, warns; a rule the audit could not read, or one the tier lacks, is not checked.
 */
import { AccessLevel, branchNameRegex, GitLabTier, ProtectedBranchRule, RuleEnforcement, tierAtLeast } from "../branch-model/branch-model";
import { JOB } from "../ci/pipeline";
import { accessLevelFor, premiumResources } from "../gitlab/gitlab-project";
import { RULE_TYPE } from "../gitlab/providers/approval-rule";
import { AccessEntryJson, effectiveLevel } from "../gitlab/providers/common";
import { normalizeRef } from "../gitlab/providers/pipeline-schedule";
import { ProtectedBranchJson } from "../gitlab/providers/protected-branch";
import { analyseCiConfig, CiAnalysis } from "./ci-config";
import { accessLevelName, AuditTarget, expectedEnforcement, expectedMergeSettings, isMandatory, roleName } from "./expected";
import { editionText, ServerTier, serverTier, tierText } from "./server-tier";
import { ApprovalRuleJson, Fetched, LiveProject, MemberJson } from "./snapshot";

/** A row's verdict: `fail` only for a mandatory rule that is violated (exit code 1). */
export type AuditStatus = "pass" | "fail" | "warn" | "not-checked";
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
}

/** Measurements the score needs beyond pass/fail. */
export interface AuditFacts {
    /** Approvals that merge requests into the default branch really need; undefined when not read. */
    readonly approvalsOnDefaultBranch: number | undefined;
}

/** The comparison's result. */
export interface Comparison {
    readonly server: ServerTier;
    /** The tier the rules were judged on: the server's, else the stack's, else what answers. */
    readonly rulesTier: GitLabTier;
    readonly rows: AuditRow[];
    readonly facts: AuditFacts;
}

/** Strictness of an access level: "no one" is the strictest, then higher roles. */
const rank = (level: number) => (level <= 0 ? 1000 : level);

/** A live access list against the wanted role level. */
export function levelVerdict(list: readonly AccessEntryJson[] | undefined, expected: number): { actual: string; verdict: "same" | "looser" | "stricter" } {
    const role = effectiveLevel(list);
    const extras = (list ?? []).filter((a) => a.user_id != null || a.group_id != null).length;
    const actual = `${accessLevelName(role)}${extras ? ` + ${extras} user/group entr${extras === 1 ? "y" : "ies"}` : ""}`;
    // GitLab lets in anyone any entry allows: a user or group entry widens a rule stricter than Developer.
    if (rank(role) < rank(expected) || (extras > 0 && rank(expected) > AccessLevel.Developer)) return { actual, verdict: "looser" };
    if (rank(role) > rank(expected)) return { actual, verdict: "stricter" };
    return { actual, verdict: "same" };
}

/** A protected-ref wildcard against a ref name (lib/gitlab/ref_matcher.rb: `*` is any run of characters). */
export function refMatches(pattern: string, ref: string): boolean {
    if (!pattern.includes("*")) return pattern === ref;
    return new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*?") + "$").test(ref);
}

const failed = (f: Fetched<unknown>, what: string) => (f.ok ? "" : `could not read ${what} (${f.status ?? "no answer"}: ${f.message.split("\n")[0]})`);
const enforcerOf = (e: RuleEnforcement | undefined): EnforcedBy => (e?.enforcedBy === "gitlab" ? "gitlab" : e?.enforcedBy === "ci" ? "ci" : "nobody");

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
    const add = (r: Omit<AuditRow, "mandatory" | "enforcedBy"> & { enforcedBy?: EnforcedBy; declared: EnforcedBy; mandatory?: boolean }) => {
        const { declared, enforcedBy, mandatory, ...rest } = r;
        // Nobody enforces a rule the live state breaks; an unread rule keeps who would.
        const by = enforcedBy ?? (r.status === "pass" || r.status === "not-checked" ? declared : "nobody");
        rows.push({ ...rest, enforcedBy: by, mandatory: mandatory ?? isMandatory(r.id) });
    };
    /** A rule the tier (or the stack) leaves to nobody: not checked, with the report's reason. */
    const unenforced = (e: RuleEnforcement) => `${e.reason ?? "nobody enforces it"}${tierUnknown}`;

    // --- the server -----------------------------------------------------------------------------
    add({ id: "server:edition", area: "server", rule: "GitLab edition", expected: "—", actual: editionText(server), status: server.edition ? "pass" : "not-checked", declared: "gitlab", ...(server.edition ? {} : { why: failed(live.metadata, "GET /metadata") || "GitLab's metadata does not say which edition it runs" }) });
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

    // --- protected branches and tags --------------------------------------------------------------
    for (const b of model.protectedBranches) branchRows(b, live.protectedBranches, report, add, unenforced);
    for (const t of model.protectedTags) {
        const id = `protected-tag:${t.name}`;
        const declared = enforcerOf(report.get(id));
        const base = { id, area: "protected-tag", rule: `tags ${t.name}: who may create`, expected: accessLevelName(t.createAccessLevel), declared };
        if (!live.protectedTags.ok) {
            add({ ...base, actual: "?", status: "not-checked", why: failed(live.protectedTags, "protected tags") });
            continue;
        }
        const tag = live.protectedTags.value.find((x) => x.name === t.name);
        if (!tag) {
            add({ ...base, actual: "not protected", status: "fail", why: `anyone who may push can create (and move) ${t.name} tags: a release tag no longer binds its model; protect ${t.name} (pulumi up does)` });
            continue;
        }
        const v = levelVerdict(tag.create_access_levels, t.createAccessLevel);
        add({ ...base, actual: v.actual, ...verdictStatus(v.verdict, `more people may create ${t.name} tags than the model allows`, declared) });
    }

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
            add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: failed(live.approvalRules, "approval rules") });
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

    // --- push rules and the CI naming job -----------------------------------------------------------
    const ci: CiAnalysis | undefined = live.ciFile.ok ? analyseCiConfig(live.ciFile.value.content, model) : undefined;
    const pushRules = premiumResources(rulesTier, model).pushRules;
    const regex = branchNameRegex(model);
    const naming = report.get("push-rule:branch-name");
    if (naming) {
        const id = naming.id;
        if (pushRules) {
            const base = { id, area: "push-rule", rule: "branch names (push rule)", expected: regex, declared: enforcerOf(naming) };
            if (!live.pushRule.ok) add({ ...base, actual: "?", status: "not-checked", why: failed(live.pushRule, "the push rule") + (live.pushRule.status === 403 ? ": reading push rules needs the Maintainer role" : "") });
            else {
                const actual = live.pushRule.value?.branch_name_regex || "(none)";
                const ok = actual === regex;
                add({ ...base, actual, status: ok ? "pass" : "fail", ...(ok ? {} : { why: live.pushRule.value ? "the push rule's branch_name_regex is not the model's: branches the model forbids can be pushed (or allowed ones are refused)" : "the project has no push rule: any branch name can be pushed" }) });
            }
        } else {
            const base = { id, area: "ci", rule: `branch names (CI job ${JOB.branchName})`, expected: regex, declared: enforcerOf(naming) };
            if (naming.enforcedBy === "none") add({ ...base, actual: ci?.namingJob.present ? "job present" : "no job", status: "warn", declared: "nobody", why: unenforced(naming) });
            else if (!ci) add({ ...base, actual: "?", status: "not-checked", why: failed(live.ciFile, "the CI configuration") });
            else {
                const j = ci.namingJob;
                const actual = !j.present ? "no branch-name job" : j.runsInMergeRequests === false ? "job does not run in merge request pipelines" : !j.checksModelRegex ? "job checks another regex" : j.runsInMergeRequests ? "job runs in merge request pipelines" : "job present; when it runs is unknown";
                const ok = j.present && j.runsInMergeRequests === true && j.checksModelRegex;
                add({ ...base, actual, status: ok ? "pass" : j.present && j.checksModelRegex && j.runsInMergeRequests === undefined ? "not-checked" : "fail", ...(ok ? {} : { why: `this tier has no push rules, so the CI job is what enforces branch names: ${ci.mergeRequestDetail}` }) });
            }
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
        else if (!live.pushRule.ok) add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: failed(live.pushRule, "the push rule") });
        else {
            const on = live.pushRule.value?.[field] === true;
            add({ ...base, actual: live.pushRule.value ? onOff(on) : "no push rule", status: on ? "pass" : "fail", declared: "gitlab", ...(on ? {} : { why: `${field} is off: ${field === "prevent_secrets" ? "files that look like secrets can be pushed" : "release tags can be deleted and re-created on other commits"}` }) });
        }
    }

    // --- the CI configuration -------------------------------------------------------------------------
    {
        const base = { id: "ci:merge-request-pipeline", area: "ci", rule: "pipeline for every merge request", expected: "yes", declared: "ci" as const, mandatory: model.mergeRequests.pipelineMustSucceed };
        const file = live.ciFile.ok ? `${live.ciFile.value.path}@${live.ciFile.value.ref}` : "";
        if (!ci) add({ ...base, actual: "?", status: "not-checked", why: failed(live.ciFile, "the CI configuration") });
        else if (ci.mergeRequestPipeline === undefined) add({ ...base, actual: "unknown", status: "not-checked", why: `${file}: ${ci.mergeRequestDetail}` });
        else if (ci.mergeRequestPipeline) add({ ...base, actual: `yes: ${ci.mergeRequestDetail}`, status: "pass" });
        else add({ ...base, actual: `no: ${ci.mergeRequestDetail}`, status: base.mandatory ? "fail" : "warn", why: `${file}: without a merge request pipeline "pipeline must succeed" gates nothing the team reviews; restore the workflow rules the package generates (workflowRules in infra/ci/pipeline.ts)` });
    }
    for (const t of model.branchTypes) {
        const e = report.get(`stale-branches:${t.prefix}`);
        if (!e) continue;
        const base = { id: e.id, area: "ci", rule: `${t.prefix}/* stale after ${t.staleAfterDays} days`, expected: `scheduled ${JOB.staleBranches} job on ${model.defaultBranch}` };
        if (e.enforcedBy !== "ci") add({ ...base, actual: "no job deployed", status: "not-checked", declared: "nobody", why: unenforced(e) });
        else if (!ci || !live.schedules.ok) add({ ...base, actual: "?", status: "not-checked", declared: "ci", why: failed(live.ciFile, "the CI configuration") || failed(live.schedules, "pipeline schedules") });
        else {
            const schedule = live.schedules.value.find((s) => s.active && normalizeRef(s.ref, model.defaultBranch) === model.defaultBranch);
            const ok = ci.staleBranchJob.present && ci.staleBranchJob.runsOnSchedule === true && schedule !== undefined;
            const actual = !ci.staleBranchJob.present ? "no stale-branches job" : !schedule ? "job present, no active schedule" : ci.staleBranchJob.runsOnSchedule ? `job and schedule '${schedule.description}'` : "job does not run in scheduled pipelines";
            add({ ...base, actual, status: ok ? "pass" : "warn", declared: "ci", ...(ok ? {} : { why: `stale ${t.prefix}/* branches are not archived and deleted; pulumi up commits the job and its weekly schedule` }) });
        }
    }

    // --- members ----------------------------------------------------------------------------------------
    memberRows(live, target, add);

    return { server, rulesTier, rows, facts: { approvalsOnDefaultBranch } };
}

type Add = (r: Omit<AuditRow, "mandatory" | "enforcedBy"> & { enforcedBy?: EnforcedBy; declared: EnforcedBy; mandatory?: boolean }) => void;

/** A level verdict as a row's status; a stricter setting is still enforced by whoever enforces the rule. */
function verdictStatus(verdict: "same" | "looser" | "stricter", looser: string, declared: EnforcedBy): { status: AuditStatus; why?: string; enforcedBy: EnforcedBy } {
    if (verdict === "same") return { status: "pass", enforcedBy: declared };
    if (verdict === "looser") return { status: "fail", why: looser, enforcedBy: "nobody" };
    return { status: "warn", why: "stricter than the model: pulumi up would set it back to the model's level", enforcedBy: declared };
}

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

/** The rows of one protected branch (or wildcard) of the model. */
function branchRows(b: ProtectedBranchRule, fetchedBranches: Fetched<readonly ProtectedBranchJson[]>, report: Map<string, RuleEnforcement>, add: Add, unenforced: (e: RuleEnforcement) => string): void {
    const id = `protected-branch:${b.name}`;
    const declared = enforcerOf(report.get(id));
    const area = "protected-branch";
    if (!fetchedBranches.ok) {
        add({ id, area, rule: `${b.name}: protected`, expected: "protected", actual: "?", status: "not-checked", declared, why: failed(fetchedBranches, "protected branches") });
        return;
    }
    const pb = fetchedBranches.value.find((p) => p.name === b.name);
    if (!pb) {
        add({ id, area, rule: `${b.name}: protected`, expected: "protected", actual: "not protected", status: "fail", declared, why: `anyone with the Developer role can push, force-push and delete ${b.name}; pulumi up protects it again` });
        return;
    }
    add({ id, area, rule: `${b.name}: protected`, expected: "protected", actual: "protected", status: "pass", declared });
    const levels: [string, string, readonly AccessEntryJson[] | undefined, number, string][] = [
        ["push", "who may push", pb.push_access_levels, b.pushAccessLevel, `more people may push to ${b.name} directly than the model allows: changes can skip review and the pipeline`],
        ["merge", "who may merge", pb.merge_access_levels, b.mergeAccessLevel, `more people may merge into ${b.name} than the model allows`],
    ];
    for (const [suffix, label, list, want, looser] of levels) {
        const v = levelVerdict(list, want);
        add({ id: `${id}:${suffix}`, area, rule: `${b.name}: ${label}`, expected: accessLevelName(want), actual: v.actual, declared, ...verdictStatus(v.verdict, looser, declared) });
    }
    if (pb.unprotect_access_levels === undefined) {
        // Community Edition has no such setting: unprotecting needs admin_protected_branch, the Maintainer role.
        const v = rank(AccessLevel.Maintainer) >= rank(b.unprotectAccessLevel) ? "same" : "looser";
        add({ id: `${id}:unprotect`, area, rule: `${b.name}: who may unprotect`, expected: accessLevelName(b.unprotectAccessLevel), actual: "maintainers (Community Edition: fixed)", declared, ...verdictStatus(v, `maintainers can unprotect ${b.name}; only the Enterprise codebase can restrict it further`, declared) });
    } else {
        const v = levelVerdict(pb.unprotect_access_levels, b.unprotectAccessLevel);
        add({ id: `${id}:unprotect`, area, rule: `${b.name}: who may unprotect`, expected: accessLevelName(b.unprotectAccessLevel), actual: v.actual, declared, ...verdictStatus(v.verdict, `more people may unprotect ${b.name} (and then do anything to it) than the model allows`, declared) });
    }
    const fp = (x: boolean) => (x ? "allowed" : "denied");
    const fpVerdict = pb.allow_force_push === b.allowForcePush ? "same" : pb.allow_force_push ? "looser" : "stricter";
    add({ id: `${id}:force-push`, area, rule: `${b.name}: force push`, expected: fp(b.allowForcePush), actual: fp(pb.allow_force_push), declared, ...verdictStatus(fpVerdict, `whoever may push can rewrite ${b.name}'s history`, declared) });

    const co = report.get(`code-owner-approval:${b.name}`);
    if (co) {
        const base = { id: co.id, area, rule: `${b.name}: code-owner approval`, expected: "required" };
        if (co.enforcedBy !== "gitlab") add({ ...base, actual: "not available", status: "not-checked", declared: "nobody", why: unenforced(co) });
        else if (pb.code_owner_approval_required === undefined) add({ ...base, actual: "?", status: "not-checked", declared: "gitlab", why: "GitLab did not return code_owner_approval_required" });
        else add({ ...base, actual: pb.code_owner_approval_required ? "required" : "not required", status: pb.code_owner_approval_required ? "pass" : "fail", declared: "gitlab", ...(pb.code_owner_approval_required ? {} : { why: `changes to owned files reach ${b.name} without their code owners' approval` }) });
    }
}

/** Members against the stack's team; without a stack, the list alone. */
function memberRows(live: LiveProject, target: AuditTarget, add: Add): void {
    const area = "members";
    if (!live.members.ok) {
        add({ id: "members", area, rule: "members", expected: target.members ? `${target.members.length} from the stack` : "—", actual: "?", status: "not-checked", declared: "gitlab", why: failed(live.members, "members") });
        return;
    }
    const direct = new Set(live.directMembers.ok ? live.directMembers.value.map((m) => m.id) : []);
    const inherited = (m: MemberJson) => (live.directMembers.ok && !direct.has(m.id) ? " (inherited from the group)" : "");
    const me = live.tokenUser.ok ? live.tokenUser.value.id : undefined;
    const liveByName = new Map(live.members.value.map((m) => [m.username.toLowerCase(), m]));
    if (!target.members) {
        for (const m of live.members.value) {
            add({ id: `member:${m.username}`, area, rule: `member ${m.username}`, expected: "—", actual: `${roleName(m.access_level)}${inherited(m)}`, status: "not-checked", declared: "gitlab", mandatory: false, why: "no stack to compare with (--url audit): listed only" });
        }
        return;
    }
    const declaredNames = new Set(target.members.map((m) => m.username.toLowerCase()));
    for (const m of target.members) {
        const want = accessLevelFor(m.role);
        const got = liveByName.get(m.username.toLowerCase());
        const base = { id: `member:${m.username}`, area, rule: `member ${m.username}`, expected: roleName(want), declared: "gitlab" as const };
        if (!got) add({ ...base, actual: "not a member", status: "warn", mandatory: false, why: `in the stack but not in the project: onboarding is not deployed (pulumi up adds ${m.username})` });
        else if (got.access_level > want) add({ ...base, actual: `${roleName(got.access_level)}${inherited(got)}`, status: "fail", mandatory: true, why: `has more access than the stack grants (${roleName(want)})` });
        else if (got.access_level < want) add({ ...base, actual: `${roleName(got.access_level)}${inherited(got)}`, status: "warn", mandatory: false, why: `has less access than the stack grants (${roleName(want)}); pulumi up sets it` });
        else add({ ...base, actual: `${roleName(got.access_level)}${inherited(got)}`, status: "pass", mandatory: true });
    }
    for (const m of live.members.value) {
        if (declaredNames.has(m.username.toLowerCase())) continue;
        const base = { id: `member:${m.username}`, area, rule: `member ${m.username}`, expected: "not a member (not in the stack)", actual: `${roleName(m.access_level)}${inherited(m)}`, declared: "gitlab" as const };
        if (m.id === me) {
            // The account ml-team-env runs as must manage the project (Maintainer or above): it is expected, not drift.
            add({ ...base, status: "pass", mandatory: false, why: "the token's own user: the account ml-team-env deploys and audits with" });
        } else if (m.state !== undefined && m.state !== "active") {
            // A blocked or deactivated account cannot sign in: still not the stack's, but no access today.
            add({ ...base, actual: `${base.actual}, ${m.state}`, status: "warn", mandatory: false, enforcedBy: "nobody", why: `not in the stack's team; the account is ${m.state}` });
        } else if (m.access_level >= AccessLevel.Developer) {
            add({ ...base, status: "fail", mandatory: true, enforcedBy: "nobody", why: `not in the stack's team but can ${m.access_level >= AccessLevel.Maintainer ? "merge, push and change protections" : "push branches and merge where developers may"}: add them to team.members or remove them` });
        } else {
            add({ ...base, status: "warn", mandatory: false, enforcedBy: "nobody", why: "not in the stack's team (read access only)" });
        }
    }
}
