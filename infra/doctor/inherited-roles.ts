/**
 * The preflight's inherited-role check: a team member whose role in the project's group (or an
 * ancestor) is above the role the stack gives them cannot be added: GitLab answers 400 "should be
 * greater than or equal to … inherited membership from group …" (app/models/member.rb
 * `higher_access_level_than_group`), and `pulumi up` would stop half-way. Read and judged on
 * their own, so other member checks can sit beside it.
 */
import { TeamMember } from "../config/schema";
import { accessLevelFor } from "../gitlab/gitlab-project";
import { inheritedRoleProblem } from "../gitlab/providers/project-member";
import { Fetched } from "../gitlab/providers/common";
import type { MemberAccountFacts, NamespaceFacts } from "./gitlab-facts";
import { CheckResult } from "./report";

/** One member's role in the project's group chain. */
export interface InheritedRoleFact {
    readonly username: string;
    /** The highest role in the group and its ancestors (0: none); undefined when the user does not exist. */
    readonly inherited: Fetched<number | undefined>;
}

/** What the check reads: the group, and each member's role in it. */
export interface InheritedRoleFacts {
    /** The project's group path; the namespace is a user's (nothing inherited) when `group` is false. */
    readonly namespacePath: string;
    readonly group: boolean;
    readonly members: readonly InheritedRoleFact[];
}

/**
 * Each found member's role in the group chain of the project's namespace, read with the
 * preflight's `get` (`GET /groups/:id/members/all/:user_id`, lib/api/members.rb; 404: none) from
 * the accounts and the namespace it has already read; a user's namespace inherits nothing.
 */
export async function readInheritedRoles(
    get: <T>(endpoint: string, map: (body: any) => T) => Promise<Fetched<T>>,
    namespacePath: string,
    namespace: Fetched<NamespaceFacts>,
    accounts: Fetched<readonly MemberAccountFacts[]>,
): Promise<InheritedRoleFacts> {
    if (!namespace.ok || namespace.value.kind !== "group") return { namespacePath, group: false, members: [] };
    if (!accounts.ok) return { namespacePath, group: true, members: [] };
    const members: InheritedRoleFact[] = [];
    for (const account of accounts.value) {
        let inherited: Fetched<number | undefined> = { ok: true, value: undefined };
        if (account.id !== undefined) {
            const m = await get(`groups/${namespace.value.id}/members/all/${account.id}`, (body) => Number(body.access_level));
            inherited = !m.ok && m.status === 404 ? { ok: true, value: 0 } : m;
        }
        members.push({ username: account.username, inherited });
    }
    return { namespacePath, group: true, members };
}

/** A member listed below their inherited role is a problem, with the fix; everything else is fine or said. */
export function checkInheritedRoles(facts: InheritedRoleFacts, team: readonly TeamMember[]): CheckResult {
    const base = { id: "gitlab.inherited-roles", group: "gitlab" as const, title: "inherited roles" };
    if (!facts.group) return { ...base, status: "skipped", summary: `${facts.namespacePath} is not a group the token can see: no memberships to inherit, or none readable` };
    const problems: string[] = [];
    const notes: string[] = [];
    for (const m of team) {
        const f = facts.members.find((x) => x.username === m.username);
        if (!f) continue;
        if (!f.inherited.ok) notes.push(`${m.username}: could not read their group role (${f.inherited.status ?? "no answer"}: ${f.inherited.message.split("\n")[0]})`);
        else if (f.inherited.value === undefined) notes.push(`${m.username}: no such GitLab user, not compared`);
        else if (f.inherited.value > accessLevelFor(m.role)) problems.push(inheritedRoleProblem(m.username, accessLevelFor(m.role), f.inherited.value, facts.namespacePath));
    }
    if (problems.length > 0) {
        return {
            ...base,
            status: "problem",
            summary: `${problems.length} team member${problems.length === 1 ? " is" : "s are"} listed below the role the project inherits from group ${facts.namespacePath}: GitLab would refuse the membership and pulumi up stop half-way`,
            details: [...problems, ...notes],
            fix: "give each member at least their group role in ml-team-env:team.members (or remove them), or lower their role in the group",
        };
    }
    return { ...base, status: "ok", summary: `no member is listed below the role they inherit from group ${facts.namespacePath}`, ...(notes.length > 0 ? { details: notes } : {}) };
}
