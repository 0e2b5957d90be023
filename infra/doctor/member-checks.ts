/**
 * Doctor's check of the team's GitLab accounts: a username that does not exist, or whose user is
 * blocked, deploys everything else and then fails at that member's membership. Pure.
 */
import { TeamMember } from "../config/schema";
import { GitLabFacts } from "./gitlab-facts";
import { CheckResult } from "./report";

/** States in which GitLab refuses a user access (app/models/user.rb state machine); a deactivated user is reactivated by signing in, so is not one. */
const NO_ACCESS = ["blocked", "ldap_blocked", "banned", "blocked_pending_approval"];

/** Every member's username exists on the GitLab, and (where the token may see it) is not blocked. */
export function checkMemberAccounts(facts: GitLabFacts, members: readonly Pick<TeamMember, "username">[]): CheckResult {
    const base = { id: "gitlab.member-accounts", group: "gitlab" as const, title: "team accounts" };
    const accounts = facts.memberAccounts;
    if (!accounts) return { ...base, status: "skipped", summary: "the token could not read users" };
    if (!accounts.ok) return { ...base, status: "skipped", summary: `GET /users answered ${accounts.status}: ${accounts.message}` };
    const admin = facts.user.ok && facts.user.value.isAdmin;
    const missing = accounts.value.filter((a) => !a.found).map((a) => a.username);
    const barred = accounts.value.filter((a) => a.found && a.state && NO_ACCESS.includes(a.state));
    if (missing.length === 0 && barred.length === 0) return { ...base, status: "ok", summary: `all ${members.length} members' usernames exist${admin ? " and are active" : ""} (${members.map((m) => m.username).join(", ")})` };
    const details = [
        ...missing.map((u) => `${u}: no such user${admin ? "" : ", or a blocked or banned one (GitLab lists those only to administrators)"}`),
        ...barred.map((a) => `${a.username}: the user is ${a.state}: GitLab refuses them access, so the membership would not let them in`),
    ];
    return {
        ...base,
        status: "problem",
        summary: `${missing.length + barred.length} of ${members.length} members cannot be added: \`pulumi up\` would deploy everything else, then fail at their membership`,
        details,
        fix: "correct the usernames in team.members (GitLab usernames, not names or emails), or have an administrator unblock the users; `npm run offboard -- --stack NAME --user USERNAME` removes an entry",
    };
}

/**
 * Whether another stack manages the project already: `pulumi up` refuses a project recorded as
 * another stack's unless `gitlab.project.takeOverFrom` names that record. Doctor knows the stack's
 * name, not the id its state keeps, so a record of the same name is taken as this stack's (a
 * same-named stack of another backend is refused by `up`).
 */
export function checkProjectOwner(facts: GitLabFacts, stack: string, path: string, takeOverFrom?: string): CheckResult | undefined {
    const base = { id: "gitlab.project-owner", group: "gitlab" as const, title: "managed by" };
    const record = facts.ownerRecord;
    if (!record) return undefined;
    if (!record.ok) return { ...base, status: "skipped", summary: `could not read the project's CI/CD variable ML_TEAM_ENV_STACK (${record.status}: reading it needs Maintainer)` };
    if (record.value === null) return { ...base, status: "ok", summary: `no stack manages ${path} yet: this one will record itself` };
    const name = record.value.split("#")[0]!;
    if (name.endsWith(`/${stack}`)) return { ...base, status: "ok", summary: `${path} is recorded as managed by ${record.value}, a stack named ${stack}` };
    if (record.value === takeOverFrom) {
        return { ...base, status: "ok", summary: `${path} is recorded as managed by ${record.value}, which gitlab.project.takeOverFrom names: \`pulumi up\` will take it over` };
    }
    // A takeOverFrom that names another record (a typo, or the project changed hands again) hands nothing over.
    const named = takeOverFrom === undefined ? "" : ` (gitlab.project.takeOverFrom is "${takeOverFrom}", not this record)`;
    return {
        ...base,
        status: "problem",
        summary: `${path} is managed by another stack, ${record.value}: \`pulumi up\` would refuse it${named}`,
        fix: `run \`pulumi destroy\` in that stack to hand the project over, or, if it is gone, set gitlab.project.takeOverFrom: "${record.value}" (README "One stack per project")`,
    };
}
