/**
 * The shell and Python the pipeline's jobs run, kept as files of their kind in
 * `infra/ci/scripts/` (so shellcheck, ruff and the real interpreters can run them) and
 * embedded into `.gitlab-ci.yml` here, so the team's pipeline needs nothing else from the
 * package at run time.
 */
import * as fs from "fs";
import * as path from "path";

/** Where the scripts live. */
export const CI_SCRIPTS_DIR = path.join(__dirname, "scripts");

/** The artifact every job writes (provenance.sh, run before each job's script): which commit, ref and image made its result. */
export const PROVENANCE_FILE = "provenance.json";

/** A job's artifacts: provenance.json and `more`, kept whether the job passes or fails. */
export function provenanceArtifacts(...more: string[]): { paths: string[]; when: "always" } {
    return { paths: [PROVENANCE_FILE, ...more], when: "always" };
}

const cache = new Map<string, string>();

/** A script's text, read once. */
export function ciScript(file: string): string {
    let text = cache.get(file);
    if (text === undefined) {
        text = fs.readFileSync(path.join(CI_SCRIPTS_DIR, file), "utf8");
        cache.set(file, text);
    }
    return text;
}

const DELIMITER = "ML_TEAM_ENV_SCRIPT";

/** A job script item that writes `body` to a file and runs it with `interpreter`, so CI runs exactly the text the tests run. */
function runAs(interpreter: "sh" | "python3", name: string, body: string, args: string): string {
    if (body.split("\n").includes(DELIMITER)) throw new Error(`script ${name} contains its here-document delimiter`);
    const file = `"\${TMPDIR:-/tmp}/${name}"`;
    return `cat >${file} <<'${DELIMITER}'\n${body.endsWith("\n") ? body : `${body}\n`}${DELIMITER}\n${interpreter} ${file}${args ? ` ${args}` : ""}\n`;
}

/** Runs `infra/ci/scripts/<file>` (or another shipped script) with sh. */
export function runShScript(file: string, body = ciScript(file), args = ""): string {
    return runAs("sh", file, body, args);
}

/** Runs `infra/ci/scripts/<file>` with python3 (every image of the contract has it). */
export function runPythonScript(file: string, args = ""): string {
    return runAs("python3", file, ciScript(file), args);
}
