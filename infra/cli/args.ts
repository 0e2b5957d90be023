/** Minimal `--flag value` parsing for the package's commands; unknown flags are errors. */
export function parseFlags(argv: readonly string[], known: readonly string[]): Record<string, string> {
    const flags: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        if (!arg.startsWith("--")) throw new UsageError(`unexpected argument '${arg}'`);
        const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
        if (!known.includes(name)) throw new UsageError(`unknown option --${name}; options: ${known.map((k) => `--${k}`).join(", ")}`);
        const value = inline ?? argv[++i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
        flags[name] = value;
    }
    return flags;
}

/** A mistake in how a command was called: printed without a stack trace. */
export class UsageError extends Error {}

/** Runs a command's main, printing errors as one clear message and setting the exit code. */
export function runCli(main: () => Promise<number>): void {
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            const err = e as Error;
            console.error(err instanceof UsageError ? `error: ${err.message}` : `error: ${err.message ?? String(e)}`);
            process.exitCode = err instanceof UsageError ? 2 : 1;
        },
    );
}
