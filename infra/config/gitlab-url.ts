/**
 * The one rule for a GitLab base URL, applied wherever a URL comes in: the stack's
 * `gitlab.url`, `--url` of the audit and doctor, and the components a team composes itself
 * (the GitLab project, the runners, the hub). A trailing slash is dropped; a path, a query, a
 * fragment or credentials are refused with what to write instead. The client joins `/api/v4/`
 * to the base URL, so `https://gitlab.com/` would send every call to `//api/v4/...`, which
 * GitLab answers with 404 — read as a wrong token or project path.
 */

export type GitLabUrlResult = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: string };

/** Normalises a GitLab base URL to `scheme://host[:port]`, or says what is wrong with it. */
export function parseGitLabUrl(input: string): GitLabUrlResult {
    let u: URL;
    try {
        u = new URL(input.trim());
    } catch {
        return { ok: false, problem: "must be the GitLab base URL, e.g. https://gitlab.com" };
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") return { ok: false, problem: `must be an http(s) URL, e.g. https://gitlab.com (not ${u.protocol.replace(/:$/, "")})` };
    if (u.username || u.password) return { ok: false, problem: `must not carry credentials (${u.origin}): the token comes from GITLAB_TOKEN or the gitlabToken secret` };
    const path = u.pathname.replace(/\/+$/, "");
    if (path !== "") {
        return {
            ok: false,
            problem: /\/api\/v\d/.test(path)
                ? `is GitLab's API address; give its base URL (${u.origin}): the client adds /api/v4 itself, so every call would go to ${path}/api/v4`
                : `must be the GitLab base URL without a path (${u.origin}); a GitLab under a relative URL path is not supported`,
        };
    }
    if (u.search || u.hash) return { ok: false, problem: `must be the GitLab base URL without a query or fragment (${u.origin})` };
    return { ok: true, url: u.origin };
}

/** The normalised URL; throws with the problem for a component given a bad one (config validation reports it earlier, with its key). */
export function gitlabBaseUrl(input: string, what = "the GitLab URL"): string {
    const parsed = parseGitLabUrl(input);
    if (!parsed.ok) throw new Error(`${what} '${input}' ${parsed.problem}`);
    return parsed.url;
}
