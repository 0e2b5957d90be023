/**
 * Surprise 6 of issue 22: doctor missed what half-deploys. It now checks every member's username
 * (a typo deployed everything else, then failed), says once what no token can check about the
 * OAuth application and how to check it by hand, takes `--url` and `--project` like the audit, and
 * (surprise 8) resolves GitLab's host to say when notebooks may not reach it.
 */
import { doctorMain } from "../../infra/cli/doctor";
import { OAUTH_SECRET_UNCHECKED } from "../../infra/doctor/gitlab-checks";
import { Resolve } from "../../infra/doctor/egress-check";
import { gitlabRequest } from "../support/emulator-http";
import { GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";
import { capture, noAwsCredentials, stackRaw, writeStack } from "./fixtures";

let em: GitLabEmulator;
let maintainer: string;
beforeAll(async () => {
    em = await startGitLabEmulator({ mode: "ee-free" });
    em.addGroup("ml-team");
    em.addUser("maint");
    em.addGroupMember("ml-team", "maint", Role.Maintainer);
    maintainer = em.addToken("maint", ["api"]);
    em.addUser("alice");
    em.addUser("bob");
    [...em.state.users.values()].find((u) => u.username === "bob")!.state = "blocked";
    // chen.wei, the stack's third member, has no account.
});
afterAll(() => em?.close());

/** Resolves every name to `address` (or fails), as the system resolver would answer. */
const resolveTo =
    (address: string | Error): Resolve =>
    async () => {
        if (address instanceof Error) throw address;
        return [address];
    };

async function doctor(argv: string[], o: { token?: string; dir?: string; change?: (raw: Record<string, any>) => void; resolve?: Resolve } = {}) {
    const dir = o.dir ?? writeStack("t", stackRaw((raw) => ((raw.gitlab.url = em.url), o.change?.(raw))));
    const io = capture(dir, o.token ? { GITLAB_TOKEN: o.token } : {});
    const code = await doctorMain([...argv, "--format", "json"], io, { aws: noAwsCredentials, gitlabRetry: { maxAttempts: 1 }, resolve: o.resolve ?? resolveTo("127.0.0.1") });
    const json = JSON.parse(io.stdout || "{}");
    const byId = Object.fromEntries(((json.checks ?? []) as { id: string }[]).map((c) => [c.id, c])) as unknown as Record<string, { status: string; summary: string; details: string[]; fix?: string }>;
    return { code, json, byId, err: io.stderr };
}

describe("the team's GitLab accounts", () => {
    it("an administrator's token: a missing username and a blocked user are problems, named", async () => {
        const r = await doctor(["--stack", "t"], { token: em.adminToken });
        expect(r.code).toBe(1);
        expect(r.byId["gitlab.member-accounts"]).toMatchObject({
            status: "problem",
            summary: "2 of 3 members cannot be added: `pulumi up` would deploy everything else, then fail at their membership",
            details: ["chen.wei: no such user", "bob: the user is blocked: GitLab refuses them access, so the membership would not let them in"],
        });
    });

    it("a Maintainer's token: GitLab hides blocked users from it, and doctor says a missing one may be either", async () => {
        const r = await doctor(["--stack", "t"], { token: maintainer });
        expect(r.byId["gitlab.member-accounts"]!.details).toEqual(["bob: no such user, or a blocked or banned one (GitLab lists those only to administrators)", "chen.wei: no such user, or a blocked or banned one (GitLab lists those only to administrators)"]);
    });

    it("all accounts there: ok", async () => {
        const r = await doctor(["--stack", "t"], { token: em.adminToken, change: (raw) => (raw.team.members = [{ username: "alice", role: "maintainer" }, { username: "maint", role: "developer" }]) });
        expect(r.byId["gitlab.member-accounts"]).toMatchObject({ status: "ok", summary: "all 2 members' usernames exist and are active (alice, maint)" });
    });
});

describe("which stack manages the project", () => {
    it("another stack's record is a problem with the hand-over, unless takeOverFrom names it; one of this stack's name, or none, is fine", async () => {
        const created = await gitlabRequest(em.url, em.adminToken, "POST", "/projects", { name: "managed", namespace_id: [...em.state.groups.values()][0]!.id });
        const pid = (created.json as { id: number }).id;
        const on = (raw: Record<string, any>) => (raw.gitlab.project.path = "ml-team/managed");
        expect((await doctor(["--stack", "t"], { token: em.adminToken, change: on })).byId["gitlab.project-owner"]).toMatchObject({ status: "ok", summary: "no stack manages ml-team/managed yet: this one will record itself" });
        await gitlabRequest(em.url, em.adminToken, "POST", `/projects/${pid}/variables`, { key: "ML_TEAM_ENV_STACK", value: "acme/ml-team-env/prod#1a2b3c4d" });
        const other = await doctor(["--stack", "t"], { token: em.adminToken, change: on });
        expect(other.byId["gitlab.project-owner"]).toMatchObject({ status: "problem", summary: "ml-team/managed is managed by another stack, acme/ml-team-env/prod#1a2b3c4d: `pulumi up` would refuse it", fix: expect.stringContaining('gitlab.project.takeOverFrom: "acme/ml-team-env/prod#1a2b3c4d"') });
        // The hand-over set up as the fix says: the record named by takeOverFrom is taken over, not a problem.
        const takeOver = (from: string) => (raw: Record<string, any>) => (on(raw), (raw.gitlab.project.takeOverFrom = from));
        expect((await doctor(["--stack", "t"], { token: em.adminToken, change: takeOver("acme/ml-team-env/prod#1a2b3c4d") })).byId["gitlab.project-owner"]).toMatchObject({
            status: "ok",
            summary: "ml-team/managed is recorded as managed by acme/ml-team-env/prod#1a2b3c4d, which gitlab.project.takeOverFrom names: `pulumi up` will take it over",
        });
        expect((await doctor(["--stack", "t"], { token: em.adminToken, change: takeOver("acme/ml-team-env/prod#99999999") })).byId["gitlab.project-owner"]).toMatchObject({
            status: "problem",
            summary: 'ml-team/managed is managed by another stack, acme/ml-team-env/prod#1a2b3c4d: `pulumi up` would refuse it (gitlab.project.takeOverFrom is "acme/ml-team-env/prod#99999999", not this record)',
        });
        await gitlabRequest(em.url, em.adminToken, "PUT", `/projects/${pid}/variables/ML_TEAM_ENV_STACK`, { value: "acme/ml-team-env/t#1a2b3c4d" });
        expect((await doctor(["--stack", "t"], { token: em.adminToken, change: on })).byId["gitlab.project-owner"]!.status).toBe("ok");
    });
});

describe("--url and --project, like the audit", () => {
    it("with --stack they replace the stack's GitLab and project", async () => {
        const dir = writeStack("t", stackRaw((raw) => (raw.gitlab.project.path = "elsewhere/nothing")));
        const r = await doctor(["--stack", "t", "--url", `${em.url}/`, "--project", "ml-team/tried"], { token: em.adminToken, dir });
        expect(r.json.targets.gitlab).toBe(em.url);
        expect(r.byId["gitlab.role"]!.summary).toBe("@root is an administrator: may create ml-team/tried");
    });

    it("alone they check GitLab only: token, scopes, role, and the tier reported (no gitlab.tier to compare)", async () => {
        const r = await doctor(["--url", em.url, "--project", "ml-team/tried"], { token: maintainer });
        expect(r.err).toContain(`No stack given: checking ml-team/tried on ${em.url} (GitLab only: no config, secrets, team or AWS).`);
        expect(r.json).toMatchObject({ stack: null, project: "ml-team/tried", targets: { gitlab: em.url } });
        expect(Object.keys(r.byId)).toEqual(["gitlab.token", "gitlab.scopes", "gitlab.role", "gitlab.tier"]);
        expect(r.byId["gitlab.role"]!.summary).toMatch(/@maint is a Maintainer of the group ml-team: may create ml-team\/tried/);
        expect(r.code).toBe(0);
    });

    it("one without the other, or a --url with a path, is a usage error", async () => {
        expect((await doctor(["--url", em.url])).code).toBe(2);
        const api = await doctor(["--url", `${em.url}/api/v4`, "--project", "a/b"]);
        expect(api.code).toBe(2);
        expect(api.err).toMatch(/--url .* is GitLab's API address/);
    });
});

describe("the OAuth application: what no token can check, said once", () => {
    it("for a non-admin the check is skipped with the redirect URI to check by hand, and the secret caveat once", async () => {
        const dir = writeStack("t", stackRaw((raw) => (raw.gitlab.url = em.url)));
        const io = capture(dir, { GITLAB_TOKEN: maintainer });
        await doctorMain(["--stack", "t"], io, { aws: noAwsCredentials, gitlabRetry: { maxAttempts: 1 }, resolve: resolveTo("127.0.0.1") });
        expect(io.stdout).toMatch(/- OAuth application: skipped: only administrators can list OAuth applications/);
        expect(io.stdout.split("GitLab never shows it again").length - 1).toBe(1);
        const r = await doctor(["--stack", "t"], { token: maintainer });
        expect(r.byId["gitlab.oauth-application"]!.details).toEqual([OAUTH_SECRET_UNCHECKED]);
    });
});

describe("can notebooks reach GitLab? (the host as resolved, against jupyterhub.privateEgress)", () => {
    const onPrivate = (raw: Record<string, any>) => (raw.gitlab.url = "https://gitlab.lab.example.org");
    it("a private address nothing lists is a problem, with the entry to add", async () => {
        const r = await doctor(["--stack", "t"], { change: onPrivate, resolve: resolveTo("10.20.0.5") });
        expect(r.byId["gitlab.notebook-reach"]).toMatchObject({
            status: "problem",
            summary: expect.stringMatching(/^gitlab\.lab\.example\.org resolves to 10\.20\.0\.5, a private address notebooks may not reach: `git clone` and `git push`/),
            fix: "add it to jupyterhub.privateEgress: { cidr: 10.20.0.5/32, ports: [443, 22], description: GitLab }",
        });
        expect(r.code).toBe(1);
    });

    it("listed (with both ports), or public: ok; unresolvable: skipped with what to do", async () => {
        const listed = await doctor(["--stack", "t"], { change: (raw) => (onPrivate(raw), (raw.jupyterhub.privateEgress = [{ cidr: "10.20.0.0/16", ports: [443, 22] }])), resolve: resolveTo("10.20.0.5") });
        expect(listed.byId["gitlab.notebook-reach"]).toMatchObject({ status: "ok", summary: expect.stringMatching(/a private address jupyterhub.privateEgress opens to notebooks/) });
        const httpsOnly = await doctor(["--stack", "t"], { change: (raw) => (onPrivate(raw), (raw.jupyterhub.privateEgress = [{ cidr: "10.20.0.0/16", ports: [443] }])), resolve: resolveTo("10.20.0.5") });
        expect(httpsOnly.byId["gitlab.notebook-reach"]!.status).toBe("problem");
        const pub = await doctor(["--stack", "t"], { change: onPrivate, resolve: resolveTo("35.231.145.151") });
        expect(pub.byId["gitlab.notebook-reach"]).toMatchObject({ status: "ok", summary: expect.stringMatching(/public: notebooks reach it through their internet egress/) });
        const unknown = await doctor(["--stack", "t"], { change: onPrivate, resolve: resolveTo(new Error("getaddrinfo ENOTFOUND gitlab.lab.example.org")) });
        expect(unknown.byId["gitlab.notebook-reach"]).toMatchObject({ status: "skipped", summary: expect.stringMatching(/could not resolve gitlab\.lab\.example\.org here \(getaddrinfo ENOTFOUND/) });
    });
});
