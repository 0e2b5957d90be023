/**
 * Which GitLab edition and tier a server actually runs, from what the token may see: the
 * metadata's `enterprise` flag, the namespace's `plan` (Owners and admins only), the instance
 * licence (admins only), and as a last resort whether the Premium push-rule endpoint answers.
 */
import { GitLabTier, tierFromPlan } from "../branch-model/branch-model";
import { LiveProject } from "./snapshot";

/** The server's edition and tier as far as the audit can tell. */
export interface ServerTier {
    /** `ce`: Community Edition; `ee`: the Enterprise codebase (licensed or not); undefined: unknown. */
    readonly edition: "ce" | "ee" | undefined;
    readonly version: string | undefined;
    /** The tier whose features GitLab enforces; undefined when it could not be determined. */
    readonly tier: GitLabTier | undefined;
    /** Only a lower bound is known (Premium features answer; Premium and Ultimate look alike there). */
    readonly atLeast: boolean;
    /** Where the tier comes from, or why it is unknown, in words. */
    readonly source: string;
}

/** The plan → tier table lives with the tiers (branch-model.ts); re-exported for the audit's callers. */
export { tierFromPlan };

/** Determines the server's edition and tier from a snapshot. Pure. */
export function serverTier(live: Pick<LiveProject, "metadata" | "namespace" | "license" | "pushRule" | "project">): ServerTier {
    const meta = live.metadata.ok ? live.metadata.value : undefined;
    const edition: ServerTier["edition"] = meta?.enterprise === undefined ? undefined : meta.enterprise ? "ee" : "ce";
    const version = meta?.version;
    const base = { edition, version, atLeast: false };
    if (edition === "ce") return { ...base, tier: "free", source: "Community Edition: no paid tier" };

    const why: string[] = [];
    if (live.namespace.ok) {
        const plan = live.namespace.value.plan;
        const tier = tierFromPlan(plan);
        if (tier) return { ...base, tier, source: `plan '${plan}' of namespace ${live.namespace.value.full_path}` };
        why.push(plan ? `namespace plan '${plan}' names no tier` : `namespace ${live.namespace.value.full_path} shows no plan (only to its Owners and to admins)`);
    } else {
        why.push(`namespace not readable (${live.namespace.status ?? "no answer"})`);
    }
    if (live.license.ok) {
        const lic = live.license.value;
        if (lic === null) return { ...base, tier: "free", source: "no licence installed on this instance" };
        if (lic.expired) return { ...base, tier: "free", source: `the instance licence (${lic.plan ?? "unknown plan"}) has expired` };
        const tier = tierFromPlan(lic.plan);
        if (tier) return { ...base, tier, source: `instance licence '${lic.plan}'` };
        why.push(`licence plan '${lic.plan}' names no tier`);
    } else {
        why.push(live.license.status === 403 ? "the instance licence is shown to admins only" : `no licence endpoint (${live.license.status ?? "no answer"})`);
    }
    // The push-rule endpoint answers only where the feature is licensed (ee/lib/api/project_push_rule.rb).
    if (live.pushRule.ok) return { ...base, tier: "premium", atLeast: true, source: "push rules answer, so Premium features are licensed (Premium and Ultimate look alike there)" };
    if (live.pushRule.status === 404 && edition === "ee") return { ...base, tier: "free", source: "push rules answer 404 on the Enterprise codebase: Premium features are not licensed" };
    return { ...base, tier: undefined, source: `could not determine: ${why.join("; ")}` };
}

/** Edition and version in words, e.g. "GitLab Enterprise Edition 18.6.0". */
export function editionText(s: ServerTier): string {
    if (s.edition === undefined) return "could not determine (GET /metadata failed)";
    return `GitLab ${s.edition === "ee" ? "Enterprise" : "Community"} Edition${s.version ? ` ${s.version}` : ""}`;
}

/** The tier in words, e.g. "premium or higher". */
export function tierText(s: Pick<ServerTier, "tier" | "atLeast">): string {
    if (s.tier === undefined) return "could not determine";
    return `${s.tier}${s.atLeast ? " or higher" : ""}`;
}
