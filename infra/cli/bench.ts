/**
 * `npm run bench`: what the program costs to evaluate and how it scales, offline.
 *
 * - evaluation cost: wall time and heap growth of a plan of each example stack;
 * - scaling: resources and time as the team grows (members added with the onboarding edit);
 * - critical path: the longest chain of resource dependencies, a lower bound on sequential `pulumi up` steps;
 * - blast radius: resources added / changed / removed by onboarding one member.
 */
import * as fs from "fs";
import { parse } from "yaml";
import { addMember } from "../onboarding/stack-members";
import { diffPlans, Plan, planStack } from "../plan/plan";
import { readStackFile, stackFilePath, stackFileToConfig } from "../plan/stack-file";
import { parseFlags, runCli } from "./args";

/** Longest chain of dependencies between resources in a plan (parents do not order creation). */
export function criticalPathLength(plan: Plan): number {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const memo = new Map<string, number>();
    const depth = (urn: string, seen: Set<string>): number => {
        if (memo.has(urn)) return memo.get(urn)!;
        if (seen.has(urn)) return 0;
        seen.add(urn);
        const r = byUrn.get(urn);
        const deps = r ? r.dependencies.filter((d) => byUrn.has(d)) : [];
        const d = 1 + Math.max(0, ...deps.map((x) => depth(x, seen)));
        memo.set(urn, d);
        return d;
    };
    return Math.max(0, ...plan.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => depth(r.urn, new Set())));
}

async function timedPlan(stack: string, text: string): Promise<{ plan: Plan; ms: number; heapMiB: number }> {
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    const result = await planStack(stack, stackFileToConfig(parse(text)));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!result.ok) throw new Error(`stack ${stack} is invalid: ${result.errors.map((e) => e.key).join(", ")}`);
    return { plan: result.plan, ms, heapMiB: (process.memoryUsage().heapUsed - heap0) / 2 ** 20 };
}

function withMembers(text: string, count: number): string {
    let out = text;
    for (let i = 0; i < count; i++) out = addMember(out, { username: `bench-user-${i}`, role: "developer", gpus: 0 });
    return out;
}

async function main(): Promise<number> {
    const flags = parseFlags(process.argv.slice(2), ["stack", "sizes"]);
    const stacks = flags.stack ? [flags.stack] : ["dev", "onprem"];
    const sizes = (flags.sizes ?? "10,50,200").split(",").map(Number);
    readStackFile(stacks[0]!); // fails early with a clear message on an unknown stack

    console.log("Evaluation cost (one plan per stack; first includes module loading)");
    for (const stack of stacks) {
        const text = fs.readFileSync(stackFilePath(stack), "utf8");
        const { plan, ms, heapMiB } = await timedPlan(stack, text);
        console.log(`  ${stack.padEnd(8)} resources=${plan.resources.length}  time=${ms.toFixed(0)} ms  heap+=${heapMiB.toFixed(1)} MiB  critical path=${criticalPathLength(plan)}`);
    }

    const stack = stacks[0]!;
    const base = fs.readFileSync(stackFilePath(stack), "utf8");
    console.log(`\nScaling with team size (stack ${stack}, extra members with gpus 0)`);
    for (const n of sizes) {
        const { plan, ms } = await timedPlan(stack, withMembers(base, n));
        console.log(`  +${String(n).padEnd(4)} members  resources=${plan.resources.length}  time=${ms.toFixed(0)} ms  critical path=${criticalPathLength(plan)}`);
    }

    console.log(`\nBlast radius of onboarding one member (stack ${stack})`);
    const before = await timedPlan(stack, base);
    const after = await timedPlan(stack, addMember(base, { username: "bench-newcomer", role: "developer", gpus: 1 }));
    const diff = diffPlans(before.plan, after.plan);
    console.log(`  added=${diff.added.length}  changed=${diff.changed.length}  removed=${diff.removed.length}`);
    for (const r of diff.changed) console.log(`  changed: ${r.type} ${r.name}`);
    return 0;
}

if (require.main === module) runCli(main);
