/** Users, groups and namespaces, instance metadata, licence and token self-information. */
import type { EmulatorCore } from "./index";
import { forbidden, notFound, Role, routeNotFound } from "./model";

/** The GitLab version `GET /metadata` reports (lib/api/metadata.rb `version: Gitlab::VERSION`). */
const GITLAB_VERSION = "18.6.0";

export function registerMetaRoutes(core: EmulatorCore): void {
    const { state, edition } = core;
    // doc/user/profile/personal_access_tokens.md "Scopes": read_user reads /user, /users and instance metadata.
    const readUser = ["api", "read_api", "read_user"];

    core.route("GET", "/user", ({ userId }) => [200, core.user(userId)], { scopes: readUser });
    core.route(
        "GET",
        "/users",
        (ctx) => {
            // lib/api/users.rb `get`: UsersFinder#by_username → User.by_username, an `iwhere`
            // (case-insensitive) match (app/finders/users_finder.rb, app/models/user.rb). Its
            // base_scope is User.without_forbidden_states for anyone but an administrator: blocked,
            // banned and ldap_blocked users are not listed to them (User::FORBIDDEN_SEARCH_STATES).
            const username = ctx.query.get("username");
            const admin = core.user(ctx.userId).is_admin;
            const list = [...state.users.values()].filter((u) => (!username || u.username.toLowerCase() === username.toLowerCase()) && (admin || !["blocked", "banned", "ldap_blocked"].includes(u.state)));
            return [200, core.paginate(ctx, list)];
        },
        { scopes: readUser },
    );

    // lib/api/metadata.rb: version, revision, kas, enterprise (= Gitlab.ee?, true on unlicensed EE too).
    const metadata = () => ({
        version: GITLAB_VERSION,
        revision: "emulated",
        kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
        enterprise: edition.ee,
    });
    core.route("GET", "/metadata", () => [200, metadata()], { scopes: readUser });
    // GET /version is the deprecated alias of /metadata (doc/api/version.md).
    core.route("GET", "/version", () => [200, metadata()], { scopes: readUser });

    // ee/lib/api/license.rb: admins only; `null` without a licence. CE has no such route.
    core.route("GET", "/license", ({ userId }) => {
        if (!edition.ee) throw routeNotFound();
        if (!core.user(userId).is_admin) throw forbidden();
        return [200, edition.premium ? { id: 1, plan: edition.plan, expired: false, expires_at: null, licensee: { Name: "Emulated" } } : null];
    });

    // lib/api/personal_access_tokens/self_information.rb: any scope may read its own token.
    core.route(
        "GET",
        "/personal_access_tokens/self",
        ({ token: entry }) => {
            return [200, { id: entry.id, name: entry.name, revoked: false, created_at: "2026-01-01T00:00:00.000Z", scopes: entry.scopes, user_id: entry.userId, active: true, expires_at: entry.expires_at }];
        },
        { scopes: ["api", "read_api", "read_user", "create_runner", "read_repository", "write_repository", "read_registry"] },
    );

    const groupJson = (g: ReturnType<typeof core.findGroup>, userId: number) => ({
        id: g.id,
        name: g.name,
        path: g.path,
        kind: g.kind,
        full_path: g.full_path,
        // ee/lib/ee/api/entities/namespace.rb: `plan` only for callers who can admin the namespace (Owner or admin).
        ...(edition.ee && core.groupAccessLevel(g, userId) >= Role.Owner ? { plan: edition.plan } : {}),
    });
    core.route("GET", "/groups/:id", ({ params, userId }) => [200, groupJson(core.findGroup(params[0]!), userId)]);
    // lib/api/namespaces.rb `get ':id'`: find_namespace! then Entities::Namespace, whose id, name,
    // path, kind, full_path (and EE `plan`) are the group's own. Only group namespaces are modelled.
    // Not found (or not readable) is find_namespace!'s not_found!('Namespace') (lib/api/helpers.rb).
    core.route("GET", "/namespaces/:id", ({ params, userId }) => {
        let group: ReturnType<typeof core.findGroup>;
        try {
            group = core.findGroup(params[0]!);
        } catch {
            throw notFound("Namespace");
        }
        return [200, groupJson(group, userId)];
    });
}

