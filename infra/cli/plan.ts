/**
 * `npm run plan -- --stack dev [--json FILE|-] [--diff OLD.json [--fail-on-change]]`:
 * what `pulumi up` would create, offline, and what changed since an earlier plan.
 * Needs no cloud account and no Pulumi CLI; deploys nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { formatConfigErrors } from "../config/validate";
import { outputWidth } from "../plan/format";
import { diffHasChanges, diffPlans, diffSummary, parsePlanJson, Plan, PlanFileError, planJson, Planner, planStack, renderDiff, renderPlan } from "../plan/plan";
import { CliIo, CommandSpec, readStackOrUsage, runCli, runCommand, UsageError } from "./args";

/** Exit code when `--fail-on-change` is given and the plan differs from `--diff`. */
export const CHANGED_EXIT = 3;

export const PLAN_COMMAND: CommandSpec = {
    name: "plan",
    summary:
        "What `pulumi up --stack NAME` would create, offline: runs the real program for stacks/Pulumi.NAME.yaml under the Pulumi SDK's mock runtime, " +
        "as a preview of a new stack (values only the cloud computes are shown as '(known after deploy)', secrets as '[secret]'). Nothing is deployed.",
    synopsis: ["--stack NAME [--json FILE|-] [--diff OLD.json [--fail-on-change]]"],
    options: [
        { name: "stack", value: "NAME", description: "plan stacks/Pulumi.NAME.yaml", required: true },
        { name: "json", value: "FILE", description: "also write the plan as JSON (with formatVersion) to FILE; '-' writes it to stdout and nothing else goes there (run npm with --silent, or npm's own banner goes there too)" },
        { name: "diff", value: "OLD.json", description: "show what changed since an earlier plan's JSON: + added, ~ changed (keys old → new), - removed, [kept] removed but left in place" },
        { name: "fail-on-change", description: `with --diff: exit ${CHANGED_EXIT} when anything changed (for a CI job)` },
    ],
    exitCodes: [
        [0, "planned (with --diff: also when something changed, unless --fail-on-change)"],
        [1, "the stack config is invalid (every problem is listed), or the program failed"],
        [2, "usage error: bad or repeated options, no such stack file, a --diff file that is not a plan JSON"],
        [CHANGED_EXIT, "--fail-on-change, and the plan differs from the --diff file"],
    ],
    examples: [
        "npm run plan -- --stack dev",
        "npm run plan -- --stack dev --json plan.json",
        "npm run plan -- --stack dev --diff plan.json --fail-on-change",
        "npm run --silent plan -- --stack dev --json - | jq '.summary'",
    ],
};

function readOldPlan(file: string, stack: string, io: CliIo): Plan {
    let text: string;
    try {
        text = fs.readFileSync(path.resolve(io.cwd, file), "utf8");
    } catch (e) {
        throw new UsageError(`cannot read --diff ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
    let old: Plan;
    try {
        old = parsePlanJson(text, file);
    } catch (e) {
        if (e instanceof PlanFileError) throw new UsageError(e.message);
        throw e;
    }
    if (old.stack !== stack) throw new UsageError(`${file} is a plan of stack '${old.stack}', not '${stack}': compare plans of one stack`);
    return old;
}

export async function planMain(argv: readonly string[], io: CliIo, planner: Planner = planStack): Promise<number> {
    return runCommand(PLAN_COMMAND, argv, io, async (flags) => {
        const stack = flags.stack!;
        if (flags["fail-on-change"] && !flags.diff) throw new UsageError("--fail-on-change needs --diff OLD.json");
        const file = readStackOrUsage(stack, io);
        // Read the old plan first: a bad --diff file fails before the slow part.
        const old = flags.diff ? readOldPlan(flags.diff, stack, io) : undefined;
        const result = await planner(stack, file);
        if (!result.ok) {
            io.err(formatConfigErrors(stack, result.errors));
            io.err("\nNothing was deployed.");
            return 1;
        }
        const plan = result.plan;
        // With `--json -` stdout carries the JSON alone; the text goes to stderr.
        const jsonToStdout = flags.json === "-";
        const text = (s: string) => (jsonToStdout ? io.err(s) : io.out(s));

        let changed = false;
        if (old) {
            const diff = diffPlans(old, plan);
            changed = diffHasChanges(diff);
            text(`What changed in stack '${stack}' since ${flags.diff} (offline plan; nothing was deployed):\n`);
            text(renderDiff(diff, { notes: true, width: outputWidth(io.columns) }));
            text(`\nChanges: ${diffSummary(diff)}`);
        } else {
            text(renderPlan(plan, outputWidth(io.columns)));
        }
        if (flags.json) {
            const json = JSON.stringify(planJson(plan), null, 2) + "\n";
            if (jsonToStdout) {
                io.out(json);
            } else {
                fs.writeFileSync(path.resolve(io.cwd, flags.json), json);
                text(`Plan written to ${flags.json} (secrets redacted).`);
            }
        }
        return changed && flags["fail-on-change"] ? CHANGED_EXIT : 0;
    });
}

if (require.main === module) runCli((argv, io) => planMain(argv, io));
