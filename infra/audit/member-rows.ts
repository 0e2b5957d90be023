/**
 * The member rows of the audit: every member's effective role (direct or inherited from the
 * group chain, the highest counting: `GET /projects/:id/members/all`, doc/api/members.md)
 * against the team, when there is one; without a team, direct Owners, a role the package never
 * grants, are still found. Pure.
 */
import { AccessLevel } from "../branch-model/branch-model";
import { accessLevelFor } from "../gitlab/gitlab-project";
import { BOT_TOKEN_DEFAULTS } from "../gitlab/providers/project-bot-token";
import type { Add } from "./compare";
import { AuditTarget, roleName } from "./expected";
import { LiveProject, MemberJson, unread } from "./snapshot";

/** The Owner role (lib/gitlab/access.rb): the package grants Developer and Maintainer only. */
const OWNER = 50;

/**
 * The pipeline's bot: the user GitLab makes for the package's project access token
 * (ResourceAccessTokens::CreateService: username `project_<id>_bot_<hex>`, name the token's).
 */
function isPackageBot(m: MemberJson): boolean {
    return /^project_\d+_bot/.test(m.username) && m.name === BOT_TOKEN_DEFAULTS.tokenName;
}


/** Members against the team; without a team, the list, with direct Owners as findings. */
export function memberRows(live: LiveProject, target: AuditTarget, add: Add): void {
    const area = "members";
    const team = target.team;
    if (!live.members.ok) {
        add({ id: "members", area, rule: "members", expected: team ? `${team.members.length} from ${team.source}` : "—", actual: "?", status: "not-checked", declared: "gitlab", why: unread(live.members, "members") });
        return;
    }
    const direct = new Map(live.directMembers.ok ? live.directMembers.value.map((m) => [m.id, m.access_level]) : []);
    const isInherited = (m: MemberJson) => live.directMembers.ok && !direct.has(m.id);
    const inherited = (m: MemberJson) => (isInherited(m) ? " (inherited from the group)" : "");
    const me = live.tokenUser.ok ? live.tokenUser.value.id : undefined;
    const liveByName = new Map(live.members.value.map((m) => [m.username.toLowerCase(), m]));
    const active = (m: MemberJson) => m.state === undefined || m.state === "active";
    if (!team) {
        for (const m of live.members.value) {
            const base = { id: `member:${m.username}`, area, rule: `member ${m.username}`, actual: `${roleName(m.access_level)}${inherited(m)}`, declared: "gitlab" as const };
            // A direct Owner is a raised role whoever the team is: the package never grants Owner, and an Owner may change everything, protections and members included.
            if ((direct.get(m.id) ?? 0) >= OWNER && m.id !== me && active(m)) {
                add({ ...base, expected: "developer or maintainer", status: "fail", mandatory: true, enforcedBy: "nobody", why: "a direct Owner of the project: the package grants Developer and Maintainer only, and an Owner can change every protection. Give --members FILE to compare the whole team" });
            } else {
                add({ ...base, expected: "—", status: "not-checked", mandatory: false, why: "no team to compare with: give --members FILE (a stack file or a members list)" });
            }
        }
        return;
    }
    const declaredNames = new Set(team.members.map((m) => m.username.toLowerCase()));
    for (const m of team.members) {
        const want = accessLevelFor(m.role);
        const got = liveByName.get(m.username.toLowerCase());
        const base = { id: `member:${m.username}`, area, rule: `member ${m.username}`, expected: roleName(want), declared: "gitlab" as const };
        if (!got) add({ ...base, actual: "not a member", status: "warn", mandatory: false, why: `in ${team.source} but not in the project: onboarding is not deployed (pulumi up adds ${m.username})` });
        else if (got.access_level > want) {
            const viaGroup = isInherited(got) || (direct.get(got.id) ?? 0) < got.access_level;
            add({
                ...base,
                actual: `${roleName(got.access_level)}${inherited(got)}`,
                status: "fail",
                mandatory: true,
                why: viaGroup
                    ? `has more access than ${team.source} grants (${roleName(want)}), through a group membership: lower it in the group, or make the team entry '${roleName(got.access_level)}' (GitLab keeps no project role below an inherited one)`
                    : `has more access than ${team.source} grants (${roleName(want)}); pulumi up sets it back`,
            });
        } else if (got.access_level < want) add({ ...base, actual: `${roleName(got.access_level)}${inherited(got)}`, status: "warn", mandatory: false, why: `has less access than ${team.source} grants (${roleName(want)}); pulumi up sets it` });
        else add({ ...base, actual: `${roleName(got.access_level)}${inherited(got)}`, status: "pass", mandatory: true });
    }
    for (const m of live.members.value) {
        if (declaredNames.has(m.username.toLowerCase())) continue;
        if (isPackageBot(m)) {
            // The package's own bot (ci.tracking): a Developer, as ml-team-env made it; one raised is a finding.
            const base = { id: `member:${m.username}`, area, rule: `member ${m.username} (the pipeline's bot)`, expected: roleName(BOT_TOKEN_DEFAULTS.accessLevel), actual: `${roleName(m.access_level)}${inherited(m)}`, declared: "gitlab" as const };
            if (m.access_level > BOT_TOKEN_DEFAULTS.accessLevel) add({ ...base, status: "fail", mandatory: true, enforcedBy: "nobody", why: "the pipeline's bot token can do more than a Developer: lower its role (pulumi up makes it again as a Developer after a rotation)" });
            else add({ ...base, status: "pass", mandatory: false });
            continue;
        }
        const base = { id: `member:${m.username}`, area, rule: `member ${m.username}`, expected: `not a member (not in ${team.source})`, actual: `${roleName(m.access_level)}${inherited(m)}`, declared: "gitlab" as const };
        if (m.id === me) {
            // The account ml-team-env runs as must manage the project (Maintainer or above): it is expected, not drift.
            add({ ...base, status: "pass", mandatory: false, why: "the token's own user: the account ml-team-env deploys and audits with" });
        } else if (!active(m)) {
            // A blocked or deactivated account cannot sign in: still not the team's, but no access today.
            add({ ...base, actual: `${base.actual}, ${m.state}`, status: "warn", mandatory: false, enforcedBy: "nobody", why: `not in ${team.source}; the account is ${m.state}` });
        } else if (m.access_level >= AccessLevel.Developer) {
            add({ ...base, status: "fail", mandatory: true, enforcedBy: "nobody", why: `not in ${team.source} but can ${m.access_level >= AccessLevel.Maintainer ? "merge, push and change protections" : "push branches and merge where developers may"}: add them to the team or remove them` });
        } else {
            add({ ...base, status: "warn", mandatory: false, enforcedBy: "nobody", why: `not in ${team.source} (read access only)` });
        }
    }
}
