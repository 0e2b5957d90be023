/**
 * How the plan writes values and lays out lines: a value is shown whole or summarised
 * ("12 keys", "3 lines, 240 characters"), never cut in the middle, and long lines wrap
 * between settings, never inside one.
 */
import { REDACTED, UNKNOWN } from "./mock-runtime";

/**
 * Line width of the plan and the other commands' text when the terminal's is unknown (a pipe, a
 * file, CI): no line is longer (the tree prefix included). With a terminal, its width is used
 * (`outputWidth`).
 */
export const MAX_LINE = 100;

/** The narrowest and widest the commands lay text out for. */
const WIDTH_RANGE = { min: 60, max: 200 } as const;

/** The width to lay text out for: the terminal's when known (kept between 60 and 200), else `MAX_LINE`. */
export function outputWidth(columns: number | undefined): number {
    if (!columns || !Number.isFinite(columns)) return MAX_LINE;
    return Math.min(WIDTH_RANGE.max, Math.max(WIDTH_RANGE.min, Math.floor(columns)));
}

/** Paths (dotted, `[i]` for list items) of every unknown inside a value. */
export function unknownPaths(v: unknown, path = "", into: string[] = []): string[] {
    if (v === UNKNOWN) into.push(path || "(root)");
    else if (Array.isArray(v)) v.forEach((x, i) => unknownPaths(x, `${path}[${i}]`, into));
    else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) unknownPaths(x, joinPath(path, k), into);
    }
    return into;
}

/** `a.b`, or `a["b.c"]` when the key itself has dots or spaces (quota names such as `requests.nvidia.com/gpu`). */
export function joinPath(path: string, key: string): string {
    if (/^[A-Za-z0-9_$:/-]+$/.test(key)) return path ? `${path}.${key}` : key;
    return `${path}[${JSON.stringify(key)}]`;
}

/** A JSON scalar: shown inline, and compared as a whole in lists. */
export function isScalar(v: unknown): v is string | number | boolean | null {
    return v === null || ["string", "number", "boolean"].includes(typeof v);
}

/** A JSON object (not an array, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A string as the plan shows it, or undefined when it does not fit `max` in one piece. */
function wholeString(s: string, max: number): string | undefined {
    if (s.includes("\n")) return undefined;
    return s.length <= max ? s : undefined;
}

/** A summary of a string too long to show: its size, never a cut piece of it. */
function stringSummary(s: string): string {
    const lines = s.split("\n").length - (s.endsWith("\n") ? 1 : 0);
    if (lines > 1) return `(${lines} lines, ${s.length} characters)`;
    if (/^\s*[[{]/.test(s)) {
        try {
            const parsed = JSON.parse(s) as unknown;
            if (Array.isArray(parsed)) return `(JSON, ${parsed.length} items)`;
            return `(JSON, ${Object.keys(parsed as object).length} keys, ${s.length} characters)`;
        } catch {
            /* not JSON: a plain summary */
        }
    }
    return `(${s.length} characters)`;
}

/**
 * One value in at most `max` characters: scalars as they are, short lists and flat
 * objects inline, anything larger as a count. Secrets stay `[secret]`, unknowns
 * `(known after deploy)`.
 */
export function formatValue(v: unknown, max = 100): string {
    if (v === undefined) return "(none)";
    if (v === REDACTED || v === UNKNOWN) return v;
    if (typeof v === "string") return wholeString(v, max) ?? stringSummary(v);
    if (isScalar(v)) return String(v);
    if (Array.isArray(v)) {
        if (v.length === 0) return "[]";
        if (v.every(isScalar)) {
            const inline = `[${v.map((x) => (typeof x === "string" ? x : String(x))).join(", ")}]`;
            if (inline.length <= max) return inline;
        }
        if (v.every((x) => x !== null && typeof x === "object" && !Array.isArray(x) && Object.values(x).every(isScalar))) {
            const inline = `[${v.map((x) => `{${flatPairs(x as Record<string, unknown>)}}`).join(", ")}]`;
            if (inline.length <= max) return inline;
        }
        return `(${v.length} items)`;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 0) return "{}";
    if (Object.values(o).every(isScalar)) {
        const inline = `{${flatPairs(o)}}`;
        if (inline.length <= max) return inline;
    }
    return `(${keys.length} keys)`;
}

function flatPairs(o: Record<string, unknown>): string {
    return Object.entries(o)
        .map(([k, x]) => `${k}=${x === null ? "null" : String(x)}`)
        .join(", ");
}

/** One `label=value` piece of a line; pieces are never split across lines. */
export interface Token {
    readonly label: string;
    readonly value: unknown;
    /** Text already formatted (used as is instead of `value`). */
    readonly text?: string;
}

/** A token as text, its value fitting what is left of `width` after `indent`. */
export function tokenText(t: Token, width: number): string {
    if (t.text !== undefined) return t.label ? `${t.label}=${t.text}` : t.text;
    const room = Math.max(20, width - t.label.length - 1);
    return t.label ? `${t.label}=${formatValue(t.value, Math.min(room, 100))}` : formatValue(t.value, Math.min(room, 100));
}

/**
 * Lays out `head` followed by `pieces` (two spaces apart) and an optional `suffix`. If it
 * all fits in `width`, one line (`head  (pieces)  suffix`); else `head` alone, then the
 * pieces and the suffix filled into lines that start with `contIndent`.
 */
export function layout(head: string, pieces: readonly string[], contIndent: string, suffix?: string, width = MAX_LINE): string[] {
    const all = suffix ? [...pieces, suffix] : pieces;
    if (all.length === 0) return [head];
    const single = `${head}${pieces.length > 0 ? `  (${pieces.join("  ")})` : ""}${suffix ? `  ${suffix}` : ""}`;
    if (single.length <= width) return [single];
    return [head, ...fill(all, contIndent, width)];
}

/**
 * A resource's head line (`<prefix><kind>  <name>`), as one line when it fits `width`, else the
 * kind on its line and the name on the next (after `contIndent`): the last line is where its
 * settings go. A name is never split; when `contIndent` leaves it too little room, the name
 * moves left into the indent (deep in the tree, on a narrow terminal).
 */
export function headLines(prefix: string, kind: string, name: string, contIndent: string, width = MAX_LINE): string[] {
    const one = `${prefix}${kind}  ${name}`;
    if (one.length <= width) return [one];
    const room = Math.max(0, width - name.length);
    // Cut at a space, so a tree mark never touches the name.
    const indent = contIndent.length <= room ? contIndent : contIndent.slice(0, room).replace(/\S+$/, "");
    return [`${prefix}${kind}`, `${indent}${name}`];
}

/** Fills pieces into lines of at most `width` characters, each starting with `indent`. */
export function fill(pieces: readonly string[], indent: string, width = MAX_LINE, sep = "  "): string[] {
    const lines: string[] = [];
    let line = "";
    for (const p of pieces) {
        if (line && indent.length + line.length + sep.length + p.length > width) {
            lines.push(indent + line);
            line = p;
        } else {
            line = line ? line + sep + p : p;
        }
    }
    if (line) lines.push(indent + line);
    return lines;
}

/** Wraps prose at word boundaries: the first line starts with `first`, the rest with `rest`. */
export function wrapWords(text: string, first: string, rest: string, width = MAX_LINE): string[] {
    const words = text.split(/\s+/).filter(Boolean);
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const w of words) {
        if (!empty && line.length + 1 + w.length > width) {
            lines.push(line);
            line = rest + w;
        } else {
            line = empty ? line + w : `${line} ${w}`;
        }
        empty = false;
    }
    lines.push(line);
    return lines;
}
