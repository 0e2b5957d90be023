/**
 * What `npm run doctor` reports: one result per check (ok, a problem, or skipped with the
 * reason), the exit code they add up to, and the two renderings (a readable list, JSON).
 * Pure: no I/O here.
 */
import { USAGE_EXIT } from "../cli/args";
import { MAX_LINE, wrapWords } from "../plan/format";

/** `ok`: checked and fine. `problem`: `pulumi up` would fail or do the wrong thing. `skipped`: not checked, and why. */
export type CheckStatus = "ok" | "problem" | "skipped";

/** Which part of the preflight a check belongs to. */
export type CheckGroup = "config" | "image" | "gitlab" | "aws";

/** The result of one check. */
export interface CheckResult {
    /** Stable id for scripts reading the JSON (`gitlab.scopes`, `aws.quota.L-DB2E81BA`). */
    readonly id: string;
    readonly group: CheckGroup;
    /** Short name shown in the list (`token scopes`). */
    readonly title: string;
    readonly status: CheckStatus;
    /** One or two sentences: what was found, or why it was skipped. */
    readonly summary: string;
    /** Further facts, one per line. */
    readonly details?: readonly string[];
    /** What to do about it, in words. */
    readonly fix?: string;
    /** A command that does or starts the fix, printed on a line of its own so it can be pasted. */
    readonly command?: string;
}

/** Everything one run found. */
export interface DoctorReport {
    /** The stack checked; undefined for a project checked without one (`--url`, `--project`). */
    readonly stack: string | undefined;
    /** The stack file, relative to the working directory. */
    readonly stackFile: string | undefined;
    /** The project checked without a stack. */
    readonly project?: string;
    /** Where each group ran against (GitLab URL, AWS region), for the headings. */
    readonly targets: Partial<Record<CheckGroup, string>>;
    readonly checks: readonly CheckResult[];
    /** Set when GitLab could not be reached at all: the run is incomplete (exit 2). */
    readonly gitlabUnreachable?: string;
}

/** Exit code: nothing wrong (skips allowed). */
export const EXIT_OK = 0;
/** Exit code: at least one problem. */
export const EXIT_PROBLEM = 1;
/** Exit code: GitLab unreachable. The usage errors' code: in both cases nothing complete was checked. */
export const EXIT_UNREACHABLE = USAGE_EXIT;

/** The exit code a report adds up to: unreachable GitLab first (the run is incomplete), then any problem. */
export function exitCodeOf(report: DoctorReport): number {
    if (report.gitlabUnreachable !== undefined) return EXIT_UNREACHABLE;
    return report.checks.some((c) => c.status === "problem") ? EXIT_PROBLEM : EXIT_OK;
}

/** How many checks ended in each status. */
export function countByStatus(checks: readonly CheckResult[]): Record<CheckStatus, number> {
    const counts: Record<CheckStatus, number> = { ok: 0, problem: 0, skipped: 0 };
    for (const c of checks) counts[c.status]++;
    return counts;
}

/** Version of the JSON shape; bumped when a field changes meaning or goes away. */
export const DOCTOR_FORMAT_VERSION = 1;

/** The report as `--format json` prints it. */
export function reportJson(report: DoctorReport): Record<string, unknown> {
    return {
        formatVersion: DOCTOR_FORMAT_VERSION,
        stack: report.stack ?? null,
        stackFile: report.stackFile ?? null,
        ...(report.project !== undefined ? { project: report.project } : {}),
        targets: report.targets,
        exitCode: exitCodeOf(report),
        summary: countByStatus(report.checks),
        ...(report.gitlabUnreachable !== undefined ? { gitlabUnreachable: report.gitlabUnreachable } : {}),
        checks: report.checks.map((c) => ({ ...c, details: c.details ?? [] })),
    };
}


const MARK: Record<CheckStatus, string> = { ok: "✓", problem: "✗", skipped: "-" };
const HEADING: Record<CheckGroup, string> = { config: "Config", image: "Environment image", gitlab: "GitLab", aws: "AWS" };

/** The report as a readable list: a heading per group, a line per check, details and fixes indented under it. */
export function renderReport(report: DoctorReport, width = MAX_LINE): string {
    const what = report.stack !== undefined ? `stack '${report.stack}' (${report.stackFile})` : `${report.project} on ${report.targets.gitlab} (no stack: GitLab only)`;
    const lines: string[] = wrapWords(`Preflight of ${what}; nothing was changed.`, "", "  ", width);
    const groups: CheckGroup[] = ["config", "image", "gitlab", "aws"];
    for (const group of groups) {
        const checks = report.checks.filter((c) => c.group === group);
        if (checks.length === 0) continue;
        const target = report.targets[group];
        lines.push("", target ? `${HEADING[group]} (${target})` : HEADING[group]);
        for (const c of checks) {
            // Skipped is said in words too: a dash alone reads as a bullet.
            const label = c.status === "skipped" ? `${c.title}: skipped:` : `${c.title}:`;
            lines.push(...wrapWords(`${label} ${c.summary}`, `  ${MARK[c.status]} `, "      ", width));
            for (const d of c.details ?? []) lines.push(...wrapWords(d, "      · ", "        ", width));
            if (c.fix) lines.push(...wrapWords(c.fix, "      fix: ", "           ", width));
            // Never wrapped: a wrapped command does not paste.
            if (c.command) lines.push(`      $ ${c.command}`);
        }
    }
    const n = countByStatus(report.checks);
    const code = exitCodeOf(report);
    const verdict =
        code === EXIT_UNREACHABLE
            ? "GitLab could not be reached, so the GitLab checks are incomplete."
            : code === EXIT_PROBLEM
              ? `Fix the problem${n.problem === 1 ? "" : "s"} above before \`pulumi up\`.`
              : n.skipped > 0
                ? "Nothing wrong in what could be checked; see the skipped checks for what was not."
                : "Nothing wrong found.";
    lines.push("", ...wrapWords(`${n.ok} ok, ${n.problem} problem${n.problem === 1 ? "" : "s"}, ${n.skipped} skipped (exit ${code}). ${verdict}`, "", "", width));
    return lines.join("\n");
}
