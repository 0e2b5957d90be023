/**
 * The audit's score, in the spirit of the OpenSSF Scorecard Branch-Protection check
 * (ossf/scorecard docs/checks.md): five tiers worth 3, 6, 8, 9 and 10 points; a tier counts
 * only when every tier below it is fully met, and the first unmet tier earns partial credit
 * for the share of its requirements that are met.
 *
 * The tiers, and why they differ from Scorecard's:
 *
 * 1. (3/10) The default branch cannot be rewritten or unprotected by developers: it is the
 *    default branch, protected, no force push, only maintainers may unprotect it. Scorecard's
 *    tier 1 (no force push, no deletion); on GitLab a protected branch cannot be deleted by a
 *    push, and deleting or unprotecting it needs the unprotect right.
 * 2. (6/10) Changes land only through merge requests that pass a pipeline: nobody pushes to
 *    the default branch, the integration branch is protected the same way, "pipeline must
 *    succeed" is on (a skipped pipeline does not count), a pipeline runs for every merge
 *    request (both long-lived branches carry it) with the generated jobs, release tags are
 *    protected. Scorecard puts required status checks in its tier 3,
 *    after reviews; on GitLab a required pipeline is available on every tier and approvals
 *    are not, so it comes first and a Free project can reach 6/10.
 * 3. (8/10) Merge requests into the default branch need at least one approval that GitLab
 *    really requires (an `any_approver` rule, or a rule with enough eligible approvers; a rule
 *    nobody can satisfy is approved automatically). Scorecard's tier 2. Needs Premium.
 * 4. (9/10) The model's review and branch rules in full: approvals at least the model's
 *    count, merge rights as the model sets them, code-owner approval where the model asks for
 *    it, every other protected pattern (`hotfix/*`), discussions resolved. Scorecard's tier 4
 *    asks for two approvals and code owners regardless; the default model asks for one
 *    approval (a small team), so this tier is the model's own bar. Set
 *    `branchModel.approvalsOnMain: 2` and `codeOwnerApprovalOnMain: true` to meet Scorecard's.
 * 5. (10/10) GitLab itself refuses bad pushes: push rules hold the model's branch-name regex,
 *    reject secret files and forbid tag deletion. Needs Premium. (Scorecard's tier 5 is about
 *    dismissing stale approvals and binding admins, which GitLab has no per-branch setting for.)
 *
 * A project set up by this package on Premium with the default model meets all five. On Free
 * the score stops at 6/10: approval rules (tier 3) and push rules (tier 5) need Premium, and
 * the score says so.
 */
import { BranchModel, GitLabTier, tierAtLeast } from "../branch-model/branch-model";
import { mergeRequestPipelineId } from "./ci-rows";
import { AuditFacts, AuditRow } from "./compare";

/** One requirement of a tier. */
export interface ScoreRequirement {
    readonly text: string;
    /** Audit rows that must all pass (by id). */
    readonly rows: readonly string[];
    /** The lowest GitLab tier with the feature it needs. */
    readonly needs?: GitLabTier;
    /** A condition on the audit's measurements: why it is not met, or undefined when it is. */
    readonly check?: (facts: AuditFacts) => string | undefined;
    /** Why the branch model itself rules the requirement out, when it does. */
    readonly excludedByModel?: string;
}

/** A tier of the score. */
export interface ScoreTier {
    readonly level: number;
    /** The score when this tier and every tier below it are met. */
    readonly points: number;
    readonly title: string;
    readonly requirements: readonly ScoreRequirement[];
}

/** The tiers for a branch model (row ids come from the model: its branches, tags and settings). */
export function scoreTiers(model: BranchModel): ScoreTier[] {
    const main = model.defaultBranch;
    const dev = model.integrationBranch;
    const branch = (name: string, ...parts: string[]) => [`protected-branch:${name}`, ...parts.map((p) => `protected-branch:${name}:${p}`)];
    const approvals = model.mergeRequests.approvalsOnDefaultBranch;
    const others = model.protectedBranches.filter((b) => b.name !== main && b.name !== dev);
    const noPipeline = model.mergeRequests.pipelineMustSucceed ? undefined : "the model does not require a passing pipeline (mergeRequests.pipelineMustSucceed)";
    return [
        {
            level: 1,
            points: 3,
            title: `${main} cannot be rewritten or unprotected by developers`,
            requirements: [
                { text: `${main} is the default branch and is protected`, rows: ["project:default-branch", `protected-branch:${main}`] },
                { text: `no force push on ${main}`, rows: branch(main, "force-push") },
                { text: `only maintainers may unprotect (or delete) ${main}`, rows: branch(main, "unprotect") },
            ],
        },
        {
            level: 2,
            points: 6,
            title: "changes land only through merge requests that pass a pipeline",
            requirements: [
                { text: `nobody pushes to ${main} directly`, rows: branch(main, "push") },
                { text: `${dev} is protected: no direct push, no force push, maintainers unprotect`, rows: branch(dev, "push", "force-push", "unprotect") },
                { text: "merge only when the pipeline succeeds (a skipped one does not count)", rows: ["merge-request:pipeline-must-succeed", "merge-request:skipped-pipeline"], ...(noPipeline ? { excludedByModel: noPipeline } : {}) },
                { text: `a pipeline runs for every merge request (${main} and ${dev} carry it)`, rows: [main, dev].map((b) => mergeRequestPipelineId(model, b)) },
                {
                    text: "the pipeline's jobs and workflow rules are the generated ones",
                    rows: [],
                    check: (f) => (f.pipelineDrift.length === 0 ? undefined : `${f.pipelineDrift.join(", ")}: not as generated`),
                },
                { text: `release tags (${model.protectedTags.map((t) => t.name).join(", ") || "none in the model"}) are protected`, rows: model.protectedTags.map((t) => `protected-tag:${t.name}`), ...(model.protectedTags.length ? {} : { excludedByModel: "the model protects no tags" }) },
            ],
        },
        {
            level: 3,
            points: 8,
            title: `merge requests into ${main} need a real approval`,
            requirements: [
                {
                    text: `at least one approval GitLab really requires on merge requests into ${main}`,
                    rows: [],
                    needs: "premium",
                    check: (f) => (f.approvalsOnDefaultBranch === undefined ? "approval rules were not read" : f.approvalsOnDefaultBranch >= 1 ? undefined : `merge requests into ${main} need ${f.approvalsOnDefaultBranch} real approvals`),
                    ...(approvals < 1 ? { excludedByModel: "the model requires no approvals (branchModel.approvalsOnMain: 0)" } : {}),
                },
            ],
        },
        {
            level: 4,
            points: 9,
            title: "the model's review and branch rules in full",
            requirements: [
                ...(approvals > 0 ? [{ text: `at least ${approvals} approval(s) into ${main}, as the model says`, rows: [`approval:${main}`], needs: "premium" as const }] : []),
                { text: `merge rights on ${main} and ${dev} as the model sets them`, rows: [`protected-branch:${main}:merge`, `protected-branch:${dev}:merge`] },
                ...model.protectedBranches.filter((b) => b.codeOwnerApprovalRequired).map((b) => ({ text: `code-owner approval on ${b.name}`, rows: [`code-owner-approval:${b.name}`], needs: "premium" as const })),
                ...others.map((b) => ({ text: `${b.name} protected as the model says`, rows: branch(b.name, "push", "merge", "unprotect", "force-push") })),
                ...(model.mergeRequests.allDiscussionsResolved ? [{ text: "discussions resolved before merge", rows: ["merge-request:discussions-resolved"] }] : []),
            ],
        },
        {
            level: 5,
            points: 10,
            title: "GitLab itself refuses bad pushes (push rules)",
            requirements: [
                { text: "branch names match the model's regex (push rule)", rows: ["push-rule:branch-name"], needs: "premium" },
                ...(model.pushRules.preventSecrets ? [{ text: "files that look like secrets are rejected", rows: ["push-rule:prevent-secrets"], needs: "premium" as const }] : []),
                ...(model.pushRules.denyDeleteTag ? [{ text: "tags cannot be deleted", rows: ["push-rule:deny-delete-tag"], needs: "premium" as const }] : []),
            ],
        },
    ];
}

/** A tier as GitLab's pricing page names it. */
export function tierName(tier: GitLabTier): string {
    return tier.charAt(0).toUpperCase() + tier.slice(1);
}

/** A requirement's outcome. */
export interface RequirementResult {
    readonly text: string;
    readonly met: boolean;
    readonly why?: string;
    /** The server's tier or the model rules it out (the cap says so); the project cannot fix it. */
    readonly unreachable?: boolean;
}

/** A tier's outcome. */
export interface TierResult {
    readonly level: number;
    readonly points: number;
    readonly title: string;
    readonly met: boolean;
    readonly requirements: readonly RequirementResult[];
}

/** The score and what holds it back. */
export interface ScoreResult {
    /** 0 to 10, one decimal. */
    readonly score: number;
    readonly max: 10;
    /** The highest tier met together with every tier below it (0: none). */
    readonly tierReached: number;
    readonly tiers: readonly TierResult[];
    /** What this server and model can reach at most, and why, when below 10. */
    readonly cap?: { readonly points: number; readonly reasons: readonly string[] };
}

/**
 * Scores audit rows against the tiers. `tier` is the GitLab tier the rules were judged on;
 * `tierLabel` how the server's tier reads in a message ("free", "could not determine").
 */
export function computeScore(tiers: readonly ScoreTier[], rows: readonly AuditRow[], facts: AuditFacts, tier: GitLabTier, tierLabel: string): ScoreResult {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const unreachable = (req: ScoreRequirement): string | undefined => {
        if (req.excludedByModel) return req.excludedByModel;
        if (req.needs && !tierAtLeast(tier, req.needs)) return `needs GitLab ${tierName(req.needs)} (this server: ${tierLabel})`;
        return undefined;
    };
    const evaluate = (req: ScoreRequirement): RequirementResult => {
        const blocked = unreachable(req);
        if (blocked) return { text: req.text, met: false, why: blocked, unreachable: true };
        for (const id of req.rows) {
            const row = byId.get(id);
            if (!row) {
                // A setting of a rule that failed as a whole (an unprotected branch has no levels).
                const parent = byId.get(id.split(":").slice(0, 2).join(":"));
                return { text: req.text, met: false, why: parent && parent.status !== "pass" ? `${parent.rule}: ${parent.status}` : `${id} was not audited` };
            }
            if (row.status !== "pass") return { text: req.text, met: false, why: `${row.rule}: ${row.status}${row.why ? ` (${row.why})` : ""}` };
        }
        const extra = req.check?.(facts);
        return extra ? { text: req.text, met: false, why: extra } : { text: req.text, met: true };
    };
    const results: TierResult[] = tiers.map((t) => {
        const requirements = t.requirements.map(evaluate);
        return { level: t.level, points: t.points, title: t.title, met: requirements.every((r) => r.met), requirements };
    });
    let score = 0;
    let tierReached = 0;
    let previous = 0;
    for (const t of results) {
        if (t.met) {
            score = t.points;
            tierReached = t.level;
            previous = t.points;
            continue;
        }
        const met = t.requirements.filter((r) => r.met).length;
        score = previous + (t.requirements.length ? (met / t.requirements.length) * (t.points - previous) : 0);
        break;
    }
    score = Math.floor(score * 10 + 1e-9) / 10;

    // The ceiling: the tier below the first one that this server or model cannot reach.
    const reasons: string[] = [];
    let capPoints: number | undefined;
    let below = 0;
    for (const t of tiers) {
        const blocked = t.requirements.map((r) => [r, unreachable(r)] as const).filter(([, why]) => why !== undefined);
        if (blocked.length > 0) {
            capPoints ??= below;
            for (const [r, why] of blocked) reasons.push(`tier ${t.level}: ${r.text}: ${why}`);
        }
        below = t.points;
    }
    return { score, max: 10, tierReached, tiers: results, ...(capPoints !== undefined ? { cap: { points: capPoints, reasons } } : {}) };
}
