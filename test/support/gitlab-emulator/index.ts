/**
 * An in-process GitLab REST API v4 emulator for the endpoints ml-team-env's providers call.
 *
 * Behaviour follows GitLab's API documentation:
 * - auth: `PRIVATE-TOKEN` or `Authorization: Bearer`; 401 `{"message":"401 Unauthorized"}`;
 *   writes need the `api` scope (403 `{"error":"insufficient_scope"}`); project settings need
 *   Maintainer (403 `{"message":"403 Forbidden"}`).
 * - ids: `:id` is a numeric id or the URL-encoded full path; wildcard branch/tag names
 *   (`hotfix/*`, `v*`) are URL-encoded in paths and returned as written.
 * - status codes: 201 on create, 200 on read/update, 204 on delete (202 for a project),
 *   400 with `message`/`error` on bad or missing params, 404 `{"message":"404 ... Not Found"}`,
 *   409 on duplicates ("Protected branch 'x' already exists", "Member already exists").
 * - access levels 0 / 30 / 40 / 60; protected-branch PATCH takes `allowed_to_*` arrays of
 *   `{access_level}` (add) and `{id, _destroy: true}` (remove); a PATCH that omits
 *   `code_owner_approval_required` resets it to false (as has been observed on GitLab).
 * - lists are paginated with `page`/`per_page` (default 20, max 100) and X-Page, X-Per-Page,
 *   X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages and Link headers.
 * - every response carries RateLimit-Limit/-Remaining/-Reset/-Observed; an injected 429 may
 *   carry Retry-After (gitlab.com sometimes omits it, so a fault can too).
 * - push rules and approval rules are Premium: 404 on the free tier.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "http";
import { AddressInfo, Socket } from "net";

export interface EmulatorOptions {
    /** @default "premium" */
    readonly tier?: "free" | "premium" | "ultimate";
    /** @default 20 */
    readonly perPageDefault?: number;
    /** Port on 127.0.0.1. @default 0 (a free one) */
    readonly port?: number;
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

interface AccessEntry {
    id: number;
    access_level: number;
    access_level_description: string;
    user_id: null;
    group_id: null;
}

export interface ProtectedBranchState {
    id: number;
    name: string;
    push_access_levels: AccessEntry[];
    merge_access_levels: AccessEntry[];
    unprotect_access_levels: AccessEntry[];
    allow_force_push: boolean;
    code_owner_approval_required: boolean;
}

export interface ProjectState {
    id: number;
    name: string;
    path: string;
    path_with_namespace: string;
    namespace: { id: number; full_path: string; kind: string };
    default_branch: string;
    visibility: string;
    description: string;
    web_url: string;
    only_allow_merge_if_pipeline_succeeds: boolean;
    only_allow_merge_if_all_discussions_are_resolved: boolean;
    remove_source_branch_after_merge: boolean;
    branches: Map<string, { commit: string }>;
    protectedBranches: Map<string, ProtectedBranchState>;
    protectedTags: Map<string, { name: string; create_access_levels: AccessEntry[] }>;
    members: Map<number, number>;
    pushRule: Record<string, unknown> | null;
    approvalRules: Map<number, { id: number; name: string; approvals_required: number; protected_branches: { id: number; name: string }[] }>;
    /** File contents (text) per branch. */
    files: Map<string, Map<string, string>>;
    mergeRequests: { id: number; iid: number; state: string; source_branch: string; target_branch: string; title: string; web_url: string }[];
    schedules: Map<number, { id: number; description: string; ref: string; cron: string; cron_timezone: string; active: boolean; variables: { key: string; value: string; variable_type: string }[] }>;
}

export interface EmulatorState {
    readonly users: Map<number, { id: number; username: string; name: string; state: string; admin: boolean }>;
    readonly groups: Map<number, { id: number; full_path: string; kind: "group" }>;
    readonly projects: Map<number, ProjectState>;
    readonly tokens: Map<string, { userId: number; scopes: string[] }>;
}

export interface GitLabEmulator {
    readonly url: string;
    readonly adminToken: string;
    addUser(username: string, opts?: { name?: string; admin?: boolean }): number;
    addToken(username: string, scopes: string[]): string;
    addGroup(fullPath: string): number;
    injectFault(route: string, fault: Fault): void;
    clearFaults(): void;
    readonly requests: ReadonlyArray<{ method: string; path: string; status: number }>;
    readonly state: EmulatorState;
    close(): Promise<void>;
}

const LEVEL_NAMES: Record<number, string> = { 0: "No one", 30: "Developers + Maintainers", 40: "Maintainers", 60: "Admins" };

class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly body: Record<string, unknown>,
    ) {
        super(String(status));
    }
}

const notFound = (what = "Not Found") => new HttpError(404, { message: `404 ${what}` });
const badRequest = (error: string) => new HttpError(400, { error });

export async function startGitLabEmulator(options: EmulatorOptions = {}): Promise<GitLabEmulator> {
    const tier = options.tier ?? "premium";
    const perPageDefault = options.perPageDefault ?? 20;
    let nextId = 100;
    const id = () => nextId++;
    const state: EmulatorState = { users: new Map(), groups: new Map(), projects: new Map(), tokens: new Map() };
    const requests: { method: string; path: string; status: number }[] = [];
    const faults: { method: string; pattern: RegExp; fault: Fault; remaining: number }[] = [];
    const sockets = new Set<Socket>();
    let url = "";

    const addUser = (username: string, opts: { name?: string; admin?: boolean } = {}) => {
        const uid = id();
        state.users.set(uid, { id: uid, username, name: opts.name ?? username, state: "active", admin: opts.admin ?? false });
        return uid;
    };
    const addToken = (username: string, scopes: string[]) => {
        const user = [...state.users.values()].find((u) => u.username === username);
        if (!user) throw new Error(`no user ${username}`);
        const token = `glpat-${username}-${Math.random().toString(36).slice(2, 12)}`;
        state.tokens.set(token, { userId: user.id, scopes });
        return token;
    };
    const addGroup = (fullPath: string) => {
        const existing = [...state.groups.values()].find((g) => g.full_path === fullPath);
        if (existing) return existing.id;
        const parent = fullPath.includes("/") ? fullPath.slice(0, fullPath.lastIndexOf("/")) : undefined;
        if (parent) addGroup(parent);
        const gid = id();
        state.groups.set(gid, { id: gid, full_path: fullPath, kind: "group" });
        return gid;
    };
    addUser("root", { name: "Administrator", admin: true });
    const adminToken = addToken("root", ["api"]);

    const access = (level: number): AccessEntry => ({ id: id(), access_level: level, access_level_description: LEVEL_NAMES[level] ?? String(level), user_id: null, group_id: null });

    const findProject = (ref: string): ProjectState => {
        const decoded = decodeURIComponent(ref);
        const p = /^\d+$/.test(decoded) ? state.projects.get(Number(decoded)) : [...state.projects.values()].find((x) => x.path_with_namespace === decoded);
        if (!p) throw notFound("Project Not Found");
        return p;
    };
    const projectJson = (p: ProjectState) => {
        const { branches, protectedBranches, protectedTags, members, pushRule, approvalRules, files, mergeRequests, schedules, ...rest } = p;
        void branches, protectedBranches, protectedTags, members, pushRule, approvalRules, files, mergeRequests, schedules;
        return rest;
    };
    const requireMaintainer = (p: ProjectState, userId: number) => {
        const user = state.users.get(userId)!;
        if (user.admin) return;
        if ((p.members.get(userId) ?? 0) < 40) throw new HttpError(403, { message: "403 Forbidden" });
    };
    const premium = () => {
        if (tier === "free") throw notFound();
    };
    const bool = (v: unknown) => v === true || v === "true";
    const num = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : Number(v));

    function paginate(res: ServerResponse, query: URLSearchParams, path: string, items: unknown[]): unknown[] {
        const perPage = Math.min(Number(query.get("per_page") ?? perPageDefault) || perPageDefault, 100);
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
    }

    type Handler = (ctx: { params: string[]; query: URLSearchParams; body: Record<string, any>; userId: number; res: ServerResponse; path: string }) => [number, unknown];
    const routes: { method: string; pattern: RegExp; write: boolean; handler: Handler }[] = [];
    const route = (method: string, path: string, handler: Handler) => {
        const pattern = new RegExp("^" + path.replace(/:[a-z_]+/g, "([^/]+)") + "$");
        routes.push({ method, pattern, write: method !== "GET", handler });
    };

    // --- users, groups ------------------------------------------------------------------
    route("GET", "/user", ({ userId }) => [200, state.users.get(userId)]);
    route("GET", "/users", ({ query, res, path }) => {
        const username = query.get("username");
        const list = [...state.users.values()].filter((u) => !username || u.username.toLowerCase() === username.toLowerCase());
        return [200, paginate(res, query, path, list)];
    });
    const groupByRef = (ref: string) => {
        const d = decodeURIComponent(ref);
        const g = /^\d+$/.test(d) ? state.groups.get(Number(d)) : [...state.groups.values()].find((x) => x.full_path === d);
        if (!g) throw notFound("Group Not Found");
        return g;
    };
    route("GET", "/groups/:id", ({ params }) => [200, groupByRef(params[0]!)]);
    route("GET", "/namespaces/:id", ({ params }) => [200, groupByRef(params[0]!)]);

    // --- projects -----------------------------------------------------------------------
    route("POST", "/projects", ({ body, userId }) => {
        if (!body.name && !body.path) throw badRequest("name, path are missing, at least one parameter must be provided");
        const ns = body.namespace_id !== undefined ? state.groups.get(Number(body.namespace_id)) : undefined;
        if (body.namespace_id !== undefined && !ns) throw notFound("Namespace Not Found");
        const path = String(body.path ?? body.name).toLowerCase();
        const full = ns ? `${ns.full_path}/${path}` : `${state.users.get(userId)!.username}/${path}`;
        if ([...state.projects.values()].some((p) => p.path_with_namespace === full)) {
            throw new HttpError(400, { message: { name: ["has already been taken"], path: ["has already been taken"] } });
        }
        const pid = id();
        const defaultBranch = String(body.default_branch ?? "main");
        const p: ProjectState = {
            id: pid,
            name: String(body.name ?? path),
            path,
            path_with_namespace: full,
            namespace: ns ? { ...ns } : { id: 0, full_path: state.users.get(userId)!.username, kind: "user" },
            default_branch: defaultBranch,
            visibility: String(body.visibility ?? "private"),
            description: String(body.description ?? ""),
            web_url: `${url}/${full}`,
            only_allow_merge_if_pipeline_succeeds: bool(body.only_allow_merge_if_pipeline_succeeds),
            only_allow_merge_if_all_discussions_are_resolved: bool(body.only_allow_merge_if_all_discussions_are_resolved),
            remove_source_branch_after_merge: body.remove_source_branch_after_merge === undefined ? true : bool(body.remove_source_branch_after_merge),
            branches: new Map(bool(body.initialize_with_readme) ? [[defaultBranch, { commit: "c0ffee" }]] : []),
            protectedBranches: new Map(),
            protectedTags: new Map(),
            members: new Map([[userId, 50]]),
            pushRule: null,
            approvalRules: new Map(),
            files: new Map(bool(body.initialize_with_readme) ? [[defaultBranch, new Map([["README.md", `# ${path}\n`]])]] : []),
            mergeRequests: [],
            schedules: new Map(),
        };
        state.projects.set(pid, p);
        return [201, projectJson(p)];
    });
    route("GET", "/projects/:id", ({ params }) => [200, projectJson(findProject(params[0]!))]);
    route("PUT", "/projects/:id", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        for (const k of ["default_branch", "visibility", "description"] as const) if (body[k] !== undefined) p[k] = String(body[k]);
        for (const k of ["only_allow_merge_if_pipeline_succeeds", "only_allow_merge_if_all_discussions_are_resolved", "remove_source_branch_after_merge"] as const) {
            if (body[k] !== undefined) p[k] = bool(body[k]);
        }
        return [200, projectJson(p)];
    });
    route("DELETE", "/projects/:id", ({ params, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        state.projects.delete(p.id);
        return [202, { message: "202 Accepted" }];
    });

    // --- branches -----------------------------------------------------------------------
    route("GET", "/projects/:id/repository/branches", ({ params, query, res, path }) => {
        const p = findProject(params[0]!);
        return [200, paginate(res, query, path, [...p.branches.entries()].map(([name, b]) => ({ name, commit: { id: b.commit }, protected: p.protectedBranches.has(name) })))];
    });
    route("GET", "/projects/:id/repository/branches/:branch", ({ params }) => {
        const p = findProject(params[0]!);
        const name = decodeURIComponent(params[1]!);
        const b = p.branches.get(name);
        if (!b) throw notFound("Branch Not Found");
        return [200, { name, commit: { id: b.commit }, protected: p.protectedBranches.has(name), default: p.default_branch === name }];
    });
    route("POST", "/projects/:id/repository/branches", ({ params, body }) => {
        const p = findProject(params[0]!);
        if (!body.branch) throw badRequest("branch is missing");
        if (!body.ref) throw badRequest("ref is missing");
        if (p.branches.has(String(body.branch))) throw new HttpError(400, { message: "Branch already exists" });
        const from = p.branches.get(String(body.ref));
        if (!from) throw new HttpError(400, { message: "Invalid reference name: " + body.ref });
        p.branches.set(String(body.branch), { commit: from.commit });
        p.files.set(String(body.branch), new Map(p.files.get(String(body.ref)) ?? []));
        return [201, { name: body.branch, commit: { id: from.commit }, protected: false }];
    });
    route("DELETE", "/projects/:id/repository/branches/:branch", ({ params }) => {
        const p = findProject(params[0]!);
        if (!p.branches.delete(decodeURIComponent(params[1]!))) throw notFound("Branch Not Found");
        return [204, null];
    });

    // --- protected branches -------------------------------------------------------------
    route("GET", "/projects/:id/protected_branches", ({ params, query, res, path }) => [200, paginate(res, query, path, [...findProject(params[0]!).protectedBranches.values()])]);
    route("GET", "/projects/:id/protected_branches/:name", ({ params }) => {
        const pb = findProject(params[0]!).protectedBranches.get(decodeURIComponent(params[1]!));
        if (!pb) throw notFound("Not found");
        return [200, pb];
    });
    route("POST", "/projects/:id/protected_branches", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!body.name) throw badRequest("name is missing");
        const name = String(body.name);
        if (p.protectedBranches.has(name)) throw new HttpError(409, { message: `Protected branch '${name}' already exists` });
        const pb: ProtectedBranchState = {
            id: id(),
            name,
            push_access_levels: [access(num(body.push_access_level) ?? 40)],
            merge_access_levels: [access(num(body.merge_access_level) ?? 40)],
            unprotect_access_levels: [access(num(body.unprotect_access_level) ?? 40)],
            allow_force_push: bool(body.allow_force_push),
            code_owner_approval_required: tier !== "free" && bool(body.code_owner_approval_required),
        };
        p.protectedBranches.set(name, pb);
        return [201, pb];
    });
    route("PATCH", "/projects/:id/protected_branches/:name", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        const pb = p.protectedBranches.get(decodeURIComponent(params[1]!));
        if (!pb) throw notFound("Not found");
        if (body.allow_force_push !== undefined) pb.allow_force_push = bool(body.allow_force_push);
        // Observed GitLab behaviour: omitting the field resets it.
        pb.code_owner_approval_required = tier !== "free" && bool(body.code_owner_approval_required);
        const apply = (list: AccessEntry[], changes: unknown) => {
            if (!Array.isArray(changes)) return list;
            let out = [...list];
            for (const c of changes as Record<string, unknown>[]) {
                if (c._destroy && c.id !== undefined) out = out.filter((e) => e.id !== Number(c.id));
                else if (c.access_level !== undefined) out.push(access(Number(c.access_level)));
            }
            return out;
        };
        pb.push_access_levels = apply(pb.push_access_levels, body.allowed_to_push);
        pb.merge_access_levels = apply(pb.merge_access_levels, body.allowed_to_merge);
        pb.unprotect_access_levels = apply(pb.unprotect_access_levels, body.allowed_to_unprotect);
        return [200, pb];
    });
    route("DELETE", "/projects/:id/protected_branches/:name", ({ params, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.protectedBranches.delete(decodeURIComponent(params[1]!))) throw notFound("Not found");
        return [204, null];
    });

    // --- protected tags -----------------------------------------------------------------
    route("GET", "/projects/:id/protected_tags", ({ params, query, res, path }) => [200, paginate(res, query, path, [...findProject(params[0]!).protectedTags.values()])]);
    route("GET", "/projects/:id/protected_tags/:name", ({ params }) => {
        const t = findProject(params[0]!).protectedTags.get(decodeURIComponent(params[1]!));
        if (!t) throw notFound("Not found");
        return [200, t];
    });
    route("POST", "/projects/:id/protected_tags", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!body.name) throw badRequest("name is missing");
        const name = String(body.name);
        if (p.protectedTags.has(name)) throw new HttpError(409, { message: `Protected tag '${name}' already exists` });
        const t = { name, create_access_levels: [access(num(body.create_access_level) ?? 40)] };
        p.protectedTags.set(name, t);
        return [201, t];
    });
    route("DELETE", "/projects/:id/protected_tags/:name", ({ params, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.protectedTags.delete(decodeURIComponent(params[1]!))) throw notFound("Not found");
        return [204, null];
    });

    // --- push rule (Premium) ------------------------------------------------------------
    const PUSH_RULE_FIELDS = ["branch_name_regex", "prevent_secrets", "deny_delete_tag", "commit_message_regex", "member_check"];
    const pushRuleFrom = (body: Record<string, unknown>, base: Record<string, unknown> = {}) => {
        const out: Record<string, unknown> = { ...base };
        for (const f of PUSH_RULE_FIELDS) if (body[f] !== undefined) out[f] = typeof base[f] === "boolean" || f === "prevent_secrets" || f === "deny_delete_tag" || f === "member_check" ? bool(body[f]) : body[f];
        return out;
    };
    route("GET", "/projects/:id/push_rule", ({ params }) => {
        premium();
        const p = findProject(params[0]!);
        return [200, p.pushRule];
    });
    route("POST", "/projects/:id/push_rule", ({ params, body, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (p.pushRule) throw new HttpError(422, { message: "Project push rule exists" });
        p.pushRule = { id: id(), project_id: p.id, ...pushRuleFrom(body, { branch_name_regex: null, prevent_secrets: false, deny_delete_tag: false, commit_message_regex: null, member_check: false }) };
        return [201, p.pushRule];
    });
    route("PUT", "/projects/:id/push_rule", ({ params, body, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.pushRule) throw notFound("Push Rule Not Found");
        p.pushRule = pushRuleFrom(body, p.pushRule);
        return [200, p.pushRule];
    });
    route("DELETE", "/projects/:id/push_rule", ({ params, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.pushRule) throw notFound("Push Rule Not Found");
        p.pushRule = null;
        return [204, null];
    });

    // --- approval rules (Premium) -------------------------------------------------------
    const ruleBranches = (p: ProjectState, ids: unknown) =>
        (Array.isArray(ids) ? ids : ids === undefined ? [] : [ids]).map((bid) => {
            const pb = [...p.protectedBranches.values()].find((b) => b.id === Number(bid));
            if (!pb) throw badRequest("protected_branch_ids is invalid");
            return { id: pb.id, name: pb.name };
        });
    route("GET", "/projects/:id/approval_rules", ({ params, query, res, path }) => {
        premium();
        return [200, paginate(res, query, path, [...findProject(params[0]!).approvalRules.values()])];
    });
    route("GET", "/projects/:id/approval_rules/:rule", ({ params }) => {
        premium();
        const r = findProject(params[0]!).approvalRules.get(Number(params[1]));
        if (!r) throw notFound();
        return [200, r];
    });
    route("POST", "/projects/:id/approval_rules", ({ params, body, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!body.name) throw badRequest("name is missing");
        if (body.approvals_required === undefined) throw badRequest("approvals_required is missing");
        const r = { id: id(), name: String(body.name), approvals_required: Number(body.approvals_required), protected_branches: ruleBranches(p, body.protected_branch_ids) };
        p.approvalRules.set(r.id, r);
        return [201, r];
    });
    route("PUT", "/projects/:id/approval_rules/:rule", ({ params, body, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        const r = p.approvalRules.get(Number(params[1]));
        if (!r) throw notFound();
        if (body.name !== undefined) r.name = String(body.name);
        if (body.approvals_required !== undefined) r.approvals_required = Number(body.approvals_required);
        if (body.protected_branch_ids !== undefined) r.protected_branches = ruleBranches(p, body.protected_branch_ids);
        return [200, r];
    });
    route("DELETE", "/projects/:id/approval_rules/:rule", ({ params, userId }) => {
        premium();
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.approvalRules.delete(Number(params[1]))) throw notFound();
        return [204, null];
    });

    // --- members ------------------------------------------------------------------------
    const memberJson = (uid: number, level: number) => ({ ...state.users.get(uid)!, access_level: level });
    route("GET", "/projects/:id/members", ({ params, query, res, path }) => {
        const p = findProject(params[0]!);
        return [200, paginate(res, query, path, [...p.members.entries()].map(([uid, level]) => memberJson(uid, level)))];
    });
    for (const prefix of ["/projects/:id/members/:user", "/projects/:id/members/all/:user"]) {
        route("GET", prefix, ({ params }) => {
            const p = findProject(params[0]!);
            const level = p.members.get(Number(params[1]));
            if (level === undefined) throw notFound();
            return [200, memberJson(Number(params[1]), level)];
        });
    }
    route("POST", "/projects/:id/members", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (body.user_id === undefined) throw badRequest("user_id is missing");
        if (body.access_level === undefined) throw badRequest("access_level is missing");
        const uid = Number(body.user_id);
        if (!state.users.has(uid)) throw notFound("User Not Found");
        if (p.members.has(uid)) throw new HttpError(409, { message: "Member already exists" });
        p.members.set(uid, Number(body.access_level));
        return [201, memberJson(uid, Number(body.access_level))];
    });
    route("PUT", "/projects/:id/members/:user", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        const uid = Number(params[1]);
        if (!p.members.has(uid)) throw notFound();
        if (body.access_level === undefined) throw badRequest("access_level is missing");
        p.members.set(uid, Number(body.access_level));
        return [200, memberJson(uid, Number(body.access_level))];
    });
    route("DELETE", "/projects/:id/members/:user", ({ params, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        if (!p.members.delete(Number(params[1]))) throw notFound();
        return [204, null];
    });

    // --- repository files, merge requests ----------------------------------------------
    const canPush = (p: ProjectState, branch: string, userId: number) => {
        const pb = p.protectedBranches.get(branch);
        if (!pb) return;
        const level = state.users.get(userId)!.admin ? 60 : (p.members.get(userId) ?? 0);
        const allowed = pb.push_access_levels.some((a) => a.access_level > 0 && level >= a.access_level);
        if (!allowed) throw new HttpError(403, { message: "403 Forbidden - You are not allowed to push into this branch" });
    };
    const fileOp = (kind: "create" | "update" | "delete") => ({ params, body, userId }: { params: string[]; body: Record<string, any>; userId: number }): [number, unknown] => {
        const p = findProject(params[0]!);
        const filePath = decodeURIComponent(params[1]!);
        if (!body.branch) throw badRequest("branch is missing");
        if (!body.commit_message) throw badRequest("commit_message is missing");
        const branch = String(body.branch);
        if (!p.branches.has(branch)) throw new HttpError(400, { message: "You can only create or edit files when you are on a branch" });
        canPush(p, branch, userId);
        const files = p.files.get(branch) ?? new Map<string, string>();
        p.files.set(branch, files);
        if (kind === "create" && files.has(filePath)) throw new HttpError(400, { message: "A file with this name already exists" });
        if (kind !== "create" && !files.has(filePath)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
        if (kind === "delete") {
            files.delete(filePath);
            return [204, null];
        }
        if (body.content === undefined) throw badRequest("content is missing");
        const content = body.encoding === "base64" ? Buffer.from(String(body.content), "base64").toString("utf8") : String(body.content);
        files.set(filePath, content);
        p.branches.set(branch, { commit: Math.random().toString(16).slice(2, 10) });
        return [kind === "create" ? 201 : 200, { file_path: filePath, branch }];
    };
    route("GET", "/projects/:id/repository/files/:path", ({ params, query }) => {
        const p = findProject(params[0]!);
        const filePath = decodeURIComponent(params[1]!);
        const ref = query.get("ref");
        if (!ref) throw badRequest("ref is missing");
        const content = p.files.get(ref)?.get(filePath);
        if (content === undefined) throw notFound("File Not Found");
        return [200, { file_name: filePath.split("/").pop(), file_path: filePath, size: Buffer.byteLength(content), encoding: "base64", content: Buffer.from(content).toString("base64"), ref, last_commit_id: p.branches.get(ref)?.commit }];
    });
    route("POST", "/projects/:id/repository/files/:path", fileOp("create"));
    route("PUT", "/projects/:id/repository/files/:path", fileOp("update"));
    route("DELETE", "/projects/:id/repository/files/:path", fileOp("delete"));
    route("GET", "/projects/:id/merge_requests", ({ params, query, res, path }) => {
        const p = findProject(params[0]!);
        const list = p.mergeRequests.filter((m) => (!query.get("source_branch") || m.source_branch === query.get("source_branch")) && (!query.get("state") || m.state === query.get("state")));
        return [200, paginate(res, query, path, list)];
    });
    route("POST", "/projects/:id/merge_requests", ({ params, body }) => {
        const p = findProject(params[0]!);
        for (const f of ["source_branch", "target_branch", "title"]) if (!body[f]) throw badRequest(`${f} is missing`);
        if (p.mergeRequests.some((m) => m.state === "opened" && m.source_branch === body.source_branch && m.target_branch === body.target_branch)) {
            throw new HttpError(409, { message: [`Another open merge request already exists for this source branch`] });
        }
        const iid = p.mergeRequests.length + 1;
        const mr = { id: id(), iid, state: "opened", source_branch: String(body.source_branch), target_branch: String(body.target_branch), title: String(body.title), web_url: `${p.web_url}/-/merge_requests/${iid}` };
        p.mergeRequests.push(mr);
        return [201, mr];
    });

    // --- pipeline schedules -------------------------------------------------------------
    const schedule = (p: ProjectState, sid: string) => {
        const s = p.schedules.get(Number(sid));
        if (!s) throw notFound("Pipeline Schedule Not Found");
        return s;
    };
    route("GET", "/projects/:id/pipeline_schedules", ({ params, query, res, path }) => [200, paginate(res, query, path, [...findProject(params[0]!).schedules.values()].map(({ variables, ...s }) => (void variables, s)))]);
    route("GET", "/projects/:id/pipeline_schedules/:sid", ({ params }) => [200, schedule(findProject(params[0]!), params[1]!)]);
    route("POST", "/projects/:id/pipeline_schedules", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        for (const f of ["description", "ref", "cron"]) if (!body[f]) throw badRequest(`${f} is missing`);
        const s = { id: id(), description: String(body.description), ref: String(body.ref), cron: String(body.cron), cron_timezone: String(body.cron_timezone ?? "UTC"), active: body.active === undefined ? true : bool(body.active), variables: [] };
        p.schedules.set(s.id, s);
        return [201, s];
    });
    route("PUT", "/projects/:id/pipeline_schedules/:sid", ({ params, body, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        const s = schedule(p, params[1]!);
        for (const f of ["description", "ref", "cron", "cron_timezone"] as const) if (body[f] !== undefined) s[f] = String(body[f]);
        if (body.active !== undefined) s.active = bool(body.active);
        return [200, s];
    });
    route("DELETE", "/projects/:id/pipeline_schedules/:sid", ({ params, userId }) => {
        const p = findProject(params[0]!);
        requireMaintainer(p, userId);
        const s = schedule(p, params[1]!);
        p.schedules.delete(s.id);
        return [204, null];
    });
    route("POST", "/projects/:id/pipeline_schedules/:sid/variables", ({ params, body }) => {
        const s = schedule(findProject(params[0]!), params[1]!);
        if (!body.key) throw badRequest("key is missing");
        if (body.value === undefined) throw badRequest("value is missing");
        if (s.variables.some((v) => v.key === body.key)) throw new HttpError(400, { message: { key: ["(" + body.key + ") has already been taken"] } });
        const v = { key: String(body.key), value: String(body.value), variable_type: String(body.variable_type ?? "env_var") };
        s.variables.push(v);
        return [201, v];
    });
    route("PUT", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params, body }) => {
        const s = schedule(findProject(params[0]!), params[1]!);
        const v = s.variables.find((x) => x.key === decodeURIComponent(params[2]!));
        if (!v) throw notFound("Variable Not Found");
        if (body.value !== undefined) v.value = String(body.value);
        return [200, v];
    });
    route("DELETE", "/projects/:id/pipeline_schedules/:sid/variables/:key", ({ params }) => {
        const s = schedule(findProject(params[0]!), params[1]!);
        const before = s.variables.length;
        s.variables = s.variables.filter((x) => x.key !== decodeURIComponent(params[2]!));
        if (s.variables.length === before) throw notFound("Variable Not Found");
        return [204, null];
    });

    // --- server -------------------------------------------------------------------------
    async function readBody(req: IncomingMessage): Promise<Record<string, any>> {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString("utf8");
        if (!text) return {};
        const type = String(req.headers["content-type"] ?? "");
        if (type.includes("application/json")) return JSON.parse(text);
        return Object.fromEntries(new URLSearchParams(text));
    }

    function send(res: ServerResponse, status: number, body: unknown, rateLimitHeaders = true) {
        if (rateLimitHeaders) {
            res.setHeader("RateLimit-Limit", "2000");
            res.setHeader("RateLimit-Remaining", status === 429 ? "0" : "1999");
            res.setHeader("RateLimit-Observed", status === 429 ? "2000" : "1");
            res.setHeader("RateLimit-Reset", String(Math.floor(Date.now() / 1000) + 60));
        }
        if (status === 204) {
            res.writeHead(204);
            res.end();
            return;
        }
        res.setHeader("Content-Type", "application/json");
        res.writeHead(status);
        res.end(JSON.stringify(body));
    }

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
                    if (fault.fault.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(fault.fault.retryAfterSeconds));
                    record(fault.fault.status);
                    // A 429 without Retry-After stands for gitlab.com's answers that carry no rate-limit headers at all.
                    const headers = fault.fault.status !== 429 || fault.fault.retryAfterSeconds !== undefined;
                    send(res, fault.fault.status, { message: fault.fault.status === 429 ? "Retry later" : `${fault.fault.status} Internal Server Error` }, headers);
                    return;
                }
            }
            const token = (req.headers["private-token"] as string | undefined) ?? String(req.headers.authorization ?? "").replace(/^Bearer /, "");
            const auth = state.tokens.get(token);
            if (!auth) throw new HttpError(401, { message: "401 Unauthorized" });
            const match = routes.map((r) => ({ r, m: r.method === method ? r.pattern.exec(path) : null })).find((x) => x.m);
            if (!match) throw notFound();
            if (match.r.write && !auth.scopes.includes("api")) {
                throw new HttpError(403, { error: "insufficient_scope", error_description: "The request requires higher privileges than provided by the access token.", scope: "api" });
            }
            const body = { ...Object.fromEntries(full.searchParams), ...(await readBody(req)) };
            const [status, out] = match.r.handler({ params: match.m!.slice(1), query: full.searchParams, body, userId: auth.userId, res, path });
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
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    return {
        url,
        adminToken,
        addUser,
        addToken,
        addGroup,
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
