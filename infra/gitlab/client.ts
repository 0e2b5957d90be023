/**
 * The GitLab client every provider uses: @gitbeaker/rest's typed resources over our own
 * request handler, which owns timeouts and retries. gitbeaker's handler retries only 429
 * and 502 and ignores Retry-After (about a quarter second in all), which is not enough for
 * gitlab.com's rate limits nor safe for non-idempotent calls.
 */
import { Gitlab } from "@gitbeaker/rest";
import { gitlabBaseUrl } from "../config/gitlab-url";
import { createRequesterFn, FormattedResponse, RequestHandlerFn } from "@gitbeaker/requester-utils";

export interface RetryPolicy {
    /** Attempts per request, the first included. @default 5 */
    readonly maxAttempts: number;
    /** Give up once this much time has passed since the first attempt. @default 60000 */
    readonly maxTotalMs: number;
    /** Wait on a 429 that says neither Retry-After nor RateLimit-Reset. @default 2000 */
    readonly fixedWaitMs: number;
    /** First backoff for 5xx and dropped connections; doubles each attempt. @default 500 */
    readonly baseBackoffMs: number;
    /** Per-attempt timeout. @default 15000 */
    readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, maxTotalMs: 60_000, fixedWaitMs: 2_000, baseBackoffMs: 500, timeoutMs: 15_000 };

export interface GitLabClientOptions {
    /** Base URL, e.g. https://gitlab.com. */
    readonly url: string;
    /** Token with `api` scope. Never logged, never put in an error. */
    readonly token: string;
    readonly retry?: Partial<RetryPolicy>;
}

/**
 * A GitLab API failure: a plain `Error` carrying the HTTP status. Never a subclass of
 * `Error`: providers are closure-serialized into the engine's dynamic-provider host, where
 * a serialized subclass calls `Error` as a function, so the thrown object loses its message
 * and the user sees "Unknown Error".
 */
export interface GitLabApiError extends Error {
    /** HTTP status, or undefined when GitLab never answered. */
    readonly status: number | undefined;
    /** True when the request may or may not have taken effect (timeout, reset, 5xx). */
    readonly ambiguous: boolean;
}

/** Builds a `GitLabApiError` (see there why it is not a class). */
export function gitLabApiError(message: string, status: number | undefined, ambiguous: boolean): GitLabApiError {
    return Object.assign(new Error(message), { name: "GitLabApiError", status, ambiguous });
}

/**
 * How long to wait before retrying, or undefined when the failure is final. 429 honours
 * Retry-After (seconds), then RateLimit-Reset (unix seconds), then a fixed wait; 5xx and
 * dropped connections back off exponentially.
 */
function retryDelayMs(failure: { status?: number; headers?: Record<string, string> }, attempt: number, policy: RetryPolicy, nowMs: number): number | undefined {
    const { status, headers = {} } = failure;
    if (status === 429) {
        const retryAfter = Number(headers["retry-after"]);
        if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter * 1000);
        const reset = Number(headers["ratelimit-reset"]);
        if (headers["ratelimit-reset"] !== undefined && Number.isFinite(reset)) return Math.max(0, reset * 1000 - nowMs);
        return policy.fixedWaitMs;
    }
    if (status === undefined || status >= 500) return policy.baseBackoffMs * 2 ** (attempt - 1);
    return undefined;
}

/** A message that says what a failed call means and what to do; never contains the token. */
function explainFailure(status: number | undefined, method: string, endpoint: string, detail: string): string {
    const what = `${method} ${endpoint}`;
    switch (status) {
        case 401:
            return `GitLab rejected the token (401) on ${what}: it is invalid, expired or revoked. Create a token with the api scope and set GITLAB_TOKEN (or ml-team-env:gitlabToken).`;
        case 403:
            return `GitLab refused ${what} (403: ${detail}): the token lacks the api scope, or its user is not a Maintainer of the project (Owner of the group to create one).`;
        case 404:
            return `GitLab found nothing at ${what} (404: ${detail}): check gitlab.project.path and that the token's user can see the project or group.`;
        case undefined:
            // No subject, so readers can lead with which GitLab ("GitLab at <url> could not be reached: ").
            return `no answer to ${what}: ${detail}`;
        default:
            return `GitLab answered ${status} on ${what}: ${detail}`;
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The request handler: fetch with a per-attempt timeout and the retry policy above. */
function createRequestHandler(policy: RetryPolicy): RequestHandlerFn {
    return async (endpoint: string, options?: Record<string, unknown>): Promise<FormattedResponse> => {
        const { prefixUrl, searchParams, method = "GET", headers, body } = (options ?? {}) as { prefixUrl?: string; searchParams?: string; method?: string; headers?: Record<string, string>; body?: string | FormData };
        const base = prefixUrl && !prefixUrl.endsWith("/") ? `${prefixUrl}/` : prefixUrl;
        const url = new URL(endpoint, base);
        url.search = searchParams ?? "";
        const started = Date.now();
        for (let attempt = 1; ; attempt++) {
            let failure: { status?: number; headers?: Record<string, string>; detail: string };
            try {
                const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(policy.timeoutMs) });
                const responseHeaders = Object.fromEntries(response.headers.entries());
                const text = response.status === 204 ? "" : await response.text();
                if (response.ok) {
                    const json = (responseHeaders["content-type"] ?? "").includes("application/json") && text ? JSON.parse(text) : text;
                    return { body: json ?? null, headers: responseHeaders, status: response.status };
                }
                let detail = text.trim();
                try {
                    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
                    const m = parsed.message ?? parsed.error;
                    detail = typeof m === "string" ? m : JSON.stringify(m);
                } catch {
                    // not JSON: keep the text
                }
                failure = { status: response.status, headers: responseHeaders, detail };
            } catch (e) {
                const err = e as Error & { cause?: { code?: string } };
                failure = { detail: err.name === "TimeoutError" ? `no answer within ${policy.timeoutMs} ms` : `connection failed (${err.cause?.code ?? err.message})` };
            }
            const wait = retryDelayMs(failure, attempt, policy, Date.now());
            const elapsed = Date.now() - started;
            const ambiguous = failure.status === undefined || failure.status >= 500;
            if (wait === undefined) throw gitLabApiError(explainFailure(failure.status, method, url.pathname, failure.detail), failure.status, false);
            if (attempt >= policy.maxAttempts || elapsed + wait > policy.maxTotalMs) {
                throw gitLabApiError(
                    `${explainFailure(failure.status, method, url.pathname, failure.detail)} Gave up after ${attempt} attempt(s) in ${elapsed} ms.`,
                    failure.status,
                    ambiguous,
                );
            }
            await sleep(wait);
        }
    };
}

export type GitLabApi = InstanceType<typeof Gitlab<false>>;

/** A typed GitLab API client with this package's retry policy. */
export function createGitLabClient(options: GitLabClientOptions): GitLabApi {
    const policy = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    // gitbeaker's own options handler has already built headers, JSON body and query by then.
    const requesterFn = createRequesterFn((_, requestOptions) => Promise.resolve(requestOptions), createRequestHandler(policy));
    // The one URL rule (a trailing slash would send every call to //api/v4 and get 404s).
    return new Gitlab({ host: gitlabBaseUrl(options.url), token: options.token, requesterFn });
}

/** The token for provider calls: `GITLAB_TOKEN`, else the one configured at provider start. */
export function resolveToken(configured: string | undefined): string {
    const token = process.env.GITLAB_TOKEN || configured;
    if (!token) {
        throw new Error("no GitLab token: export GITLAB_TOKEN or set it with `pulumi config set --secret gitlabToken` (scope: api)");
    }
    return token;
}
