/**
 * The image definition the package commits (Dockerfile, requirements.txt) read by a real
 * Dockerfile parser, and the two scripts that guard it run for real: check-requirements.sh
 * against requirements files, check-image-contract.sh against this machine and against a
 * directory laid out like a built image, as the notebook user.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerfileParser } from "dockerfile-ast";
import { BOOTSTRAP_IMAGE, BOOTSTRAP_TORCH_CUDA, CONTRACT_SCRIPT_PATH, environmentImageFile, imageDefinitionFiles } from "../../infra/environment/image/files";
import { parseEnvironmentImage } from "../../infra/environment/environment-image";
import { JUPYTERHUB_VERSION } from "../../infra/workspaces/hub-values";
import { cleanEnv, runFile, tempDirs } from "../support/run-script";

const IMAGE_DIR = path.join(__dirname, "../../infra/environment/image");
const tmp = tempDirs("ml-team-env-image-");

describe("the Dockerfile", () => {
    const text = environmentImageFile("Dockerfile");
    const doc = DockerfileParser.parse(text);
    const args = Object.fromEntries(doc.getARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue()]));
    const instructions = doc.getInstructions().map((i) => ({ keyword: i.getKeyword(), args: i.getArgumentsContent() ?? "" }));

    it("parses, builds one stage from a base pinned by digest, the bootstrap image", () => {
        expect(doc.getFROMs()).toHaveLength(1);
        expect(doc.getFROMs()[0]!.getArgumentsContent()).toBe("${BASE_IMAGE}");
        expect(args.BASE_IMAGE).toBe(BOOTSTRAP_IMAGE);
        const base = parseEnvironmentImage(args.BASE_IMAGE!);
        expect(base.ok && base.image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it("pins the single-user server at the hub's JupyterHub, and declares the base's CUDA", () => {
        expect(args.JUPYTERHUB_VERSION).toBe(JUPYTERHUB_VERSION);
        expect(args.TORCH_CUDA).toBe(BOOTSTRAP_TORCH_CUDA);
        expect(instructions.find((i) => i.keyword === "RUN" && i.args.includes("jupyterhub-singleuser=="))!.args).toContain('"jupyterhub-singleuser==${JUPYTERHUB_VERSION}"');
        expect(instructions.find((i) => i.keyword === "ENV")!.args).toMatch(/ML_TEAM_ENV_TORCH_CUDA=\$\{TORCH_CUDA\}.*ML_TEAM_ENV_HUB_VERSION=\$\{JUPYTERHUB_VERSION\}/s);
    });

    it("installs requirements.txt in a layer after the large ones, ships the contract, and ends as the notebook user", () => {
        const order = instructions.map((i) => `${i.keyword} ${i.args.split(/\s+/)[0]}`);
        expect(order.indexOf("COPY requirements.txt")).toBeGreaterThan(order.findIndex((o) => o.startsWith("RUN mamba")));
        expect(instructions.find((i) => i.keyword === "COPY" && i.args.startsWith(CONTRACT_SCRIPT_PATH))!.args).toBe(`${CONTRACT_SCRIPT_PATH} /usr/local/bin/check-image-contract`);
        const users = instructions.filter((i) => i.keyword === "USER").map((i) => i.args);
        expect(users[users.length - 1]).toBe("${NB_UID}");
    });

    it("is offered to the team with requirements.txt; the contract script stays the package's", () => {
        expect(imageDefinitionFiles().map((f) => [f.path, f.ownership])).toEqual([
            ["Dockerfile", "seed"],
            ["requirements.txt", "seed"],
            [CONTRACT_SCRIPT_PATH, "managed"],
        ]);
    });
});

describe("requirements.txt and check-requirements.sh", () => {
    const check = (requirements: string) => {
        const dir = tmp.dir("req");
        fs.writeFileSync(path.join(dir, "requirements.txt"), requirements);
        fs.copyFileSync(path.join(IMAGE_DIR, "Dockerfile"), path.join(dir, "Dockerfile"));
        return runFile("sh", path.join(IMAGE_DIR, "check-requirements.sh"), cleanEnv(dir), dir);
    };

    it("pins every package exactly and carries the pipeline's lint and test tools, never torch", () => {
        const lines = environmentImageFile("requirements.txt").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
        for (const l of lines) expect(l).toMatch(/^[A-Za-z0-9._-]+==[0-9][^\s]*$/);
        expect(lines.map((l) => l.split("==")[0])).toEqual(expect.arrayContaining(["ruff", "pytest"]));
        const run = check(environmentImageFile("requirements.txt"));
        expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: "check-requirements: requirements.txt keeps the base's PyTorch (CUDA 12.8)" });
    });

    it("refuses, line by line, a torch for another CUDA before anything is built", () => {
        const run = check(["ruff==0.17.4", "torch==2.9.1+cu126", "TorchVision>=0.20", "torch==2.11.0+cu128  # the base's own build", "--extra-index-url https://download.pytorch.org/whl/cu130", "# torch==1.0"].join("\n"));
        expect(run.status).toBe(1);
        expect(run.stderr).toContain("requirements.txt:2: 'torch==2.9.1+cu126' would install a PyTorch build for another CUDA than the base's 12.8");
        expect(run.stderr).toContain("requirements.txt:3: 'TorchVision>=0.20'");
        expect(run.stderr).not.toContain("requirements.txt:4:");
        expect(run.stderr).toContain("requirements.txt:5: '--extra-index-url https://download.pytorch.org/whl/cu130' points at PyTorch builds for another CUDA");
        expect(run.stderr).toContain("3 line(s) of requirements.txt conflict with the base image's CUDA 12.8; nothing was built");
    });
});

describe("check-image-contract.sh", () => {
    const contract = path.join(IMAGE_DIR, "check-image-contract.sh");

    it("reports what this machine lacks, with the fix, and exits 1", () => {
        const run = runFile("sh", contract, cleanEnv(tmp.dir("home"), { ML_TEAM_ENV_HUB_VERSION: JUPYTERHUB_VERSION, ML_TEAM_ENV_CI_TOOLS: "a-tool-nobody-has" }), tmp.dir("cwd"), ["--for", "notebook,ci"]);
        expect(run.status).toBe(1);
        expect(run.stdout).toContain("FAIL  jupyterhub-singleuser is not on PATH: the hub cannot start a notebook in this image");
        expect(run.stdout).toContain(`fix: install JupyterHub's single-user server at the hub's version, e.g. mamba install 'jupyterhub-singleuser==${JUPYTERHUB_VERSION}'`);
        expect(run.stdout).toContain("FAIL  a-tool-nobody-has is not on PATH: the pipeline runs it");
        expect(run.stdout).toMatch(/ok {4}git\n/);
        expect(run.stdout).toMatch(/image contract: \d+ check\(s\) failed/);
    });

    it("refuses bad arguments with exit 2", () => {
        expect(runFile("sh", contract, cleanEnv(tmp.dir("home")), tmp.dir("cwd"), ["--for", "notebook,laptop"]).status).toBe(2);
    });

    // A directory laid out like a built image: the single-user server and JupyterLab (test
    // stand-ins that answer --version as theirs do), the CI tools, this machine's Python;
    // run as uid 1000 with its own home, as the hub runs notebooks.
    const setpriv = spawnSync("setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", "true"]).status === 0;
    if (!setpriv) console.warn("SKIPPED: the image-layout contract checks — they run as uid 1000 through setpriv, which is absent or not permitted here.");
    function imageLayout(hubVersion: string | undefined): { env: Record<string, string>; home: string } {
        const root = tmp.dir("image");
        const bin = path.join(root, "usr/local/bin");
        const home = path.join(root, "home/jovyan");
        fs.mkdirSync(bin, { recursive: true });
        fs.mkdirSync(home, { recursive: true });
        const tool = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
        if (hubVersion) tool("jupyterhub-singleuser", `[ "$1" = --version ] && echo ${hubVersion}`);
        tool("jupyter-lab", "echo 4.4.0");
        tool("ruff", "echo ruff 0.17.4");
        tool("pytest", "echo pytest 9.0.3");
        // uid 1000 must reach it: open every folder up to the temp root (mkdtemp makes that one 0700).
        for (let d = root; d !== path.dirname(d) && d.startsWith(os.tmpdir()) && d !== os.tmpdir(); d = path.dirname(d)) fs.chmodSync(d, 0o755);
        spawnSync("chown", ["-R", "1000:1000", home]);
        return { home, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: home, ML_TEAM_ENV_HUB_VERSION: JUPYTERHUB_VERSION, ML_TEAM_ENV_CI_TOOLS: "ruff pytest" } };
    }
    const asNotebookUser = (env: Record<string, string>) =>
        spawnSync("setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", "sh", contract, "--for", "notebook,ci"], { env, encoding: "utf8", cwd: env.HOME });

    (setpriv ? it : it.skip)("accepts an image with the hub's single-user server, JupyterLab and the CI tools, as uid 1000", () => {
        const { env } = imageLayout(JUPYTERHUB_VERSION);
        const run = asNotebookUser(env);
        expect({ status: run.status, failures: run.stdout.split("\n").filter((l) => l.startsWith("FAIL")) }).toEqual({ status: 0, failures: [] });
        expect(run.stdout).toContain(`ok    jupyterhub-singleuser ${JUPYTERHUB_VERSION} (hub ${JUPYTERHUB_VERSION})`);
        expect(run.stdout).toContain("image contract: passed");
    });

    (setpriv ? it : it.skip)("rejects a plain PyTorch image (no single-user server) and another JupyterHub major; warns on another minor", () => {
        const plain = asNotebookUser(imageLayout(undefined).env);
        expect(plain.status).toBe(1);
        expect(plain.stdout).toContain("FAIL  jupyterhub-singleuser is not on PATH");
        const old = asNotebookUser(imageLayout("4.1.6").env);
        expect(old.status).toBe(1);
        expect(old.stdout).toContain(`FAIL  jupyterhub-singleuser 4.1.6: the hub runs JupyterHub ${JUPYTERHUB_VERSION}, and servers of another major version fail to authenticate`);
        const minor = asNotebookUser(imageLayout("5.3.0").env);
        expect(minor.status).toBe(0);
        expect(minor.stdout).toContain("warn  jupyterhub-singleuser 5.3.0 with JupyterHub 5.5.0");
    });

    (setpriv ? it : it.skip)("rejects an image whose notebook user cannot write its home", () => {
        const { env, home } = imageLayout(JUPYTERHUB_VERSION);
        spawnSync("chown", ["-R", "0:0", home]);
        fs.chmodSync(home, 0o755);
        const run = asNotebookUser(env);
        expect(run.status).toBe(1);
        expect(run.stdout).toContain(`FAIL  home '${home}' is not writable by uid 1000`);
    });
});
