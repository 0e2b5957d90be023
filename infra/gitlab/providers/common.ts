/**
 * What every GitLab dynamic provider shares. Provider objects are serialized into state,
 * so they hold no client and no token: each call builds its client, with the token from
 * GITLAB_TOKEN or from the stack's `gitlabToken` secret read in `configure`.
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

/** Raw REST call through the client's requester (endpoints gitbeaker types loosely). */
export async function rest<T>(api: GitLabApi, method: "get" | "post" | "put" | "patch" | "delete", endpoint: string, body?: Record<string, unknown>): Promise<T> {
    const requester = (api as unknown as { requester: Record<string, (e: string, o?: Record<string, unknown>) => Promise<{ body: unknown }>> }).requester;
    const options = body === undefined ? undefined : method === "get" || method === "delete" ? { searchParams: body } : { body };
    return (await requester[method]!(endpoint, options)).body as T;
}

/** Whether an error carries one of these HTTP statuses (duck-typed: see `gitLabApiError`). */
export function hasStatus(e: unknown, ...statuses: number[]): boolean {
    return statuses.includes((e as { status?: number })?.status as number);
}

/** Whether an error is GitLab's 404. */
export function isNotFound(e: unknown): boolean {
    return hasStatus(e, 404);
}

/** DELETE that treats "already gone" (404) as done, so deletes can be retried. */
export async function deleteIfPresent(api: GitLabApi, endpoint: string): Promise<void> {
    try {
        await rest(api, "delete", endpoint);
    } catch (e) {
        if (!isNotFound(e)) throw e;
    }
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
export function changedKeys<T extends object>(olds: T, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
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
