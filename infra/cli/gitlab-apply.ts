/**
 * `npm run gitlab-apply -- --stack NAME [--url URL] [--state FILE] [--destroy]`: applies the
 * GitLab part of a `cluster.mode: none` stack without the Pulumi CLI (infra/local-apply/), to try
 * the branch model on the GitLab API emulator or a sandbox GitLab. Not a replacement for
 * `pulumi up`: no locking, no secrets provider, one person's state file.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../config/schema";
import { formatConfigErrors } from "../config/validate";
import { applyLocally, LocalApplyError, LocalState } from "../local-apply/local-engine";
import { captureConsole } from "../plan/plan";
import { validateStackFile, withGitLabTarget } from "../plan/stack-file";
import { CliIo, CommandSpec, gitlabUrlFlag, readStackOrUsage, runCli, runCommand, UsageError } from "./args";

export const GITLAB_APPLY_COMMAND: CommandSpec = {
    name: "gitlab-apply",
    summary:
        "Applies the GitLab part of a stack whose cluster.mode is none (the project, its branch model, members, pipeline and schedule) without the Pulumi CLI: the real program " +
        "runs under the SDK's mock runtime and each GitLab resource it registers is created, updated or deleted by its real provider. Its state is kept in a JSON file, so a second run " +
        "changes only what changed. Meant for trying the package against the GitLab API emulator (npm run gitlab-emulator) or a sandbox GitLab; `pulumi up` is the way to deploy. " +
        "The token comes from GITLAB_TOKEN.",
    synopsis: ["--stack NAME [--url URL] [--state FILE] [--destroy]"],
    options: [
        { name: "stack", value: "NAME", description: "apply stacks/Pulumi.NAME.yaml (cluster.mode: none)", required: true },
        { name: "url", value: "URL", description: "use this GitLab instead of the stack's gitlab.url (e.g. the emulator's)" },
        { name: "state", value: "FILE", description: "the state file (default .ml-team-env/gitlab-apply/NAME.json)" },
        { name: "destroy", description: "delete what the state file holds, as `pulumi destroy` would (the project stays unless deleteOnDestroy)" },
    ],
    exitCodes: [
        [0, "applied (or destroyed)"],
        [1, "a GitLab call or a guard failed; what was done is kept in the state file, so a rerun goes on from there"],
        [2, "usage error: bad options, no such stack or an invalid one, a mode other than none, GITLAB_TOKEN not set"],
    ],
    examples: ["GITLAB_TOKEN=<the emulator's admin token> npm run gitlab-apply -- --stack gitlab-only --url http://127.0.0.1:8929", "npm run gitlab-apply -- --stack gitlab-only --url http://127.0.0.1:8929 --destroy"],
};

function readState(file: string, stack: string): LocalState | undefined {
    if (!fs.existsSync(file)) return undefined;
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as LocalState;
    if (state.formatVersion !== 1 || state.stack !== stack) throw new UsageError(`${file} is not a gitlab-apply state file of stack '${stack}'`);
    return state;
}

function writeState(file: string, state: LocalState): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(state, null, 2) + "\n");
}

/** The command: exit 0, 1 or 2 as `--help` documents. */
export async function gitlabApplyMain(argv: readonly string[], io: CliIo): Promise<number> {
    return runCommand(GITLAB_APPLY_COMMAND, argv, io, async (flags) => {
        const stack = flags.stack!;
        let file = readStackOrUsage(stack, io);
        if (flags.url) file = withGitLabTarget(file, { url: gitlabUrlFlag(flags.url) });
        if (!io.env.GITLAB_TOKEN) throw new UsageError("GITLAB_TOKEN is not set: export a token with the api scope (the emulator prints its admin token)");
        const mode = (JSON.parse(file.config[`${PROJECT}:cluster`] ?? "{}") as { mode?: unknown }).mode;
        if (mode !== "none") {
            throw new UsageError(`stack '${stack}' has cluster.mode ${String(mode)}: gitlab-apply applies only GitLab-only stacks (cluster.mode: none, see stacks/Pulumi.gitlab-only.yaml); use \`pulumi up\` for the rest`);
        }
        const validation = validateStackFile(stack, file, { gitlabTokenInEnv: true, deploying: true });
        if (!validation.ok) throw new UsageError(formatConfigErrors(stack, validation.errors));
        const stateFile = path.resolve(io.cwd, flags.state ?? path.join(".ml-team-env", "gitlab-apply", `${stack}.json`));
        const state = readState(stateFile, stack);
        const { url, project } = { url: validation.config.gitlab.url, project: validation.config.gitlab.project.path };
        io.err(`${flags.destroy ? "Destroying" : "Applying"} the GitLab part of stack '${stack}' on ${url} (state: ${path.relative(io.cwd, stateFile)})...`);
        // The providers read the token from the environment, as under `pulumi up` without the gitlabToken secret.
        const saved = process.env.GITLAB_TOKEN;
        process.env.GITLAB_TOKEN = io.env.GITLAB_TOKEN;
        try {
            const warnings: string[] = [];
            const result = await captureConsole(warnings, () => applyLocally({ stack, file, ...(state ? { state } : {}), destroy: flags.destroy === "true", progress: (line) => io.out(`  ${line}`) }));
            for (const w of new Set(warnings)) io.err(`warning: ${w}`);
            writeState(stateFile, result.state);
            const count = (op: string) => result.operations.filter((x) => x.op === op).length;
            io.out(`${count("create")} created, ${count("update") + count("replace")} changed, ${count("delete")} deleted, ${count("same")} unchanged.`);
            if (!flags.destroy) io.out(`Audit it: GITLAB_TOKEN=... npm run audit -- --url ${url} --project ${project}`);
            return 0;
        } catch (e) {
            if (!(e instanceof LocalApplyError)) throw e;
            writeState(stateFile, e.state);
            io.err(`error: ${e.message}\nWhat was done is in ${path.relative(io.cwd, stateFile)}; run again to go on.`);
            return 1;
        } finally {
            if (saved === undefined) delete process.env.GITLAB_TOKEN;
            else process.env.GITLAB_TOKEN = saved;
        }
    });
}

if (require.main === module) runCli((argv, io) => gitlabApplyMain(argv, io));
