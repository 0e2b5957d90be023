import { parseGitLabUrl } from "../config/gitlab-url";
import { gitlabSchema } from "../config/schema";
import { MAX_LINE, outputWidth, wrapWords } from "../plan/format";
import { readStackFile, StackFileConfig } from "../plan/stack-file";

/**
 * Command-line conventions shared by the package's commands: `--flag value` or
 * `--flag=value`, boolean flags, `--help`/`-h`, and usage errors that say what to type
 * instead (exit code 2). Each command declares its options once; the parser and the
 * `--help` text both come from that declaration.
 */

/** One option of a command. */
export interface OptionSpec {
    readonly name: string;
    /** Placeholder of the value (`NAME`); absent for a flag that takes no value. */
    readonly value?: string;
    readonly description: string;
    readonly required?: boolean;
}

/** A command's interface: what `--help` prints and what the parser accepts. */
export interface CommandSpec {
    /** The npm script name (`plan`). */
    readonly name: string;
    /** What the command does, one or two sentences. */
    readonly summary: string;
    /** Synopsis lines after `npm run <name> -- `. */
    readonly synopsis: readonly string[];
    readonly options: readonly OptionSpec[];
    readonly exitCodes: readonly (readonly [number, string])[];
    readonly examples?: readonly string[];
}

export interface ParsedArgs {
    /** Values of the options given (boolean flags as `"true"`). */
    readonly flags: Readonly<Record<string, string>>;
    /** `--help` or `-h` was given. */
    readonly help: boolean;
}

/** A mistake in how a command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** `--url`: the GitLab URL by the one rule every command and the stack config follow, or a usage error. */
export function gitlabUrlFlag(value: string): string {
    const url = parseGitLabUrl(value);
    if (!url.ok) throw new UsageError(`--url ${value} ${url.problem}`);
    return url.url;
}

/** `--project`: a full project path, as the stack's gitlab.project.path takes it, or a usage error. */
export function projectFlag(value: string): string {
    if (!gitlabSchema.shape.project.shape.path.safeParse(value).success) throw new UsageError(`--project ${value}: must be a full project path 'group[/subgroup]/name'`);
    return value;
}

/** Without `--stack`, `--url` and `--project` go together: the error naming what is missing, with both usages. */
export function incompleteTargetError(spec: CommandSpec, hasUrl: boolean, hasProject: boolean): UsageError {
    const what = hasUrl ? "--url needs --project GROUP/NAME" : hasProject ? "--project needs --url URL" : "missing --stack NAME (or --url URL with --project GROUP/NAME)";
    return new UsageError(`${what}\nusage: npm run ${spec.name} -- ${spec.synopsis[0]}\n       npm run ${spec.name} -- ${spec.synopsis[1]}`);
}

/** Exit code of a usage error. */
export const USAGE_EXIT = 2;

/** Where a command writes, and what it reads of its environment (tests pass their own). */
export interface CliIo {
    /** Standard output: the command's result. */
    out(text: string): void;
    /** Standard error: progress, errors, hints. */
    err(text: string): void;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Directory the stack files are under (`stacks/`). */
    readonly cwd: string;
    /** The terminal's width when stdout is one; text is laid out for it (`outputWidth`), else for 100 columns. */
    readonly columns?: number;
}

export const processIo: CliIo = {
    out: (text) => void process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
};

/**
 * Parses `argv` against a command's options. Unknown options, a value missing or empty
 * (`--gpus=`), a value given to a flag that takes none, an option given twice and a bare
 * argument are usage errors; the message for the last one says how npm passes options.
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec, env: CliIo["env"] = {}): ParsedArgs {
    if (argv.some((a) => a === "--help" || a === "-h")) return { flags: {}, help: true };
    const flags: Record<string, string> = {};
    const known = new Map(spec.options.map((o) => [o.name, o]));
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        if (!arg.startsWith("--") || arg === "--") {
            if (arg !== "--") positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
        const option = known.get(name);
        if (!option) throw new UsageError(`unknown option --${name}; ${spec.name} takes ${spec.options.map((o) => `--${o.name}`).join(", ")}`);
        let value: string;
        if (option.value === undefined) {
            if (eq >= 0) throw new UsageError(`--${name} takes no value`);
            value = "true";
        } else if (eq >= 0) {
            value = arg.slice(eq + 1);
            if (value === "") throw new UsageError(`--${name} needs a value (--${name}=${option.value}); it was given an empty one`);
        } else {
            const next = argv[i + 1];
            if (next === undefined || (next.startsWith("--") && next.length > 2)) throw new UsageError(`--${name} needs a value (--${name} ${option.value})`);
            value = next;
            i++;
        }
        if (name in flags) throw new UsageError(`--${name} is given twice ('${flags[name]}' and '${value}'); give it once`);
        flags[name] = value;
    }
    const swallowed = npmSwallowed(spec, env, flags);
    if (positionals.length > 0 || swallowed.length > 0) {
        const hint = npmHint(spec, swallowed, positionals, env);
        if (positionals.length > 0) throw new UsageError(`unexpected argument${positionals.length > 1 ? "s" : ""} ${positionals.map((p) => `'${p}'`).join(" ")}\n${hint}`);
        // Options npm took for itself (`npm run plan --stack=dev`): say so if one is now missing.
        const missing = spec.options.filter((o) => o.required && !(o.name in flags));
        if (missing.length > 0) throw new UsageError(`missing ${missing.map((o) => `--${o.name}`).join(", ")}\n${hint}`);
    }
    for (const o of spec.options) {
        if (o.required && !(o.name in flags)) throw new UsageError(`missing --${o.name} ${o.value ?? ""}`.trimEnd() + `\nusage: ${synopsis(spec)[0]}`);
    }
    return { flags, help: false };
}

/** What npm set for an option it took as its own config (`--fail-on-change` → `npm_config_fail_on_change`). */
function npmConfig(env: CliIo["env"], o: OptionSpec): string | undefined {
    return env[`npm_config_${o.name.replace(/-/g, "_")}`];
}

/** Options npm consumed as its own config (`npm run plan --stack dev` sets `npm_config_stack`). */
function npmSwallowed(spec: CommandSpec, env: CliIo["env"], flags: Record<string, string>): OptionSpec[] {
    return spec.options.filter((o) => !(o.name in flags) && npmConfig(env, o) !== undefined);
}

function npmHint(spec: CommandSpec, swallowed: readonly OptionSpec[], positionals: readonly string[], env: CliIo["env"]): string {
    const dashDash = `npm passes a script only what comes after \`--\``;
    if (swallowed.length === 0) {
        const first = spec.options.find((o) => o.required && o.value);
        const example = first && positionals.length === 1 ? `npm run ${spec.name} -- --${first.name} ${positionals[0]}` : synopsis(spec)[0];
        return `hint: options are named, and ${dashDash}: ${example}`;
    }
    // With one option swallowed, its value is in npm's config or is the bare argument that followed it.
    // With several, which bare argument went with which option is unknown: show placeholders.
    const parts = swallowed.map((o) => {
        const npmValue = npmConfig(env, o);
        if (o.value === undefined) return `--${o.name}`;
        const value = npmValue && npmValue !== "true" ? npmValue : swallowed.length === 1 && positionals.length === 1 ? positionals[0] : o.value;
        return `--${o.name} ${value}`;
    });
    const gave = swallowed.length > 1 && positionals.length > 0 ? ` (the values you gave: ${positionals.join(" ")})` : "";
    return `hint: npm took ${swallowed.map((o) => `--${o.name}`).join(", ")} as its own option${swallowed.length > 1 ? "s" : ""}; ${dashDash}: npm run ${spec.name} -- ${parts.join(" ")}${gave}`;
}

function synopsis(spec: CommandSpec): string[] {
    return spec.synopsis.map((s) => `npm run ${spec.name} -- ${s}`);
}

/**
 * A command line wrapped at `width`, never inside a `[--option VALUE]` group, between an option
 * and its value, or in a quoted word; with `continuation` (` \\` for examples) every line but
 * the last ends with it, so the lines still paste into a shell as one command.
 */
function wrapCommand(command: string, first: string, rest: string, width: number, continuation = ""): string[] {
    const tokens = command.match(/\[[^\]]*\]|'[^']*'|--[^\s-]\S* (?![-|])\S+|\S+/g) ?? [];
    const lines: string[] = [];
    let line = first;
    for (const [i, t] of tokens.entries()) {
        if (i > 0 && line.length + 1 + t.length + continuation.length > width) {
            lines.push(line + continuation);
            line = rest + t;
        } else line = i === 0 ? line + t : `${line} ${t}`;
    }
    return [...lines, line];
}

/** The `--help` text, wrapped at `width` (the terminal's, see `outputWidth`): usage, what it does, options, exit codes, examples. */
export function helpText(spec: CommandSpec, width = MAX_LINE): string {
    const lines = synopsis(spec).flatMap((s, i) => wrapCommand(s, i === 0 ? "usage: " : "       ", "           ", width));
    lines.push("", ...wrapWords(spec.summary, "", "", width), "", "options:");
    const label = (o: OptionSpec) => `--${o.name}${o.value ? ` ${o.value}` : ""}`;
    const labelWidth = Math.max(...spec.options.map((o) => label(o).length), "-h, --help".length);
    // Descriptions wrap under themselves, so the option labels stay a column of their own.
    const hang = " ".repeat(labelWidth + 4);
    for (const o of spec.options) lines.push(...wrapWords(`${o.description}${o.required ? " (required)" : ""}`, `  ${label(o).padEnd(labelWidth)}  `, hang, width));
    lines.push(`  ${"-h, --help".padEnd(labelWidth)}  this help`);
    lines.push("", "exit codes:");
    for (const [code, meaning] of spec.exitCodes) lines.push(...wrapWords(meaning, `  ${code}  `, " ".repeat(`  ${code}  `.length), width));
    if (spec.examples && spec.examples.length > 0) lines.push("", "examples:", ...spec.examples.flatMap((e) => wrapCommand(e, "  ", "      ", width, " \\")));
    lines.push("", ...wrapWords(`npm itself takes options before \`--\`: write the command's options after it (npm run ${spec.name} -- --help).`, "", "", width));
    return lines.join("\n");
}

/**
 * Parses the arguments, prints `--help`, runs the command. Usage errors print one message
 * (and the way to get help) and give exit code 2; other errors one line and exit code 1.
 */
export async function runCommand(spec: CommandSpec, argv: readonly string[], io: CliIo, main: (flags: Readonly<Record<string, string>>) => Promise<number>): Promise<number> {
    try {
        const parsed = parseArgs(argv, spec, io.env);
        if (parsed.help) {
            io.out(helpText(spec, outputWidth(io.columns)));
            return 0;
        }
        return await main(parsed.flags);
    } catch (e) {
        if (e instanceof UsageError) {
            io.err(`error: ${e.message}\n(npm run ${spec.name} -- --help for usage)`);
            return USAGE_EXIT;
        }
        const err = e as Error;
        io.err(`error: ${err?.message ?? String(e)}`);
        return 1;
    }
}

/** Reads `stacks/Pulumi.<stack>.yaml` under `io.cwd`; a missing or unparsable file is a usage error. */
export function readStackOrUsage(stack: string, io: CliIo): StackFileConfig {
    try {
        return readStackFile(stack, io.cwd);
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
}

/**
 * Runs a command's main as the process and sets the exit code when it is done. A
 * `UsageError` that escapes prints one line and gives 2, any other error one line and 1.
 */
export function runCli(main: (argv: readonly string[], io: CliIo) => Promise<number>): void {
    main(process.argv.slice(2), processIo).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            console.error(`error: ${(e as Error)?.message ?? String(e)}`);
            process.exitCode = e instanceof UsageError ? USAGE_EXIT : 1;
        },
    );
}
