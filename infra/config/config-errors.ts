/**
 * How a config problem is told: the stack-file key path, the value found there and what is
 * allowed, from zod's issues (with "did you mean" for unknown keys at any depth).
 */
import { z } from "zod";
import { nearest } from "./nearest";
import { PROJECT, stackConfigSchema } from "./schema";

/** One problem in a stack file. */
export interface ConfigError {
    /** Stack-file key path, e.g. `ml-team-env:team.members[2].gpus`. */
    readonly key: string;
    /** The value found there (`undefined` when missing; never a secret's value). */
    readonly value: unknown;
    /** What is wrong and what is allowed. */
    readonly message: string;
}

type Path = readonly PropertyKey[];

/** `["team","members",2,"gpus"]` → `ml-team-env:team.members[2].gpus`. */
export function keyPath(path: Path): string {
    let out = `${PROJECT}:`;
    path.forEach((p, i) => {
        if (typeof p === "number") out += `[${p}]`;
        else out += (i === 0 ? "" : ".") + String(p);
    });
    return out;
}

export function valueAt(raw: unknown, path: Path): unknown {
    let v: unknown = raw;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p as string];
    }
    return v;
}


function knownKeysAt(path: Path, raw: unknown): string[] {
    // Walk the schema along the path to list the keys allowed there; a discriminated union
    // (cluster `mode`) picks its option by the value at the union's own path.
    const option = (union: z.ZodDiscriminatedUnion, at: Path) => {
        const mode = (valueAt(raw, at) as { mode?: unknown } | undefined)?.mode;
        return (union.options as z.ZodObject[]).find((o) => (o.shape.mode as z.ZodLiteral).value === mode);
    };
    let schema: z.ZodType = stackConfigSchema;
    for (let i = 0; i < path.length; i++) {
        const p = path[i]!;
        schema = unwrap(schema);
        if (schema instanceof z.ZodDiscriminatedUnion) {
            const match = option(schema, path.slice(0, i));
            if (!match) return [];
            schema = match;
        }
        if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, z.ZodType>)[p as string] ?? schema;
        else if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    }
    schema = unwrap(schema);
    if (schema instanceof z.ZodDiscriminatedUnion) schema = option(schema, path) ?? schema;
    return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(s: z.ZodType): z.ZodType {
    let cur: z.ZodType = s;
    while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    return cur;
}

export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigError[] {
    const path = issue.path;
    const value = valueAt(raw, path);
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(path, raw);
        return issue.keys.map((k) => {
            const near = nearest(k, known);
            const hint = near ? `did you mean '${near}'?` : `known keys here: ${known.join(", ")}`;
            return { key: keyPath([...path, k]), value: valueAt(raw, [...path, k]), message: `is not a setting of ${PROJECT}; ${hint}` };
        });
    }
    if (value === undefined && issue.code === "invalid_type") {
        const custom = issue.message.startsWith("is required") ? issue.message : `is required (${issue.expected})`;
        return [{ key: keyPath(path), value, message: custom }];
    }
    if (issue.code === "invalid_value") {
        // YAML reads an unquoted 1.30 as the number 1.3: say so when a number meets a list of strings.
        const quoteHint = typeof value === "number" && issue.values.every((v) => typeof v === "string") ? ` (quote it in YAML, e.g. "${String(issue.values[0])}")` : "";
        return [{ key: keyPath(path), value, message: `must be one of: ${issue.values.map(String).join(", ")}${quoteHint}` }];
    }
    if (issue.code === "invalid_type") {
        const msg = issue.message.startsWith("Invalid input") ? `must be ${article(issue.expected)}` : issue.message;
        return [{ key: keyPath(path), value, message: msg }];
    }
    if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
        return [{ key: keyPath(path), value, message: issue.message }];
    }
    if (issue.code === "invalid_union") {
        return [{ key: keyPath(path), value, message: issue.message }];
    }
    if (issue.code === "too_small" && issue.origin === "array") {
        const m = issue.message.startsWith("Too small") ? `needs at least ${String(issue.minimum)} entr${issue.minimum === 1 ? "y" : "ies"}` : issue.message;
        return [{ key: keyPath(path), value, message: m }];
    }
    return [{ key: keyPath(path), value, message: issue.message }];
}

function article(t: string): string {
    return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}


/** Human-readable report of config errors: one line per problem, no stack trace. */
export function formatConfigErrors(stack: string, errors: readonly ConfigError[]): string {
    const lines = errors.map((e) => {
        const shown = e.value === undefined ? "" : ` = ${JSON.stringify(e.value)}`;
        return `  ✗ ${e.key}${shown}\n      ${e.message}`;
    });
    return `stacks/Pulumi.${stack}.yaml has ${errors.length} config error${errors.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
}
