/**
 * Issue 22, surprise 9: the plan wrapped at 160 columns and the audit table was 130 wide, so most
 * lines overflowed an 80-column terminal. Text now fits 100 columns, or the terminal's width when
 * stdout is one (CliIo.columns), for the plan, its diff, the audit table, doctor and every
 * command's --help.
 */
import { runAudit } from "../../infra/audit/audit";
import { AUDIT_COMMAND, auditMain } from "../../infra/cli/audit";
import { defaultTarget } from "../../infra/audit/expected";
import { columnWidths, formatText } from "../../infra/audit/format";
import { planMain } from "../../infra/cli/plan";
import { CliIo } from "../../infra/cli/args";
import { benchMain } from "../../infra/cli/bench";
import { gitlabApplyMain } from "../../infra/cli/gitlab-apply";
import { membersMain } from "../../infra/cli/members";
import { doctorMain } from "../../infra/cli/doctor";
import { MAX_LINE, outputWidth } from "../../infra/plan/format";
import { projectProvider } from "../../infra/gitlab/providers/project";
import { capture, noAwsCredentials, stackRaw, writeStack } from "../doctor/fixtures";
import { ROOT } from "../harness";
import { projectInputs, providerEmulator } from "../support/provider-emulator";
import { gitlabEmulatorMain } from "../support/gitlab-emulator-cli";

const longest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));

describe("output width", () => {
    it("is 100 columns unless the terminal says otherwise (kept between 60 and 200)", () => {
        expect(MAX_LINE).toBe(100);
        expect(outputWidth(undefined)).toBe(100);
        expect(outputWidth(80)).toBe(80);
        expect(outputWidth(20)).toBe(60);
        expect(outputWidth(400)).toBe(200);
    });

    // (The dev and onprem plans at 100 and 80 columns: test/plan/plan.test.ts.)
    it.each([
        ["gitlab-only", undefined, 100],
        ["gitlab-only", 72, 72],
    ] as const)("npm run plan -- --stack %s with a %s-column terminal: no line is longer than %s", async (stack, columns, width) => {
        // A resource name is never split: deep in the tree it moves left into the indent instead.
        const io = Object.assign(capture(ROOT), columns ? { columns } : {});
        expect(await planMain(["--stack", stack], io)).toBe(0);
        expect(io.stdout).toMatch(/Nothing was deployed\./);
        expect(longest(io.stdout)).toBeLessThanOrEqual(width);
    });

    const commands: [string, (argv: string[], io: CliIo) => Promise<number>, string[]][] = [
        ["audit", auditMain, []],
        ["doctor", doctorMain, []],
        ["plan", planMain, []],
        ["onboard", membersMain, ["onboard"]],
        ["offboard", membersMain, ["offboard"]],
        ["gitlab-apply", gitlabApplyMain, []],
        ["bench", benchMain, []],
        ["gitlab-emulator", gitlabEmulatorMain, []],
    ];
    it.each(commands.flatMap(([name, main, argv]) => [100, 72].map((width) => [name, width, main, argv] as const)))(
        // 100: no terminal (a pipe), the default width.
        "npm run %s -- --help at %s columns: no longer line, every part there",
        async (name, width, main, argv) => {
            const io = Object.assign(capture(ROOT), width === 100 ? {} : { columns: width });
            expect(await main([...argv, "--help"], io)).toBe(0);
            expect(io.stdout).toMatch(new RegExp(`^usage: npm run ${name} -- `));
            expect(io.stdout).toMatch(/\noptions:\n[^]*\nexit codes:\n/);
            expect(longest(io.stdout)).toBeLessThanOrEqual(width);
        },
    );

    it("--help wraps an example as one command a shell still reads (continued with a backslash)", async () => {
        const io = Object.assign(capture(ROOT), { columns: 72 });
        await auditMain(["--help"], io);
        const lines = io.stdout.slice(io.stdout.indexOf("examples:\n") + "examples:\n".length).split("\n\n")[0]!.split("\n");
        expect(lines.some((l) => l.endsWith(" \\"))).toBe(true);
        const commands = lines.join("\n").split(/(?<! \\)\n/).map((c) => c.replace(/ \\\n {6}/g, " ").trim());
        expect(commands).toEqual(AUDIT_COMMAND.examples);
        // An option and its value stay together.
        expect(io.stdout).not.toMatch(/--(project|output) \\\n/);
    });

    it("doctor's report fits the terminal too", async () => {
        const io = Object.assign(capture(writeStack("t", stackRaw())), { columns: 70 });
        await doctorMain(["--stack", "t"], io, { aws: noAwsCredentials, resolve: async () => ["35.231.145.151"] });
        expect(io.stdout).toMatch(/Preflight of stack/);
        const wrapped = io.stdout.split("\n").filter((l) => !l.startsWith("      $ "));
        expect(Math.max(...wrapped.map((l) => l.length))).toBeLessThanOrEqual(70);
    });

    describe("the audit table", () => {
        const em = providerEmulator("ee-free", "glpat-output-width-admin", (e) => e.addGroup("ml-team"));
        let text: (width?: number) => string;
        beforeAll(async () => {
            const bare = { pipelineMustSucceed: false, allDiscussionsResolved: false, deleteSourceBranch: false };
            await projectProvider.create!(projectInputs({ gitlabUrl: em().url, providerVersion: "1" }, "ml-team/bare", bare));
            const report = await runAudit({ url: em().url, token: em().adminToken, project: "ml-team/bare", target: defaultTarget() });
            text = (width) => formatText(report, width);
        });

        it("fits 100 columns by default and 80 in an 80-column terminal, findings and score included", () => {
            expect(longest(text())).toBeLessThanOrEqual(100);
            expect(longest(text(80))).toBeLessThanOrEqual(80);
            expect(text(80)).toMatch(/↳ /);
            expect(text(80)).toMatch(/Score: \d+\/10/);
        });

        it("uses its natural column widths when there is room", () => {
            expect(columnWidths(200)).toEqual({ rule: 34, expected: 26, actual: 34, enforcedBy: 11, status: 11, level: 9 });
            const w = columnWidths(100);
            expect(w.rule + w.expected + w.actual + w.enforcedBy + w.status + w.level + 10).toBeLessThanOrEqual(100);
        });
    });
});
