/**
 * `npm run audit` through its main with injected argv, environment and working directory:
 * exit codes 0 / 1 / 2 (usage, unreachable GitLab, rejected token), every format, and the
 * token never printed.
 */
import * as fs from "fs";
import * as path from "path";
import { AuditReport } from "../../infra/audit/audit";
import { auditMain } from "../../infra/cli/audit";
import { CliIo } from "../../infra/cli/args";
import { ADMIN_TOKEN, cloneProject, configOf, emulatorSuite, parseXml, provision, RETRY, stackDir, stackYaml } from "./support";

interface Run {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

async function run(argv: readonly string[], o: { cwd?: string; token?: string | null } = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
        out: (t) => void out.push(t),
        err: (t) => void err.push(t),
        env: o.token === null ? {} : { GITLAB_TOKEN: o.token ?? ADMIN_TOKEN },
        cwd: o.cwd ?? process.cwd(),
    };
    const code = await auditMain(argv, io, { retry: RETRY });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run audit", () => {
    const s = emulatorSuite("ee-free");
    let clean = "";
    let drifted = "";
    let cleanDir = "";
    let driftedDir = "";

    beforeAll(async () => {
        clean = s.nextPath();
        const text = stackYaml({ url: s.em().url, path: clean, tier: "free" });
        const pid = await provision(configOf("emu", text), s.em().url);
        cleanDir = stackDir("emu", text);
        // The drifted copy: force push on main, develop unprotected, an extra maintainer.
        drifted = s.nextPath();
        const copy = s.em().state.projects.get(cloneProject(s.em(), pid, drifted))!;
        copy.protectedBranches.get("main")!.allow_force_push = true;
        copy.protectedBranches.delete("develop");
        const mallory = [...s.em().state.users.values()].find((u) => u.username === "mallory")!;
        copy.members.set(mallory.id, 40);
        driftedDir = stackDir("emu", stackYaml({ url: s.em().url, path: drifted, tier: "free" }));
    });
    afterAll(() => {
        for (const d of [cleanDir, driftedDir]) fs.rmSync(d, { recursive: true, force: true });
    });

    describe("exit codes", () => {
        it("0: a clean project, from its stack", async () => {
            const r = await run(["--stack", "emu"], { cwd: cleanDir });
            expect(r.code).toBe(0);
            expect(r.out).toMatch(/Score: 6\/10 \(tier 2 of 5\)/);
            expect(r.out).toMatch(/Exit 0: no mandatory rule fails/);
        });

        it("1: a mandatory rule fails", async () => {
            const r = await run(["--stack", "emu"], { cwd: driftedDir });
            expect(r.code).toBe(1);
            expect(r.out).toMatch(/main: force push\s+denied\s+allowed\s+nobody\s+fail\s+mandatory/);
            expect(r.out).toMatch(/member mallory .*maintainer\s+nobody\s+fail/);
            expect(r.out).toMatch(/Exit 1: 3 mandatory rules fail\./);
        });

        it("0 with --url/--project: the default model, and it says so", async () => {
            const r = await run(["--url", s.em().url, "--project", clean]);
            expect(r.code).toBe(0);
            expect(r.err).toMatch(/against the default branch model; members listed, direct Owners found \(--members FILE compares the team\)/);
            expect(r.out).toMatch(/Compared with the default branch model/);
        });

        it("1 with --url and --members: the drifted project's extra maintainer against a stack file's team, or a plain list", async () => {
            const team = path.join(driftedDir, "team.yaml");
            fs.writeFileSync(team, "- username: alice\n  role: maintainer\n- username: bob\n  role: developer\n- username: chen.wei\n  role: developer\n");
            for (const file of [path.join(driftedDir, "stacks", "Pulumi.emu.yaml"), team]) {
                const r = await run(["--url", s.em().url, "--project", drifted, "--members", file], { cwd: driftedDir });
                expect(r.code).toBe(1);
                expect(r.err).toMatch(/members against /);
                expect(r.out).toMatch(/member mallory .*maintainer\s+nobody\s+fail/);
            }
        });

        it.each([
            ["--members with --stack", ["--stack", "emu", "--members", "team.yaml"], /--members is for --url audits/],
            ["--members naming no file", ["--url", "https://gitlab.example.com", "--project", "a/b", "--members", "nope.yaml"], /--members nope\.yaml: cannot read it \(ENOENT\)/],
            ["--members with a bad role", ["--url", "https://gitlab.example.com", "--project", "a/b", "--members", "bad-team.yaml"], /--members bad-team\.yaml: members\.0\.role must be 'developer' or 'maintainer'/],
            ["an unknown option", ["--stack", "emu", "--fix"], /unknown option --fix/],
            ["an unknown format", ["--stack", "emu", "--format", "xml"], /--format xml: must be one of text, json, junit, markdown/],
            ["no target", [], /missing --stack NAME \(or --url URL with --project GROUP\/NAME\)/],
            ["--url without --project", ["--url", "https://gitlab.example.com"], /--url needs --project/],
            ["--stack with --url", ["--stack", "emu", "--url", "https://gitlab.example.com", "--project", "a/b"], /not both/],
            ["an API URL for --url", ["--url", "https://gitlab.example.com/api/v4", "--project", "a/b"], /GitLab's API address/],
            ["a project path without a group", ["--url", "https://gitlab.example.com", "--project", "models"], /full project path/],
            ["no such stack", ["--stack", "nope"], /no stack file stacks\/Pulumi\.nope\.yaml/],
        ])("2: %s", async (_name, argv, message) => {
            fs.writeFileSync(path.join(cleanDir, "bad-team.yaml"), "members:\n  - username: alice\n    role: owner\n");
            const r = await run(argv, { cwd: cleanDir });
            expect(r.code).toBe(2);
            expect(r.err).toMatch(message);
        });

        it("2: an invalid stack file, with its config errors", async () => {
            const dir = stackDir("bad", stackYaml({ url: s.em().url, path: clean, tier: "free", edit: (doc) => doc.setIn(["config", "ml-team-env:gitlab", "tier"], "gold") }));
            try {
                const r = await run(["--stack", "bad"], { cwd: dir });
                expect(r.code).toBe(2);
                expect(r.err).toMatch(/ml-team-env:gitlab\.tier = "gold"\s+must be one of: free, premium, ultimate/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        it("2: GITLAB_TOKEN not set", async () => {
            const r = await run(["--stack", "emu"], { cwd: cleanDir, token: null });
            expect(r.code).toBe(2);
            expect(r.err).toMatch(/GITLAB_TOKEN is not set/);
        });

        it("2: GitLab unreachable", async () => {
            // A port nothing listens on: connection refused, retried per policy, then given up.
            const r = await run(["--url", "http://127.0.0.1:9", "--project", "ml-team/models"]);
            expect(r.code).toBe(2);
            expect(r.err).toMatch(/cannot reach GitLab at http:\/\/127\.0\.0\.1:9: .*connection failed/);
            expect(r.err).toMatch(/Nothing was audited/);
        });

        it("2: a rejected token (401), which is never printed", async () => {
            const token = "glpat-not-a-real-token-1234567890";
            const r = await run(["--stack", "emu"], { cwd: cleanDir, token });
            expect(r.code).toBe(2);
            expect(r.err).toMatch(/GitLab rejected the token \(401\)/);
            expect(r.out + r.err).not.toContain(token);
        });

        it("2: no such project (or not visible to the token's user)", async () => {
            const r = await run(["--url", s.em().url, "--project", "ml-team/nothing-here"]);
            expect(r.code).toBe(2);
            expect(r.err).toMatch(/no project 'ml-team\/nothing-here'/);
        });

        it("--help lists the exit codes", async () => {
            const r = await run(["--help"]);
            expect(r.code).toBe(0);
            expect(r.out).toMatch(/exit codes:\n {2}0 {2}no mandatory rule fails[^]*?\n {2}1 {2}at least one mandatory rule fails\n {2}2 {2}usage or connection error[^]*?\n {2}3 {2}no mandatory rule fails, but at least one waits on the package's open merge request/);
            expect(r.out).toContain("--url URL --project GROUP/NAME");
        });
    });

    describe("formats", () => {
        it("json: the table and the score, parseable", async () => {
            const r = await run(["--stack", "emu", "--format", "json"], { cwd: driftedDir });
            expect(r.code).toBe(1);
            const report = JSON.parse(r.out) as AuditReport;
            expect(report.formatVersion).toBe(1);
            expect(report.rows.find((x) => x.id === "protected-branch:main:force-push")).toMatchObject({ expected: "denied", actual: "allowed", enforcedBy: "nobody", status: "fail", mandatory: true });
            // Tier 1 is two thirds met (main is protected and only maintainers unprotect it, but force push is on): 2 of its 3 points.
            expect(report.score).toMatchObject({ score: 2, tierReached: 0, max: 10 });
            expect(report.summary.fail).toBe(3);
            expect(report.exitCode).toBe(1);
            expect(r.out).not.toContain(ADMIN_TOKEN);
        });

        it("junit: well-formed, one test case per rule, a failure per failing rule", async () => {
            const r = await run(["--stack", "emu", "--format", "junit"], { cwd: driftedDir });
            const json = JSON.parse((await run(["--stack", "emu", "--format", "json"], { cwd: driftedDir })).out) as AuditReport;
            const elements = parseXml(r.out);
            const cases = elements.filter((e) => e.name === "testcase");
            const failures = elements.filter((e) => e.name === "failure");
            expect(cases).toHaveLength(json.rows.length);
            expect(failures).toHaveLength(json.rows.filter((x) => x.status === "fail").length);
            expect(elements.filter((e) => e.name === "skipped")).toHaveLength(json.summary.notChecked);
            expect(elements.find((e) => e.name === "testsuite")?.attrs).toMatchObject({ tests: String(json.rows.length), failures: "3" });
            expect(cases.map((c) => c.attrs.name)).toContain("main: force push [protected-branch:main:force-push]");
            expect(failures.map((f) => f.attrs.message)).toContain("expected denied, actual allowed");
            expect(elements.find((e) => e.name === "property" && e.attrs.name === "score")?.attrs.value).toBe("2/10");
        });

        it("junit of the clean project: no failure, Premium-only rules skipped with why", async () => {
            const elements = parseXml((await run(["--stack", "emu", "--format", "junit"], { cwd: cleanDir })).out);
            expect(elements.filter((e) => e.name === "failure")).toEqual([]);
            const skipped = elements.filter((e) => e.name === "skipped");
            expect(skipped.length).toBe(3);
            expect(skipped[0]!.attrs.message).toMatch(/from premium \(this project: free\)/);
        });

        it("markdown: a table that renders (every row has its seven cells, pipes escaped)", async () => {
            const r = await run(["--stack", "emu", "--format", "markdown"], { cwd: driftedDir });
            const table = r.out.split("\n").filter((l) => l.startsWith("|"));
            const cells = (line: string) => line.replace(/\\\|/g, "").split("|").length - 2;
            expect(table[0]).toBe("| rule | expected | actual | enforced by | status | level | why |");
            expect(table[1]).toBe("|---|---|---|---|---|---|---|");
            for (const line of table) expect(cells(line)).toBe(7);
            // The naming regex holds pipes: escaped, it stays in its cell.
            expect(r.out).toContain("^(main\\|develop\\|(feature\\|experiment\\|hotfix\\|bugfix)/(\\[a-z0-9.\\_-\\]+)\\|cherry-pick-\\[0-9a-f\\]{8,}\\|revert-\\[0-9a-f\\]{8,})$");
            expect(r.out).toMatch(/\| main: force push \| denied \| allowed \| nobody \| \*\*fail\*\* \| mandatory \|/);
            expect(r.out).toMatch(/### Score: 2\/10 \(tier 0 of 5\)/);
        });

        it("--output writes the report to a file and the result line to stderr", async () => {
            const r = await run(["--stack", "emu", "--format", "junit", "--output", "audit.xml"], { cwd: driftedDir });
            expect(r.code).toBe(1);
            expect(r.out).toBe("");
            expect(r.err).toMatch(/written to audit\.xml \(junit\): score 2\/10, 3 fail/);
            expect(() => parseXml(fs.readFileSync(path.join(driftedDir, "audit.xml"), "utf8"))).not.toThrow();
        });
    });
});
