/**
 * One raw GitLab REST call, as tests make them against the API emulator to set state up or
 * drift it behind the providers' back: the token in PRIVATE-TOKEN, a JSON body, the answer
 * read whole. No retries and no status checks; each caller decides what a status means.
 */

/** What GitLab answered. */
export interface RawAnswer {
    readonly status: number;
    /** 2xx. */
    readonly ok: boolean;
    readonly headers: Headers;
    /** The body as sent. */
    readonly text: string;
    /** The body parsed as JSON; `null` for an empty one or one that is not JSON (a throttled answer is text/plain). */
    readonly json: any;
}

/**
 * `method` on `<baseUrl>/api/v4/<path>` (`path` with or without its leading slash) as the
 * token's user, with `body` as JSON when one is given.
 */
export async function gitlabRequest(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<RawAnswer> {
    const url = `${baseUrl}/api/v4${path.startsWith("/") ? path : `/${path}`}`;
    const res = await fetch(url, { method, headers: { "PRIVATE-TOKEN": token, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
    return { status: res.status, ok: res.ok, headers: res.headers, text, json: text && isJson ? JSON.parse(text) : null };
}
