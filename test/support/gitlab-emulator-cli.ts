/**
 * `npm run gitlab-emulator -- [--port 8929] [--mode ce|ee-free|ee-premium|ee-ultimate]`: runs the
 * GitLab API emulator as a process, seeded with a group and a few users, so the providers, the
 * audit and doctor can be tried by hand against something that answers like GitLab.
 */
import { EMULATOR_MODES, EmulatorMode, startGitLabEmulator } from "./gitlab-emulator";

const USAGE = `usage: npm run gitlab-emulator -- [--port N] [--mode ${EMULATOR_MODES.join("|")}]

Runs an emulated GitLab REST API v4 on 127.0.0.1 until interrupted (Ctrl-C).
  --port N     port to listen on (default 8929; 0 picks a free one)
  --mode M     edition and tier to emulate (default ee-premium)

Exit codes: 0 stopped by Ctrl-C, 1 could not start (e.g. port in use), 2 usage error.`;

function fail(message: string, code: number): never {
    console.error(message);
    process.exit(code);
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    if (args.includes("--help") || args.includes("-h")) {
        console.log(USAGE);
        return;
    }
    const flags: Record<string, string> = {};
    for (let i = 0; i < args.length; i++) {
        const [name, inline] = args[i]!.replace(/^--/, "").split("=", 2) as [string, string | undefined];
        if (!args[i]!.startsWith("--") || !["port", "mode"].includes(name)) fail(`error: unexpected argument '${args[i]}'\n${USAGE}`, 2);
        const value = inline ?? args[++i];
        if (value === undefined) fail(`error: --${name} needs a value\n${USAGE}`, 2);
        flags[name] = value;
    }
    const mode = (flags.mode ?? "ee-premium") as EmulatorMode;
    if (!EMULATOR_MODES.includes(mode)) fail(`error: --mode must be one of ${EMULATOR_MODES.join(", ")}, not '${flags.mode}'`, 2);
    const port = Number(flags.port ?? 8929);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`error: --port must be a port number (0-65535), not '${flags.port}'`, 2);

    let emulator;
    try {
        emulator = await startGitLabEmulator({ mode, port });
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        fail(err.code === "EADDRINUSE" ? `error: port ${port} is already in use; pick another with --port` : `error: could not start: ${err.message}`, 1);
    }
    emulator.addGroup("ml-team");
    for (const u of ["alice", "bob", "chen.wei"]) emulator.addUser(u);
    console.log(`GitLab API emulator (${mode}) at ${emulator.url}/api/v4`);
    console.log(`admin token: ${emulator.adminToken}`);
    console.log(`try: curl -s -H "PRIVATE-TOKEN: ${emulator.adminToken}" ${emulator.url}/api/v4/user`);
    console.log(`     GITLAB_URL=${emulator.url} GITLAB_TOKEN=${emulator.adminToken} npm run audit -- --url ${emulator.url} --project ml-team/vision-models`);
    process.on("SIGINT", () => void emulator!.close().then(() => process.exit(0)));
}

void main();
