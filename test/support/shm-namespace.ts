/**
 * Runs a program with a /dev/shm of a given size, as a pod's memory-backed emptyDir gives it: a
 * tmpfs of that size mounted over /dev/shm in a mount namespace of its own (`unshare --mount`,
 * which needs root or unprivileged user namespaces), so nothing outside the run sees it.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";

/** Why a run cannot have its own /dev/shm here, or undefined when it can. */
export function shmNamespaceMissing(): string | undefined {
    const probe = spawnSync("unshare", ["--mount", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs /dev/shm && df -k /dev/shm'], { encoding: "utf8" });
    return probe.status === 0 && / 1024 /.test(probe.stdout) ? undefined : `unshare --mount with a tmpfs on /dev/shm is not permitted here (${(probe.stderr || String(probe.error ?? "")).trim().split("\n")[0]})`;
}

/** Runs `program args` with a /dev/shm of `sizeMiB`. */
export function withShm(sizeMiB: number, program: string, args: readonly string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    const script = 'mount -t tmpfs -o "size=$0" tmpfs /dev/shm && exec "$@"';
    return spawnSync("unshare", ["--mount", "sh", "-c", script, `${sizeMiB}m`, program, ...args], { encoding: "utf8", env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 2 ** 20 });
}
