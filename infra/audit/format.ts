/**
 * The audit report as text (a terminal), JSON (the report itself), JUnit XML (a GitLab
 * pipeline's test report: one test case per rule, a failure per failing rule) and Markdown
 * (an issue or a merge request comment). Pure functions of the report.
 */
import { MAX_LINE, wrapWords } from "../plan/format";
import { AuditReport } from "./audit";
import { AuditRow } from "./compare";
import { tierText } from "./server-tier";

/** The output formats of `--format`. */
export const AUDIT_FORMATS = ["text", "json", "junit", "markdown"] as const;
/** One of `AUDIT_FORMATS`. */
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** Renders the report in a format; the text table in lines of at most `width`. */
export function formatReport(report: AuditReport, format: AuditFormat, width = MAX_LINE): string {
    switch (format) {
        case "json":
            return formatJson(report);
        case "junit":
            return formatJunit(report);
        case "markdown":
            return formatMarkdown(report);
        default:
            return formatText(report, width);
    }
}

const level = (r: AuditRow) => (r.mandatory ? "mandatory" : "advisory");

function serverLine(report: AuditReport): string {
    const s = report.server;
    const edition = s.edition ? `GitLab ${s.edition === "ee" ? "Enterprise" : "Community"} Edition${s.version ? ` ${s.version}` : ""}` : "edition could not be determined";
    const tier = s.tier ? `tier ${tierText({ tier: s.tier, atLeast: s.tierAtLeast })} (${s.tierSource})` : `tier ${s.tierSource}; rules judged as ${report.rulesTier}`;
    return `${edition}, ${tier}`;
}

function resultLine(report: AuditReport): string {
    const s = report.summary;
    const mandatory = report.rows.filter((r) => r.status === "fail" && r.mandatory).length;
    const counts = `${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.notChecked} not checked${s.pending ? `, ${s.pending} pending` : ""}`;
    if (report.exitCode === 1) return `${counts}. Exit 1: ${mandatory} mandatory rule${mandatory === 1 ? "" : "s"} fail${mandatory === 1 ? "s" : ""}.`;
    if (report.exitCode === 3) {
        const mrs = [...new Set(report.rows.filter((r) => r.status === "pending").map((r) => r.pendingMergeRequest))];
        const which = mrs.length === 1 ? `merge request ${mrs[0]}: merge it` : `merge requests ${mrs.join(", ")}: merge them`;
        return `${counts}. Exit 3: no mandatory rule fails, but ${s.pending} wait${s.pending === 1 ? "s" : ""} on the package's open ${which}.`;
    }
    return `${counts}. Exit 0: no mandatory rule fails.`;
}

function scoreLines(report: AuditReport, bullet: (met: boolean) => string, indent: string): string[] {
    const sc = report.score;
    const lines = [`Score: ${sc.score}/${sc.max} (tier ${sc.tierReached} of ${sc.tiers.length}), in the spirit of the OpenSSF Scorecard Branch-Protection check`];
    for (const t of sc.tiers) {
        lines.push(`${indent}${bullet(t.met)} tier ${t.level} (${t.points}/10): ${t.title}`);
        // What the project could fix; what the tier or model rules out is listed under the cap.
        if (!t.met) for (const r of t.requirements.filter((x) => !x.met && !x.unreachable)) lines.push(`${indent}${indent}${bullet(false)} ${r.text}: ${r.why ?? "not met"}`);
    }
    if (sc.cap) {
        lines.push(`At most ${sc.cap.points}/10 on this server with this model:`);
        for (const reason of sc.cap.reasons) lines.push(`${indent}${reason}`);
    }
    return lines;
}

/** Hard-wraps a cell to `width`, at spaces where it can. */
function wrapCell(text: string, width: number): string[] {
    const out: string[] = [];
    for (const line of wrapWords(text, "", "", width)) {
        for (let i = 0; i < line.length; i += width) out.push(line.slice(i, i + width));
        if (line.length === 0) out.push("");
    }
    return out;
}

/**
 * The widths of the table's columns for a line of `width`: status, level and enforcer keep theirs,
 * rule, expected and actual share the rest (up to their natural widths, at least 10 each).
 */
export function columnWidths(width: number): { rule: number; expected: number; actual: number; enforcedBy: number; status: number; level: number } {
    const fixed = { enforcedBy: 11, status: 11, level: 9 };
    const natural = { rule: 34, expected: 26, actual: 34 };
    const gaps = 2 * 5;
    const room = Math.max(30, width - gaps - fixed.enforcedBy - fixed.status - fixed.level);
    const total = natural.rule + natural.expected + natural.actual;
    if (room >= total) return { ...natural, ...fixed };
    const share = (n: number) => Math.max(10, Math.floor((room * n) / total));
    const rule = share(natural.rule);
    const expected = share(natural.expected);
    return { rule, expected, actual: Math.max(10, room - rule - expected), ...fixed };
}

/** The terminal table, with each finding's why under its row, in lines of at most `width` (the terminal's, or 100). */
export function formatText(report: AuditReport, width = MAX_LINE): string {
    const head = [
        `ml-team-env audit of ${report.project.path} (${report.project.webUrl})`,
        `Compared with ${report.model.description}.`,
        `Server: ${serverLine(report)}.`,
        "",
    ].flatMap((l) => (l ? wrapWords(l, "", "  ", width) : [l]));
    const w = columnWidths(width);
    const columns = [
        { title: "RULE", width: w.rule, cell: (r: AuditRow) => r.rule },
        { title: "EXPECTED", width: w.expected, cell: (r: AuditRow) => r.expected },
        { title: "ACTUAL", width: w.actual, cell: (r: AuditRow) => r.actual },
        { title: "ENFORCED BY", width: w.enforcedBy, cell: (r: AuditRow) => r.enforcedBy },
        { title: "STATUS", width: w.status, cell: (r: AuditRow) => r.status },
        { title: "LEVEL", width: w.level, cell: (r: AuditRow) => level(r) },
    ];
    const lines: string[] = [columns.map((c) => c.title.padEnd(c.width)).join("  ").trimEnd()];
    for (const r of report.rows) {
        const cells = columns.map((c) => wrapCell(c.cell(r), c.width));
        const height = Math.max(...cells.map((c) => c.length));
        for (let i = 0; i < height; i++) lines.push(columns.map((c, j) => (cells[j]![i] ?? "").padEnd(c.width)).join("  ").trimEnd());
        if (r.why && r.status !== "pass") lines.push(...wrapCell(r.why, width - 6).map((l, i) => (i === 0 ? "    ↳ " : "      ") + l));
    }
    const tail = [...scoreLines(report, (m) => (m ? "✓" : "✗"), "  "), "", resultLine(report)].flatMap((l) => (l ? wrapWords(l, l.match(/^ */)![0], `${l.match(/^ */)![0]}    `, width) : [l]));
    return [...head, ...lines, "", ...tail].join("\n") + "\n";
}

/** The report as JSON: the report object itself, with `formatVersion`. */
export function formatJson(report: AuditReport): string {
    return JSON.stringify(report, null, 2) + "\n";
}

/** Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
    return s
        .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;")
        .replace(/'/g, "&apos;");
}

/**
 * JUnit XML: one test case per rule (class name `ml-team-env.audit.<area>`), a `<failure>`
 * per failing rule, `<skipped>` for rules not checked, and warnings in the case's
 * `<system-out>` (they pass: the pipeline shows them without counting them as failures).
 */
export function formatJunit(report: AuditReport): string {
    const s = report.summary;
    const attrs = (o: Record<string, string | number>) =>
        Object.entries(o)
            .map(([k, v]) => `${k}="${xmlEscape(String(v))}"`)
            .join(" ");
    const counts = { tests: report.rows.length, failures: s.fail, errors: 0, skipped: s.notChecked + s.pending };
    const name = `ml-team-env audit: ${report.project.path}`;
    const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites ${attrs({ name, ...counts })}>`, `  <testsuite ${attrs({ name, ...counts, hostname: report.gitlabUrl })}>`, "    <properties>"];
    const props: Record<string, string> = {
        project: report.project.webUrl,
        model: report.model.description,
        server: serverLine(report),
        score: `${report.score.score}/${report.score.max}`,
        "score.tier": String(report.score.tierReached),
        ...(report.score.cap ? { "score.cap": `${report.score.cap.points}/10: ${report.score.cap.reasons.join("; ")}` } : {}),
    };
    for (const [k, v] of Object.entries(props)) out.push(`      <property ${attrs({ name: k, value: v })}/>`);
    out.push("    </properties>");
    for (const r of report.rows) {
        const detail = `rule: ${r.rule}\nexpected: ${r.expected}\nactual: ${r.actual}\nenforced by: ${r.enforcedBy}\nstatus: ${r.status} (${level(r)})${r.why ? `\nwhy: ${r.why}` : ""}`;
        const open = `    <testcase ${attrs({ classname: `ml-team-env.audit.${r.area}`, name: `${r.rule} [${r.id}]` })}`;
        if (r.status === "pass") {
            out.push(`${open}/>`);
        } else if (r.status === "fail") {
            out.push(`${open}>`, `      <failure ${attrs({ message: `expected ${r.expected}, actual ${r.actual}`, type: level(r) })}>${xmlEscape(detail)}</failure>`, "    </testcase>");
        } else if (r.status === "not-checked") {
            out.push(`${open}>`, `      <skipped ${attrs({ message: r.why ?? "not checked" })}/>`, "    </testcase>");
        } else if (r.status === "pending") {
            // Not drift: the fix is proposed and waits for review.
            out.push(`${open}>`, `      <skipped ${attrs({ message: `pending: ${r.pendingMergeRequest ?? ""}` })}/>`, `      <system-out>${xmlEscape(`pending: ${detail}`)}</system-out>`, "    </testcase>");
        } else {
            out.push(`${open}>`, `      <system-out>${xmlEscape(`warning: ${detail}`)}</system-out>`, "    </testcase>");
        }
    }
    out.push("  </testsuite>", "</testsuites>");
    return out.join("\n") + "\n";
}

/** Escapes Markdown in a table cell or list item: emphasis and code characters, pipes, HTML, line breaks. */
export function mdCell(s: string): string {
    return s.replace(/[\\`*_|[\]]/g, "\\$&").replace(/</g, "&lt;").replace(/\r?\n/g, "<br>");
}

/** A Markdown report: summary, the table (with why), the score. */
export function formatMarkdown(report: AuditReport): string {
    const status = (r: AuditRow) => (r.status === "fail" ? "**fail**" : r.status);
    const lines = [
        `## ml-team-env audit: ${mdCell(report.project.path)}`,
        "",
        `- Project: ${report.project.webUrl}`,
        `- Compared with ${mdCell(report.model.description)}`,
        `- Server: ${mdCell(serverLine(report))}`,
        `- Result: ${mdCell(resultLine(report))}`,
        "",
        "| rule | expected | actual | enforced by | status | level | why |",
        "|---|---|---|---|---|---|---|",
        ...report.rows.map((r) => `| ${[r.rule, r.expected, r.actual, r.enforcedBy, status(r), level(r), r.why ?? ""].map((c, i) => (i === 4 ? c : mdCell(c))).join(" | ")} |`),
        "",
        `### Score: ${report.score.score}/${report.score.max} (tier ${report.score.tierReached} of ${report.score.tiers.length})`,
        "",
        "In the spirit of the OpenSSF Scorecard Branch-Protection check.",
        "",
    ];
    for (const t of report.score.tiers) {
        lines.push(`- ${t.met ? "✓" : "✗"} tier ${t.level} (${t.points}/10): ${mdCell(t.title)}`);
        if (!t.met) for (const r of t.requirements.filter((x) => !x.met && !x.unreachable)) lines.push(`  - ✗ ${mdCell(r.text)}: ${mdCell(r.why ?? "not met")}`);
    }
    if (report.score.cap) lines.push("", `At most ${report.score.cap.points}/10 on this server with this model:`, "", ...report.score.cap.reasons.map((r) => `- ${mdCell(r)}`));
    return lines.join("\n") + "\n";
}
