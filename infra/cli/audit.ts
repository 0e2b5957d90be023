/**
 * `npm run audit -- --stack NAME` or `--url URL --project GROUP/NAME`: reads a GitLab project
 * through the API and compares its branch protection, merge settings, push and approval rules,
 * CI configuration, members and tier with the branch model (a stack's, or the default one).
 * Read-only: it changes nothing in GitLab.
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { AuditReport, PENDING_EXIT, runAudit } from "../audit/audit";
import { AuditTarget, defaultTarget, ExpectedTeam, targetFromConfig } from "../audit/expected";
import { AUDIT_FORMATS, AuditFormat, formatReport } from "../audit/format";
import { AuditAccessError } from "../audit/read";
import { memberSchema, PROJECT } from "../config/schema";
import { formatConfigErrors } from "../config/validate";
import { RetryPolicy } from "../gitlab/client";
import { MAX_LINE, outputWidth } from "../plan/format";
import { validateStackFile } from "../plan/stack-file";
import { CliIo, CommandSpec, gitlabUrlFlag, incompleteTargetError, projectFlag, readStackOrUsage, runCli, runCommand, UsageError, USAGE_EXIT } from "./args";

/** Exit code when a mandatory rule fails. */
export const FINDINGS_EXIT = 1;

/** The command's interface: what `--help` prints and what the parser accepts. */
export const AUDIT_COMMAND: CommandSpec = {
    name: "audit",
    summary:
        "Reads a GitLab project through the API (read-only) and compares it with the branch model: protected branches and tags, merge settings, push and approval rules, " +
        "whether a pipeline runs for every merge request, members and roles, the edition and tier of the server. Prints a table (rule | expected | actual | enforced by | status) " +
        "and a score in the spirit of the OpenSSF Scorecard Branch-Protection check. With --stack the model, tier and team come from stacks/Pulumi.NAME.yaml; with --url/--project " +
        "the project is audited against the default branch model and the pipeline it generates (stages and rules), direct Owners are findings, and --members FILE compares the members with a team. " +
        "A finding that an open merge request of the package fixes is pending (exit 3), not drift. The token comes from GITLAB_TOKEN (read_api scope is enough; " +
        "Maintainer on the project to read push rules; Owner of the group, or admin, to read the tier) and is never printed.",
    synopsis: ["--stack NAME [--format text|json|junit|markdown] [--output FILE]", "--url URL --project GROUP/NAME [--members FILE] [--format text|json|junit|markdown] [--output FILE]"],
    options: [
        { name: "stack", value: "NAME", description: "audit the project of stacks/Pulumi.NAME.yaml against its branch model, tier and team" },
        { name: "url", value: "URL", description: "GitLab base URL, for a project without a stack (with --project)" },
        { name: "project", value: "GROUP/NAME", description: "full path of the project, for a project without a stack (with --url)" },
        { name: "members", value: "FILE", description: "with --url: the team to compare members with, a stack file (its ml-team-env:team) or a YAML list of {username, role}" },
        { name: "format", value: "FORMAT", description: "text (default), json, junit (a test case per rule, for a pipeline's test report) or markdown" },
        { name: "output", value: "FILE", description: "write the report to FILE instead of stdout, and a one-line result to stderr" },
    ],
    exitCodes: [
        [0, "no mandatory rule fails (advisory warnings and unchecked rules may remain)"],
        [FINDINGS_EXIT, "at least one mandatory rule fails"],
        [USAGE_EXIT, "usage or connection error, nothing audited: bad or missing options, GITLAB_TOKEN not set, no such stack or an invalid one, GitLab unreachable, token rejected (401), project not found"],
        [PENDING_EXIT, "no mandatory rule fails, but at least one waits on the package's open merge request (feature/ml-team-env-…): merge it"],
    ],
    examples: [
        "npm run audit -- --stack dev",
        "npm run audit -- --url https://gitlab.example.com --project ml-team/vision-models",
        "npm run audit -- --url https://gitlab.example.com --project ml-team/vision-models --members ../infra/stacks/Pulumi.prod.yaml",
        "npm run --silent audit -- --stack dev --format junit --output audit.xml",
        "npm run --silent audit -- --stack dev --format json | jq '.score'",
    ],
};

/** What tests inject: a shorter retry policy for an unreachable server. */
export interface AuditDeps {
    readonly retry?: Partial<RetryPolicy>;
}

interface Resolved {
    readonly url: string;
    readonly project: string;
    readonly target: AuditTarget;
}

/**
 * The team of `--members FILE`: a stack file's `ml-team-env:team.members`, a `members:` list,
 * or a bare list, each entry `{username, role}` as the stack schema has it.
 */
export function readTeamFile(file: string, io: CliIo): ExpectedTeam {
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(io.cwd, file), "utf8");
    } catch (e) {
        throw new UsageError(`--members ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const doc = parseDocument(text, { merge: true });
    if (doc.errors.length > 0) throw new UsageError(`--members ${file}: not YAML (${doc.errors[0]!.message.split("\n")[0]})`);
    const data = doc.toJS() as unknown;
    const rec = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
    const fromStack = rec(rec(rec(data)?.config)?.[`${PROJECT}:team`])?.members;
    const list = fromStack ?? rec(data)?.members ?? data;
    const parsed = z.array(memberSchema).min(1).safeParse(list);
    if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new UsageError(`--members ${file}: ${issue.path.length ? `members.${issue.path.join(".")}` : "members"} ${issue.message}: give a stack file, or a YAML list of {username, role: developer|maintainer}`);
    }
    return { members: parsed.data, source: fromStack ? `the team of ${file}` : file };
}

/** The URL, project and target from the options: a stack's, or --url/--project with the default model. */
function resolve(flags: Readonly<Record<string, string>>, io: CliIo): Resolved {
    if (flags.stack) {
        if (flags.url || flags.project) throw new UsageError("give either --stack NAME, or --url URL with --project GROUP/NAME, not both: a stack names its own GitLab and project");
        if (flags.members) throw new UsageError("--members is for --url audits: with --stack the team is the stack's own");
        const file = readStackOrUsage(flags.stack, io);
        const result = validateStackFile(flags.stack, file, { gitlabTokenInEnv: Boolean(io.env.GITLAB_TOKEN) });
        if (!result.ok) throw new UsageError(formatConfigErrors(flags.stack, result.errors));
        return { url: result.config.gitlab.url, project: result.config.gitlab.project.path, target: targetFromConfig(result.config) };
    }
    if (!flags.url || !flags.project) throw incompleteTargetError(AUDIT_COMMAND, Boolean(flags.url), Boolean(flags.project));
    const url = gitlabUrlFlag(flags.url);
    const project = projectFlag(flags.project);
    const team = flags.members ? readTeamFile(flags.members, io) : undefined;
    return { url, project, target: defaultTarget(team) };
}

/** The command: exit 0 (clean), 1 (a mandatory rule fails), 2 (usage or connection error). */
export async function auditMain(argv: readonly string[], io: CliIo, deps: AuditDeps = {}): Promise<number> {
    return runCommand(AUDIT_COMMAND, argv, io, async (flags) => {
        const format = (flags.format ?? "text") as AuditFormat;
        if (!AUDIT_FORMATS.includes(format)) throw new UsageError(`--format ${flags.format}: must be one of ${AUDIT_FORMATS.join(", ")}`);
        const { url, project, target } = resolve(flags, io);
        const token = io.env.GITLAB_TOKEN;
        if (!token) throw new UsageError("GITLAB_TOKEN is not set: export a token with the read_api (or api) scope");
        if (target.source.kind === "default") io.err(`No stack given: auditing ${project} against the default branch model; ${target.team ? `members against ${target.team.source}` : "members listed, direct Owners found (--members FILE compares the team)"}.`);
        let report: AuditReport;
        try {
            report = await runAudit({ url, token, project, target, ...(deps.retry ? { retry: deps.retry } : {}) });
        } catch (e) {
            // Exit 1 means findings: an audit that could not run must never look like one.
            io.err(`error: ${e instanceof AuditAccessError ? e.message : `the audit failed: ${(e as Error)?.message ?? String(e)}`}\nNothing was audited.`);
            return USAGE_EXIT;
        }
        // A file gets the default width; a terminal its own.
        const text = formatReport(report, format, flags.output ? MAX_LINE : outputWidth(io.columns));
        if (flags.output) {
            fs.writeFileSync(path.resolve(io.cwd, flags.output), text);
            io.err(`Audit of ${report.project.path} written to ${flags.output} (${format}): score ${report.score.score}/10, ${report.summary.fail} fail, ${report.summary.warn} warn, ${report.summary.notChecked} not checked, ${report.summary.pending} pending.`);
        } else {
            io.out(text);
        }
        return report.exitCode;
    });
}

if (require.main === module) runCli((argv, io) => auditMain(argv, io));
