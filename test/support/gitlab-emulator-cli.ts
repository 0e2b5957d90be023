/**
 * `npm run gitlab-emulator -- [--port 8929] [--mode ce|ee-free|ee-premium|ee-ultimate]`: runs the
 * GitLab API emulator as a process, seeded with a group and a few users, so the providers, the
 * audit and doctor can be tried by hand against something that answers like GitLab. It seeds no
 * project: README's flow has `gitlab-apply` create ml-team/vision-models (the gitlab-only stack's
 * `mode: create`), which would otherwise silently adopt a seeded one.
 */
import { CliIo, CommandSpec, runCli, runCommand, UsageError } from "../../infra/cli/args";
import { EMULATOR_MODES, EmulatorMode, GitLabEmulator, startGitLabEmulator } from "./gitlab-emulator";

const DEFAULT_PORT = 8929;
const DEFAULT_MODE: EmulatorMode = "ee-premium";
const GROUP = "ml-team";
/** The project of stacks/Pulumi.gitlab-only.yaml, which the printed commands create and audit. */
const PROJECT = "vision-models";
/** The gitlab-only stack's team (alice, bob) and the dev stack's third member. */
export const SEEDED_USERS = ["alice", "bob", "chen.wei"];

export const GITLAB_EMULATOR_COMMAND: CommandSpec = {
    name: "gitlab-emulator",
    summary:
        `Runs an emulated GitLab REST API v4 on 127.0.0.1 until interrupted (Ctrl-C), seeded with the group ${GROUP} (no project) ` +
        `and the users ${SEEDED_USERS.join(", ")}; prints the admin token and commands to try against it: gitlab-apply creates ${GROUP}/${PROJECT}, then the audit reads it.`,
    synopsis: [`[--port N] [--mode ${EMULATOR_MODES.join("|")}]`],
    options: [
        { name: "port", value: "N", description: `port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)` },
        { name: "mode", value: "M", description: `edition and tier to emulate: ${EMULATOR_MODES.join(", ")} (default ${DEFAULT_MODE})` },
    ],
    exitCodes: [
        [0, "stopped by Ctrl-C"],
        [1, "could not start (e.g. the port is in use)"],
        [2, "usage error"],
    ],
    examples: ["npm run gitlab-emulator", "npm run gitlab-emulator -- --port 0 --mode ce"],
};

/** Resolves on the first Ctrl-C. */
function interrupted(): Promise<void> {
    return new Promise((resolve) => process.once("SIGINT", () => resolve()));
}

/** What README's flow starts from: the group and the users, no project (gitlab-apply creates it). */
export function seedEmulator(emulator: GitLabEmulator): void {
    emulator.addGroup(GROUP);
    for (const u of SEEDED_USERS) emulator.addUser(u);
}

/** The command's main: runs until `until` resolves (Ctrl-C), then exit code 0; 1 or 2 as `--help` documents. */
export async function gitlabEmulatorMain(argv: readonly string[], io: CliIo, until: () => Promise<void> = interrupted): Promise<number> {
    return runCommand(GITLAB_EMULATOR_COMMAND, argv, io, async (flags) => {
        const mode = (flags.mode ?? DEFAULT_MODE) as EmulatorMode;
        if (!EMULATOR_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${EMULATOR_MODES.join(", ")}, not '${flags.mode}'`);
        const port = Number(flags.port ?? DEFAULT_PORT);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), not '${flags.port}'`);
        const stopped = until();
        let emulator: GitLabEmulator;
        try {
            emulator = await startGitLabEmulator({ mode, port });
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            // runCommand prints any other error as one `error:` line with exit code 1.
            throw new Error(err.code === "EADDRINUSE" ? `port ${port} is already in use; pick another with --port` : `could not start: ${err.message}`);
        }
        try {
            seedEmulator(emulator);
            io.out(`GitLab API emulator (${mode}) at ${emulator.url}/api/v4`);
            io.out(`admin token: ${emulator.adminToken}`);
            io.out(`try: curl -s -H "PRIVATE-TOKEN: ${emulator.adminToken}" ${emulator.url}/api/v4/user`);
            io.out(`     GITLAB_TOKEN=${emulator.adminToken} npm run gitlab-apply -- --stack gitlab-only --url ${emulator.url}`);
            io.out(`     GITLAB_TOKEN=${emulator.adminToken} npm run audit -- --url ${emulator.url} --project ${GROUP}/${PROJECT}`);
            await stopped;
        } finally {
            await emulator.close();
        }
        return 0;
    });
}

if (require.main === module) runCli((argv, io) => gitlabEmulatorMain(argv, io));
