/**
 * The GitLab checks of the preflight, pure: each takes the facts read from GitLab and the
 * stack's config and says ok, problem or skipped, and why. What GitLab allows whom is cited
 * from its sources where it decides an answer.
 */
import { GitLabTier, tierFromPlan } from "../branch-model/branch-model";
import { GitLabConfig, JupyterHubConfig } from "../config/schema";
import { CheckResult, CheckStatus } from "./report";
import { ApplicationFacts, Fetched, GitLabFacts } from "./gitlab-facts";

/** GitLab role names by access level (lib/gitlab/access.rb); 60 stands for an administrator here. */
export function roleName(level: number): string {
    if (level >= 60) return "administrator";
    if (level >= 50) return "Owner";
    if (level >= 40) return "Maintainer";
    if (level >= 30) return "Developer";
    if (level >= 20) return "Reporter";
    if (level >= 10) return "Guest";
    return "not a member";
}

const OWNER = 50;
const MAINTAINER = 40;

// The hub's own scopes and redirect URI: the check holds the OAuth application to exactly what the hub asks for.
import { OAUTH_SCOPES, oauthCallbackUrl } from "../workspaces/hub-values";

function result(id: string, title: string, status: CheckStatus, summary: string, extra: { details?: readonly string[]; fix?: string; command?: string } = {}): CheckResult {
    return { id: `gitlab.${id}`, group: "gitlab", title, status, summary, ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}), ...(extra.fix ? { fix: extra.fix } : {}), ...(extra.command ? { command: extra.command } : {}) };
}

const TOKEN_FIX = "create a personal, project or group access token with the api scope (GitLab: Edit profile → Access tokens), then export GITLAB_TOKEN=<token>";
const NEW_TOKEN_FIX = "scopes cannot be added to an existing token: create one with the api scope (Edit profile → Access tokens, or the project's or group's Settings → Access tokens), then export GITLAB_TOKEN=<token>";

/** The checks after the token's own, by id and title. */
const LATER_CHECKS: readonly (readonly [string, string])[] = [
    ["scopes", "token scopes"],
    ["role", "role"],
    ["tier", "tier"],
    ["oauth-application", "OAuth application"],
];

/** Every GitLab check, skipped: there is no token to check with. */
export function noTokenChecks(reason: string, fix: string, command?: string): CheckResult[] {
    return [result("token", "token", "skipped", reason, { fix, ...(command ? { command } : {}) }), ...LATER_CHECKS.map(([id, title]) => result(id, title, "skipped", "needs a GitLab token"))];
}

/** Whether a refusal is GitLab's insufficient_scope (lib/api/api_guard.rb): the token's scopes do not allow the call. */
function scopeRefusal(f: Fetched<unknown> | undefined): boolean {
    return f !== undefined && !f.ok && f.status === 403 && /insufficient_scope/.test(f.message);
}

/** All GitLab checks, in the order they are printed. */
export function gitlabChecks(facts: GitLabFacts, gitlab: GitLabConfig, jupyterhub: JupyterHubConfig | undefined, today: Date): CheckResult[] {
    const token = checkToken(facts, today);
    if (!facts.user.ok) return [token, ...LATER_CHECKS.map(([id, title]) => result(id, title, "skipped", "the token does not work, so nothing else could be read"))];
    return [token, checkScopes(facts), checkRole(facts, gitlab), checkTier(facts, gitlab.tier), jupyterhub ? checkOAuthApplication(facts, jupyterhub) : result("oauth-application", "OAuth application", "skipped", "cluster.mode none has no hub, so no login to check")];
}

/** The token works (`GET /user`), whose it is, when it expires. */
export function checkToken(facts: GitLabFacts, today: Date): CheckResult {
    if (!facts.user.ok) {
        const why =
            facts.user.status === 401
                ? "GitLab rejected the token (401): it is invalid, expired or revoked"
                : scopeRefusal(facts.user)
                  ? "the token may not read the API at all (403 insufficient_scope on GET /user): it has none of the scopes api, read_api, read_user"
                  : `GET /user answered ${facts.user.status}: ${facts.user.message}`;
        return result("token", "token", "problem", why, { fix: TOKEN_FIX });
    }
    const u = facts.user.value;
    const details: string[] = [];
    if (facts.token?.ok && facts.token.value.expiresAt) {
        const days = Math.floor((Date.parse(facts.token.value.expiresAt) - today.getTime()) / 86_400_000);
        details.push(days <= 7 ? `expires on ${facts.token.value.expiresAt} (in ${Math.max(days, 0)} day${days === 1 ? "" : "s"}): a later \`pulumi up\` or \`destroy\` needs a renewed token` : `expires on ${facts.token.value.expiresAt}`);
    }
    return result("token", "token", "ok", `works: it acts as @${u.username} (${u.name})${u.isAdmin ? ", an administrator" : ""}`, { details });
}

/** The token has the `api` scope (`GET /personal_access_tokens/self`, which any scope may read). */
export function checkScopes(facts: GitLabFacts): CheckResult {
    const t = facts.token;
    if (!t || !t.ok) {
        const why =
            t && t.status === 400
                ? "GitLab does not describe this token (400 on GET /personal_access_tokens/self): it is not a personal, project or group access token (an OAuth or CI job token, for example)"
                : `GET /personal_access_tokens/self answered ${t?.status ?? "nothing"}${t && !t.ok && t.status === 404 ? " (a GitLab too old to describe its tokens)" : ""}`;
        return result("scopes", "token scopes", "skipped", `${why}; \`pulumi up\` needs the api scope`, { fix: "check the token's scopes by hand in GitLab, or use a personal access token with the api scope" });
    }
    const scopes = t.value.scopes;
    const has = scopes.length > 0 ? scopes.join(", ") : "none";
    if (scopes.includes("api")) return result("scopes", "token scopes", "ok", `has the api scope the deployment needs (scopes: ${has})`);
    const readOnly = scopes.includes("read_api") ? ": read_api alone can read the project but not create or change anything, so `pulumi up` would fail at its first write" : "";
    return result("scopes", "token scopes", "problem", `is missing the api scope (it has ${has})${readOnly}`, { fix: NEW_TOKEN_FIX });
}

/** What this stack asks of GitLab that only an Owner (or an admin) may do. */
export function ownerOnlyNeeds(gitlab: GitLabConfig, liveVisibility: string | undefined): string[] {
    const needs: string[] = [];
    // lib/api/projects.rb `put ':id'` checks change_visibility_level (an Owner ability) whenever `visibility` is sent.
    if (liveVisibility !== undefined && liveVisibility !== gitlab.project.visibility) needs.push(`change the project's visibility from ${liveVisibility} to ${gitlab.project.visibility} (gitlab.project.visibility)`);
    // `authorize! :remove_project` is in ProjectPolicy's owner block.
    if (gitlab.project.deleteOnDestroy) needs.push("delete the project on `pulumi destroy` (gitlab.project.deleteOnDestroy: true)");
    return needs;
}

const ALWAYS_OWNER = "Owner is needed only to change a project's visibility, delete it (deleteOnDestroy) or add Owners";

/** Role a group's `project_creation_level` requires (Gitlab::Access.project_creation_string_options); GitLab's default is Maintainer. */
export function creationLevelRole(level: string | undefined): { level: number; why: string } {
    switch (level) {
        case "developer":
            return { level: 30, why: "the group lets Developers create projects" };
        case "owner":
            return { level: OWNER, why: "the group lets only Owners create projects" };
        case "noone":
        case "administrator":
            return { level: 60, why: `the group's project creation level is '${level}': only administrators may create projects there` };
        case "maintainer":
            return { level: MAINTAINER, why: "the group's project creation level is Maintainer" };
        default:
            return { level: MAINTAINER, why: "GitLab's default project creation level is Maintainer" };
    }
}

/** The role the token's user has on the project, or on its group when the project is still to be created, against what the stack does. */
export function checkRole(facts: GitLabFacts, gitlab: GitLabConfig): CheckResult {
    const path = gitlab.project.path;
    const user = facts.user.ok ? `@${facts.user.value.username}` : "the token's user";
    const project = facts.project;
    if (!project || scopeRefusal(project)) return result("role", "role", "skipped", "the token's scopes do not let it read projects (it needs api)");

    if (project.ok) {
        const access = facts.projectAccess;
        if (!access || !access.ok) return result("role", "role", "skipped", `could not read ${user}'s membership of ${path}${access && !access.ok ? ` (${access.status}: ${access.message})` : ""}`);
        const level = access.value;
        const adopted = gitlab.project.mode === "create" ? [`${path} exists already: mode 'create' takes it over as it is (the provider finds it by path)`] : [];
        const needs = ownerOnlyNeeds(gitlab, project.value.visibility);
        if (level >= 60) return result("role", "role", "ok", `${user} is an administrator: may do everything this stack does to ${path}`, { details: adopted });
        if (level < MAINTAINER) {
            return result("role", "role", "problem", `${user} is ${level > 0 ? `a ${roleName(level)}` : "not a member"} of ${path}: managing its settings, protected branches and members needs Maintainer`, {
                details: adopted,
                fix: `have an Owner of ${path} make ${user} a ${needs.length > 0 ? `Owner (a Maintainer would do, but the stack also needs to ${needs.join(" and ")})` : "Maintainer"}`,
            });
        }
        if (level >= OWNER) return result("role", "role", "ok", `${user} is an Owner of ${path}: enough for everything this stack does`, { details: adopted });
        if (needs.length > 0) {
            const withoutOwner = [
                ...(project.value.visibility !== gitlab.project.visibility ? [`gitlab.project.visibility: ${project.value.visibility}`] : []),
                ...(gitlab.project.deleteOnDestroy ? ["gitlab.project.deleteOnDestroy: false"] : []),
            ];
            return result("role", "role", "problem", `${user} is a Maintainer of ${path}, but only an Owner may ${needs.join(", and ")}`, {
                details: [...adopted, "a Maintainer can do the rest: settings, protected branches and tags, members up to Maintainer"],
                fix: `make ${user} an Owner of ${path} (or of its group), or set ${withoutOwner.join(" and ")}`,
            });
        }
        return result("role", "role", "ok", `${user} is a Maintainer of ${path}: enough for this stack`, { details: [...adopted, ALWAYS_OWNER] });
    }

    if (project.status !== 404) return result("role", "role", "skipped", `GET /projects/${path} answered ${project.status}: ${project.message}`);
    if (gitlab.project.mode === "adopt") {
        return result("role", "role", "problem", `there is no project at ${path} that ${user} can see, and gitlab.project.mode is 'adopt': adopting needs an existing project`, {
            fix: `create the project, correct gitlab.project.path, give ${user} access to it, or set gitlab.project.mode: create`,
        });
    }

    // To be created: what the namespace allows.
    const group = path.slice(0, path.lastIndexOf("/"));
    const ns = facts.namespace;
    if (!ns || !ns.ok) {
        if (ns && ns.status === 404) return result("role", "role", "problem", `the group ${group} does not exist or ${user} cannot see it, so ${path} cannot be created`, { fix: `create the group ${group} in GitLab, add ${user} to it as Maintainer or Owner, or correct gitlab.project.path` });
        return result("role", "role", "skipped", `could not read the group ${group}${ns ? ` (${ns.status}: ${ns.message})` : ""}`);
    }
    if (ns.value.kind === "user") {
        const own = facts.user.ok && ns.value.fullPath.toLowerCase() === facts.user.value.username.toLowerCase();
        return own || (facts.user.ok && facts.user.value.isAdmin)
            ? result("role", "role", "ok", `${path} will be created in ${user}'s personal namespace, where ${user} is its Owner`)
            : result("role", "role", "problem", `${group} is another user's personal namespace: ${user} cannot create ${path} there`, { fix: "put the project in a group (gitlab.project.path: group/name)" });
    }
    const access = facts.groupAccess;
    if (!access || !access.ok) return result("role", "role", "skipped", `could not read ${user}'s membership of the group ${group}${access && !access.ok ? ` (${access.status}: ${access.message})` : ""}`);
    const level = access.value;
    const required = creationLevelRole(facts.projectCreationLevel);
    const who = level >= 60 ? "an administrator" : level > 0 ? `a ${roleName(level)} of the group ${group}` : `not a member of the group ${group}`;
    if (level < required.level) {
        return result("role", "role", "problem", `${user} is ${who}: creating ${path} needs ${required.level >= 60 ? "an administrator" : roleName(required.level)} there (${required.why})`, {
            fix: `have an Owner of ${group} make ${user} a ${roleName(Math.min(required.level, OWNER))} (Owner also covers deleteOnDestroy and later visibility changes), or create the project and use mode: adopt`,
        });
    }
    // The creator becomes a Maintainer of a group project, or keeps the higher role the group gives (Projects::CreateService#add_members).
    const afterCreate = Math.max(MAINTAINER, level);
    const needs = ownerOnlyNeeds(gitlab, undefined);
    if (afterCreate < OWNER && needs.length > 0) {
        return result("role", "role", "problem", `${user} is ${who}: enough to create ${path}, but as its Maintainer not to ${needs.join(", and ")}`, {
            fix: `make ${user} an Owner of ${group}, or set gitlab.project.deleteOnDestroy: false`,
        });
    }
    return result("role", "role", "ok", `${user} is ${who}: may create ${path}${level >= 60 ? "" : ` (${required.why})`}`, {
        details: afterCreate >= OWNER ? [] : [`as the project's creator ${user} becomes its Maintainer; ${ALWAYS_OWNER}`],
    });
}

/** What a tier mismatch does to a deployment, in the user's terms. */
function mismatchEffect(configured: GitLabTier, actual: GitLabTier): string {
    if (actual === "free") return "the Premium-only resources (push rules, the approval rule on main) would fail mid-deploy";
    if (configured === "free") return "the Premium rules (push rules for branch names and secrets, approvals on main) are not created, so GitLab enforces less than it could and the enforcement report understates it";
    return "the enforcement report describes the wrong tier";
}

/** The tier GitLab really has against `gitlab.tier`. */
export function checkTier(facts: GitLabFacts, configured: GitLabTier | undefined): CheckResult {
    const m = facts.metadata;
    if (!m || !m.ok) return result("tier", "tier", "skipped", `could not read GET /metadata${m && !m.ok ? ` (${m.status}: ${m.message})` : ""}, so the edition is unknown`);
    let actual: GitLabTier | undefined;
    let source = "";
    const details: string[] = [];
    if (!m.value.enterprise) {
        actual = "free";
        source = `Community Edition ${m.value.version}: it has no paid tier`;
    } else {
        const ns = facts.namespace?.ok ? facts.namespace.value : undefined;
        // On self-managed GitLab every namespace's plan reads 'default' (Namespace#actual_plan): the licence decides there.
        const plan = ns?.plan && ns.plan !== "default" ? ns.plan : undefined;
        const lic = facts.license;
        if (plan !== undefined) {
            actual = tierFromPlan(plan);
            source = `the plan of ${ns!.fullPath} is '${plan}'`;
            if (/trial/.test(plan)) details.push("a trial: when it ends the group falls back to Free and the Premium rules stop being enforced");
            if (actual === undefined) return result("tier", "tier", "skipped", `${source}, a plan doctor does not know`, { fix: `set gitlab.tier to the tier that plan is (${configured ?? "not set"} now)` });
        } else if (lic?.ok) {
            actual = lic.value === null || lic.value.expired ? "free" : tierFromPlan(lic.value.plan);
            source = lic.value === null ? "the instance has no licence" : `the licence is '${lic.value.plan}'${lic.value.expired ? ", expired" : ""}`;
            if (actual === undefined) return result("tier", "tier", "skipped", `${source}, a plan doctor does not know`, { fix: `set gitlab.tier to the tier that licence is (${configured ?? "not set"} now)` });
        } else {
            const selfManaged = ns?.plan === "default" ? " This is a self-managed GitLab (the group's plan reads 'default'): its licence decides the tier, and only an administrator can read it." : "";
            const adminMode = lic && !lic.ok && lic.status === 403 ? " GitLab refused GET /license to this administrator: with Admin Mode on, the token needs the admin_mode scope." : "";
            return result("tier", "tier", "skipped", `could not determine the tier (needs group Owner or admin): an Enterprise Edition ${m.value.version} shows the group's plan only to its Owners and the licence only to administrators.${selfManaged}${adminMode}`, {
                fix: `check by hand that the tier is ${configured ?? "the one you expect"} (gitlab.tier), or run doctor with an Owner's or an administrator's token`,
            });
        }
    }
    // Without a stack (`--url`/`--project`) there is no gitlab.tier to compare: the tier is reported.
    if (configured === undefined) return result("tier", "tier", "ok", `${actual} (${source}); no stack, so there is no gitlab.tier to compare`, { details });
    if (actual === configured) return result("tier", "tier", "ok", `${actual}, as gitlab.tier says (${source})`, { details });
    return result("tier", "tier", "problem", `gitlab.tier is ${configured} but this GitLab is ${actual} (${source}): ${mismatchEffect(configured, actual!)}`, {
        details,
        fix: actual === "free" ? `set gitlab.tier: free in the stack file, or subscribe the group (or license the instance) to ${configured}` : `set gitlab.tier: ${actual} in the stack file`,
    });
}

/** Whether a GitLab application's redirect URIs (one per line) include `url`. */
export function redirectUris(callbackUrl: string): string[] {
    return callbackUrl.split(/\s+/).filter(Boolean);
}

/**
 * What no token can check about the application: GitLab shows its secret only when it is made, so
 * whether jupyterhubOAuthClientSecret matches is never known before the first login. Said once, in
 * this check's details, whatever else the check found.
 */
export const OAUTH_SECRET_UNCHECKED =
    "not checkable by anyone: whether jupyterhubOAuthClientSecret is this application's secret (GitLab never shows it again); a login that fails with invalid_client means it is not: renew the secret in the application and `pulumi config set --secret jupyterhubOAuthClientSecret`";

/** The hub's OAuth application exists with the redirect URI and scopes the login needs (admins only can list applications). */
export function checkOAuthApplication(facts: GitLabFacts, jupyterhub: JupyterHubConfig): CheckResult {
    const url = oauthCallbackUrl(jupyterhub.host);
    const id = jupyterhub.oauthClientId;
    const byHand = `in GitLab, open the application whose id is ${id} (the group's or your user's Applications page, or Admin → Applications) and check: redirect URI ${url}, confidential, scopes ${OAUTH_SCOPES.join(" ")}`;
    const apps = facts.applications;
    const secret = [OAUTH_SECRET_UNCHECKED];
    if (!apps) return result("oauth-application", "OAuth application", "skipped", `only administrators can list OAuth applications (GET /applications, lib/api/applications.rb): the hub needs redirect URI ${url}`, { fix: byHand, details: secret });
    if (!apps.ok) {
        const adminMode = apps.status === 403 ? " (with Admin Mode on, the token needs the admin_mode scope)" : "";
        return result("oauth-application", "OAuth application", "skipped", `GET /applications answered ${apps.status}${adminMode}: the hub needs redirect URI ${url}`, { fix: byHand, details: secret });
    }
    const app: ApplicationFacts | undefined = apps.value.find((a) => a.applicationId === id);
    if (!app) {
        return result("oauth-application", "OAuth application", "skipped", `${id} is not among the ${apps.value.length} instance-wide applications; group and user applications are not listed by the API, so if it is one of those check it by hand, and if not, jupyterhub.oauthClientId is wrong`, { fix: byHand, details: secret });
    }
    const problems: string[] = [];
    const uris = redirectUris(app.callbackUrl);
    if (!uris.includes(url)) problems.push(`its redirect URI is ${uris.join(", ") || "empty"}, not ${url}: GitLab refuses the hub's login with an invalid redirect URI error`);
    const missing = app.scopes ? OAUTH_SCOPES.filter((s) => !app.scopes!.includes(s)) : [];
    if (missing.length > 0) problems.push(`it lacks the scope${missing.length > 1 ? "s" : ""} ${missing.join(", ")} the hub asks for: GitLab refuses the login with invalid_scope`);
    const details = [...(app.confidential === false ? ["it is not confidential: the hub keeps its secret server-side, so make it confidential"] : []), ...secret];
    if (problems.length > 0) return result("oauth-application", "OAuth application", "problem", `application ${id} ('${app.name}'): ${problems.join("; ")}`, { details, fix: `edit the application in Admin → Applications: redirect URI ${url}, scopes ${OAUTH_SCOPES.join(" ")}` });
    return result("oauth-application", "OAuth application", "ok", `application ${id} ('${app.name}') has redirect URI ${url}${app.scopes ? ` and scopes ${app.scopes.join(" ")}` : ""}`, { details });
}
