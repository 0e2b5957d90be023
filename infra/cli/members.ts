/**
 * `npm run onboard -- --stack dev --user carol --gpus 1 [--role developer|maintainer] [--profiles a,b]`
 * `npm run offboard -- --stack dev --user carol`
 *
 * Edits the stack file in place (comments and order kept), validates the result with the
 * same schema as the program, and prints what the next `pulumi up` changes for that person,
 * by planning the stack before and after under the mock runtime.
 */
import * as fs from "fs";
import type { LoadOptions } from "../config/load";
import { formatConfigErrors } from "../config/validate";
import { addMember, MembershipError, NewMember, removeMember } from "../onboarding/stack-members";
import { outputWidth, wrapWords } from "../plan/format";
import { diffPlans, diffSummary, Planner, planStack, renderDiff } from "../plan/plan";
import { parseStackYaml, StackFileConfig, stackFilePath, stackFileToConfig, validateStackFile } from "../plan/stack-file";
import { CliIo, CommandSpec, helpText, runCli, runCommand, UsageError, USAGE_EXIT } from "./args";

const EXIT_CODES: CommandSpec["exitCodes"] = [
    [0, "the stack file was changed (review and commit it, then `pulumi up`)"],
    [1, "refused, the stack file left unchanged: already a member / not a member, or the file would become invalid"],
    [2, "usage error: bad, missing or repeated options, no such stack file"],
];

export const ONBOARD_COMMAND: CommandSpec = {
    name: "onboard",
    summary:
        "Adds a member to the stack file's ml-team-env:team.members (comments and formatting elsewhere unchanged), checks the result " +
        "with the same schema as `pulumi up`, and prints what the next `pulumi up` changes (the stack is planned before and after, offline).",
    synopsis: ["--stack NAME --user GITLAB_USERNAME --gpus N [--role developer|maintainer] [--profiles a,b]"],
    options: [
        { name: "stack", value: "NAME", description: "edit stacks/Pulumi.NAME.yaml", required: true },
        { name: "user", value: "GITLAB_USERNAME", description: "the member's GitLab username (not their email or display name)", required: true },
        { name: "gpus", value: "N", description: "GPUs the member may use at once: a whole number, 0 for CPU only", required: true },
        { name: "role", value: "ROLE", description: "developer (default) or maintainer: their GitLab role, maintainers are also hub admins" },
        { name: "profiles", value: "a,b", description: "the notebook profiles they may start, by name (from ml-team-env:jupyterhub.profiles)" },
    ],
    exitCodes: EXIT_CODES,
    examples: ["npm run onboard -- --stack dev --user carol --gpus 1", "npm run onboard -- --stack dev --user dan --gpus 0 --role maintainer --profiles cpu"],
};

export const OFFBOARD_COMMAND: CommandSpec = {
    name: "offboard",
    summary:
        "Removes a member from the stack file and prints what the next `pulumi up` changes. Their GitLab account is never touched (only the " +
        "project membership goes) and their notebook volume is kept.",
    synopsis: ["--stack NAME --user GITLAB_USERNAME"],
    options: [
        { name: "stack", value: "NAME", description: "edit stacks/Pulumi.NAME.yaml", required: true },
        { name: "user", value: "GITLAB_USERNAME", description: "the member to remove", required: true },
    ],
    exitCodes: EXIT_CODES,
    examples: ["npm run offboard -- --stack dev --user carol"],
};

/** The member the onboard flags describe; every mistake is a usage error. */
export function memberFromFlags(flags: Readonly<Record<string, string>>): NewMember {
    const role = flags.role ?? "developer";
    if (role !== "developer" && role !== "maintainer") throw new UsageError(`--role must be developer or maintainer, not '${role}'`);
    const gpus = flags.gpus!;
    if (!/^\d+$/.test(gpus)) throw new UsageError(`--gpus must be a whole number of GPUs, 0 or more (0 for CPU only), not '${gpus}'`);
    const profiles = flags.profiles?.split(",").map((p) => p.trim());
    if (profiles && profiles.some((p) => p === "")) throw new UsageError(`--profiles is a comma-separated list of profile names, not '${flags.profiles}'`);
    return { username: flags.user!, role, gpus: Number(gpus), ...(profiles ? { profiles } : {}) };
}

async function edit(command: "onboard" | "offboard", flags: Readonly<Record<string, string>>, io: CliIo, planner: Planner, options: LoadOptions): Promise<number> {
    const stack = flags.stack!;
    const member = command === "onboard" ? memberFromFlags(flags) : undefined;
    const file = stackFilePath(stack, io.cwd);
    if (!fs.existsSync(file)) throw new UsageError(`no stack file ${file}`);
    const before = fs.readFileSync(file, "utf8");
    let after: string;
    try {
        after = member ? addMember(before, member) : removeMember(before, flags.user!);
    } catch (e) {
        if (e instanceof MembershipError) {
            io.err(`refused: ${e.message}`);
            return 1;
        }
        throw e;
    }

    // The same validation as `pulumi up`: an edit that breaks the stack is refused, the file untouched.
    const edited = stackFileToConfig(parseStackYaml(after));
    const result = validateStackFile(stack, edited, { today: options.today });
    if (!result.ok) {
        io.err(`refused: the stack file would become invalid, so it was left unchanged.\n${formatConfigErrors(stack, result.errors)}`);
        return 1;
    }

    // Two plans of the whole stack: a few seconds each, so say what is happening.
    const timed = async (label: string, config: StackFileConfig) => {
        io.err(`${label}…`);
        const t0 = Date.now();
        const planned = await planner(stack, config);
        io.err(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return planned;
    };
    const planBefore = await timed(`planning stack '${stack}' before the change (1/2)`, stackFileToConfig(parseStackYaml(before)));
    const planAfter = await timed(`planning stack '${stack}' after the change (2/2)`, edited);
    fs.writeFileSync(file, after);
    io.out(`${member ? "Added" : "Removed"} '${flags.user}' ${member ? "to" : "from"} ${file}.`);
    if (planBefore.ok && planAfter.ok) {
        const diff = diffPlans(planBefore.plan, planAfter.plan);
        io.out(`\nWhat the next \`pulumi up --stack ${stack}\` changes:`);
        // No "not compared" note here: the program's tests show a membership change reaches nothing but the member's resources.
        io.out(renderDiff(diff, { width: outputWidth(io.columns) }));
        io.out(`\nChanges: ${diffSummary(diff)}`);
    }
    if (!member) {
        const note = `${flags.user}'s GitLab account is not touched (only the project membership goes), and their notebook volume is kept (docs/notebooks.md "Offboarding and volumes").`;
        io.out(`\n${wrapWords(note, "", "", outputWidth(io.columns)).join("\n")}`);
    }
    return 0;
}

/** `members.ts onboard|offboard [options]`. `options.today` fixes the day validation checks EKS support on (tests). */
export async function membersMain(argv: readonly string[], io: CliIo, planner: Planner = planStack, options: LoadOptions = {}): Promise<number> {
    const [command, ...rest] = argv;
    if (command !== "onboard" && command !== "offboard") {
        io.err(`error: the first argument is onboard or offboard, not '${command ?? ""}'\n\n${helpText(ONBOARD_COMMAND, outputWidth(io.columns))}\n\n${helpText(OFFBOARD_COMMAND, outputWidth(io.columns))}`);
        return USAGE_EXIT;
    }
    return runCommand(command === "onboard" ? ONBOARD_COMMAND : OFFBOARD_COMMAND, rest, io, (flags) => edit(command, flags, io, planner, options));
}

if (require.main === module) runCli((argv, io) => membersMain(argv, io));
