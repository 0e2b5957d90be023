/**
 * Reads a `.gitlab-ci.yml` statically to answer what the audit asks of it: does a pipeline
 * run for every merge request, does the branch-name job run in it, does the stale-branch job
 * run on a schedule. `rules:if` expressions are evaluated in three-valued logic over what is
 * known of the pipeline (its source, which variables are set), so a rule that depends on
 * something the audit cannot know makes the answer "unknown", never a guess.
 * Syntax: doc/ci/jobs/job_rules.md ("CI/CD variable expressions"); job defaults:
 * doc/ci/yaml/_index.md (`only` defaults to `branches, tags`, so a job without `rules` or
 * `only` never runs in a merge request pipeline).
 */
import { parseDocument } from "yaml";
import { BranchModel, branchNameRegex } from "../branch-model/branch-model";
import { JOB } from "../ci/pipeline";

/** true, false, or undefined when it depends on what the audit cannot know. */
export type Tri = boolean | undefined;

/** A variable in a pipeline context: its value, set with an unknown value, or unset (null). */
export type VarValue = { readonly value: string } | { readonly set: true } | null;

/** What is known of a pipeline's variables; a variable not listed is unknown. */
export type PipelineContext = Readonly<Record<string, VarValue>>;

/**
 * A merge request pipeline (doc/ci/variables/predefined_variables.md "Predefined variables for
 * merge request pipelines"): no CI_COMMIT_BRANCH and no CI_COMMIT_TAG there.
 */
export const MERGE_REQUEST_CONTEXT: PipelineContext = {
    CI_PIPELINE_SOURCE: { value: "merge_request_event" },
    CI_COMMIT_BRANCH: null,
    CI_COMMIT_TAG: null,
    CI_MERGE_REQUEST_ID: { set: true },
    CI_MERGE_REQUEST_IID: { set: true },
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: { set: true },
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: { set: true },
    CI_COMMIT_REF_NAME: { set: true },
    CI_COMMIT_SHA: { set: true },
};

/** A scheduled pipeline on `branch`. */
export function scheduleContext(branch: string): PipelineContext {
    return {
        CI_PIPELINE_SOURCE: { value: "schedule" },
        CI_COMMIT_BRANCH: { value: branch },
        CI_COMMIT_REF_NAME: { value: branch },
        CI_DEFAULT_BRANCH: { value: branch },
        CI_COMMIT_TAG: null,
        CI_MERGE_REQUEST_IID: null,
        CI_MERGE_REQUEST_ID: null,
        CI_COMMIT_SHA: { set: true },
    };
}

type Token = { kind: "var"; name: string } | { kind: "str"; value: string } | { kind: "re"; source: string; flags: string } | { kind: "null" } | { kind: "op"; op: string };

function tokenize(expr: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    // A '/' starts a regex where an operand may stand: at the start, or after an operator other than ')'.
    const operandExpected = () => {
        const last = out[out.length - 1];
        return !last || (last.kind === "op" && last.op !== ")");
    };
    while (i < expr.length) {
        const c = expr[i]!;
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        const two = expr.slice(i, i + 2);
        if (["==", "!=", "=~", "!~", "&&", "||"].includes(two)) {
            out.push({ kind: "op", op: two });
            i += 2;
            continue;
        }
        if (c === "(" || c === ")") {
            out.push({ kind: "op", op: c });
            i++;
            continue;
        }
        if (c === "$") {
            const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(expr.slice(i));
            if (!m) throw new Error(`bad variable at ${i}`);
            out.push({ kind: "var", name: (m[1] ?? m[2])! });
            i += m[0].length;
            continue;
        }
        if (c === '"' || c === "'") {
            let j = i + 1;
            let value = "";
            while (j < expr.length && expr[j] !== c) {
                if (expr[j] === "\\" && j + 1 < expr.length) j++;
                value += expr[j];
                j++;
            }
            if (j >= expr.length) throw new Error("unterminated string");
            out.push({ kind: "str", value });
            i = j + 1;
            continue;
        }
        if (c === "/" && operandExpected()) {
            let j = i + 1;
            while (j < expr.length && expr[j] !== "/") j += expr[j] === "\\" ? 2 : 1;
            if (j >= expr.length) throw new Error("unterminated regex");
            const flags = /^[a-z]*/.exec(expr.slice(j + 1))![0];
            out.push({ kind: "re", source: expr.slice(i + 1, j), flags });
            i = j + 1 + flags.length;
            continue;
        }
        if (expr.startsWith("null", i) && !/[A-Za-z0-9_]/.test(expr[i + 4] ?? "")) {
            out.push({ kind: "null" });
            i += 4;
            continue;
        }
        throw new Error(`unexpected '${c}' at ${i}`);
    }
    return out;
}

/** A value during evaluation: a string, null (unset), "set but unknown", or wholly unknown. */
type Val = { s: string } | null | "set" | undefined;

/**
 * Evaluates a `rules:if` expression in a pipeline context: true, false, or undefined when the
 * answer depends on a variable the context does not know (or the expression does not parse).
 */
export function evaluateRuleIf(expr: string, ctx: PipelineContext): Tri {
    let tokens: Token[];
    try {
        tokens = tokenize(expr);
    } catch {
        return undefined;
    }
    let pos = 0;
    const peekOp = () => {
        const t = tokens[pos];
        return t?.kind === "op" ? t.op : undefined;
    };
    const valueOf = (t: Token): Val | RegExp => {
        switch (t.kind) {
            case "var": {
                if (!(t.name in ctx)) return undefined;
                const v = ctx[t.name]!;
                if (v === null) return null;
                return "value" in v ? { s: v.value } : "set";
            }
            case "str":
                return { s: t.value };
            case "null":
                return null;
            case "re":
                try {
                    return new RegExp(t.source, t.flags.replace(/[^imsu]/g, ""));
                } catch {
                    return undefined;
                }
            default:
                throw new Error("operand expected");
        }
    };
    const truthy = (v: Val | RegExp): Tri => {
        if (v instanceof RegExp) return true;
        if (v === undefined) return undefined;
        if (v === "set") return true;
        return v !== null && v.s !== "";
    };
    const compare = (a: Val | RegExp, op: string, b: Val | RegExp): Tri => {
        if (op === "=~" || op === "!~") {
            if (!(b instanceof RegExp)) return undefined;
            if (a === undefined || a === "set" || a instanceof RegExp) return undefined;
            // An unset variable matches no pattern.
            const m = a === null ? false : b.test(a.s);
            return op === "=~" ? m : !m;
        }
        if (a instanceof RegExp || b instanceof RegExp || a === undefined || b === undefined || a === "set" || b === "set") {
            // "set" against null is decidable: a set variable is not null.
            if ((a === "set" && b === null) || (b === "set" && a === null)) return op === "!=";
            return undefined;
        }
        const eq = a === null || b === null ? a === b : a.s === b.s;
        return op === "==" ? eq : !eq;
    };
    const and = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === true && b === true ? true : undefined);
    const or = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === false && b === false ? false : undefined);

    const parseOr = (): Tri => {
        let v = parseAnd();
        while (peekOp() === "||") {
            pos++;
            v = or(v, parseAnd());
        }
        return v;
    };
    const parseAnd = (): Tri => {
        let v = parseCmp();
        while (peekOp() === "&&") {
            pos++;
            v = and(v, parseCmp());
        }
        return v;
    };
    const parseCmp = (): Tri => {
        if (peekOp() === "(") {
            pos++;
            const v = parseOr();
            if (peekOp() !== ")") throw new Error("missing )");
            pos++;
            return v;
        }
        const left = tokens[pos++];
        if (!left) throw new Error("operand expected");
        const a = valueOf(left);
        const op = peekOp();
        if (op && ["==", "!=", "=~", "!~"].includes(op)) {
            pos++;
            const right = tokens[pos++];
            if (!right) throw new Error("operand expected");
            return compare(a, op, valueOf(right));
        }
        return truthy(a);
    };
    try {
        const v = parseOr();
        return pos === tokens.length ? v : undefined;
    } catch {
        return undefined;
    }
}

/** The outcome of a `rules:` list in a context: included, excluded, or unknown, with the deciding rule. */
export interface RulesOutcome {
    readonly included: Tri;
    /** Index of the rule that decided, if one did. */
    readonly rule?: number;
}

/**
 * Evaluates a `rules:` list: the first rule whose conditions hold decides (`when: never`
 * excludes); none holding excludes. A rule with `changes:` or `exists:` depends on files, and
 * one that is not a plain mapping (a `!reference`) is unknown to the audit: reaching it
 * before a decision makes the outcome unknown.
 */
export function evaluateRules(rules: unknown, ctx: PipelineContext): RulesOutcome {
    if (!Array.isArray(rules)) return { included: undefined };
    for (let i = 0; i < rules.length; i++) {
        const r = rules[i] as Record<string, unknown> | null;
        if (r === null || typeof r !== "object" || Array.isArray(r)) return { included: undefined };
        let holds: Tri = true;
        if ("if" in r) holds = typeof r.if === "string" ? evaluateRuleIf(r.if, ctx) : undefined;
        if (holds === true && ("changes" in r || "exists" in r)) {
            // Which files changed is not known here; the answer is still known when both cases agree
            // (the generated pipeline follows a "changed" rule by the same rule without `changes`).
            const ifMatched = r.when !== "never";
            const otherwise = evaluateRules(rules.slice(i + 1), ctx).included;
            return otherwise === ifMatched ? { included: ifMatched, rule: i } : { included: undefined, rule: i };
        }
        if (holds !== false && ("changes" in r || "exists" in r)) holds = undefined;
        if (holds === undefined) return { included: undefined, rule: i };
        if (holds) return { included: r.when !== "never", rule: i };
    }
    return { included: false };
}

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
