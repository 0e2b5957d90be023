/**
 * Runs the package's shell and Python as files, with their real interpreters, in a clean
 * environment (nothing of this machine's git or CI settings leaks in).
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./temp-stack";

/** Fresh, numbered directories under one temp root per test file, removed after it (temp-stack.ts `tempDir`). */
export function tempDirs(prefix: string): { dir(name: string): string } {
    const root = tempDir(prefix);
    let n = 0;
    return {
        dir(name: string) {
            const d = path.join(root, `${++n}-${name}`);
            fs.mkdirSync(d, { recursive: true });
            return d;
        },
    };
}

/** Git and a shell with no system or user config of this machine. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", ...extra };
}

/** Runs `file` with `interpreter` in `cwd` with exactly `env`. */
export function runFile(interpreter: string, file: string, env: Record<string, string>, cwd: string, args: readonly string[] = []): SpawnSyncReturns<string> {
    return spawnSync(interpreter, [file, ...args], { cwd, env, encoding: "utf8", timeout: 120_000 });
}

/** Git in `cwd`; throws with git's message on failure. */
export function git(cwd: string, home: string, args: readonly string[], env: Record<string, string> = {}): string {
    const run = spawnSync("git", args, { cwd, env: cleanEnv(home, env), encoding: "utf8" });
    if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
    return run.stdout.trim();
}

/** Whether a program is on PATH. */
export function onPath(program: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).status === 0;
}
