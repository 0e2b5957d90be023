import { CliIo } from "../../infra/cli/args";

/** A command's stdout and stderr, captured line by line; `env` and `cwd` are what the command sees. */
export function capture(cwd: string, env: Record<string, string | undefined> = {}): CliIo & { stdout: string; stderr: string } {
    const io = {
        stdout: "",
        stderr: "",
        out: (s: string) => void (io.stdout += s.endsWith("\n") ? s : `${s}\n`),
        err: (s: string) => void (io.stderr += s.endsWith("\n") ? s : `${s}\n`),
        env,
        cwd,
    };
    return io;
}
