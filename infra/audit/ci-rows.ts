/**
 * The CI rows of the audit, for the CI file of every long-lived branch of the model (a merge
 * request pipeline runs the configuration of its source branch, and feature branches are cut
 * from the integration branch, so each long-lived branch must carry the pipeline): whether a
 * pipeline runs for every merge request, the workflow rules and every job against what the
 * package generates, the branch-name job where GitLab has no push rule, the scheduled clean-up.
 *
 * A finding that an open merge request of the package (source branch `feature/ml-team-env-…`)
 * would fix is `pending`, not drift: the same rows are computed on the file that merge request
 * proposes, and a row that passes there is pending until it is merged. Pure.
 */
import { BranchModel, branchNameRegex, RuleEnforcement } from "../branch-model/branch-model";
import { JOB } from "../ci/pipeline";
import { normalizeRef } from "../gitlab/providers/pipeline-schedule";
import { analyseCiConfig } from "./ci-config";
import { comparePipeline, JobFinding } from "./ci-jobs";
import type { Add } from "./compare";
import { enforcerOf, ExpectedPipeline } from "./expected";
import { CiFile, Fetched, LiveProject, Proposal, unread } from "./snapshot";

type RowInput = Parameters<Add>[0];

/** What the CI rows of one branch are judged with. */
export interface CiRowContext {
    readonly model: BranchModel;
    readonly report: Map<string, RuleEnforcement>;
    /** GitLab enforces branch names with a push rule (Premium): no CI row for them then. */
    readonly pushRules: boolean;
    readonly unenforced: (e: RuleEnforcement) => string;
    readonly expected: ExpectedPipeline | undefined;
}

const clip = (s: string, n = 100) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The id of the merge-request-pipeline row of a branch: the default branch keeps the plain id. */
export function mergeRequestPipelineId(model: BranchModel, branch: string): string {
    return branch === model.defaultBranch ? "ci:merge-request-pipeline" : `ci:merge-request-pipeline:${branch}`;
}

/** The rows of one job finding. */
function jobRow(branch: string, f: JobFinding, file: string): RowInput | undefined {
    const base = { id: `ci-job:${branch}:${f.job}`, area: "ci", rule: `${branch}: job ${f.job}`, declared: "ci" as const };
    switch (f.kind) {
        case "same":
            return { ...base, expected: "as generated", actual: "as generated", status: "pass" };
        case "missing":
            return { ...base, expected: "as generated", actual: "missing", status: "fail", mandatory: true, why: `${file} has no ${f.job} job: what it checks no longer gates merge requests; pulumi up commits the generated pipeline again` };
        case "altered":
            return {
                ...base,
                expected: "as generated",
                actual: `${f.differences.map((d) => d.field).join(", ")} differ${f.differences.length === 1 ? "s" : ""}`,
                status: "fail",
                mandatory: true,
                why: `${file}: ${f.differences.map((d) => `${d.field} is ${clip(d.actual)}, generated ${clip(d.expected)}`).join("; ")}. pulumi up commits the generated pipeline again`,
            };
        default:
            return { ...base, expected: "not generated", actual: "present", status: "warn", mandatory: false, why: `${file} has a job the package does not generate; the generated file is replaced as a whole on the next change` };
    }
}

/** The CI rows of one branch's file (the live one, or one a proposal would leave). */
function branchCiRows(live: Pick<LiveProject, "schedules">, branch: string, fetchedFile: Fetched<CiFile>, ctx: CiRowContext): RowInput[] {
    const { model, report } = ctx;
    const rows: RowInput[] = [];
    const isDefault = branch === model.defaultBranch;
    const mrId = mergeRequestPipelineId(model, branch);
    const mandatory = model.mergeRequests.pipelineMustSucceed;
    if (!fetchedFile.ok) {
        rows.push({ id: mrId, area: "ci", rule: `${branch}: pipeline for every merge request`, expected: "yes", actual: "?", declared: "ci", mandatory, status: "not-checked", why: unread(fetchedFile, `the CI configuration on ${branch}`) });
        return rows;
    }
    const cf = fetchedFile.value;
    if (!cf.branchExists) {
        rows.push({ id: `branch:${branch}`, area: "ci", rule: `${branch}: exists`, expected: "yes", actual: "no such branch", declared: "gitlab", mandatory: true, status: "fail", why: `the long-lived branch ${branch} is gone; pulumi up creates it again from ${model.defaultBranch}` });
        return rows;
    }
    const file = `${cf.path}@${cf.ref}`;
    const ci = analyseCiConfig(cf.content, model);
    {
        const base = { id: mrId, area: "ci", rule: isDefault ? "pipeline for every merge request" : `${branch}: pipeline for every merge request`, expected: "yes", declared: "ci" as const, mandatory };
        if (ci.mergeRequestPipeline === undefined) rows.push({ ...base, actual: "unknown", status: "not-checked", why: `${file}: ${ci.mergeRequestDetail}` });
        else if (ci.mergeRequestPipeline) rows.push({ ...base, actual: `yes: ${ci.mergeRequestDetail}`, status: "pass" });
        else {
            const fromHere = isDefault ? "" : ` Feature branches are cut from ${branch}, and a merge request pipeline runs the configuration of its source branch.`;
            rows.push({ ...base, actual: `no: ${ci.mergeRequestDetail}`, status: mandatory ? "fail" : "warn", why: `${file}: without a merge request pipeline "pipeline must succeed" gates nothing the team reviews; restore the workflow rules the package generates (workflowRules in infra/ci/pipeline.ts).${fromHere}` });
        }
    }
    if (ctx.expected && ci.file === "ok") {
        const cmp = comparePipeline(ctx.expected.text, cf.content!, ctx.expected.fields);
        const w = cmp.workflow;
        rows.push({ id: `ci-workflow:${branch}`, area: "ci", rule: `${branch}: workflow rules`, expected: "as generated", actual: w.same ? "as generated" : "different", declared: "ci", mandatory: true, status: w.same ? "pass" : "fail", ...(w.same ? {} : { why: `${file}: workflow:rules are ${clip(w.actual, 160)}; generated ${clip(w.expected, 160)} (they decide which pipelines run at all)` }) });
        for (const f of cmp.jobs) {
            const r = jobRow(branch, f, file);
            if (r) rows.push(r);
        }
    }
    if (!isDefault) return rows;

    const naming = report.get("push-rule:branch-name");
    if (naming && !ctx.pushRules) {
        const base = { id: naming.id, area: "ci", rule: `branch names (CI job ${JOB.branchName})`, expected: branchNameRegex(model), declared: enforcerOf(naming) };
        if (naming.enforcedBy === "none") rows.push({ ...base, actual: ci.namingJob.present ? "job present" : "no job", status: "warn", declared: "nobody", why: ctx.unenforced(naming) });
        else {
            const j = ci.namingJob;
            const actual = !j.present ? "no branch-name job" : j.runsInMergeRequests === false ? "job does not run in merge request pipelines" : !j.checksModelRegex ? "job checks another regex" : j.runsInMergeRequests ? "job runs in merge request pipelines" : "job present; when it runs is unknown";
            const ok = j.present && j.runsInMergeRequests === true && j.checksModelRegex;
            rows.push({ ...base, actual, status: ok ? "pass" : j.present && j.checksModelRegex && j.runsInMergeRequests === undefined ? "not-checked" : "fail", ...(ok ? {} : { why: `this tier has no push rules, so the CI job is what enforces branch names: ${ci.mergeRequestDetail}` }) });
        }
    }
    const targets = report.get("merge-request:target-branch");
    if (targets) {
        const base = { id: targets.id, area: "ci", rule: `merge request targets (CI job ${JOB.mergeTarget})`, expected: "runs in every merge request pipeline" };
        if (targets.enforcedBy !== "ci") rows.push({ ...base, actual: "no job deployed", status: "not-checked", declared: "nobody", why: ctx.unenforced(targets) });
        else {
            const j = ci.mergeTargetJob;
            const ok = j.present && j.runsInMergeRequests === true;
            const actual = !j.present ? `no ${JOB.mergeTarget} job` : j.runsInMergeRequests === false ? "job does not run in merge request pipelines" : j.runsInMergeRequests ? "job runs in merge request pipelines" : "job present; when it runs is unknown";
            rows.push({ ...base, actual, status: ok ? "pass" : j.present && j.runsInMergeRequests === undefined ? "not-checked" : "fail", declared: "ci", ...(ok ? {} : { why: `a feature merged into ${model.defaultBranch}, or a hotfix into ${model.integrationBranch}, is not stopped; pulumi up proposes the job again` }) });
        }
    }
    for (const t of model.branchTypes) {
        const e = report.get(`stale-branches:${t.prefix}`);
        if (!e) continue;
        const base = { id: e.id, area: "ci", rule: `${t.prefix}/* stale after ${t.staleAfterDays} days`, expected: `scheduled ${JOB.staleBranches} job on ${model.defaultBranch}` };
        if (e.enforcedBy !== "ci") rows.push({ ...base, actual: "no job deployed", status: "not-checked", declared: "nobody", why: ctx.unenforced(e) });
        else if (!live.schedules.ok) rows.push({ ...base, actual: "?", status: "not-checked", declared: "ci", why: unread(live.schedules, "pipeline schedules") });
        else {
            const schedule = live.schedules.value.find((s) => s.active && normalizeRef(s.ref, model.defaultBranch) === model.defaultBranch);
            const ok = ci.staleBranchJob.present && ci.staleBranchJob.runsOnSchedule === true && schedule !== undefined;
            const actual = !ci.staleBranchJob.present ? "no stale-branches job" : !schedule ? "job present, no active schedule" : ci.staleBranchJob.runsOnSchedule ? `job and schedule '${schedule.description}'` : "job does not run in scheduled pipelines";
            rows.push({ ...base, actual, status: ok ? "pass" : "warn", declared: "ci", ...(ok ? {} : { why: `stale ${t.prefix}/* branches are not archived and deleted; pulumi up commits the job and its weekly schedule` }) });
        }
    }
    return rows;
}

/**
 * The CI rows of every long-lived branch, with each finding that an open proposal of the
 * package fixes marked `pending` with that merge request's URL.
 */
export function ciRows(live: LiveProject, ctx: CiRowContext, add: Add): void {
    const proposals: readonly Proposal[] = live.proposals.ok ? live.proposals.value : [];
    for (const branch of Object.keys(live.ciFiles)) {
        const rows = branchCiRows(live, branch, live.ciFiles[branch]!, ctx);
        const fixes = proposals.filter((p) => p.targetBranch === branch).map((p) => ({ p, rows: new Map(branchCiRows(live, branch, { ok: true, value: { ...p.ciFile, ref: branch } }, ctx).map((r) => [r.id, r])) }));
        for (const row of rows) {
            const fix = row.status === "fail" || row.status === "warn" ? fixes.find((f) => f.rows.get(row.id)?.status === "pass") : undefined;
            if (!fix) add(row);
            else add({ ...row, status: "pending", pendingMergeRequest: fix.p.webUrl, why: `the package's merge request ${fix.p.webUrl} (${fix.p.sourceBranch} → ${branch}) fixes it: review and merge it. Until then: ${row.why ?? row.actual}` });
        }
    }
}
