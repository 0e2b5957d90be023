/**
 * `npm run bench`: what the program costs to evaluate and how it scales, offline.
 *
 * - evaluation cost: wall time and heap growth of a plan of each example stack;
 * - scaling: resources and time as the team grows, against a floor: a bare program that
 *   registers the same resources (same types' count, names, parents and input sizes) under
 *   the same mock runtime with none of the program's logic. The ratio is what the program
 *   itself (validation, components, output chaining, the plan's recording) costs;
 * - critical path: the longest chain of resource dependencies, a lower bound on sequential `pulumi up` steps;
 * - blast radius: resources added / changed / removed by onboarding one member;
 * - cold start: the modelled wait for a GPU notebook from zero, per stack and GPU type, before
 *   and after each option (infra/cold-start/);
 * - the starter's smoke training on this machine's CPU, twice (time, and whether the weights match);
 * - with `--suite`: the test suite's time and what dominates it.
 *
 * Progress goes to stderr, results to stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../config/schema";
import { addMember, listMembers } from "../onboarding/stack-members";
import { runWithMocks } from "../plan/mock-runtime";
import { diffPlans, Plan, PlannedResource, planStack } from "../plan/plan";
import { parseStackYaml, StackFileConfig, stackFilePath, stackFileToConfig, validateStackFile } from "../plan/stack-file";
import { coldStartLines } from "./bench-cold-start";
import { smokeRunLines } from "./bench-smoke";
import { CliIo, CommandSpec, readStackOrUsage, runCli, runCommand, UsageError } from "./args";

export const BENCH_COMMAND: CommandSpec = {
    name: "bench",
    summary:
        "Measures the program offline: plan time and heap per stack, scaling with team size against a bare program registering the same " +
        "resources under the same mock runtime (the floor), the critical path, onboarding's blast radius, and optionally the test suite.",
    synopsis: ["[--stack NAME] [--sizes 5,50,500] [--suite | --suite-json FILE]"],
    options: [
        { name: "stack", value: "NAME", description: "bench stacks/Pulumi.NAME.yaml only (default: dev and onprem; scaling uses the first)" },
        { name: "sizes", value: "N,N,...", description: "team sizes to plan (default 5,50,500; 500 members take a while)" },
        { name: "suite", description: "also run the test suite (npx jest --json) and report its time and what dominates it (slow)" },
        { name: "suite-json", value: "FILE", description: "report on an existing `jest --json --outputFile FILE` result instead of running the suite" },
    ],
    exitCodes: [
        [0, "measured"],
        [1, "a stack is invalid, or the test suite could not be run"],
        [2, "usage error: bad options, no such stack file"],
    ],
    examples: ["npm run bench", "npm run bench -- --stack dev --sizes 5,50", "npm run bench -- --stack dev --sizes 5 --suite"],
};

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

const seconds = (ms: number) => (ms >= 10000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);

/** A plan of a stack file's text, or of its config when already parsed. */
async function timedPlan(stack: string, file: string | StackFileConfig): Promise<{ plan: Plan; ms: number; heapMiB: number }> {
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    const result = await planStack(stack, typeof file === "string" ? stackFileToConfig(parseStackYaml(file)) : file);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!result.ok) throw new Error(`stack ${stack} is invalid: ${result.errors.map((e) => e.key).join(", ")}`);
    return { plan: result.plan, ms, heapMiB: (process.memoryUsage().heapUsed - heap0) / 2 ** 20 };
}

/** The stack file with members added (developers, gpus 0) until the team has `size` members. */
export function withTeamSize(text: string, size: number): string {
    let out = text;
    for (let i = listMembers(text).length; i < size; i++) out = addMember(out, { username: `bench-user-${i}`, role: "developer", gpus: 0 });
    return out;
}

// --- the floor --------------------------------------------------------------------------

/** A type token per original type, so URNs stay as unique as the program's. */
function floorType(r: PlannedResource, custom: boolean): string {
    return `floor:${custom ? "resource" : "component"}:${r.type.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

/** Inputs of the same size as the plan's: dynamic-provider code back at its length. */
function floorInputs(r: PlannedResource): Record<string, unknown> {
    const inputs: Record<string, unknown> = { ...r.inputs };
    const code = typeof inputs.__provider === "string" ? /\[dynamic provider code, (\d+) bytes\]/.exec(inputs.__provider) : null;
    if (code) inputs.__provider = "x".repeat(Number(code[1]));
    return inputs;
}

/** A custom resource of any type with plain inputs. */
class FloorResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: Record<string, unknown>, opts: pulumi.CustomResourceOptions) {
        super(type, name, inputs, opts);
    }
}

/**
 * A bare program that registers the plan's resources again: same count, names, parents
 * and inputs (as plain values), no validation, no components' logic, no outputs chained.
 */
export function floorProgram(plan: Plan): () => void {
    return () => {
        const made = new Map<string, pulumi.Resource>();
        for (const r of plan.resources) {
            if (r.type === "pulumi:pulumi:Stack") continue;
            const parent = r.parent ? made.get(r.parent) : undefined;
            const opts = parent ? { parent } : {};
            const custom = r.custom !== false;
            made.set(
                r.urn,
                custom ? new FloorResource(floorType(r, true), r.name, floorInputs(r), opts) : new pulumi.ComponentResource(floorType(r, false), r.name, {}, opts),
            );
        }
    };
}

async function timedFloor(plan: Plan): Promise<{ ms: number; resources: number }> {
    global.gc?.();
    const t0 = process.hrtime.bigint();
    const run = await runWithMocks(floorProgram(plan), { project: PROJECT, stack: plan.stack, unknownComputed: true });
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, resources: run.resources.length };
}

// --- the test suite -------------------------------------------------------------------------

/** One file of a `jest --json` result (`startTime`/`endTime` there; `perfStats` in jest's own test results). */
interface JestFileResult {
    readonly name: string;
    readonly startTime?: number;
    readonly endTime?: number;
    readonly perfStats?: { readonly runtime?: number; readonly start?: number; readonly end?: number };
    readonly assertionResults?: readonly { readonly duration?: number | null }[];
}

/** What dominates the suite: per file, the time in tests vs. outside them (module loading, transforms, beforeAll). */
export function summariseSuite(result: { testResults: readonly JestFileResult[]; numTotalTests?: number; startTime?: number }, wallMs: number | undefined, root: string): string[] {
    const files = result.testResults.map((f) => {
        const runtime = f.perfStats?.runtime ?? (f.endTime ?? f.perfStats?.end ?? 0) - (f.startTime ?? f.perfStats?.start ?? 0);
        const inTests = (f.assertionResults ?? []).reduce((s, a) => s + (a.duration ?? 0), 0);
        let source = "";
        try {
            source = fs.readFileSync(f.name, "utf8");
        } catch {
            /* the file may be gone: no classification */
        }
        const mocks = /\b(runStack|runStackYaml|runComponents|runWithMocks|planStack|planMain|membersMain)\b/.test(source);
        return { file: path.relative(root, f.name), runtime, inTests, mocks, tests: (f.assertionResults ?? []).length };
    });
    const total = files.reduce((s, f) => s + f.runtime, 0);
    const outside = files.reduce((s, f) => s + Math.max(0, f.runtime - f.inTests), 0);
    const mockTime = files.filter((f) => f.mocks).reduce((s, f) => s + f.runtime, 0);
    const lines = [
        `  ${files.length} files, ${result.numTotalTests ?? files.reduce((s, f) => s + f.tests, 0)} tests` +
            (wallMs !== undefined ? `; wall time ${seconds(wallMs)}` : "") +
            `; ${seconds(total)} of file time over the workers`,
        `  outside test bodies (module loading, ts-jest transforms, beforeAll hooks): ${seconds(outside)} (${((100 * outside) / Math.max(total, 1)).toFixed(0)}%)`,
        `  files that run the program or components under the mock runtime: ${seconds(mockTime)} (${((100 * mockTime) / Math.max(total, 1)).toFixed(0)}%)`,
        "  slowest files:",
    ];
    for (const f of [...files].sort((a, b) => b.runtime - a.runtime).slice(0, 10)) {
        lines.push(
            `    ${seconds(f.runtime).padStart(6)}  ${((100 * f.runtime) / Math.max(total, 1)).toFixed(0).padStart(3)}%  ${f.file}  (${f.tests} tests, ${seconds(f.inTests)} in test bodies${f.mocks ? ", mock runtime" : ""})`,
        );
    }
    return lines;
}

function suiteReport(flags: Readonly<Record<string, string>>, io: CliIo): string[] {
    let file = flags["suite-json"];
    let wallMs: number | undefined;
    if (!file) {
        file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-team-env-bench-")), "jest.json");
        io.err(`[bench] running the test suite (npx jest --json); its own progress follows…`);
        const t0 = Date.now();
        const run = spawnSync("npx", ["jest", "--json", `--outputFile=${file}`], { cwd: io.cwd, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, FORCE_COLOR: "0" } });
        wallMs = Date.now() - t0;
        if (run.error || !fs.existsSync(file)) throw new Error(`could not run the test suite: ${run.error?.message ?? `jest exited with ${run.status}`}`);
        if (run.status !== 0) io.err(`[bench] note: the suite did not pass (exit ${run.status}); timing it anyway`);
    }
    let parsed: { testResults?: JestFileResult[]; numTotalTests?: number };
    try {
        parsed = JSON.parse(fs.readFileSync(path.resolve(io.cwd, file), "utf8")) as typeof parsed;
    } catch (e) {
        throw new UsageError(`--suite-json ${file}: ${(e as Error).message}`);
    } finally {
        // The result file of a suite run here is ours to remove.
        if (!flags["suite-json"]) fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
    if (!Array.isArray(parsed.testResults)) throw new UsageError(`--suite-json ${file} is not a jest --json result (no testResults)`);
    return summariseSuite({ ...parsed, testResults: parsed.testResults }, wallMs, io.cwd);
}

// --- main -------------------------------------------------------------------------------------

function parseSizes(text: string): number[] {
    const sizes = text.split(",").map((s) => s.trim());
    if (sizes.some((s) => !/^\d+$/.test(s) || Number(s) < 1)) throw new UsageError(`--sizes is a list of team sizes (whole numbers ≥ 1), e.g. 5,50,500; not '${text}'`);
    return sizes.map(Number);
}

export async function benchMain(argv: readonly string[], io: CliIo): Promise<number> {
    return runCommand(BENCH_COMMAND, argv, io, async (flags) => {
        if (flags.suite && flags["suite-json"]) throw new UsageError("give --suite or --suite-json, not both");
        const stacks = flags.stack ? [flags.stack] : ["dev", "onprem"];
        const sizes = parseSizes(flags.sizes ?? "5,50,500");
        // Every stack file is read before the slow part, so a missing one fails at once.
        const files = stacks.map((s) => readStackOrUsage(s, io));
        const progress = (s: string) => io.err(`[bench] ${s}`);

        io.out("Evaluation cost (one plan per stack; the first includes module loading)");
        // The first stack's plan is also the "before" of the blast radius below.
        let basePlan: Plan | undefined;
        for (const [i, stack] of stacks.entries()) {
            progress(`planning stack ${stack}…`);
            const { plan, ms, heapMiB } = await timedPlan(stack, files[i]!);
            basePlan ??= plan;
            io.out(`  ${stack.padEnd(8)} resources=${plan.resources.length}  time=${seconds(ms)}  heap+=${heapMiB.toFixed(1)} MiB  critical path=${criticalPathLength(plan)}`);
        }

        io.out("\nCold start of a GPU notebook with the GPU pool at zero (modelled: infra/cold-start/figures.ts gives every figure's source)");
        for (const [i, name] of stacks.entries()) {
            const checked = validateStackFile(name, files[i]!, { gitlabTokenInEnv: true, deploying: false });
            io.out((checked.ok ? coldStartLines(name, checked.config) : [`  ${name}: invalid config`]).join("\n"));
        }

        io.out("\nThe starter's smoke training (python train.py --smoke), on this machine's CPU");
        progress("smoke training, twice…");
        io.out(smokeRunLines().join("\n"));

        const stack = stacks[0]!;
        // The text, for adding members to it (comments and order kept).
        const base = fs.readFileSync(stackFilePath(stack, io.cwd), "utf8");
        io.out(`\nScaling with team size (stack ${stack}; members added as developers with gpus 0)`);
        io.out(`  floor = a bare program registering the same resources (names, parents, input sizes) under the same mock runtime`);
        for (const [i, n] of sizes.entries()) {
            progress(`team of ${n} (${i + 1}/${sizes.length}): planning…`);
            const { plan, ms } = await timedPlan(stack, withTeamSize(base, n));
            progress(`team of ${n} (${i + 1}/${sizes.length}): floor with ${plan.resources.length} resources…`);
            const floor = await timedFloor(plan);
            io.out(
                `  ${String(n).padStart(4)} members  resources=${String(plan.resources.length).padEnd(5)}  plan=${seconds(ms).padEnd(7)}  floor=${seconds(floor.ms).padEnd(7)}  ` +
                    `plan/floor=${(ms / Math.max(floor.ms, 1)).toFixed(1)}x  critical path=${criticalPathLength(plan)}`,
            );
        }

        io.out(`\nBlast radius of onboarding one member (stack ${stack})`);
        progress("onboarding: planning after…");
        const after = await timedPlan(stack, addMember(base, { username: "bench-newcomer", role: "developer", gpus: 1 }));
        const diff = diffPlans(basePlan!, after.plan);
        io.out(`  added=${diff.added.length}  changed=${diff.changed.length}  removed=${diff.removed.length}`);
        for (const r of diff.changed) io.out(`  changed: ${r.type} ${r.name} (${r.changes.map((c) => c.path).join(", ")})`);

        if (flags.suite || flags["suite-json"]) {
            io.out(`\nTest suite${flags["suite-json"] ? ` (from ${flags["suite-json"]})` : ""}`);
            io.out(suiteReport(flags, io).join("\n"));
        }
        return 0;
    });
}

if (require.main === module) runCli((argv, io) => benchMain(argv, io));
