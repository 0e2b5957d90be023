/**
 * An in-process GitLab REST API v4 emulator for the endpoints ml-team-env calls, answering as
 * GitLab is documented to and as its `lib/api` sources behave, per edition and tier
 * (`EmulatorMode`): status codes, fields present or absent, roles and token scopes needed,
 * pagination and rate-limit headers. Faults (429, 5xx, dropped connections, lost answers)
 * can be injected. Each modelled behaviour carries a comment naming its source; see
 * `model.ts` for how to read the citations.
 */
import { createServer, Server, ServerResponse } from "http";
import { AddressInfo, Socket } from "net";
import { authenticate, AuthenticateWith, registerAccessTokenRoutes } from "./access-tokens";
import { registerCiRoutes } from "./ci";
import { registerCommitRoutes } from "./commits";
import { registerGroupAndApplicationRoutes } from "./groups-and-applications";
import { readBody, send, sendThrottled } from "./http";
import { MergeHelpers, registerMergeRoutes } from "./merge";
import { registerMetaRoutes } from "./meta";
import { registerMlModelPackageRoutes } from "./ml-packages";
import type { MlRecord } from "./ml-state";
import { registerMlflowRoutes } from "./mlflow";
import {
    edition,
    Edition,
    EmulatorMode,
    EmulatorState,
    forbidden,
    GroupState,
    HttpError,
    notFound,
    ProjectState,
    Role,
    routeNotFound,
    TokenState,
    UserState,
} from "./model";
import { registerPremiumRoutes } from "./premium";
import { registerProjectRoutes } from "./projects";
import { registerProtectedRefRoutes } from "./protected-refs";
import { registerRepositoryRoutes } from "./repository";
import { registerVariableRoutes } from "./variables";

export * from "./model";
export type { AuthenticateWith } from "./access-tokens";
export type { MlRecord } from "./ml-state";
export type { PipelineStatus, PipelineView } from "./merge";

export interface EmulatorOptions {
    /** Edition and tier. @default "ee-premium" */
    readonly mode?: EmulatorMode;
    /** Port on 127.0.0.1. @default 0 (a free one) */
    readonly port?: number;
    /** The admin's token, so several emulators can share one `GITLAB_TOKEN`. @default a random one */
    readonly adminToken?: string;
    /**
     * Answer as GitLab.com (`::Gitlab.com?`), where some features depend on the namespace's paid
     * plan rather than the instance (e.g. project access tokens need a paid, non-trial namespace). @default false
     */
    readonly gitlabCom?: boolean;
}

export interface Fault {
    readonly status?: 429 | 500 | 502 | 503;
    readonly retryAfterSeconds?: number;
    readonly delayMs?: number;
    readonly drop?: boolean;
    /** @default 1 */
    readonly times?: number;
    /** Apply the fault after the request took effect (the answer is lost, the change is not). @default false */
    readonly afterHandling?: boolean;
}

export interface RequestContext {
    readonly params: string[];
    readonly query: URLSearchParams;
    readonly body: Record<string, any>;
    readonly userId: number;
    /** The token that made the request. */
    readonly token: TokenState;
    readonly res: ServerResponse;
    readonly path: string;
    /** The request body's bytes (package uploads send a file, not JSON). */
    readonly raw: Buffer;
}
/** A handler's answer: status and a JSON body, or a Buffer sent as `application/octet-stream` (a package file download). */
type Handler = (ctx: RequestContext) => [number, unknown];

export interface RouteOptions {
    /** Token scopes that may call it (GET: api, read_api; writes: api). */
    readonly scopes?: readonly string[];
    /**
     * Without it a route accepts a personal (or project) access token in PRIVATE-TOKEN or as a
     * Bearer token, and no job token: routes without `job_token_allowed` never look one up
     * (find_user_from_job_token, lib/gitlab/auth/auth_finders.rb).
     */
    readonly authenticateWith?: AuthenticateWith;
}

/** `per_page` when none is given (doc/api/rest/_index.md "Pagination": default 20, max 100). */
const PER_PAGE_DEFAULT = 20;

/** What the route modules get to register routes and reach shared state. */
export interface EmulatorCore {
    readonly edition: Edition;
    /** `::Gitlab.com?`. */
    readonly gitlabCom: boolean;
    readonly state: EmulatorState;
    url(): string;
    nextId(): number;
    /** Registers a route: `path` with `:name` segments, or a RegExp whose groups are the params. */
    route(method: string, path: string | RegExp, handler: Handler, options?: RouteOptions): void;
    user(id: number): UserState;
    /** `find_project!`: a private project the caller cannot see is a 404, not a 403 (lib/api/helpers.rb). */
    findProject(ref: string, userId: number): ProjectState;
    findGroup(ref: string): GroupState;
    /** The existing groups along `fullPath`, outermost first: the ones whose memberships `fullPath` inherits. */
    groupChain(fullPath: string): GroupState[];
    /** The highest role `userId` holds in `groupChain(fullPath)`, 0 for none (being an admin is not a membership). */
    inheritedLevel(fullPath: string, userId: number): number;
    /** The caller's effective role on a project: admin, direct membership, or inherited from the group chain. */
    accessLevel(p: ProjectState, userId: number): number;
    groupAccessLevel(g: GroupState, userId: number): number;
    /** 403 `{"message":"403 Forbidden"}` below `level` (a failed `authorize!`). */
    requireAccess(p: ProjectState, userId: number, level: number, reason?: string): void;
    /**
     * `authorize_read_code!` (lib/api/helpers.rb): ProjectPolicy grants :read_code with :download_code,
     * Reporter on a private project and anyone who can see a public or internal one; 403 otherwise.
     */
    requireReadCode(p: ProjectState, userId: number): void;
    /** One page of `items` for the request, with the pagination headers set on its answer. */
    paginate<T>(ctx: Pick<RequestContext, "res" | "query" | "path">, items: readonly T[]): T[];
}

export interface GitLabEmulator extends MergeHelpers {
    readonly url: string;
    readonly adminToken: string;
    readonly mode: EmulatorMode;
    addUser(username: string, opts?: { name?: string; admin?: boolean }): number;
    /** A personal access token for `username` with `scopes`. */
    addToken(username: string, scopes: string[], opts?: { expiresAt?: string }): string;
    addGroup(fullPath: string): number;
    /** Makes `username` a direct member of the group at `level` (inherited by its projects). */
    addGroupMember(fullPath: string, username: string, level: number): void;
    /**
     * A running CI job of `project` started by `username`, and its CI_JOB_TOKEN: the token acts
     * as that user for the job's project, on routes that accept job tokens only.
     */
    addJobToken(project: string | number, username: string): { token: string; jobId: number };
    /** Ends the job: its token stops authenticating (Ci::AuthJobFinder finds running jobs only). */
    finishJob(jobId: number): void;
    /** What the project's model experiments and model registry hold. */
    ml(project: string | number): MlRecord;
    /** Sets the top-level group's "Users can create project access tokens" setting. */
    setAccessTokenCreationAllowed(groupPath: string, allowed: boolean): void;
    injectFault(route: string, fault: Fault): void;
    clearFaults(): void;
    readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
    readonly state: EmulatorState;
    close(): Promise<void>;
}

export async function startGitLabEmulator(options: EmulatorOptions = {}): Promise<GitLabEmulator> {
    const ed = edition(options.mode ?? "ee-premium");
    let nextId = 100;
    const state: EmulatorState = { users: new Map(), groups: new Map(), projects: new Map(), tokens: new Map(), runners: new Map(), jobs: new Map(), bots: new Map(), variables: new Map(), ml: new Map() };
    const requests: { method: string; path: string; status: number }[] = [];
    const faults: { method: string; pattern: RegExp; fault: Fault; remaining: number }[] = [];
    const sockets = new Set<Socket>();
    const routes: { method: string; pattern: RegExp; scopes: readonly string[]; authenticateWith?: AuthenticateWith; handler: Handler }[] = [];
    let url = "";

    const addUser = (username: string, opts: { name?: string; admin?: boolean } = {}) => {
        const uid = nextId++;
        state.users.set(uid, { id: uid, username, name: opts.name ?? username, state: "active", is_admin: opts.admin ?? false });
        return uid;
    };
    const userByName = (username: string) => {
        const user = [...state.users.values()].find((u) => u.username === username);
        if (!user) throw new Error(`no user ${username}`);
        return user;
    };
    const addToken = (username: string, scopes: string[], opts: { expiresAt?: string; token?: string } = {}) => {
        const user = userByName(username);
        const token = opts.token ?? `glpat-${username}-${Math.random().toString(36).slice(2, 12)}`;
        state.tokens.set(token, { id: nextId++, userId: user.id, scopes, name: `${username}-token`, expires_at: opts.expiresAt ?? null });
        return token;
    };
    const addGroup = (fullPath: string): number => {
        const existing = [...state.groups.values()].find((g) => g.full_path === fullPath);
        if (existing) return existing.id;
        const parent = fullPath.includes("/") ? fullPath.slice(0, fullPath.lastIndexOf("/")) : undefined;
        if (parent) addGroup(parent);
        const gid = nextId++;
        const path = fullPath.slice(fullPath.lastIndexOf("/") + 1);
        state.groups.set(gid, { id: gid, name: path, path, full_path: fullPath, kind: "group", members: new Map() });
        return gid;
    };
    addUser("root", { name: "Administrator", admin: true });
    const adminToken = addToken("root", ["api"], options.adminToken ? { token: options.adminToken } : {});

    const groupChain = (fullPath: string): GroupState[] => {
        const out: GroupState[] = [];
        const parts = fullPath.split("/");
        for (let i = 1; i <= parts.length; i++) {
            const g = [...state.groups.values()].find((x) => x.full_path === parts.slice(0, i).join("/"));
            if (g) out.push(g);
        }
        return out;
    };
    // Group memberships are inherited by subgroups and their projects, the highest role counting
    // (doc/user/group/subgroups/_index.md "Subgroup membership").
    const inheritedLevel = (fullPath: string, userId: number) => Math.max(0, ...groupChain(fullPath).map((g) => g.members.get(userId) ?? 0));
    const isAdmin = (userId: number) => state.users.get(userId)?.is_admin ?? false;
    const groupAccessLevel = (g: GroupState, userId: number) => (isAdmin(userId) ? Role.Admin : inheritedLevel(g.full_path, userId));
    const accessLevel = (p: ProjectState, userId: number) => {
        if (isAdmin(userId)) return Role.Admin;
        return Math.max(p.members.get(userId) ?? 0, p.namespace.kind === "group" ? inheritedLevel(p.namespace.full_path, userId) : 0);
    };

    const core: EmulatorCore = {
        edition: ed,
        gitlabCom: options.gitlabCom ?? false,
        state,
        url: () => url,
        nextId: () => nextId++,
        route(method, path, handler, opts = {}) {
            const pattern = typeof path === "string" ? new RegExp("^" + path.replace(/:[a-z_]+/g, "([^/]+)") + "$") : path;
            routes.push({ method, pattern, handler, scopes: opts.scopes ?? (method === "GET" ? ["api", "read_api"] : ["api"]), ...(opts.authenticateWith ? { authenticateWith: opts.authenticateWith } : {}) });
        },
        user: (id) => state.users.get(id)!,
        findProject(ref, userId) {
            const p = /^\d+$/.test(ref) ? state.projects.get(Number(ref)) : [...state.projects.values()].find((x) => x.path_with_namespace === ref);
            // Private projects are invisible to non-members: 404, never 403 (lib/api/helpers.rb find_project!).
            if (!p || (p.visibility === "private" && accessLevel(p, userId) < Role.Guest)) throw notFound("Project");
            return p;
        },
        findGroup(ref) {
            const g = /^\d+$/.test(ref) ? state.groups.get(Number(ref)) : [...state.groups.values()].find((x) => x.full_path === ref);
            if (!g) throw notFound("Group");
            return g;
        },
        groupChain,
        inheritedLevel,
        accessLevel,
        groupAccessLevel,
        requireAccess(p, userId, level, reason) {
            if (accessLevel(p, userId) < level) throw forbidden(reason);
        },
        requireReadCode(p, userId) {
            if (p.visibility === "private" && accessLevel(p, userId) < Role.Reporter) throw forbidden();
        },
        paginate({ res, query, path }, items) {
            // doc/api/rest/_index.md "Pagination": page/per_page (default 20, max 100) and these headers.
            const perPage = Math.min(Number(query.get("per_page") ?? PER_PAGE_DEFAULT) || PER_PAGE_DEFAULT, 100);
            const page = Math.max(Number(query.get("page") ?? 1) || 1, 1);
            const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
            res.setHeader("X-Page", String(page));
            res.setHeader("X-Per-Page", String(perPage));
            res.setHeader("X-Total", String(items.length));
            res.setHeader("X-Total-Pages", String(totalPages));
            res.setHeader("X-Next-Page", page < totalPages ? String(page + 1) : "");
            res.setHeader("X-Prev-Page", page > 1 ? String(page - 1) : "");
            const link = (p: number, rel: string) => `<${url}/api/v4${path}?page=${p}&per_page=${perPage}>; rel="${rel}"`;
            const links = [link(1, "first"), link(totalPages, "last")];
            if (page < totalPages) links.unshift(link(page + 1, "next"));
            if (page > 1) links.unshift(link(page - 1, "prev"));
            res.setHeader("Link", links.join(", "));
            return items.slice((page - 1) * perPage, page * perPage);
        },
    };

    registerMetaRoutes(core);
    registerProjectRoutes(core);
    registerRepositoryRoutes(core);
    registerCommitRoutes(core);
    const mergeHelpers = registerMergeRoutes(core);
    registerProtectedRefRoutes(core);
    registerPremiumRoutes(core);
    registerCiRoutes(core);
    registerVariableRoutes(core);
    registerGroupAndApplicationRoutes(core);
    const tokenHelpers = registerAccessTokenRoutes(core);
    const mlHelpers = registerMlflowRoutes(core);
    registerMlModelPackageRoutes(core);

    const server: Server = createServer(async (req, res) => {
        const full = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        const path = full.pathname.replace(/^\/api\/v4/, "");
        const record = (status: number) => requests.push({ method, path: decodeURIComponent(path), status });
        try {
            const fault = faults.find((f) => f.remaining > 0 && (f.method === "*" || f.method === method) && f.pattern.test(path));
            if (fault && !fault.fault.afterHandling) {
                fault.remaining--;
                if (fault.fault.delayMs) await new Promise((r) => setTimeout(r, fault.fault.delayMs));
                if (fault.fault.drop) {
                    record(0);
                    req.socket.destroy();
                    return;
                }
                if (fault.fault.status) {
                    record(fault.fault.status);
                    // A 429 without Retry-After stands for a throttle whose data is unknown: no rate-limit headers at all.
                    if (fault.fault.status === 429) sendThrottled(res, fault.fault.retryAfterSeconds);
                    else {
                        if (fault.fault.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(fault.fault.retryAfterSeconds));
                        send(res, fault.fault.status, { message: `${fault.fault.status} Internal Server Error` });
                    }
                    return;
                }
            }
            const candidates = routes.filter((r) => r.pattern.test(path));
            const match = candidates.find((r) => r.method === method);
            const auth = authenticate(state, req.headers, match?.authenticateWith);
            // A known path with another verb is Grape's 405; anything else the catch-all 404 (lib/api/api.rb).
            if (!match) throw candidates.length > 0 ? new HttpError(405, { error: "405 Not Allowed" }) : routeNotFound();
            // Job tokens carry no scopes: the job's user's permissions, limited to the job's project, apply.
            if (auth.kind !== "job" && !auth.scopes.some((s) => match.scopes.includes(s))) {
                // InsufficientScopeError → rack-oauth2 Bearer::Forbidden body (lib/api/api_guard.rb).
                throw new HttpError(403, { error: "insufficient_scope", error_description: "The request requires higher privileges than provided by the access token.", scope: match.scopes.join(" ") });
            }
            const { raw, fields } = await readBody(req);
            const body = { ...Object.fromEntries(full.searchParams), ...fields };
            // Grape hands endpoints their path params decoded once: `ml-team%2Fp1` arrives as `ml-team/p1`,
            // the form find_project! looks up (lib/api/helpers.rb), `hotfix%2F%2A` as `hotfix/*`. Handlers
            // must not decode again.
            const params = match.pattern.exec(path)!.slice(1).map((v) => (v === undefined ? "" : decodeURIComponent(v)));
            const [status, out] = match.handler({ params, query: full.searchParams, body, userId: auth.userId, token: auth, res, path, raw });
            if (fault?.fault.afterHandling) {
                // The change is made; only the answer is lost.
                fault.remaining--;
                record(fault.fault.drop ? 0 : (fault.fault.status ?? 0));
                if (fault.fault.drop) req.socket.destroy();
                else send(res, fault.fault.status ?? 502, { message: "502 Bad Gateway" });
                return;
            }
            record(status);
            send(res, status, out);
        } catch (e) {
            if (e instanceof HttpError) {
                record(e.status);
                send(res, e.status, e.body);
            } else {
                record(500);
                send(res, 500, { message: `500 Internal Server Error: ${(e as Error).message}` });
            }
        }
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    return {
        url,
        adminToken,
        mode: ed.mode,
        addUser,
        addToken,
        addGroup,
        addGroupMember(fullPath, username, level) {
            state.groups.get(addGroup(fullPath))!.members.set(userByName(username).id, level);
        },
        ...tokenHelpers,
        ...mlHelpers,
        ...mergeHelpers,
        injectFault(routeSpec, fault) {
            const [method, path] = routeSpec.includes(" ") ? (routeSpec.split(" ", 2) as [string, string]) : ["*", routeSpec];
            const pattern = new RegExp("^" + path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[a-z_]+/g, "[^/]+").replace(/\*/g, ".*") + "$");
            faults.push({ method, pattern, fault, remaining: fault.times ?? 1 });
        },
        clearFaults() {
            faults.length = 0;
        },
        requests,
        state,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}
