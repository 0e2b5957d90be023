/**
 * `npm run doctor -- --stack dev [--format text|json]`: the preflight before the first
 * `pulumi up`. Checks the stack's config and secrets, what its GitLab token can do, and,
 * for an EKS cluster, the AWS account it would be created in. Reads only.
 */
import * as path from "path";
import { AwsApiFactory, sdkAwsApi } from "../doctor/aws-api";
import { outputWidth } from "../plan/format";
import { runDoctor, runDoctorOnTarget } from "../doctor/doctor";
import { Resolve } from "../doctor/egress-check";
import { EXIT_OK, EXIT_PROBLEM, EXIT_UNREACHABLE, exitCodeOf, renderReport, reportJson } from "../doctor/report";
import { RetryPolicy } from "../gitlab/client";
import { stackFilePath } from "../plan/stack-file";
import { CliIo, CommandSpec, gitlabUrlFlag, incompleteTargetError, projectFlag, readStackOrUsage, runCli, runCommand, UsageError } from "./args";

export const DOCTOR_COMMAND: CommandSpec = {
    name: "doctor",
    summary:
        "Preflight before the first `pulumi up --stack NAME`: the stack config validates and the secrets `pulumi up` needs are set; the GitLab token (GITLAB_TOKEN) works, has the api scope " +
        "and a role that can do what the stack does, the GitLab tier is gitlab.tier, every member's username exists and is not blocked, the OAuth application has the hub's redirect URI " +
        "(what no token can check is said, with how to check it by hand), notebooks may reach the address GitLab's host resolves to; for cluster.mode eks, the AWS credentials " +
        "(the SDK's default chain), the region and its zones, the instance types in those zones, and the EC2 vCPU quotas the node pools can reach. Each check says ok, problem, or " +
        "skipped and why. Reads only: nothing is created or changed in GitLab or AWS.",
    synopsis: ["--stack NAME [--url URL] [--project GROUP/NAME] [--format text|json]", "--url URL --project GROUP/NAME [--format text|json]"],
    options: [
        { name: "stack", value: "NAME", description: "check stacks/Pulumi.NAME.yaml" },
        { name: "url", value: "URL", description: "GitLab base URL: with --stack, instead of its gitlab.url; alone (with --project), the GitLab checks only" },
        { name: "project", value: "GROUP/NAME", description: "full project path: with --stack, instead of its gitlab.project.path; alone (with --url), the GitLab checks only" },
        { name: "format", value: "text|json", description: "text (default): a readable list; json: the checks as JSON on stdout (formatVersion, exitCode, summary, checks)" },
    ],
    exitCodes: [
        [EXIT_OK, "nothing wrong found (skipped checks allowed: without GITLAB_TOKEN or AWS credentials those checks are skipped, not failed)"],
        [EXIT_PROBLEM, "a problem was found (the config is invalid, a secret is missing, the token cannot do what the stack does, a quota is too low, ...)"],
        [EXIT_UNREACHABLE, "usage error (bad options, no such stack file), or GitLab could not be reached"],
    ],
    examples: [
        "GITLAB_TOKEN=glpat-... npm run doctor -- --stack dev",
        "AWS_PROFILE=ml-admin npm run doctor -- --stack dev",
        "GITLAB_TOKEN=glpat-... npm run doctor -- --url https://gitlab.example.com --project ml-team/vision-models",
        "npm run --silent doctor -- --stack dev --format json | jq '.checks[] | select(.status == \"problem\")'",
    ],
};

/** What tests replace: the AWS API and GitLab's retries. */
export interface DoctorCliDeps {
    readonly aws?: AwsApiFactory;
    readonly gitlabRetry?: Partial<RetryPolicy>;
    readonly today?: Date;
    readonly resolve?: Resolve;
}

/** The command's main: exit code 0, 1 or 2 as `--help` documents. */
export async function doctorMain(argv: readonly string[], io: CliIo, deps: DoctorCliDeps = {}): Promise<number> {
    return runCommand(DOCTOR_COMMAND, argv, io, async (flags) => {
        const format = flags.format ?? "text";
        if (format !== "text" && format !== "json") throw new UsageError(`--format must be text or json, not '${format}'`);
        const url = flags.url === undefined ? undefined : gitlabUrlFlag(flags.url);
        const project = flags.project === undefined ? undefined : projectFlag(flags.project);
        const common = { progress: (line: string) => io.err(line), ...(deps.gitlabRetry ? { gitlabRetry: deps.gitlabRetry } : {}), ...(deps.today ? { today: deps.today } : {}), ...(deps.resolve ? { resolve: deps.resolve } : {}) };
        let report;
        if (flags.stack) {
            const stack = flags.stack;
            const file = readStackOrUsage(stack, io);
            const gitlab = { ...(url ? { url } : {}), ...(project ? { project } : {}) };
            report = await runDoctor({ stack, file, stackFile: path.relative(io.cwd, stackFilePath(stack, io.cwd)), env: io.env, gitlab }, { aws: deps.aws ?? sdkAwsApi, ...common });
        } else {
            if (!url || !project) throw incompleteTargetError(DOCTOR_COMMAND, Boolean(url), Boolean(project));
            io.err(`No stack given: checking ${project} on ${url} (GitLab only: no config, secrets, team or AWS).`);
            report = await runDoctorOnTarget({ url, project, env: io.env }, common);
        }
        io.out(format === "json" ? JSON.stringify(reportJson(report), null, 2) : renderReport(report, outputWidth(io.columns)));
        return exitCodeOf(report);
    });
}

if (require.main === module) runCli((argv, io) => doctorMain(argv, io));
