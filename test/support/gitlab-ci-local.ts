/**
 * gitlab-ci-local 4.73.0 (a real GitLab CI parser and runner; the newest that runs on Node 20),
 * run as a child process, and the pipeline sources as its arguments and as GitLab's predefined
 * variables.
 */
import { execFile } from "child_process";
import * as path from "path";
import { ROOT } from "../harness";

export const GITLAB_CI_LOCAL = path.join(ROOT, "node_modules/gitlab-ci-local/dist/index.js");

export interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

export type Vars = Readonly<Record<string, string>>;

/** A pipeline source: gitlab-ci-local arguments, and the predefined variables GitLab would set. */
export interface Source {
    readonly gcl: readonly string[];
    readonly vars: Vars;
}

/** Variables as `--variable` arguments, and `--unset-variable` for what GitLab would not set. */
export function variableArgs(vars: Vars, unset: readonly string[] = []): string[] {
    return [...Object.entries(vars).flatMap(([k, v]) => ["--variable", `${k}=${v}`]), ...unset.flatMap((u) => ["--unset-variable", u])];
}

/** Predefined variables of a pipeline source. */
function source(vars: Vars, unset: readonly string[] = []): Source {
    return { gcl: variableArgs(vars, unset), vars };
}

const MR = { CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_IID: "7", CI_OPEN_MERGE_REQUESTS: "ml-team/vision-models!7" };

export const SOURCES = {
    mergeRequest: source({ ...MR, CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "feature/x", CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "develop", CI_COMMIT_REF_NAME: "feature/x" }, ["CI_COMMIT_BRANCH"]),
    pushToMain: source({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" }),
    pushToDevelop: source({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "develop", CI_COMMIT_REF_NAME: "develop" }),
    experimentPush: source({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "experiment/lr-1e4-20261204", CI_COMMIT_REF_NAME: "experiment/lr-1e4-20261204" }),
    runPipelineOnFeature: source({ CI_PIPELINE_SOURCE: "web", CI_COMMIT_BRANCH: "feature/x", CI_COMMIT_REF_NAME: "feature/x" }),
    runPipelineOnExperiment: source({ CI_PIPELINE_SOURCE: "web", CI_COMMIT_BRANCH: "experiment/lr-1e4-20261204", CI_COMMIT_REF_NAME: "experiment/lr-1e4-20261204" }),
    // A hotfix merged: main's back-merge request into develop is open while main is pushed.
    pushToMainWithOpenMergeRequest: source({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_OPEN_MERGE_REQUESTS: "ml-team/vision-models!8" }),
    releaseTag: source({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.0", CI_COMMIT_REF_NAME: "v1.2.0" }, ["CI_COMMIT_BRANCH"]),
    schedule: source({ CI_PIPELINE_SOURCE: "schedule", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" }),
} satisfies Record<string, Source>;
export type SourceName = keyof typeof SOURCES;

/** Overriding predefined variables makes gitlab-ci-local print a warning on stdout, which would spoil the JSON. */
export function ignorePredefined(names: readonly string[]): string[] {
    return ["--ignore-predefined-vars", names.join(",")];
}
export const IGNORE_PREDEFINED = ignorePredefined(["CI_PIPELINE_SOURCE", "CI_COMMIT_BRANCH", "CI_COMMIT_TAG", "CI_COMMIT_REF_NAME", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "CI_MERGE_REQUEST_IID", "CI_OPEN_MERGE_REQUESTS"]);

/** Runs gitlab-ci-local in `dir`, isolated from the user's own settings. */
export function gitlabCiLocal(dir: string, args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Run> {
    const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith("GCL_") && v !== undefined)) as Record<string, string>;
    // No git repository above the temp dir may lend its branch or remote.
    env.GIT_CEILING_DIRECTORIES = path.dirname(dir);
    Object.assign(env, options.env ?? {});
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [GITLAB_CI_LOCAL, "--state-dir", ".gitlab-ci-local", "--home", path.join(dir, ".gcl-home"), "--no-color", ...args],
            { cwd: dir, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000 },
            (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
    });
}
