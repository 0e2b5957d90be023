/**
 * A team repository as the package leaves it, in real git: a bare `origin` (the GitLab
 * project), a clone to work in, and the files the package proposes committed the way its
 * merge request does. And a PATH that stands in for the environment image under
 * gitlab-ci-local's shell executor: this machine's Python with PyTorch (Debian's
 * python3-torch), pytest, git and POSIX tools, and Ruff's linter (tests' wasm CLI).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ProjectFile } from "../../infra/gitlab/gitlab-project";
import { cleanEnv, git } from "./run-script";

export interface TeamRepo {
    readonly origin: string;
    readonly work: string;
    readonly home: string;
    /** Runs git in the working clone. */
    git(...args: string[]): string;
    /** Writes files into the working clone. */
    write(files: readonly Pick<ProjectFile, "path" | "content">[]): void;
    /** Commits everything with `message` (dated, so runs are repeatable) and returns the commit. */
    commit(message: string): string;
}

const AUTHOR = { GIT_AUTHOR_NAME: "Alice", GIT_AUTHOR_EMAIL: "alice@example.com", GIT_COMMITTER_NAME: "Alice", GIT_COMMITTER_EMAIL: "alice@example.com" };

/** A project whose `main` holds a README, as GitLab creates it with initialize_with_readme. */
export function newTeamRepo(dir: string): TeamRepo {
    const home = path.join(dir, "home");
    const origin = path.join(dir, "origin.git");
    const work = path.join(dir, "work");
    fs.mkdirSync(home, { recursive: true });
    git(dir, home, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
    git(dir, home, ["clone", "--quiet", origin, work]);
    // gitlab-ci-local keeps its state and job output in the checkout: never part of a commit.
    fs.appendFileSync(path.join(work, ".git/info/exclude"), ".gitlab-ci-local/\n.gcl-home/\n");
    const repo: TeamRepo = {
        origin,
        work,
        home,
        git: (...args) => git(work, home, args, AUTHOR),
        write(files) {
            for (const f of files) {
                const target = path.join(work, f.path);
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.writeFileSync(target, f.content);
            }
        },
        commit(message) {
            repo.git("add", "-A");
            repo.git("commit", "--quiet", "-m", message);
            return repo.git("rev-parse", "HEAD");
        },
    };
    repo.write([{ path: "README.md", content: "# vision-models\n" }]);
    repo.commit("Initial commit");
    repo.git("push", "--quiet", "origin", "main");
    return repo;
}

/** A Python with PyTorch and pytest, or why there is none (for the skip message). */
export function torchPython(): string | { missing: string } {
    for (const candidate of ["/usr/bin/python3", "python3"]) {
        const probe = spawnSync(candidate, ["-c", "import torch, pytest; print(torch.__version__)"], { encoding: "utf8" });
        if (probe.status === 0) return candidate;
    }
    return { missing: "no Python with torch and pytest here (apt-get install -y python3-torch python3-pytest)" };
}

/**
 * A folder of the image's commands for the shell executor: python/python3 (with torch),
 * pytest, ruff. Put it first on PATH.
 */
export function imageStandIn(dir: string, python: string): string {
    const bin = path.join(dir, "image-bin");
    fs.mkdirSync(bin, { recursive: true });
    const script = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    script("python", `exec ${python} "$@"`);
    script("python3", `exec ${python} "$@"`);
    script("pytest", `exec ${python} -m pytest "$@"`);
    script("ruff", `exec ${process.execPath} ${path.join(__dirname, "bin/ruff")} "$@"`);
    return bin;
}

/** The environment of a gitlab-ci-local run: the image stand-in first on PATH, nothing of this machine's git or CI settings. */
export function jobEnv(repo: TeamRepo, bin: string, extra: Record<string, string> = {}): Record<string, string> {
    return cleanEnv(repo.home, { PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, ...AUTHOR, ...extra });
}

