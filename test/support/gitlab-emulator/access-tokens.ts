/**
 * Who a request's credentials are (lib/api/api_guard.rb, lib/gitlab/auth/auth_finders.rb), project
 * access tokens (lib/api/resource_access_tokens.rb, app/services/resource_access_tokens/*) and CI
 * job tokens.
 */
import { randomBytes } from "crypto";
import type { IncomingHttpHeaders } from "http";
import type { EmulatorCore } from "./index";
import { badRequest, EmulatorState, HttpError, notFound, paramError, projectByRef, ProjectState, Role, TokenState } from "./model";

/**
 * API::Helpers::Authentication `authenticate_with` (lib/api/helpers/authentication.rb): the route
 * takes credentials only through the named transport and of the named token types. APIGuard then
 * finds the user from those alone (find_user_from_sources, lib/api/api_guard.rb), so a
 * PRIVATE-TOKEN or JOB-TOKEN header is not looked at.
 */
export interface AuthenticateWith {
    readonly tokenTypes: readonly ("personal_access_token" | "job_token")[];
    readonly sentThrough: "http_bearer_token";
}

/** What tests do with tokens beyond the API: see GitLabEmulator. */
export interface TokenHelpers {
    addJobToken(project: string | number, username: string): { token: string; jobId: number };
    finishJob(jobId: number): void;
    setAccessTokenCreationAllowed(groupPath: string, allowed: boolean): void;
}

const unauthorized = () => new HttpError(401, { message: "401 Unauthorized" });

/** PersonalAccessToken's date expiry (Expirable#expired?: `expires_at <= Time.current`). */
export const isExpired = (t: Pick<TokenState, "expires_at">, now = Date.now()) => t.expires_at !== null && Date.parse(t.expires_at) <= now;

/**
 * The token a request authenticates with, or the 401 GitLab answers. Without `authenticateWith`,
 * a personal or project access token in PRIVATE-TOKEN or `Authorization: Bearer`; a job token is
 * not looked up there (routes without `job_token_allowed`), so it is an unknown token. With it,
 * only the Bearer header and only the token types it names (lib/api/helpers/authentication.rb).
 */
export function authenticate(state: EmulatorState, headers: IncomingHttpHeaders, authenticateWith: AuthenticateWith | undefined): TokenState {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(headers.authorization ?? ""))?.[1];
    const privateToken = headers["private-token"] as string | undefined;
    const presented = authenticateWith ? bearer : (privateToken ?? bearer);
    const token = presented ? state.tokens.get(presented) : undefined;
    if (!token) throw unauthorized();
    if (token.kind === "job") {
        if (!authenticateWith?.tokenTypes.includes("job_token")) throw unauthorized();
        // Ci::AuthJobFinder finds the job of a running build only; anything else is UnauthorizedError.
        if (state.jobs.get(token.jobId!)?.status !== "running") throw unauthorized();
        return token;
    }
    if (authenticateWith && !authenticateWith.tokenTypes.includes("personal_access_token")) throw unauthorized();
    // RevokedError / ExpiredError → rack-oauth2 Bearer::Unauthorized(:invalid_token, ...) (lib/api/api_guard.rb).
    if (token.revoked) throw new HttpError(401, { error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." });
    if (isExpired(token)) throw new HttpError(401, { error: "invalid_token", error_description: "Token is expired. You can either do re-authorization or token refresh." });
    return token;
}

/**
 * A job token acts for its own project only: ProjectPolicy's project_allowed_for_job_token_by_scope
 * (the inbound allowlist holds just the project itself by default), so another private project is
 * not visible: find_project!'s 404.
 */
export function requireJobTokenScope(state: EmulatorState, token: TokenState, p: ProjectState): void {
    if (token.kind === "job" && state.jobs.get(token.jobId!)?.projectId !== p.id) throw notFound("Project");
}

/** Gitlab::Auth.resource_bot_scopes (lib/gitlab/auth.rb): the scopes a project access token may have. */
const RESOURCE_BOT_SCOPES = ["api", "read_api", "read_repository", "write_repository", "read_registry", "write_registry", "create_runner", "manage_runner", "ai_features", "k8s_proxy", "self_rotate"];
/** ALLOWED_RESOURCE_ACCESS_LEVELS = Gitlab::Access.options_with_owner (Guest, Planner, Reporter, Developer, Maintainer, Owner). */
const ACCESS_LEVELS = [10, 15, 20, 30, 40, 50];
/** PersonalAccessToken::MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS (app/models/personal_access_token.rb). */
const MAX_LIFETIME_DAYS = 365;

const day = (d: Date) => d.toISOString().slice(0, 10);
const inDays = (n: number) => day(new Date(Date.now() + n * 86_400_000));

export function registerAccessTokenRoutes(core: EmulatorCore): TokenHelpers {
    const { state, edition } = core;

    const botsOf = (p: ProjectState) => [...state.tokens.values()].filter((t) => t.kind === "project_access" && state.bots.get(t.userId) === p.id);
    /** Entities::ResourceAccessToken (< PersonalAccessTokenWithLastUsedIps): `access_level` is the bot's membership. */
    const tokenJson = (p: ProjectState, t: TokenState) => ({
        id: t.id,
        name: t.name,
        revoked: t.revoked ?? false,
        created_at: t.created_at,
        description: t.description ?? null,
        scopes: t.scopes,
        user_id: t.userId,
        last_used_at: null,
        active: !t.revoked && !isExpired(t),
        expires_at: t.expires_at,
        last_used_ips: [],
        access_level: p.members.get(t.userId) ?? null,
        resource_type: "project",
        resource_id: p.id,
    });
    /** read_resource_access_tokens: can?(:admin_project) (Maintainer) with the feature available; project bots never manage tokens. */
    const canManage = (p: ProjectState, userId: number) => core.accessLevel(p, userId) >= Role.Maintainer && !state.bots.has(userId);
    /**
     * ProjectPolicy#resource_access_token_creation_allowed?: always for a personal namespace; in a
     * group, the root group's setting and resource_access_token_create_feature_available?, which
     * ee/app/policies/ee/project_policy.rb limits on GitLab.com to paid, non-trial namespaces
     * ("Available in Core for self-managed but only paid, non-trial for .com to prevent abuse").
     */
    const creationAllowed = (p: ProjectState) => {
        if (p.namespace.kind !== "group") return true;
        const root = core.groupChain(p.namespace.full_path)[0];
        const featureAvailable = !core.gitlabCom || edition.premium;
        return featureAvailable && (root?.resource_access_token_creation_allowed ?? true);
    };
    const findToken = (p: ProjectState, raw: string) => {
        const t = botsOf(p).find((x) => String(x.id) === raw);
        // not_found!("Could not find project access token with token_id: ...") renders "404 <text> Not Found".
        if (!t) throw notFound(`Could not find project access token with token_id: ${raw}`);
        return t;
    };

    core.route("GET", "/projects/:id/access_tokens", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        // `next unauthorized! unless current_user.can?(:read_resource_access_tokens, resource)`: a 401, not a 403.
        if (!canManage(p, ctx.userId)) throw unauthorized();
        const wanted = ctx.query.get("state");
        if (wanted && !["active", "inactive"].includes(wanted)) throw paramError("state does not have a valid value");
        const list = botsOf(p).map((t) => tokenJson(p, t)).filter((t) => !wanted || t.active === (wanted === "active"));
        return [200, core.paginate(ctx, list)];
    });
    core.route("GET", "/projects/:id/access_tokens/:token_id", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        if (!canManage(p, userId)) throw unauthorized();
        return [200, tokenJson(p, findToken(p, params[1]!))];
    });

    core.route("POST", "/projects/:id/access_tokens", ({ params, body, userId }) => {
        // Grape validations first: name and scopes required, scopes and access_level from their lists, expires_at a Date.
        if (!body.name) throw paramError("name is missing");
        const scopes: string[] = Array.isArray(body.scopes) ? body.scopes.map(String) : body.scopes ? String(body.scopes).split(",") : [];
        if (scopes.length === 0) throw paramError("scopes is missing");
        if (!scopes.every((s) => RESOURCE_BOT_SCOPES.includes(s))) throw paramError("scopes does not have a valid value");
        const level = body.access_level === undefined ? Role.Maintainer : Number(body.access_level);
        if (!ACCESS_LEVELS.includes(level)) throw paramError("access_level does not have a valid value");
        const expiresAt = body.expires_at === undefined ? inDays(MAX_LIFETIME_DAYS) : String(body.expires_at);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(expiresAt) || Number.isNaN(Date.parse(expiresAt))) throw paramError("expires_at is invalid");
        const p = core.findProject(params[0]!, userId);
        // ResourceAccessTokens::CreateService#execute: each refusal is bad_request!(message), a 400.
        if (!canManage(p, userId) || !creationAllowed(p)) throw badRequest("User does not have permission to create project access token");
        if (core.accessLevel(p, userId) < level) throw badRequest("Access level of the token contains permissions not held by the creating user");
        // PersonalAccessToken#expires_at_before_instance_max_expiry_date (require_personal_access_token_expiry is on by default).
        const max = inDays(MAX_LIFETIME_DAYS);
        if (expiresAt > max) throw badRequest(`Expires at must be before ${max}`);
        // The bot user: Gitlab::Utils::UsernameAndEmailGenerator with prefix `project_<id>_bot`, named after the token.
        const botId = core.nextId();
        state.users.set(botId, { id: botId, username: `project_${p.id}_bot_${randomBytes(16).toString("hex")}`, name: String(body.name), state: "active", is_admin: false });
        state.bots.set(botId, p.id);
        p.members.set(botId, level);
        const value = `glpat-${randomBytes(15).toString("base64url")}`;
        const t: TokenState = { id: core.nextId(), userId: botId, scopes, name: String(body.name), expires_at: expiresAt, kind: "project_access", revoked: false, created_at: new Date().toISOString(), description: body.description === undefined ? null : String(body.description) };
        state.tokens.set(value, t);
        // Entities::ResourceAccessTokenWithToken: the token value, in this answer only.
        return [201, { ...tokenJson(p, t), token: value }];
    });

    core.route("DELETE", "/projects/:id/access_tokens/:token_id", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const t = findToken(p, params[1]!);
        // ResourceAccessTokens::RevokeService: can_destroy_token? then the bot must still be a member; revoke! keeps the
        // bot user and its membership (and revoking a revoked token succeeds again).
        if (!canManage(p, userId)) throw badRequest(`${core.user(userId).name} cannot delete ${core.user(t.userId).name}`);
        if (!p.members.has(t.userId)) throw badRequest("Failed to find bot user");
        t.revoked = true;
        return [204, null];
    });

    return {
        addJobToken(project, username) {
            const p = projectByRef(state, project);
            const user = [...state.users.values()].find((u) => u.username === username);
            if (!user) throw new Error(`no user ${username}`);
            const jobId = core.nextId();
            state.jobs.set(jobId, { id: jobId, projectId: p.id, userId: user.id, status: "running" });
            // Job tokens carry the `glcbt-` prefix (Ci::Build::TOKEN_PREFIX).
            const token = `glcbt-${randomBytes(15).toString("base64url")}`;
            state.tokens.set(token, { id: jobId, userId: user.id, scopes: [], name: `job ${jobId}`, expires_at: null, kind: "job", jobId });
            return { token, jobId };
        },
        finishJob(jobId) {
            const job = state.jobs.get(jobId);
            if (!job) throw new Error(`no job ${jobId}`);
            job.status = "success";
        },
        setAccessTokenCreationAllowed(groupPath, allowed) {
            core.findGroup(groupPath).resource_access_token_creation_allowed = allowed;
        },
    };
}
