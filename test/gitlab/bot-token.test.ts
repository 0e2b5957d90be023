/**
 * The bot token and secret-variable providers against the GitLab API emulator: the token lands in
 * a masked CI/CD variable and nowhere else, rotation never leaves jobs with a dead token, drift
 * is repaired, GitLab.com Free and a closed group setting get a clear way out.
 */
import { BOT_TOKEN_DEFAULTS, projectBotTokenProvider, ProjectBotTokenInputs, ProjectBotTokenOutputs, ProjectBotToken } from "../../infra/gitlab/providers/project-bot-token";
import { projectVariableProvider, ProjectVariableInputs, ProjectVariable, sha256 } from "../../infra/gitlab/providers/project-variable";
import { PROJECT } from "../../infra/config/schema";
import { runWithMocks } from "../../infra/plan/mock-runtime";
import { gitlabRequest } from "../support/emulator-http";
import { EmulatorOptions, GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";
import { as } from "../support/provider-emulator";

const RETRY = { maxAttempts: 3, maxTotalMs: 3_000, fixedWaitMs: 10, baseBackoffMs: 10, timeoutMs: 2_000 };
const ADMIN = "glpat-bot-token-test-admin";
const KEY = BOT_TOKEN_DEFAULTS.variableKey;

let savedToken: string | undefined;
beforeAll(() => {
    savedToken = process.env.GITLAB_TOKEN;
    process.env.GITLAB_TOKEN = ADMIN;
});
afterAll(() => {
    if (savedToken === undefined) delete process.env.GITLAB_TOKEN;
    else process.env.GITLAB_TOKEN = savedToken;
});

/** An emulator with the group `ml-team` and a fresh project in it. */
async function withProject(options: EmulatorOptions, fn: (em: GitLabEmulator, projectId: number) => Promise<void>): Promise<void> {
    const em = await startGitLabEmulator({ adminToken: ADMIN, ...options });
    try {
        const namespace_id = em.addGroup("ml-team");
        const created = await gitlabRequest(em.url, ADMIN, "POST", "/projects", { name: "models", namespace_id });
        expect(created.status).toBe(201);
        await fn(em, created.json.id);
    } finally {
        await em.close();
    }
}

const inputs = (em: GitLabEmulator, projectId: number, over: Partial<ProjectBotTokenInputs> = {}): ProjectBotTokenInputs => ({
    kind: "gitlab:ProjectBotToken",
    gitlabUrl: em.url,
    providerVersion: "1",
    retry: RETRY,
    projectId,
    tokenName: "ml-team-env-bot",
    accessLevel: Role.Developer,
    scopes: ["api"],
    expiresInDays: 90,
    variableKey: KEY,
    environmentScope: "*",
    rotation: "1",
    ...over,
});

async function createBot(i: ProjectBotTokenInputs): Promise<ProjectBotTokenOutputs> {
    const created = await projectBotTokenProvider.create!(i);
    return created.outs!;
}
/** The variable's value as a Maintainer reads it through the API. */
async function variable(em: GitLabEmulator, projectId: number, key = KEY) {
    return gitlabRequest(em.url, ADMIN, "GET", `/projects/${projectId}/variables/${key}`);
}
const whoAmI = (em: GitLabEmulator, token: string) => gitlabRequest(em.url, token, "GET", "/user");

describe("ProjectBotToken", () => {
    it("makes a Developer bot of this project with an api token, stores it in a masked raw variable, and outputs no token", () =>
        withProject({ mode: "ee-premium" }, async (em, projectId) => {
            const outs = await createBot(inputs(em, projectId));
            const v = await variable(em, projectId);
            expect(v.json).toMatchObject({ key: KEY, masked: true, raw: true, protected: false, hidden: false, environment_scope: "*", variable_type: "env_var" });
            const token: string = v.json.value;
            // The value authenticates as the bot, which is a Developer of this project only.
            expect((await whoAmI(em, token)).json.username).toBe(outs.botUsername);
            expect(outs.botUsername).toMatch(new RegExp(`^project_${projectId}_bot_`));
            expect(em.state.projects.get(projectId)!.members.get(outs.botUserId)).toBe(Role.Developer);
            expect([...em.state.projects.values()].filter((p) => p.members.has(outs.botUserId)).map((p) => p.id)).toEqual([projectId]);
            const live = await gitlabRequest(em.url, ADMIN, "GET", `/projects/${projectId}/access_tokens/${outs.tokenId}`);
            expect(live.json).toMatchObject({ name: "ml-team-env-bot", scopes: ["api"], access_level: 30, active: true, expires_at: outs.expiresAt });
            const in90 = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
            expect(outs.expiresAt).toBe(in90);
            // Nothing Pulumi keeps holds the token: only its digest.
            expect(JSON.stringify(outs)).not.toContain(token);
            expect(outs.tokenSha256).toBe(sha256(token));
            // The token can use what CI needs it for: the MLflow API.
            const mlflow = await fetch(`${em.url}/api/v4/projects/${projectId}/ml/mlflow/api/2.0/mlflow/experiments/create`, { method: "POST", headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ name: "smoke" }) });
            expect(mlflow.status).toBe(200);
        }));

    it("read keeps a healthy token and reports it gone when revoked, its variable deleted or overwritten, so `up` makes a new one", () =>
        withProject({}, async (em, projectId) => {
            const i = inputs(em, projectId);
            const read = async (outs: ProjectBotTokenOutputs) => (await projectBotTokenProvider.read!(`${projectId}:${KEY}:*`, outs)).id;
            let outs = await createBot(i);
            expect(await read(outs)).toBe(`${projectId}:${KEY}:*`);

            expect((await gitlabRequest(em.url, ADMIN, "DELETE", `/projects/${projectId}/access_tokens/${outs.tokenId}`)).status).toBe(204);
            expect(await read(outs)).toBe("");

            outs = await createBot(i);
            expect((await gitlabRequest(em.url, ADMIN, "DELETE", `/projects/${projectId}/variables/${KEY}`)).status).toBe(204);
            expect(await read(outs)).toBe("");

            outs = await createBot(i);
            expect((await gitlabRequest(em.url, ADMIN, "PUT", `/projects/${projectId}/variables/${KEY}`, { value: "glpat-pasted-by-hand-000" })).status).toBe(200);
            expect(await read(outs)).toBe("");

            // Each re-create revoked the tokens it replaced: one active bot token, the one in the variable.
            const after = await createBot(i);
            const active = (await gitlabRequest(em.url, ADMIN, "GET", `/projects/${projectId}/access_tokens?state=active`)).json;
            expect(active.map((t: { id: number }) => t.id)).toEqual([after.tokenId]);
        }));

    it("rotation stores the new token before revoking the old one; other changes keep the token", () =>
        withProject({}, async (em, projectId) => {
            const first = await createBot(inputs(em, projectId));
            const oldToken: string = (await variable(em, projectId)).json.value;
            const mark = em.requests.length;
            const { outs: rotated } = await projectBotTokenProvider.update!(`${projectId}:${KEY}:*`, first, inputs(em, projectId, { rotation: "2" }));
            const newToken: string = (await variable(em, projectId)).json.value;
            expect(rotated!.tokenId).not.toBe(first.tokenId);
            expect(newToken).not.toBe(oldToken);
            expect((await whoAmI(em, newToken)).status).toBe(200);
            const old = await whoAmI(em, oldToken);
            expect(old.status).toBe(401);
            expect(old.json.error_description).toMatch(/revoked/);
            const calls = em.requests.slice(mark).map((r) => `${r.method} ${r.path}`);
            const stored = calls.findIndex((c) => c.startsWith(`PUT /projects/${projectId}/variables/${KEY}`));
            const revoked = calls.indexOf(`DELETE /projects/${projectId}/access_tokens/${first.tokenId}`);
            expect(stored).toBeGreaterThanOrEqual(0);
            expect(revoked).toBeGreaterThan(stored);

            const diff = await projectBotTokenProvider.diff!(`${projectId}:${KEY}:*`, rotated!, inputs(em, projectId, { rotation: "2", providerVersion: "2" }));
            expect(diff).toMatchObject({ changes: true, replaces: [] });
            const before = em.requests.length;
            const { outs: same } = await projectBotTokenProvider.update!(`${projectId}:${KEY}:*`, rotated!, inputs(em, projectId, { rotation: "2", providerVersion: "2" }));
            expect(same!.tokenId).toBe(rotated!.tokenId);
            expect(em.requests.slice(before)).toEqual([]);
            // A new variable key is another resource: replaced, the new one made first.
            expect(await projectBotTokenProvider.diff!(`${projectId}:${KEY}:*`, rotated!, inputs(em, projectId, { rotation: "2", variableKey: "OTHER_KEY" }))).toMatchObject({ replaces: ["variableKey"], deleteBeforeReplace: false });
        }));

    it("delete revokes the token and removes the variable, unless a replacement already holds it", () =>
        withProject({}, async (em, projectId) => {
            const old = await createBot(inputs(em, projectId));
            const replacement = await createBot(inputs(em, projectId, { tokenName: "ml-team-env-bot-2" }));
            await projectBotTokenProvider.delete!(`${projectId}:${KEY}:*`, old);
            expect((await gitlabRequest(em.url, ADMIN, "GET", `/projects/${projectId}/access_tokens/${old.tokenId}`)).json.active).toBe(false);
            const kept = await variable(em, projectId);
            expect(kept.status).toBe(200);
            expect(sha256(kept.json.value)).toBe(replacement.tokenSha256);
            await projectBotTokenProvider.delete!(`${projectId}:${KEY}:*`, replacement);
            expect((await variable(em, projectId)).status).toBe(404);
            // Deleting again (a retried destroy) is done already.
            await projectBotTokenProvider.delete!(`${projectId}:${KEY}:*`, replacement);
        }));

    it("a token whose create answer was lost is revoked by the next create; a token someone made by hand is not", () =>
        withProject({}, async (em, projectId) => {
            const byHand = (await gitlabRequest(em.url, ADMIN, "POST", `/projects/${projectId}/access_tokens`, { name: "ml-team-env-bot", description: "made by hand", scopes: ["read_api"] })).json.id;
            em.injectFault("POST /projects/:id/access_tokens", { status: 502, afterHandling: true });
            const outs = await createBot(inputs(em, projectId));
            const all = (await gitlabRequest(em.url, ADMIN, "GET", `/projects/${projectId}/access_tokens`)).json as { id: number; active: boolean }[];
            expect(all).toHaveLength(3);
            expect(all.filter((t) => t.active).map((t) => t.id)).toEqual([byHand, outs.tokenId]);
        }));

    it.each([
        ["GitLab.com Free", { mode: "ee-free", gitlabCom: true }, undefined],
        ["a group that turned project access tokens off", { mode: "ee-premium" }, "off"],
    ] as const)("%s: a clear error naming the paid plan, the group setting and the stack-secret alternative; nothing written", (_name, options, setting) =>
        withProject(options as EmulatorOptions, async (em, projectId) => {
            if (setting) em.setAccessTokenCreationAllowed("ml-team", false);
            await expect(createBot(inputs(em, projectId))).rejects.toThrow(/paid plan.*not a trial.*'Users can create project access tokens'.*stack secret.*Developer of this project only/s);
            expect((await variable(em, projectId)).status).toBe(404);
            expect(em.state.bots.size).toBe(0);
        }));

    it.each(["ce", "ee-free", "ee-ultimate"] as const)("self-managed %s makes the token (every tier has project access tokens)", (mode) =>
        withProject({ mode }, async (em, projectId) => {
            const outs = await createBot(inputs(em, projectId));
            expect(outs.tokenId).toBeGreaterThan(0);
        }));

    it("GitLab.com Premium makes the token", () =>
        withProject({ mode: "ee-premium", gitlabCom: true }, async (em, projectId) => {
            expect((await createBot(inputs(em, projectId))).tokenId).toBeGreaterThan(0);
        }));

    it("a deploying user who is only a Developer gets the same clear error", () =>
        withProject({}, async (em, projectId) => {
            em.addUser("dev");
            const devId = [...em.state.users.values()].find((u) => u.username === "dev")!.id;
            em.state.projects.get(projectId)!.members.set(devId, Role.Developer);
            const devToken = em.addToken("dev", ["api"]);
            await expect(as(devToken, () => createBot(inputs(em, projectId)))).rejects.toThrow(/did not let ml-team-env create a project access token.*Maintainer/s);
        }));

    it("refuses a lifetime GitLab would refuse, before calling GitLab", () =>
        withProject({}, async (em, projectId) => {
            const before = em.requests.length;
            const bad = inputs(em, projectId, { expiresInDays: 400 });
            await expect(createBot(bad)).rejects.toThrow(/expiresInDays must be a whole number of days from 1 to 365/);
            expect((await projectBotTokenProvider.check!({} as ProjectBotTokenInputs, bad)).failures).toEqual([{ property: "expiresInDays", reason: expect.stringContaining("365") }]);
            expect(em.requests.length).toBe(before);
        }));
});

describe("ProjectVariable (a secret the stack provides)", () => {
    const variableInputs = (em: GitLabEmulator, projectId: number, value: string): ProjectVariableInputs => ({
        kind: "gitlab:ProjectVariable",
        gitlabUrl: em.url,
        providerVersion: "1",
        retry: RETRY,
        projectId,
        key: KEY,
        value,
        protected: false,
        environmentScope: "*",
        description: "bot token (GitLab.com Free)",
    });

    it("writes the value masked, keeps only its digest, follows changes and drift, and deletes what it wrote", () =>
        withProject({ mode: "ee-free", gitlabCom: true }, async (em, projectId) => {
            const secret = "glpat-free-tier-handmade-1";
            const { id, outs } = await projectVariableProvider.create!(variableInputs(em, projectId, secret));
            const created = { id, outs: outs! };
            expect(JSON.stringify(created.outs)).not.toContain(secret);
            expect((await variable(em, projectId)).json).toMatchObject({ value: secret, masked: true, raw: true, protected: false });

            const next = variableInputs(em, projectId, "glpat-free-tier-handmade-2");
            expect(await projectVariableProvider.diff!(created.id, created.outs, next)).toMatchObject({ changes: true, replaces: [] });
            expect(await projectVariableProvider.diff!(created.id, created.outs, variableInputs(em, projectId, secret))).toMatchObject({ changes: false });
            const { outs: updated } = await projectVariableProvider.update!(created.id, created.outs, next);
            expect((await variable(em, projectId)).json.value).toBe("glpat-free-tier-handmade-2");

            // Edited by hand: the read shows another digest, so `up` puts the stack's value back.
            await gitlabRequest(em.url, ADMIN, "PUT", `/projects/${projectId}/variables/${KEY}`, { value: "glpat-edited-by-hand-3" });
            const drifted = await projectVariableProvider.read!(created.id, updated!);
            expect(await projectVariableProvider.diff!(created.id, drifted.props!, next)).toMatchObject({ changes: true });

            await projectVariableProvider.update!(created.id, drifted.props!, next);
            await projectVariableProvider.delete!(created.id, updated!);
            expect((await variable(em, projectId)).status).toBe(404);
            expect((await projectVariableProvider.read!(created.id, updated!)).id).toBe("");
        }));

    it("a value GitLab cannot mask is refused with the rule, never the value", () =>
        withProject({}, async (em, projectId) => {
            const bad = variableInputs(em, projectId, "short 1");
            const check = await projectVariableProvider.check!({} as ProjectVariableInputs, bad);
            expect(check.failures![0]!.reason).toMatch(/at least 8 characters with no spaces/);
            await expect(projectVariableProvider.create!(bad)).rejects.toThrow(/cannot be masked/);
            await expect(projectVariableProvider.create!(bad)).rejects.not.toThrow(/short 1/);
            expect((await variable(em, projectId)).status).toBe(404);
        }));
});

describe("the resource classes", () => {
    it("ProjectVariable marks its value secret even when given plain text; ProjectBotToken has no token input", async () => {
        // The mock runtime directly (not test/harness.ts, which loads the whole program): two resources are all this needs.
        const { resources } = await runWithMocks(() => {
            new ProjectVariable("bot-secret", { gitlabUrl: "https://gitlab.example.com", projectId: 1, key: KEY, value: "glpat-plain-text-000", protected: false, environmentScope: "*", description: "d" });
            new ProjectBotToken("bot", { gitlabUrl: "https://gitlab.example.com", projectId: 1, tokenName: "ml-team-env-bot", accessLevel: 30, scopes: ["api"], expiresInDays: 90, variableKey: KEY, environmentScope: "*", rotation: "1" });
        }, { project: PROJECT, stack: "test" });
        const secret = resources.find((r) => r.name === "bot-secret")!;
        expect(secret.secretPaths).toContain("value");
        expect(JSON.stringify(secret.redactedInputs)).not.toContain("glpat-plain-text-000");
        const bot = resources.find((r) => r.name === "bot")!;
        expect(bot.inputs.kind).toBe("gitlab:ProjectBotToken");
        expect(Object.keys(bot.inputs).filter((k) => /^token$|value/i.test(k))).toEqual([]);
    });
});
