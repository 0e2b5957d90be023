/**
 * `npm run onboard -- --stack dev --user carol --role developer --gpus 1 [--email E] [--profiles a,b]`
 * `npm run offboard -- --stack dev --user carol`
 *
 * Edits the stack file in place (comments and order kept), validates the result with the
 * same schema as the program, and prints what the next `pulumi up` changes for that person,
 * by planning the stack before and after under the mock runtime.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { namespaceConfig } from "../config/load";
import { formatConfigErrors, validateStackConfig } from "../config/validate";
import { addMember, MembershipError, NewMember, removeMember } from "../onboarding/stack-members";
import { diffPlans, planStack, renderDiff } from "../plan/plan";
import { stackFilePath, stackFileToConfig } from "../plan/stack-file";
import { parseFlags, runCli, UsageError } from "./args";

const USAGE = {
    onboard: "usage: npm run onboard -- --stack <name> --user <gitlab-username> [--role developer|maintainer] [--gpus N] [--email E] [--profiles a,b]",
    offboard: "usage: npm run offboard -- --stack <name> --user <gitlab-username>",
};

function memberFromFlags(flags: Record<string, string>): NewMember {
    const role = flags.role ?? "developer";
    if (role !== "developer" && role !== "maintainer") throw new UsageError(`--role must be developer or maintainer, not '${role}'`);
    const gpus = flags.gpus === undefined ? 0 : Number(flags.gpus);
    if (!Number.isInteger(gpus)) throw new UsageError(`--gpus must be a whole number, not '${flags.gpus}'`);
    return {
        username: flags.user!,
        role,
        gpus,
        ...(flags.email ? { email: flags.email } : {}),
        ...(flags.profiles ? { profiles: flags.profiles.split(",").map((p) => p.trim()).filter(Boolean) } : {}),
    };
}

async function main(): Promise<number> {
    const [command, ...rest] = process.argv.slice(2);
    if (command !== "onboard" && command !== "offboard") throw new UsageError(`${USAGE.onboard}\n       ${USAGE.offboard}`);
    const flags = parseFlags(rest, command === "onboard" ? ["stack", "user", "role", "gpus", "email", "profiles"] : ["stack", "user"]);
    if (!flags.stack || !flags.user) throw new UsageError(USAGE[command]);

    const file = stackFilePath(flags.stack);
    if (!fs.existsSync(file)) throw new UsageError(`no stack file ${file}`);
    const before = fs.readFileSync(file, "utf8");
    let after: string;
    try {
        after = command === "onboard" ? addMember(before, memberFromFlags(flags)) : removeMember(before, flags.user);
    } catch (e) {
        if (e instanceof MembershipError) {
            console.error(`error: ${e.message}`);
            return 1;
        }
        throw e;
    }

    // The same validation as `pulumi up`: an edit that breaks the stack is refused, the file untouched.
    const { raw, secretsPresent } = namespaceConfig(stackFileToConfig(parse(after)).config);
    const result = validateStackConfig(raw, { stack: flags.stack, secretsPresent });
    if (!result.ok) {
        console.error(`refused: the stack file would become invalid, so it was left unchanged.\n${formatConfigErrors(flags.stack, result.errors)}`);
        return 1;
    }

    const [planBefore, planAfter] = [await planStack(flags.stack, stackFileToConfig(parse(before))), await planStack(flags.stack, stackFileToConfig(parse(after)))];
    fs.writeFileSync(file, after);
    console.log(`${command === "onboard" ? "Added" : "Removed"} '${flags.user}' ${command === "onboard" ? "to" : "from"} ${file}.`);
    if (planBefore.ok && planAfter.ok) {
        console.log(`\nWhat the next \`pulumi up --stack ${flags.stack}\` changes:`);
        console.log(renderDiff(diffPlans(planBefore.plan, planAfter.plan)));
    }
    if (command === "offboard") {
        console.log(`\n${flags.user}'s GitLab account is not touched (only the project membership goes), and their notebook volume is kept (README: "Offboarding and volumes").`);
    }
    return 0;
}

runCli(main);
