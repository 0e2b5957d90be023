/**
 * The emulator's project access tokens and CI/CD variables on their own, for the answers the
 * providers rely on but do not all provoke: GitLab's validation messages, roles and masking rules.
 */
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";

let em: GitLabEmulator;
let projectId: number;
let developer: string;

beforeAll(async () => {
    em = await startGitLabEmulator({ mode: "ce" });
    const namespace_id = em.addGroup("ml-team");
    projectId = (await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "models", namespace_id })).json.id;
    const dev = em.addUser("dev");
    em.state.projects.get(projectId)!.members.set(dev, Role.Developer);
    developer = em.addToken("dev", ["api"]);
});
afterAll(() => em?.close());

const admin = (method: string, path: string, body?: unknown) => gitlabRequest(em.url, em.adminToken, method, path, body);

describe("project access tokens", () => {
    it("validate like GitLab: names, scopes, access level, the 365-day limit, the creator's own role", async () => {
        const tokens = `/projects/${projectId}/access_tokens`;
        expect((await admin("POST", tokens, { scopes: ["api"] })).json).toEqual({ error: "name is missing" });
        expect((await admin("POST", tokens, { name: "b", scopes: ["sudo"] })).json).toEqual({ error: "scopes does not have a valid value" });
        expect((await admin("POST", tokens, { name: "b", scopes: ["api"], access_level: 60 })).json).toEqual({ error: "access_level does not have a valid value" });
        const tooLate = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
        expect((await admin("POST", tokens, { name: "b", scopes: ["api"], expires_at: tooLate })).json.message).toMatch(/^400 Bad request - Expires at must be before \d{4}-\d{2}-\d{2}$/);
        // Defaults: Maintainer, and the longest lifetime.
        const made = await admin("POST", tokens, { name: "b", scopes: ["api"] });
        expect(made.status).toBe(201);
        expect(made.json).toMatchObject({ access_level: 40, active: true, revoked: false, resource_type: "project", resource_id: projectId, token: expect.stringMatching(/^glpat-/) });
        // Developers cannot list (a 401, as GitLab answers) nor create.
        expect((await gitlabRequest(em.url, developer, "GET", tokens)).status).toBe(401);
        expect((await gitlabRequest(em.url, developer, "POST", tokens, { name: "x", scopes: ["api"], access_level: 30 })).json.message).toBe("400 Bad request - User does not have permission to create project access token");
        // The token never appears again.
        expect((await admin("GET", `${tokens}/${made.json.id}`)).json.token).toBeUndefined();
        expect((await admin("GET", `${tokens}/999999`)).json.message).toBe("404 Could not find project access token with token_id: 999999 Not Found");
    });

    it("a revoked token answers 401 'revoked', stays listed as inactive, and revoking again succeeds", async () => {
        const made = (await admin("POST", `/projects/${projectId}/access_tokens`, { name: "short-lived", scopes: ["read_api"], access_level: 20 })).json;
        expect((await gitlabRequest(em.url, made.token, "GET", `/projects/${projectId}`)).status).toBe(200);
        expect((await admin("DELETE", `/projects/${projectId}/access_tokens/${made.id}`)).status).toBe(204);
        const after = await gitlabRequest(em.url, made.token, "GET", `/projects/${projectId}`);
        expect(after.json).toEqual({ error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." });
        const inactive = (await admin("GET", `/projects/${projectId}/access_tokens?state=inactive`)).json as { id: number }[];
        expect(inactive.map((t) => t.id)).toContain(made.id);
        expect((await admin("DELETE", `/projects/${projectId}/access_tokens/${made.id}`)).status).toBe(204);
    });
});

describe("CI/CD variables", () => {
    const vars = () => `/projects/${projectId}/variables`;

    it("mask only what GitLab can mask: the Base64-like alphabet when expanded, any 8 non-space characters when raw", async () => {
        expect((await admin("POST", vars(), { key: "A", value: "has$dollar!", masked: true })).json).toEqual({ message: { value: ["is invalid"] } });
        expect((await admin("POST", vars(), { key: "A", value: "has$dollar!", masked: true, raw: true })).status).toBe(201);
        expect((await admin("POST", vars(), { key: "B", value: "short", masked: true, raw: true })).json).toEqual({ message: { value: ["is invalid"] } });
        expect((await admin("POST", vars(), { key: "bad-key", value: "x" })).json).toEqual({ message: { key: ["can contain only letters, digits and '_'."] } });
    });

    it("keys are unique per environment scope; with two scopes the filter is needed; Maintainer only", async () => {
        expect((await admin("POST", vars(), { key: "SCOPED", value: "one" })).status).toBe(201);
        expect((await admin("POST", vars(), { key: "SCOPED", value: "two" })).json).toEqual({ message: { key: ["(SCOPED) has already been taken"] } });
        expect((await admin("POST", vars(), { key: "SCOPED", value: "prod", environment_scope: "production" })).status).toBe(201);
        expect((await admin("GET", `${vars()}/SCOPED`)).status).toBe(409);
        expect((await admin("GET", `${vars()}/SCOPED?filter[environment_scope]=production`)).json.value).toBe("prod");
        expect((await admin("PUT", `${vars()}/SCOPED`, { value: "three", filter: { environment_scope: "*" } })).json.value).toBe("three");
        expect((await gitlabRequest(em.url, developer, "GET", vars())).status).toBe(403);
        expect((await admin("DELETE", `${vars()}/MISSING`)).json).toEqual({ message: "404 Variable Not Found" });
    });
});
