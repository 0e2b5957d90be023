/**
 * Reads a `.gitlab-ci.yml` statically to answer what the audit asks of it: does a pipeline
 * run for every merge request, does the branch-name job run in it, does the stale-branch job
 * run on a schedule. Rules are evaluated by ./ci-rules.ts, where "unknown" is an answer; job defaults:
 * doc/ci/yaml/_index.md (`only` defaults to `branches, tags`, so a job without `rules` or
 * `only` never runs in a merge request pipeline).
 */
import { parseDocument } from "yaml";
import { BranchModel, branchNameRegex } from "../branch-model/branch-model";
import { JOB } from "../ci/pipeline";
import { evaluateRules, MERGE_REQUEST_CONTEXT, PipelineContext, scheduleContext, Tri } from "./ci-rules";

/** Top-level keys that are not jobs (doc/ci/yaml/_index.md "Global keywords"). */
const GLOBAL_KEYWORDS = new Set(["default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script", "after_script", "types", "spec"]);

/** `only:`/`except:` as a list of refs (simple list, or `refs:` of the complex form). */
function refsOf(v: unknown): string[] | undefined {
    if (v === undefined) return undefined;
    if (typeof v === "string") return [v];
    if (Array.isArray(v)) return v.map(String);
    if (v && typeof v === "object" && Array.isArray((v as { refs?: unknown }).refs)) return ((v as { refs: unknown[] }).refs).map(String);
    return [];
}

/** Whether a job runs in a pipeline of the context's kind. */
function jobRuns(job: Record<string, unknown>, ctx: PipelineContext, source: "merge_request_event" | "schedule"): Tri {
    if (job.rules !== undefined) return evaluateRules(job.rules, ctx).included;
    const only = refsOf(job.only);
    const except = refsOf(job.except) ?? [];
    const kind = source === "merge_request_event" ? "merge_requests" : "schedules";
    if (except.includes(kind)) return false;
    // Default `only: [branches, tags]`: branch pipelines (a schedule on a branch is one), never merge request pipelines.
    if (only === undefined) return source === "schedule";
    return only.includes(kind) || (source === "schedule" && only.includes("branches"));
}

/** A job as its `extends:` chain makes it (keys of the job win; only what the audit reads). */
export function resolveJob(name: string, all: Record<string, unknown>, depth = 0): Record<string, unknown> {
    const job = (all[name] ?? {}) as Record<string, unknown>;
    if (depth > 10 || job.extends === undefined) return job;
    const parents = (Array.isArray(job.extends) ? job.extends : [job.extends]).map(String);
    const merged: Record<string, unknown> = {};
    for (const p of parents) Object.assign(merged, resolveJob(p, all, depth + 1));
    return { ...merged, ...job };
}

/** A CI configuration as a mapping, or why it is not one. */
export function parseCiConfig(content: string): { ok: true; config: Record<string, unknown> } | { ok: false; error: string } {
    const doc = parseDocument(content);
    const config = doc.errors.length === 0 ? (doc.toJS() as unknown) : undefined;
    if (!config || typeof config !== "object" || Array.isArray(config)) {
        return { ok: false, error: `the CI configuration is not a YAML mapping${doc.errors[0] ? ` (${doc.errors[0].message.split("\n")[0]})` : ""}` };
    }
    return { ok: true, config: config as Record<string, unknown> };
}

/** The job names of a configuration: top-level mappings that are not global keywords or hidden (`.name`) templates. */
export function jobNamesOf(all: Record<string, unknown>): string[] {
    return Object.keys(all).filter((k) => !GLOBAL_KEYWORDS.has(k) && !k.startsWith(".") && all[k] !== null && typeof all[k] === "object" && !Array.isArray(all[k]));
}

/** What the audit needs to know of a CI configuration. */
export interface CiAnalysis {
    /** `missing`: no file on the default branch; `invalid`: not YAML or not a mapping. */
    readonly file: "ok" | "missing" | "invalid";
    /** A pipeline runs for every merge request. */
    readonly mergeRequestPipeline: Tri;
    /** How that was decided, in words. */
    readonly mergeRequestDetail: string;
    /** The branch-name job: present, runs in merge request pipelines, checks the model's regex. */
    readonly namingJob: { readonly present: boolean; readonly runsInMergeRequests: Tri; readonly checksModelRegex: boolean };
    /** The merge-target job (the branch model's source → target rule): present and runs in merge request pipelines. */
    readonly mergeTargetJob: { readonly present: boolean; readonly runsInMergeRequests: Tri };
    /** The stale-branch job: present and runs in a scheduled pipeline on the default branch. */
    readonly staleBranchJob: { readonly present: boolean; readonly runsOnSchedule: Tri };
}

/**
 * Analyses a CI configuration against the branch model. Pure. `content` null means the
 * default branch has no CI file.
 */
export function analyseCiConfig(content: string | null, model: BranchModel): CiAnalysis {
    const none = { namingJob: { present: false, runsInMergeRequests: false, checksModelRegex: false }, mergeTargetJob: { present: false, runsInMergeRequests: false }, staleBranchJob: { present: false, runsOnSchedule: false } } as const;
    if (content === null) return { file: "missing", mergeRequestPipeline: false, mergeRequestDetail: "no CI configuration on this branch", ...none };
    const parsed = parseCiConfig(content);
    if (!parsed.ok) return { file: "invalid", mergeRequestPipeline: undefined, mergeRequestDetail: parsed.error, ...none };
    const all = parsed.config;
    const jobNames = jobNamesOf(all);
    const includes = all.include !== undefined;
    const workflowRules = (all.workflow as { rules?: unknown } | undefined)?.rules;

    const pipelineFor = (ctx: PipelineContext, source: "merge_request_event" | "schedule") => {
        const workflow: Tri = workflowRules === undefined ? true : evaluateRules(workflowRules, ctx).included;
        const jobs = jobNames.map((n) => ({ name: n, runs: jobRuns(resolveJob(n, all), ctx, source) }));
        return { workflow, jobs };
    };

    const mr = pipelineFor(MERGE_REQUEST_CONTEXT, "merge_request_event");
    const mrJobs = mr.jobs.filter((j) => j.runs === true).map((j) => j.name);
    const unknownJobs = mr.jobs.filter((j) => j.runs === undefined).map((j) => j.name);
    let mergeRequestPipeline: Tri;
    let detail: string;
    if (mr.workflow === false) {
        mergeRequestPipeline = false;
        detail = "workflow:rules do not admit merge_request_event pipelines";
    } else if (mrJobs.length > 0) {
        mergeRequestPipeline = mr.workflow;
        detail =
            mr.workflow === true
                ? `${workflowRules === undefined ? "no workflow:rules; " : "workflow:rules admit merge_request_event; "}${mrJobs.length} job(s) run in it (${mrJobs.slice(0, 4).join(", ")}${mrJobs.length > 4 ? ", …" : ""})`
                : "whether workflow:rules admit merge_request_event depends on what the audit cannot know";
    } else if (unknownJobs.length > 0 || includes) {
        mergeRequestPipeline = undefined;
        detail = includes ? "no local job runs in merge request pipelines, and the file includes others the audit does not read" : `whether ${unknownJobs.join(", ")} run in merge request pipelines depends on what the audit cannot know`;
    } else {
        mergeRequestPipeline = false;
        detail = workflowRules === undefined ? "no job runs in merge request pipelines (jobs without merge-request rules run in branch pipelines only)" : "workflow:rules admit merge_request_event, but no job runs in it, so no pipeline is created";
    }

    const naming = jobNames.includes(JOB.branchName) ? resolveJob(JOB.branchName, all) : undefined;
    const stale = jobNames.includes(JOB.staleBranches) ? resolveJob(JOB.staleBranches, all) : undefined;
    const sched = pipelineFor(scheduleContext(model.defaultBranch), "schedule");
    const staleRuns = sched.jobs.find((j) => j.name === JOB.staleBranches)?.runs;
    return {
        file: "ok",
        mergeRequestPipeline,
        mergeRequestDetail: detail,
        namingJob: {
            present: naming !== undefined,
            runsInMergeRequests: naming ? and3(mergeRequestPipeline, mr.jobs.find((j) => j.name === JOB.branchName)?.runs) : false,
            // The job passes the rule to its script (infra/ci/scripts/branch-name.sh) as a variable: the model's, or a stale one.
            checksModelRegex: naming !== undefined && (naming.variables as Record<string, unknown> | undefined)?.ML_TEAM_ENV_BRANCH_RULE === branchNameRegex(model) && scriptText(naming).includes("ML_TEAM_ENV_BRANCH_RULE"),
        },
        mergeTargetJob: {
            present: jobNames.includes(JOB.mergeTarget),
            runsInMergeRequests: jobNames.includes(JOB.mergeTarget) ? and3(mergeRequestPipeline, mr.jobs.find((j) => j.name === JOB.mergeTarget)?.runs) : false,
        },
        staleBranchJob: { present: stale !== undefined, runsOnSchedule: stale ? and3(sched.workflow, staleRuns) : false },
    };
}

/** A job's script lines as one text. */
function scriptText(job: Record<string, unknown>): string {
    const s = job.script;
    return Array.isArray(s) ? s.map(String).join("\n") : typeof s === "string" ? s : "";
}

function and3(a: Tri, b: Tri): Tri {
    return a === false || b === false ? false : a === true && b === true ? true : undefined;
}
