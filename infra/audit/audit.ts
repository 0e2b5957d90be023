/**
 * The live audit as one call: read the project, compare it with the target, score it. The
 * report is plain data (the JSON format is exactly it); the formats render it.
 */
import { GitLabTier } from "../branch-model/branch-model";
import { AuditFacts, AuditRow, compareProject } from "./compare";
import { AuditTarget } from "./expected";
import { readLiveProject, ReadOptions } from "./read";
import { computeScore, ScoreResult, scoreTiers } from "./score";
import { tierText } from "./server-tier";
import { LiveProject } from "./snapshot";

/** The audit of one project. */
export interface AuditReport {
    /** Bumped when a field changes meaning or disappears. */
    readonly formatVersion: 1;
    readonly gitlabUrl: string;
    readonly project: { readonly id: number; readonly path: string; readonly webUrl: string };
    /** What the project was compared with. */
    readonly model: { readonly source: "stack" | "default"; readonly stack?: string; readonly description: string };
    readonly server: {
        readonly edition: "ce" | "ee" | undefined;
        readonly version: string | undefined;
        /** The server's tier; undefined when it could not be determined. */
        readonly tier: GitLabTier | undefined;
        readonly tierAtLeast: boolean;
        readonly tierSource: string;
    };
    /** The tier the rules were judged on (the server's when known). */
    readonly rulesTier: GitLabTier;
    readonly rows: readonly AuditRow[];
    readonly facts: AuditFacts;
    readonly score: ScoreResult;
    readonly summary: { readonly pass: number; readonly fail: number; readonly warn: number; readonly notChecked: number; readonly pending: number };
    /** 1 when a mandatory rule fails; else 3 when a mandatory rule waits on the package's open merge request; else 0. */
    readonly exitCode: 0 | 1 | 3;
}

/** Exit code when no mandatory rule fails but one is pending: its fix waits in the package's open merge request. */
export const PENDING_EXIT = 3;

/** Builds the report from a snapshot. Pure. */
export function buildReport(live: LiveProject, target: AuditTarget): AuditReport {
    const c = compareProject(live, target);
    const count = (s: AuditRow["status"]) => c.rows.filter((r) => r.status === s).length;
    const score = computeScore(scoreTiers(target.model), c.rows, c.facts, c.rulesTier, c.server.tier ? tierText(c.server) : `${c.rulesTier}, assumed: the server's tier could not be determined`);
    const fail = c.rows.some((r) => r.status === "fail" && r.mandatory);
    const pending = c.rows.some((r) => r.status === "pending" && r.mandatory);
    return {
        formatVersion: 1,
        gitlabUrl: live.gitlabUrl,
        project: { id: live.project.id, path: live.project.path_with_namespace, webUrl: live.project.web_url },
        model:
            target.source.kind === "stack"
                ? { source: "stack", stack: target.source.stack, description: `the branch model, tier and team of stack '${target.source.stack}' (stacks/Pulumi.${target.source.stack}.yaml)` }
                : {
                      source: "default",
                      description: `the default branch model (no stack: --url/--project); ${target.team ? `members against ${target.team.source}` : "members listed, direct Owners found (--members FILE compares the team)"}`,
                  },
        server: { edition: c.server.edition, version: c.server.version, tier: c.server.tier, tierAtLeast: c.server.atLeast, tierSource: c.server.source },
        rulesTier: c.rulesTier,
        rows: c.rows,
        facts: c.facts,
        score,
        summary: { pass: count("pass"), fail: count("fail"), warn: count("warn"), notChecked: count("not-checked"), pending: count("pending") },
        exitCode: fail ? 1 : pending ? PENDING_EXIT : 0,
    };
}

/** Reads the project and audits it. Throws `AuditAccessError` when it cannot be read at all. */
export async function runAudit(options: ReadOptions & { readonly target: AuditTarget }): Promise<AuditReport> {
    const m = options.target.model;
    return buildReport(await readLiveProject({ ...options, branches: [m.defaultBranch, m.integrationBranch] }), options.target);
}
