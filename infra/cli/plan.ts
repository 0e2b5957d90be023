/**
 * `npm run plan -- --stack dev [--json plan.json]`: what `pulumi up` would create, offline.
 * Needs no cloud account and no Pulumi CLI; deploys nothing.
 */
import * as fs from "fs";
import { formatConfigErrors } from "../config/validate";
import { planJson, planStack, renderPlan } from "../plan/plan";
import { readStackFile } from "../plan/stack-file";
import { parseFlags, runCli, UsageError } from "./args";

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2), ["stack", "json"]);
    if (!flags.stack) throw new UsageError("usage: npm run plan -- --stack <name> [--json FILE]");
    const result = await planStack(flags.stack, readStackFile(flags.stack));
    if (!result.ok) {
        console.error(formatConfigErrors(flags.stack, result.errors));
        console.error("\nNothing was deployed.");
        return 1;
    }
    console.log(renderPlan(result.plan));
    if (flags.json) {
        fs.writeFileSync(flags.json, JSON.stringify(planJson(result.plan), null, 2) + "\n");
        console.log(`Plan written to ${flags.json} (secrets redacted).`);
    }
    return 0;
}

runCli(main);
