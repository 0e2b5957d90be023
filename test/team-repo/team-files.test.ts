/**
 * What the package commits to a team's repository: which files, who owns each, and a
 * CONTRIBUTING.md generated from the branch model and the pipeline's commands. The files are
 * run for real in the slow suite (test/ci/pipeline-run.slow.test.ts,
 * test/team-repo/contributing.slow.test.ts).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildBranchModel, DEFAULT_BRANCH_MODEL, enforcementReport } from "../../infra/branch-model/branch-model";
import { JOB } from "../../infra/ci/pipeline";
import { teamPipelineFor } from "../../infra/team-environment";
import { contributingGuide, EDIT, workflowSteps } from "../../infra/team-repo/contributing";
import { starterFiles, teamRepositoryFiles } from "../../infra/team-repo/team-files";
import { stackConfig } from "../cluster/fixtures";

const config = stackConfig("dev");
const files = teamRepositoryFiles(config, teamPipelineFor(config).text);
const byPath = new Map(files.map((f) => [f.path, f]));

describe("the team's repository files", () => {
    it("keeps the pipeline and the contract script as generated, and offers the rest once", () => {
        expect(files.filter((f) => f.ownership === "managed").map((f) => f.path)).toEqual([".gitlab-ci.yml", ".ml-team-env/check-image-contract.sh"]);
        expect([...byPath.keys()]).toEqual(
            expect.arrayContaining(["Dockerfile", "requirements.txt", "train.py", "config/train.toml", "pyproject.toml", ".gitignore", "CONTRIBUTING.md", "mlteam/tracking.py", "mlteam/provenance.py", "tests/test_train.py"]),
        );
        expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
    });

    it("ships no cache or output of a local run of the starter", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "starter-"));
        for (const f of ["__pycache__/x.pyc", "run.json", "model/model.pt", "mlteam/__pycache__/y.pyc", "train.py"]) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.writeFileSync(path.join(dir, f), "x");
        }
        expect(starterFiles(dir).map((f) => f.path)).toEqual(["train.py"]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("has no starter, image or pipeline files where the stack turns them off", () => {
        const none = stackConfig("dev", (y) => y.replace("ml-team-env:ci:\n", "ml-team-env:ci:\n    starter: false\n    imageBuild: { enabled: false }\n"));
        expect(teamRepositoryFiles(none, "x: 1\n").map((f) => f.path)).toEqual([".gitlab-ci.yml"]);
        expect(teamRepositoryFiles(none, undefined)).toEqual([]);
    });

    it("ignores what runs and CI jobs leave behind", () => {
        const ignored = byPath.get(".gitignore")!.content.split("\n");
        for (const p of ["run.json", "provenance.json", "model/", "report.xml", "__pycache__/"]) expect(ignored).toContain(p);
    });

    const python = spawnSync("python3", ["--version"]).status === 0;
    if (!python) console.warn("SKIPPED: compiling the starter's Python — python3 is not on PATH.");
    (python ? it : it.skip)("holds Python that compiles (run for real in the slow suite)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "starter-py-"));
        const py = files.filter((f) => f.path.endsWith(".py"));
        for (const f of py) {
            fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
            fs.writeFileSync(path.join(dir, f.path), f.content);
        }
        const run = spawnSync("python3", ["-m", "py_compile", ...py.map((f) => path.join(dir, f.path))], { encoding: "utf8" });
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        expect(py.length).toBeGreaterThanOrEqual(10);
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("CONTRIBUTING.md", () => {
    const guide = byPath.get("CONTRIBUTING.md")!.content;

    it("teaches every branch type of the model with where it starts and where it merges", () => {
        for (const t of DEFAULT_BRANCH_MODEL.branchTypes) {
            expect(guide).toContain(`| \`${t.prefix}/*\` | ${t.purpose}; from \`${t.from}\`, into \`${t.mergeTo}\``);
        }
        expect(guide).toContain("git switch -c experiment/lr-1e4-$(date +%Y%m%d)");
        expect(guide).toContain("git tag -a v1.2.0");
        expect(guide).toContain(`(job \`${JOB.hotfixBackport}\`)`);
    });

    it("gives the pipeline's own commands to run before pushing", () => {
        for (const c of [config.ci.lint, config.ci.test, config.ci.smokeTrain]) expect(guide).toContain(`\n${c}\n`);
    });

    it("follows the model and the commands: another release tag, another lint, another branch type", () => {
        const model = buildBranchModel({ releaseTagPattern: "release-*", extraBranchTypes: [{ prefix: "docs", from: "develop", mergeTo: "develop", purpose: "documentation" }] });
        const text = contributingGuide({ model, commands: { lint: "flake8 .", test: "pytest", smokeTrain: "python train.py --smoke" }, enforcement: enforcementReport(model, "free", { ciJobsDeployed: true }), tracking: true, imageBuild: true, modelName: "m" });
        expect(text).toContain("git tag -a release-1.2.0");
        expect(text).toContain("\nflake8 .\n");
        expect(text).toContain("| `docs/*` | documentation; from `develop`, into `develop`");
        expect(text).toContain("checked by the pipeline against");
        const premium = contributingGuide({ model, commands: { lint: "x", test: "y", smokeTrain: "z" }, enforcement: enforcementReport(model, "premium", { ciJobsDeployed: true }), tracking: false, imageBuild: false, modelName: "m" });
        expect(premium).toContain("checked by GitLab against");
        expect(premium).not.toContain("Changing the environment");
        // Without the bot token nobody opens the hotfix's way back: the page says how.
        expect(premium).toContain("/-/merge_requests/new?merge_request[source_branch]=main&merge_request[target_branch]=develop");
        expect(text).not.toContain("merge_requests/new");
    });

    it("writes each workflow as shell lines (run as written in the slow suite)", () => {
        const steps = workflowSteps({ model: DEFAULT_BRANCH_MODEL, commands: config.ci, enforcement: [], tracking: true, imageBuild: true, modelName: "model" });
        expect(steps.map((s) => s.title.split(":")[0])).toEqual(["Feature", "Experiment", "Hotfix", "Bugfix", "Release"]);
        for (const s of steps) for (const line of s.commands) expect(line === EDIT || /^git /.test(line)).toBe(true);
    });
});
