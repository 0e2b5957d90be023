/**
 * The GitLab side of the preflight, I/O only: reads what the checks need from GitLab's REST
 * API with the deploying token and returns it as plain facts. Nothing is written. Which
 * calls are made depends on what earlier answers said (who the user is, whether the project
 * exists); the judgement is in `gitlab-checks.ts`.
 */
import { createGitLabClient, GitLabApi, RetryPolicy } from "../gitlab/client";
import { fetched, Fetched as AnyFetched, projectRef, rest } from "../gitlab/providers/common";
import { OWNER_VARIABLE } from "../gitlab/providers/project-owner";
import { InheritedRoleFacts, readInheritedRoles } from "./inherited-roles";

/** One GitLab answer: the value, or the status and message of the failure (always a status: no answer stops the preflight). */
export type Fetched<T> = AnyFetched<T, number>;

/** The token's user (`GET /user`). */
export interface UserFacts {
    readonly id: number;
    readonly username: string;
    readonly name: string;
    /** `is_admin` is only in the answer for administrators (Entities::UserWithAdmin). */
    readonly isAdmin: boolean;
}

/** The token itself (`GET /personal_access_tokens/self`). */
export interface TokenFacts {
    readonly scopes: readonly string[];
    readonly expiresAt: string | null;
}

/** The instance (`GET /metadata`). */
export interface MetadataFacts {
    readonly version: string;
    /** The EE codebase; says nothing about the licence (true on unlicensed EE too). */
    readonly enterprise: boolean;
}

/** The project at `gitlab.project.path` (`GET /projects/:path`). */
export interface ProjectFacts {
    readonly id: number;
    readonly visibility: string;
    readonly namespace: { readonly id: number; readonly fullPath: string; readonly kind: string };
}

/** The project's namespace (`GET /namespaces/:path`). */
export interface NamespaceFacts {
    readonly id: number;
    readonly fullPath: string;
    readonly kind: string;
    /** EE only, and only for callers who may administer the namespace (group Owners, admins). */
    readonly plan?: string;
}

/** An instance-wide OAuth application (`GET /applications`, lib/api/entities/application.rb). */
export interface ApplicationFacts {
    readonly applicationId: string;
    readonly name: string;
    readonly callbackUrl: string;
    readonly confidential?: boolean;
    /** Absent on GitLab versions whose entity does not expose scopes. */
    readonly scopes?: readonly string[];
}

/** A team member's GitLab account (`GET /users?username=`), or that none was found. */
export interface MemberAccountFacts {
    readonly username: string;
    readonly found: boolean;
    /** The account's id, when found. */
    readonly id?: number;
    /** `active`, `blocked`, `banned`, … (lib/api/entities/user_basic.rb); shown to everyone, but blocked and banned users are listed only to administrators. */
    readonly state?: string;
}

/** The licence (`GET /license`): null when the instance has none. */
export interface LicenseFacts {
    readonly plan: string;
    readonly expired: boolean;
}

/** Everything read from GitLab; absent fields were not asked for (an earlier answer made them moot). */
export interface GitLabFacts {
    readonly url: string;
    readonly user: Fetched<UserFacts>;
    readonly token?: Fetched<TokenFacts>;
    readonly metadata?: Fetched<MetadataFacts>;
    readonly project?: Fetched<ProjectFacts>;
    /** The user's effective role on the project (inherited memberships included); 0 when not a member. */
    readonly projectAccess?: Fetched<number>;
    readonly namespace?: Fetched<NamespaceFacts>;
    /** The group's `project_creation_level` when GitLab shows it (`GET /groups/:id`). */
    readonly projectCreationLevel?: string;
    /** The user's effective role on the group; 0 when not a member. */
    readonly groupAccess?: Fetched<number>;
    readonly license?: Fetched<LicenseFacts | null>;
    readonly applications?: Fetched<readonly ApplicationFacts[]>;
    /** The team's accounts, when usernames were given. */
    readonly memberAccounts?: Fetched<readonly MemberAccountFacts[]>;
    /** Each member's role in the project's group chain, when usernames were given. */
    readonly inheritedRoles?: InheritedRoleFacts;
    /** The stack the project is recorded as managed by (its CI/CD variable), null when none; read when the project exists. */
    readonly ownerRecord?: Fetched<string | null>;
}

/** GitLab did not answer (connection refused, timeouts, 5xx after the retries): the preflight cannot go on. */
export class GitLabUnreachableError extends Error {
    constructor(
        readonly url: string,
        detail: string,
    ) {
        super(`GitLab at ${url} could not be reached: ${detail}`);
        this.name = "GitLabUnreachableError";
    }
}

/** Retries for a preflight: fewer and shorter than a deployment's, so an unreachable GitLab is said within seconds. */
export const DOCTOR_RETRY: Partial<RetryPolicy> = { maxAttempts: 2, maxTotalMs: 20_000, baseBackoffMs: 500, timeoutMs: 10_000 };

export interface GitLabFactsOptions {
    readonly url: string;
    /** Never printed, never put in a fact. */
    readonly token: string;
    readonly projectPath: string;
    readonly mode: "create" | "adopt";
    /** The team's GitLab usernames, to look up. @default none */
    readonly usernames?: readonly string[];
    readonly retry?: Partial<RetryPolicy>;
}

/** Reads what the GitLab checks need. Throws `GitLabUnreachableError` when GitLab does not answer. */
export async function readGitLabFacts(o: GitLabFactsOptions): Promise<GitLabFacts> {
    const api = createGitLabClient({ url: o.url, token: o.token, retry: o.retry ?? DOCTOR_RETRY });
    const get = <T>(endpoint: string, map: (body: any) => T) => fetchOne(api, o.url, endpoint, map);

    const user = await get("user", (u): UserFacts => ({ id: u.id, username: u.username, name: u.name, isAdmin: u.is_admin === true }));
    if (!user.ok) return { url: o.url, user };
    const admin = user.value.isAdmin;

    const token = await get("personal_access_tokens/self", (t): TokenFacts => ({ scopes: Array.isArray(t.scopes) ? t.scopes : [], expiresAt: t.expires_at ?? null }));
    const metadata = await get("metadata", (m): MetadataFacts => ({
        version: String(m.version ?? ""),
        // GitLab before `enterprise` was added: EE versions end in -ee.
        enterprise: typeof m.enterprise === "boolean" ? m.enterprise : /-ee$/.test(String(m.version ?? "")),
    }));

    const project = await get(`projects/${projectRef(o.projectPath)}`, (p): ProjectFacts => ({
        id: p.id,
        visibility: p.visibility,
        namespace: { id: p.namespace?.id, fullPath: p.namespace?.full_path, kind: p.namespace?.kind },
    }));
    // Admins may do everything whether or not they are members; GitLab lists them as members only where they are.
    const accessOf = async (kind: "projects" | "groups", id: number): Promise<Fetched<number>> => {
        if (admin) return { ok: true, value: 60 };
        const member = await get(`${kind}/${id}/members/all/${user.value.id}`, (m) => Number(m.access_level));
        return !member.ok && member.status === 404 ? { ok: true, value: 0 } : member;
    };
    const projectAccess = project.ok ? await accessOf("projects", project.value.id) : undefined;

    const namespacePath = project.ok ? project.value.namespace.fullPath : o.projectPath.slice(0, o.projectPath.lastIndexOf("/"));
    const namespace = await get(`namespaces/${projectRef(namespacePath)}`, (n): NamespaceFacts => ({
        id: n.id,
        fullPath: n.full_path,
        kind: n.kind,
        ...(typeof n.plan === "string" ? { plan: n.plan } : {}),
    }));

    // Who may create the project: only asked when it is to be created.
    let groupAccess: Fetched<number> | undefined;
    let projectCreationLevel: string | undefined;
    if (!project.ok && project.status === 404 && o.mode === "create" && namespace.ok && namespace.value.kind === "group") {
        groupAccess = await accessOf("groups", namespace.value.id);
        const group = await get(`groups/${namespace.value.id}`, (g) => (typeof g.project_creation_level === "string" ? g.project_creation_level : undefined));
        if (group.ok) projectCreationLevel = group.value;
    }

    // The licence and the instance's applications are for administrators only: others are not asked.
    const enterprise = metadata.ok && metadata.value.enterprise;
    const license = admin && enterprise ? await get("license", (l): LicenseFacts | null => (l ? { plan: String(l.plan), expired: l.expired === true } : null)) : undefined;
    const applications = admin
        ? await get("applications", (list): ApplicationFacts[] =>
              (Array.isArray(list) ? list : []).map((a) => ({
                  applicationId: String(a.application_id),
                  name: String(a.application_name ?? ""),
                  callbackUrl: String(a.callback_url ?? ""),
                  ...(typeof a.confidential === "boolean" ? { confidential: a.confidential } : {}),
                  ...(Array.isArray(a.scopes) ? { scopes: a.scopes.map(String) } : typeof a.scopes === "string" ? { scopes: a.scopes.split(/\s+/) } : {}),
              })),
          )
        : undefined;

    const memberAccounts = o.usernames && o.usernames.length > 0 ? await readMemberAccounts(api, o.url, o.usernames) : undefined;
    const inheritedRoles = memberAccounts ? await readInheritedRoles(get, namespacePath, namespace, memberAccounts) : undefined;
    const ownerRecord = project.ok ? await readOwnerRecord(api, o.url, project.value.id) : undefined;

    return {
        url: o.url,
        user,
        token,
        ...(memberAccounts ? { memberAccounts } : {}),
        ...(inheritedRoles ? { inheritedRoles } : {}),
        ...(ownerRecord ? { ownerRecord } : {}),
        metadata,
        project,
        ...(projectAccess ? { projectAccess } : {}),
        namespace,
        ...(groupAccess ? { groupAccess } : {}),
        ...(projectCreationLevel ? { projectCreationLevel } : {}),
        ...(license ? { license } : {}),
        ...(applications ? { applications } : {}),
    };
}

/** One GET; a GitLab refusal becomes a failed `Fetched`, no answer at all a `GitLabUnreachableError`. */
async function fetchOne<T>(api: GitLabApi, url: string, endpoint: string, map: (body: any) => T, query?: Record<string, unknown>): Promise<Fetched<T>> {
    const f = await fetched(async () => map(await rest<unknown>(api, "get", endpoint, query)));
    if (f.ok) return f;
    if (f.status === undefined || f.status >= 500) throw new GitLabUnreachableError(url, f.message);
    return { ok: false, status: f.status, message: f.message };
}

/**
 * Each username's account. `GET /users?username=` matches case-insensitively and, for anyone but
 * an administrator, leaves out blocked, banned and LDAP-blocked users (app/finders/users_finder.rb
 * base_scope: User.without_forbidden_states; app/models/user.rb FORBIDDEN_SEARCH_STATES).
 */
async function readMemberAccounts(api: GitLabApi, url: string, usernames: readonly string[]): Promise<Fetched<MemberAccountFacts[]>> {
    const out: MemberAccountFacts[] = [];
    for (const username of usernames) {
        const list = await fetchOne(api, url, "users", (l) => (Array.isArray(l) ? (l as { id: number; username: string; state?: string }[]) : []), { username });
        if (!list.ok) return list;
        const account = list.value.find((u) => u.username.toLowerCase() === username.toLowerCase());
        out.push(account ? { username, found: true, id: account.id, ...(account.state ? { state: account.state } : {}) } : { username, found: false });
    }
    return { ok: true, value: out };
}

/** The project's owner record: null when the variable is not there (404), a failure when it cannot be read (403 below Maintainer). */
async function readOwnerRecord(api: GitLabApi, url: string, projectId: number): Promise<Fetched<string | null>> {
    const v = await fetchOne(api, url, `projects/${projectId}/variables/${OWNER_VARIABLE}`, (b) => (typeof b?.value === "string" ? (b.value as string) : null));
    return !v.ok && v.status === 404 && /Variable/.test(v.message) ? { ok: true, value: null } : v;
}
