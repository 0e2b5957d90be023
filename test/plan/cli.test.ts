import * as fs from "fs";
import * as path from "path";
import { BENCH_COMMAND, benchMain, criticalPathLength, floorProgram, summariseSuite } from "../../infra/cli/bench";
import { CliIo, helpText, parseArgs, UsageError } from "../../infra/cli/args";
import { memberFromFlags, membersMain, OFFBOARD_COMMAND, ONBOARD_COMMAND } from "../../infra/cli/members";
import { CHANGED_EXIT, PLAN_COMMAND, planMain } from "../../infra/cli/plan";
import { PROJECT } from "../../infra/config/schema";
import { listMembers } from "../../infra/onboarding/stack-members";
import { runWithMocks } from "../../infra/plan/mock-runtime";
import { Plan, Planner, PLAN_FORMAT_VERSION } from "../../infra/plan/plan";
import { ROOT } from "../harness";
import { capture as captureIo } from "../support/cli-io";
import { tempDir as makeTempDir } from "../support/temp-stack";
import { TODAY } from "../config/fixtures";

const capture = (cwd = ROOT, env: Record<string, string> = {}) => captureIo(cwd, env);

/** A planner that must not be reached: the command should stop before planning. */
const noPlanning: Planner = async () => {
    throw new Error("planned although it should have stopped before");
};

/** A stand-in planner: one GitLab membership per member in the stack config. */
const membershipsPlanner: Planner = async (stack, file) => {
    const team = JSON.parse(file.config[`${PROJECT}:team`]!) as { members: { username: string; role: string }[] };
    const resources = team.members.map((m) => ({
        urn: `urn:pulumi:${stack}::${PROJECT}::pulumi-nodejs:dynamic:Resource::${stack}-gitlab-member-${m.username}`,
        type: "pulumi-nodejs:dynamic:Resource",
        name: `${stack}-gitlab-member-${m.username}`,
        parent: undefined,
        custom: true,
        inputs: { kind: "gitlab:ProjectMember", username: m.username, accessLevel: m.role === "maintainer" ? 40 : 30 },
        dependencies: [],
    }));
    return { ok: true, plan: { stack, resources, outputs: {}, warnings: [], placeholderSecrets: [] } };
};

/** Temporary directories of this file, removed after its tests. */
const tempDir = (): string => makeTempDir("ml-team-env-cli-test-");

function tempStacks(): string {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "stacks"));
    for (const f of fs.readdirSync(path.join(ROOT, "stacks"))) fs.copyFileSync(path.join(ROOT, "stacks", f), path.join(dir, "stacks", f));
    return dir;
}

describe("command-line options", () => {
    it("refuses an option given twice, an empty value, a missing value, a value on a flag, and an unknown option", () => {
        const parse = (...argv: string[]) => () => parseArgs(argv, ONBOARD_COMMAND);
        expect(parse("--stack", "dev", "--user", "a", "--user", "b", "--gpus", "1")).toThrow(new UsageError("--user is given twice ('a' and 'b'); give it once"));
        expect(parse("--stack", "dev", "--user", "a", "--gpus=")).toThrow(/--gpus needs a value \(--gpus=N\); it was given an empty one/);
        expect(parse("--stack", "dev", "--user", "a", "--gpus")).toThrow(/--gpus needs a value/);
        expect(parse("--stack", "dev", "--user", "a", "--gpus", "--role", "developer")).toThrow(/--gpus needs a value/);
        expect(parse("--stack", "dev", "--user", "a")).toThrow(/missing --gpus N/);
        expect(parse("--stack", "dev", "--user", "a", "--gpus", "1", "--email", "a@example.com")).toThrow(/unknown option --email/);
        expect(() => parseArgs(["--stack", "dev", "--diff", "x", "--fail-on-change=yes"], PLAN_COMMAND)).toThrow(/--fail-on-change takes no value/);
        expect(parseArgs(["--stack=dev", "--json", "-"], PLAN_COMMAND).flags).toEqual({ stack: "dev", json: "-" });
    });

    it("--gpus is a whole number, 0 or more", () => {
        const flags = (gpus: string) => ({ stack: "dev", user: "carol", gpus });
        expect(memberFromFlags(flags("0"))).toEqual({ username: "carol", role: "developer", gpus: 0 });
        expect(memberFromFlags({ ...flags("2"), role: "maintainer", profiles: "cpu, gpu-1" })).toEqual({ username: "carol", role: "maintainer", gpus: 2, profiles: ["cpu", "gpu-1"] });
        for (const bad of ["1.5", "-1", "one", "1e2", " 1"]) expect(() => memberFromFlags(flags(bad))).toThrow(/--gpus must be a whole number of GPUs, 0 or more/);
        expect(() => memberFromFlags({ ...flags("1"), role: "admin" })).toThrow(/--role must be developer or maintainer/);
    });

    it("says how to pass options through npm: `npm run plan dev` and `npm run plan --stack dev`", () => {
        expect(() => parseArgs(["dev"], PLAN_COMMAND)).toThrow(/unexpected argument 'dev'\nhint: .*npm run plan -- --stack dev/);
        // npm takes `--stack` for itself, leaving `dev` as a bare argument and npm_config_stack set.
        expect(() => parseArgs(["dev"], PLAN_COMMAND, { npm_config_stack: "true" })).toThrow(/hint: npm took --stack as its own option; .*: npm run plan -- --stack dev/);
        expect(() => parseArgs([], PLAN_COMMAND, { npm_config_stack: "dev" })).toThrow(/missing --stack\nhint: npm took --stack .*npm run plan -- --stack dev/);
        // Several swallowed: no guessing which value went with which option.
        expect(() => parseArgs(["carol", "dev", "1"], ONBOARD_COMMAND, { npm_config_stack: "true", npm_config_user: "true", npm_config_gpus: "true" })).toThrow(
            /npm run onboard -- --stack NAME --user GITLAB_USERNAME --gpus N \(the values you gave: carol dev 1\)/,
        );
    });

    it.each([
        ["plan", PLAN_COMMAND, [0, 1, 2, CHANGED_EXIT]],
        ["onboard", ONBOARD_COMMAND, [0, 1, 2]],
        ["offboard", OFFBOARD_COMMAND, [0, 1, 2]],
        ["bench", BENCH_COMMAND, [0, 1, 2]],
    ] as const)("--help on %s: usage, options and exit codes", (name, spec, codes) => {
        const text = helpText(spec);
        expect(text).toMatch(new RegExp(`^usage: npm run ${name} -- `));
        for (const o of spec.options) expect(text).toContain(`--${o.name}`);
        expect(text).toContain("-h, --help");
        const exitSection = text.slice(text.indexOf("exit codes:"));
        for (const c of codes) expect(exitSection).toMatch(new RegExp(`\\n  ${c}  \\S`));
    });

    it("prints help for --help and -h and exits 0 without planning", async () => {
        for (const [run, argv] of [
            [(a: string[], io: CliIo) => planMain(a, io, noPlanning), ["--help"]],
            [(a: string[], io: CliIo) => planMain(a, io, noPlanning), ["--stack", "dev", "-h"]],
            [(a: string[], io: CliIo) => membersMain(a, io, noPlanning), ["onboard", "--help"]],
            [(a: string[], io: CliIo) => membersMain(a, io, noPlanning), ["offboard", "-h"]],
            [(a: string[], io: CliIo) => benchMain(a, io), ["--help"]],
        ] as const) {
            const io = capture();
            expect(await run([...argv], io)).toBe(0);
            expect(io.stdout).toMatch(/^usage: npm run \w+ -- /);
            expect(io.stderr).toBe("");
        }
    });
});

describe("npm run plan", () => {
    it("exits 2 with one line for an unknown stack and for --diff files it cannot use, before planning", async () => {
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, "not-plan.json"), JSON.stringify({ name: "x" }));
        fs.writeFileSync(path.join(dir, "newer.json"), JSON.stringify({ formatVersion: PLAN_FORMAT_VERSION + 1, tool: "ml-team-env", stack: "dev", resources: [] }));
        fs.writeFileSync(path.join(dir, "onprem.json"), JSON.stringify({ formatVersion: PLAN_FORMAT_VERSION, tool: "ml-team-env", stack: "onprem", resources: [] }));
        const cases: [string[], RegExp][] = [
            [["--stack", "nope"], /error: no stack file stacks\/Pulumi\.nope\.yaml; stacks here: .*dev/],
            [["--stack", "dev", "--diff", path.join(dir, "missing.json")], /cannot read --diff .*missing\.json: no such file/],
            [["--stack", "dev", "--diff", path.join(dir, "not-plan.json")], /not-plan\.json is not a plan JSON file/],
            [["--stack", "dev", "--diff", path.join(dir, "newer.json")], /newer\.json was written by a newer ml-team-env/],
            [["--stack", "dev", "--diff", path.join(dir, "onprem.json")], /is a plan of stack 'onprem', not 'dev'/],
            [["--stack", "dev", "--fail-on-change"], /--fail-on-change needs --diff/],
        ];
        for (const [argv, message] of cases) {
            const io = capture();
            expect(await planMain(argv, io, noPlanning)).toBe(2);
            expect(io.stderr).toMatch(message);
            expect(io.stdout).toBe("");
        }
    });

    it("--json - writes the plan JSON alone to stdout; --diff --fail-on-change exits 3 on a change", async () => {
        const dir = tempDir();
        // An earlier plan of dev with one resource that no longer exists.
        const old = {
            formatVersion: PLAN_FORMAT_VERSION,
            tool: "ml-team-env",
            stack: "dev",
            resources: [{ urn: "urn:pulumi:dev::ml-team-env::pulumi-nodejs:dynamic:Resource::dev-gitlab-member-zoe", type: "pulumi-nodejs:dynamic:Resource", name: "dev-gitlab-member-zoe", parent: undefined, inputs: { kind: "gitlab:ProjectMember", username: "zoe", accessLevel: 30 }, dependencies: [], retainOnDelete: false }],
            outputs: {},
        };
        fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify(old));
        const io = capture();
        // The planner is a stand-in (plan.test.ts shows the real one keeps the program's console output off stdout).
        expect(await planMain(["--stack", "dev", "--json", "-", "--diff", path.join(dir, "old.json"), "--fail-on-change"], io, membershipsPlanner)).toBe(CHANGED_EXIT);
        const json = JSON.parse(io.stdout) as { formatVersion: number; stack: string; resources: { name: string }[]; warnings: string[]; outputs: object };
        expect(json.formatVersion).toBe(PLAN_FORMAT_VERSION);
        expect(json.stack).toBe("dev");
        expect(json.resources.map((r) => r.name)).toEqual(["dev-gitlab-member-alice", "dev-gitlab-member-bob", "dev-gitlab-member-chen.wei"]);
        expect(Array.isArray(json.warnings)).toBe(true);
        expect(io.stdout.trim().startsWith("{") && io.stdout.trim().endsWith("}")).toBe(true);
        // The human-readable report went to stderr.
        expect(io.stderr).toContain("  - gitlab:ProjectMember  dev-gitlab-member-zoe  username=zoe  role=developer");
        expect(io.stderr).toMatch(/Changes: 3 to add, 0 to change, 1 to remove/);
        expect(fs.existsSync(path.join(ROOT, "-"))).toBe(false);

        // Without --fail-on-change a change is not a failure; compared with itself, nothing changed.
        fs.writeFileSync(path.join(dir, "same.json"), io.stdout);
        const again = capture();
        expect(await planMain(["--stack", "dev", "--diff", path.join(dir, "same.json"), "--fail-on-change"], again, membershipsPlanner)).toBe(0);
        expect(again.stdout).toContain("(no changes to resources)");
        expect(await planMain(["--stack", "dev", "--diff", path.join(dir, "old.json")], capture(), membershipsPlanner)).toBe(0);
    });
});

describe("npm run onboard / offboard", () => {
    it("edits the stack file, says it is planning before and after on stderr, and prints the change", async () => {
        const dir = tempStacks();
        const io = capture(dir);
        expect(await membersMain(["onboard", "--stack", "dev", "--user", "carol", "--gpus", "1"], io, membershipsPlanner, { today: TODAY })).toBe(0);
        const text = fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8");
        expect(listMembers(text)).toContain("carol");
        expect(text).toContain("      - username: carol\n        role: developer\n        gpus: 1\n");
        expect(io.stderr).toMatch(/planning stack 'dev' before the change \(1\/2\)…\n {2}done in [\d.]+ s\nplanning stack 'dev' after the change \(2\/2\)…\n {2}done in/);
        expect(io.stdout).toContain("  + gitlab:ProjectMember  dev-gitlab-member-carol  username=carol  role=developer");

        const off = capture(dir);
        expect(await membersMain(["offboard", "--stack", "dev", "--user", "carol"], off, membershipsPlanner, { today: TODAY })).toBe(0);
        expect(off.stdout).toContain("  - gitlab:ProjectMember  dev-gitlab-member-carol");
        expect(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).toBe(fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8"));
    });

    it("refuses a duplicate with exit 1 and leaves the file alone; usage errors exit 2", async () => {
        const dir = tempStacks();
        const before = fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8");
        const io = capture(dir);
        expect(await membersMain(["onboard", "--stack", "dev", "--user", "Bob", "--gpus", "0"], io, noPlanning)).toBe(1);
        expect(io.stderr).toMatch(/^refused: 'Bob' is already a member/);
        const usage = capture(dir);
        expect(await membersMain(["onboard", "--stack", "dev", "--user", "carol", "--gpus=", "--role", "developer"], usage, noPlanning)).toBe(2);
        expect(await membersMain(["enroll"], usage, noPlanning)).toBe(2);
        expect(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).toBe(before);
    });
});

describe("npm run bench", () => {
    it("the critical path is the longest dependency chain, ignoring unknown URNs", () => {
        const r = (urn: string, dependencies: string[] = []) => ({ urn, type: "t", name: urn, parent: undefined, inputs: {}, dependencies });
        const plan: Plan = { stack: "s", resources: [r("a"), r("b", ["a"]), r("c", ["b", "a"]), r("d", ["a", "gone"])], outputs: {}, warnings: [], placeholderSecrets: [] };
        expect(criticalPathLength(plan)).toBe(3);
    });

    it("checks its options before measuring anything", async () => {
        for (const argv of [["--sizes", "0"], ["--sizes", "5,x"], ["--suite", "--suite-json", "r.json"], ["--stack", "nope"]]) {
            const io = capture();
            expect(await benchMain(argv, io)).toBe(2);
            expect(io.stdout).toBe("");
        }
    });

    it("the floor registers the same resources under the same mock runtime", async () => {
        const plan: Plan = {
            stack: "bench",
            resources: [
                { urn: "urn:pulumi:bench::ml-team-env::pulumi:pulumi:Stack::s", type: "pulumi:pulumi:Stack", name: "s", parent: undefined, custom: false, inputs: {}, dependencies: [] },
                { urn: "urn:c", type: "ml-team-env:x:Comp", name: "c", parent: "urn:pulumi:bench::ml-team-env::pulumi:pulumi:Stack::s", custom: false, inputs: {}, dependencies: [] },
                { urn: "urn:a", type: "aws:ec2/vpc:Vpc", name: "a", parent: "urn:c", custom: true, inputs: { cidrBlock: "10.0.0.0/16" }, dependencies: [] },
                { urn: "urn:b", type: "pulumi-nodejs:dynamic:Resource", name: "a", parent: "urn:c", custom: true, inputs: { __provider: "[dynamic provider code, 4096 bytes]", kind: "gitlab:Branch" }, dependencies: [] },
            ],
            outputs: {},
            warnings: [],
            placeholderSecrets: [],
        };
        const run = await runWithMocks(floorProgram(plan), { project: PROJECT, stack: "bench", unknownComputed: true });
        // The stack itself, then the same component and resources with the same names and parents.
        expect(run.resources.map((r) => [r.name, r.custom])).toEqual([[`${PROJECT}-bench`, false], ["c", false], ["a", true], ["a", true]]);
        expect(run.resources[2]!.parent).toBe(run.resources[1]!.urn);
        expect((run.resources[3]!.inputs.__provider as string).length).toBe(4096);
    });

    it("summarises a jest --json result: time outside test bodies, mock-runtime files, slowest first", () => {
        const dir = tempDir();
        const slow = path.join(dir, "slow.test.ts");
        const fast = path.join(dir, "fast.test.ts");
        fs.writeFileSync(slow, "runStack('dev')");
        fs.writeFileSync(fast, "const plain = true;");
        const lines = summariseSuite(
            {
                numTotalTests: 3,
                testResults: [
                    { name: fast, startTime: 5000, endTime: 6000, assertionResults: [{ duration: 900 }] },
                    { name: slow, startTime: 1000, endTime: 10000, assertionResults: [{ duration: 2000 }, { duration: 1000 }] },
                ],
            },
            12000,
            dir,
        );
        expect(lines[0]).toBe("  2 files, 3 tests; wall time 12 s; 10 s of file time over the workers");
        expect(lines[1]).toMatch(/outside test bodies .*: 6.1 s \(61%\)/);
        expect(lines[2]).toMatch(/under the mock runtime: 9.0 s \(90%\)/);
        expect(lines[4]).toMatch(/^ +9.0 s +90% {2}slow\.test\.ts {2}\(2 tests, 3.0 s in test bodies, mock runtime\)$/);
    });
});
