/**
 * What every GitLab dynamic provider shares. Provider objects are serialized into state,
 * so they hold no client and no token: each call builds its client, with the token from
 * GITLAB_TOKEN or from the stack's `gitlabToken` secret read in `configure`.
 */
import * as pulumi from "@pulumi/pulumi";
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

export async function configureToken(holder: TokenHolder, req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    holder.configuredToken = req.config.get("gitlabToken");
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

/** Whether an error is GitLab's 404 (duck-typed: classes are copied by closure serialization). */
export function isNotFound(e: unknown): boolean {
    return (e as { status?: number })?.status === 404;
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
    return (e as { status?: number })?.status === 409;
}

/** URL-encodes a project path or passes a numeric id through. */
export function projectRef(project: string | number): string {
    return encodeURIComponent(String(project));
}

/** The keys whose values differ between two input sets. */
export function changedKeys<T extends object>(olds: T, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
    return keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** A dynamic diff: replace on identity keys, update on the rest. */
export function diffResult<T extends object>(olds: T, news: T, replaceKeys: readonly (keyof T)[], updateKeys: readonly (keyof T)[]): pulumi.dynamic.DiffResult {
    const replaces = changedKeys(olds, news, replaceKeys).map(String);
    const updates = changedKeys(olds, news, updateKeys).map(String);
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 };
}
