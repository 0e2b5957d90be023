/**
 * GitLab CI's `rules:` as the audit evaluates them: `rules:if` expressions in three-valued logic
 * over what is known of a pipeline (its source, which variables are set), so a rule that
 * depends on something the audit cannot know makes the answer "unknown", never a guess.
 * Syntax: doc/ci/jobs/job_rules.md ("CI/CD variable expressions").
 */
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
