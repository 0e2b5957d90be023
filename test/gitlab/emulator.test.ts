/** The emulator itself answers as GitLab's API documentation says. */
import { GitLabEmulator, startGitLabEmulator } from "../support/gitlab-emulator";

let em: GitLabEmulator;
beforeAll(async () => {
    em = await startGitLabEmulator({ tier: "free" });
    em.addGroup("ml-team");
});
afterAll(() => em.close());

const call = (method: string, path: string, body?: unknown, token = em.adminToken) =>
    fetch(`${em.url}/api/v4${path}`, { method, headers: { "PRIVATE-TOKEN": token, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe("GitLab API emulator", () => {
    it("answers 401 without a valid token and 403 insufficient_scope for writes with read_api", async () => {
        expect((await call("GET", "/user", undefined, "nope")).status).toBe(401);
        em.addUser("reader");
        const res = await call("POST", "/projects", { name: "x" }, em.addToken("reader", ["read_api"]));
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ error: "insufficient_scope" });
    });

    it("accepts URL-encoded project paths and wildcard names, and 409s a duplicate protection", async () => {
        const group = (await (await call("GET", "/namespaces/ml-team")).json()) as { id: number };
        expect((await call("POST", "/projects", { name: "enc", namespace_id: group.id, initialize_with_readme: true })).status).toBe(201);
        expect((await call("POST", "/projects/ml-team%2Fenc/protected_branches", { name: "hotfix/*", push_access_level: 30 })).status).toBe(201);
        const dup = await call("POST", "/projects/ml-team%2Fenc/protected_branches", { name: "hotfix/*" });
        expect(dup.status).toBe(409);
        expect(await dup.json()).toEqual({ message: "Protected branch 'hotfix/*' already exists" });
        const got = (await (await call("GET", "/projects/ml-team%2Fenc/protected_branches/hotfix%2F%2A")).json()) as { name: string };
        expect(got.name).toBe("hotfix/*");
        expect((await call("DELETE", "/projects/ml-team%2Fenc/protected_branches/hotfix%2F%2A")).status).toBe(204);
    });

    it("paginates with GitLab's headers and sends rate-limit headers", async () => {
        for (let i = 0; i < 45; i++) em.addUser(`page-user-${i}`);
        const res = await call("GET", "/users?per_page=20&page=2");
        expect((await res.json()) as unknown[]).toHaveLength(20);
        expect(res.headers.get("x-page")).toBe("2");
        expect(res.headers.get("x-next-page")).toBe("3");
        expect(res.headers.get("x-prev-page")).toBe("1");
        expect(Number(res.headers.get("x-total"))).toBeGreaterThanOrEqual(46);
        expect(res.headers.get("link")).toContain('rel="next"');
        expect(res.headers.get("ratelimit-remaining")).toBe("1999");
    });

    it("has no Premium push rules on the free tier", async () => {
        const res = await call("GET", "/projects/ml-team%2Fenc/push_rule");
        expect(res.status).toBe(404);
    });

    it("injects 429 with Retry-After, and logs every request", async () => {
        em.injectFault("GET /user", { status: 429, retryAfterSeconds: 7 });
        const res = await call("GET", "/user");
        expect(res.status).toBe(429);
        expect(res.headers.get("retry-after")).toBe("7");
        expect((await call("GET", "/user")).status).toBe(200);
        expect(em.requests.slice(-2).map((r) => r.status)).toEqual([429, 200]);
    });
});
