/**
 * The pipeline's expected jobs per source, and GitLab's rule semantics by the audit's own
 * evaluator (infra/audit/ci-rules.ts), shared by the fast structure tests and the slow ones
 * that check both against gitlab-ci-local.
 */
import { jobNamesOf } from "../../infra/audit/ci-config";
import { evaluateRuleIf, evaluateRules, PipelineContext, VarValue } from "../../infra/audit/ci-rules";
import { IMAGE_JOB } from "../../infra/ci/image-jobs";
import { JOB } from "../../infra/ci/pipeline";
import { SourceName, Vars } from "./gitlab-ci-local";

// --- GitLab rules, by the audit's evaluator with every variable known --------------------------

/**
 * The expressions the generator writes: `$VAR`, `$VAR == "x"`, `$VAR != "x"`, `$VAR =~ /re/`,
 * joined by `&&` and `||`. The audit's evaluator reads more; this guard keeps a new kind of
 * expression in the pipeline from passing here before it is examined.
 */
const GENERATED_CMP = String.raw`\$[A-Za-z_][A-Za-z0-9_]*(?:\s*(?:==|!=)\s*"[^"]*"|\s*=~\s*/(?:\\.|[^/\\])*/)?`;
const GENERATED_RULE = new RegExp(`^\\s*${GENERATED_CMP}(?:\\s*(?:&&|\\|\\|)\\s*${GENERATED_CMP})*\\s*$`);

function knownContext(expressions: readonly string[], vars: Vars): PipelineContext {
    const ctx: Record<string, VarValue> = {};
    for (const e of expressions) {
        for (const m of e.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) ctx[m[1]!] = vars[m[1]!] === undefined ? null : { value: vars[m[1]!]! };
    }
    return ctx;
}

function ruleIfs(rules: readonly { if?: unknown }[]): string[] {
    return rules.flatMap((r) => {
        if (r.if === undefined) return [];
        if (typeof r.if !== "string" || !GENERATED_RULE.test(r.if)) throw new Error(`cannot read rule '${String(r.if)}'`);
        return [r.if];
    });
}

export function evaluate(expression: string, vars: Vars): boolean {
    const v = evaluateRuleIf(expression, knownContext(ruleIfs([{ if: expression }]), vars));
    if (v === undefined) throw new Error(`cannot read rule '${expression}'`);
    return v;
}

/** GitLab's rule semantics, by the audit's evaluator; with every variable known it must decide. */
export function included(rules: readonly { if?: unknown; when?: unknown }[], vars: Vars): boolean {
    const outcome = evaluateRules(rules, knownContext(ruleIfs(rules), vars));
    if (outcome.included === undefined) throw new Error(`rules undecided with every variable known: ${JSON.stringify(rules)}`);
    return outcome.included;
}

/** Rules with `changes:` dropped: the listings take every definition as changed, as gitlab-ci-local's listing does. */
const assumeChanged = (rules: readonly Record<string, unknown>[]) => rules.map(({ changes: _changed, ...r }) => r);

/** The `when` of the rule that includes a job (`on_success` when it says none), or undefined when none does. */
export function decidingWhen(rules: readonly Record<string, unknown>[], vars: Vars): string | undefined {
    const plain = assumeChanged(rules);
    const outcome = evaluateRules(plain, knownContext(ruleIfs(plain), vars));
    if (!outcome.included || outcome.rule === undefined) return undefined;
    return (plain[outcome.rule]!.when as string | undefined) ?? "on_success";
}

/** The jobs the evaluator says run, taking `changes` as true, as the listing below does. */
export function jobsByEvaluator(pipeline: Record<string, any>, vars: Vars): string[] {
    return jobNamesOf(pipeline)
        .filter((name) => included(assumeChanged(pipeline[name].rules ?? [{}]), vars))
        .sort();
}

export const IMAGE_JOBS = [IMAGE_JOB.build, IMAGE_JOB.contract, IMAGE_JOB.contractGpu];
/** Which jobs each source runs (image jobs: when the definition changed, which the listing assumes). */
export const EXPECTED_JOBS: Record<SourceName, readonly string[]> = {
    mergeRequest: [...IMAGE_JOBS, JOB.mergeTarget, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    pushToMain: [...IMAGE_JOBS, IMAGE_JOB.publish, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain, JOB.hotfixBackport],
    pushToMainWithOpenMergeRequest: [...IMAGE_JOBS, IMAGE_JOB.publish, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain, JOB.hotfixBackport],
    pushToDevelop: [...IMAGE_JOBS, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    experimentPush: [...IMAGE_JOBS, JOB.experimentSmoke, JOB.experimentTrain],
    runPipelineOnFeature: [...IMAGE_JOBS, JOB.styleCheck, JOB.unitTests, JOB.smokeTrain],
    // The GPU contract and both trainings are offered, manual.
    runPipelineOnExperiment: [...IMAGE_JOBS, JOB.experimentSmoke, JOB.experimentTrain],
    releaseTag: [...IMAGE_JOBS, IMAGE_JOB.publish, JOB.releaseCheck, JOB.unitTests, JOB.releaseModel, JOB.release],
    schedule: [JOB.staleBranches],
};

