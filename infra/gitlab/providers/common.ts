/**
 * What every GitLab dynamic provider shares. Provider objects are serialized into state,
 * so they hold no client and no token: each call builds its client, with the token from
 * GITLAB_TOKEN or from the stack's `gitlabToken` secret read in `configure`. The audit and
 * doctor read GitLab with the same REST primitives.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, SECRET_KEYS } from "../../config/schema";
import { createGitLabClient, GitLabApi, resolveToken, RetryPolicy } from "../client";

/** Bump when provider logic changes so existing resources get an update. */
export const PROVIDER_VERSION = "1";

/** Inputs every GitLab resource carries. `kind` says what it is in plans (all share one type). */
export interface GitLabResourceInputs {
    readonly kind: string;
    readonly gitlabUrl: string;
    readonly providerVersion: string;
    /** Retry settings; tests shorten them. */
    readonly retry?: Partial<RetryPolicy>;
}

/** Known in a `check`: not absent, not the engine's placeholder for a value a preview has not computed. */
export const known = (v: unknown) => v !== undefined && v !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A provider's token, set by `configure` from stack config when GITLAB_TOKEN is absent. */
export interface TokenHolder {
    configuredToken?: string;
}

/** The stack-config key of the token, fully qualified: the provider host does not know the project name. */
export const TOKEN_CONFIG_KEY = `${PROJECT}:${SECRET_KEYS.gitlabToken}`;

export async function configureToken(holder: TokenHolder, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    holder.configuredToken = req.config.get(TOKEN_CONFIG_KEY);
}

export function clientFor(inputs: GitLabResourceInputs, holder: TokenHolder): GitLabApi {
    return createGitLabClient({ url: inputs.gitlabUrl, token: resolveToken(holder.configuredToken), ...(inputs.retry ? { retry: inputs.retry } : {}) });
}

type Method = "get" | "post" | "put" | "patch" | "delete";
type Requester = Record<Method, (endpoint: string, options?: Record<string, unknown>) => Promise<{ body: unknown; headers: Record<string, string> }>>;

/** The client's requester: it takes endpoints gitbeaker types loosely, and answers with the headers too. */
function requesterOf(api: GitLabApi): Requester {
    return (api as unknown as { requester: Requester }).requester;
}

/** Raw REST call through the client's requester (endpoints gitbeaker types loosely). */
export async function rest<T>(api: GitLabApi, method: Method, endpoint: string, body?: Record<string, unknown>): Promise<T> {
    const options = body === undefined ? undefined : method === "get" || method === "delete" ? { searchParams: body } : { body };
    return (await requesterOf(api)[method](endpoint, options)).body as T;
}

/** Every page of a list endpoint, 100 items a page, following `X-Next-Page` (which `rest()` drops) for at most `maxPages`. */
export async function restPages<T>(api: GitLabApi, endpoint: string, maxPages: number, query: Record<string, string> = {}): Promise<T[]> {
    const out: T[] = [];
    let page = 1;
    for (let i = 0; i < maxPages; i++) {
        const res = await requesterOf(api).get(endpoint, { searchParams: { ...query, per_page: 100, page } });
        out.push(...((res.body as T[] | null) ?? []));
        const next = Number(res.headers["x-next-page"]);
        if (!next) break;
        page = next;
    }
    return out;
}

/** The HTTP status an error carries; undefined when GitLab never answered (duck-typed: see `gitLabApiError`). */
export function statusOf(e: unknown): number | undefined {
    return (e as { status?: number } | undefined)?.status;
}

/** Whether an error carries one of these HTTP statuses. */
export function hasStatus(e: unknown, ...statuses: number[]): boolean {
    return statuses.includes(statusOf(e) as number);
}

/**
 * The answer to one GitLab call: its value, or the HTTP status and message of the failure.
 * `S` narrows the status for readers that never keep a call GitLab did not answer.
 */
export type Fetched<T, S extends number | undefined = number | undefined> =
    | { readonly ok: true; readonly value: T }
    | {
          readonly ok: false;
          /** HTTP status; undefined when GitLab never answered. */
          readonly status: S;
          readonly message: string;
      };

/** Runs a call and keeps its failure as data, so a reader can say why a part is missing. */
export async function fetched<T>(call: () => Promise<T>): Promise<Fetched<T>> {
    try {
        return { ok: true, value: await call() };
    } catch (e) {
        return { ok: false, status: statusOf(e), message: (e as Error)?.message ?? String(e) };
    }
}

/** Whether an error is GitLab's 404. */
export function isNotFound(e: unknown): boolean {
    return hasStatus(e, 404);
}

/** DELETE that treats "already gone" (404) as done, so deletes can be retried. */
export async function deleteIfPresent(api: GitLabApi, endpoint: string, params?: Record<string, unknown>): Promise<void> {
    try {
        await rest(api, "delete", endpoint, params);
    } catch (e) {
        if (!isNotFound(e)) throw e;
    }
}

/** GET that answers undefined for "not there" (404). */
export async function getIfPresent<T>(api: GitLabApi, endpoint: string, query?: Record<string, unknown>): Promise<T | undefined> {
    try {
        return await rest<T>(api, "get", endpoint, query);
    } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
    }
}

/** A file's text on `ref`, or undefined when the file (or the branch) is not there. */
export async function readRepositoryFile(api: GitLabApi, projectId: number | string, path: string, ref: string): Promise<string | undefined> {
    const f = await getIfPresent<{ content: string }>(api, `projects/${projectRef(projectId)}/repository/files/${encodeURIComponent(path)}`, { ref });
    return f === undefined ? undefined : Buffer.from(f.content, "base64").toString("utf8");
}

/** Whether the project has `branch`. */
export async function branchExists(api: GitLabApi, projectId: number | string, branch: string): Promise<boolean> {
    return (await getIfPresent(api, `projects/${projectRef(projectId)}/repository/branches/${encodeURIComponent(branch)}`)) !== undefined;
}

/**
 * `read`'s GET of a resource's own object in a project: its JSON, or undefined when GitLab
 * answers 404 for it (removed behind Pulumi's back: `readGone`). A 404 can also mean the
 * project itself is gone or no longer visible to the token; then the project's own GET fails
 * with GitLab's project-path message, which `read` passes on instead of dropping every
 * resource of the project from the state.
 */
export async function readOwn<T>(api: GitLabApi, projectId: number, endpoint: string, query?: Record<string, unknown>): Promise<T | undefined> {
    const found = await getIfPresent<T>(api, endpoint, query);
    if (found === undefined) await rest(api, "get", `projects/${projectRef(projectId)}`);
    return found;
}

/** `read`'s answer for a resource removed behind Pulumi's back: no id, so the engine drops it and the next `up` makes it again. */
export function readGone<T>(): pulumi.dynamic.ReadResult<T> {
    return { id: "", props: {} as T };
}

/** Whether an error is GitLab's 409 "already exists". */
export function isConflict(e: unknown): boolean {
    return hasStatus(e, 409);
}

/** A protected branch or tag access entry; CE omits `user_id`/`group_id` (lib/api/entities/protected_ref_access.rb). */
export interface AccessEntryJson {
    readonly id?: number;
    readonly access_level: number;
    readonly user_id?: number | null;
    readonly group_id?: number | null;
}

/** Role entries only (no user or group entries, which are Premium extras this package does not manage). */
export function roleEntries(list: readonly AccessEntryJson[] | undefined): AccessEntryJson[] {
    return (list ?? []).filter((a) => a.user_id == null && a.group_id == null);
}

/** Whether the list has exactly one role entry and it is at `level` (what a converged protection looks like). */
export function onlyRole(list: readonly AccessEntryJson[] | undefined, level: number): boolean {
    const roles = roleEntries(list);
    return roles.length === 1 && roles[0]!.access_level === level;
}

/**
 * The effective role level of an access list: when several role entries exist GitLab allows
 * anyone any of them allows, so the lowest non-zero level wins; "no one" (0) only when that is
 * all there is; -1 when the list has no role entry at all.
 */
export function effectiveLevel(list: readonly AccessEntryJson[] | undefined): number {
    const levels = roleEntries(list).map((a) => a.access_level);
    if (levels.length === 0) return -1;
    const open = levels.filter((l) => l > 0);
    return open.length > 0 ? Math.min(...open) : 0;
}

/** URL-encodes a project path or passes a numeric id through. */
export function projectRef(project: string | number): string {
    return encodeURIComponent(String(project));
}

/** The keys whose values differ between two input sets. */
function changedKeys<T extends object>(olds: T, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
    return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/**
 * A dynamic diff: replace on identity keys, update on the rest. Replacements delete first
 * (GitLab keys these objects by name) unless `createBeforeDelete`.
 */
export function diffResult<T extends object>(olds: T, news: T, replaceKeys: readonly (keyof T)[], updateKeys: readonly (keyof T)[], options: { createBeforeDelete?: boolean } = {}): pulumi.dynamic.DiffResult {
    const replaces = changedKeys(olds, news, replaceKeys).map(String);
    const updates = changedKeys(olds, news, updateKeys).map(String);
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && !options.createBeforeDelete };
}

/**
 * Replaces the protection of a branch or tag pattern without a moment in which it is
 * unprotected or looser than both the old and the new rule: a strictest temporary rule
 * (`<name>*`, which matches `name` too) holds while the old rule is deleted and the new one
 * created. GitLab lets anyone any matching rule allows, so while the old or new rule stands
 * beside the temporary one, the old or new rule alone decides. Used where GitLab has no
 * in-place update (tags) or ignores it (CE drops PATCH `allowed_to_*`).
 */
export async function swapProtection<T>(api: GitLabApi, o: { collection: string; name: string; protect: (name: string, strictest: boolean) => Record<string, unknown> }): Promise<T> {
    const temporary = `${o.name}*`;
    try {
        await rest(api, "post", o.collection, o.protect(temporary, true));
    } catch (e) {
        // Left by an interrupted earlier swap: it is the strictest rule already.
        if (!hasStatus(e, 409, 422)) throw e;
    }
    await deleteIfPresent(api, `${o.collection}/${encodeURIComponent(o.name)}`);
    const created = await rest<T>(api, "post", o.collection, o.protect(o.name, false));
    await deleteIfPresent(api, `${o.collection}/${encodeURIComponent(temporary)}`);
    return created;
}
