/**
 * `npm run doctor` against the GitLab API emulator: the token, its scopes, the role its user
 * has, the tier GitLab really has and the OAuth application, through the command itself.
 * AWS is a fake without credentials here (aws.test.ts covers AWS).
 */
import { createServer } from "http";
import { AddressInfo } from "net";
import { doctorMain } from "../../infra/cli/doctor";
import { checkTier } from "../../infra/doctor/gitlab-checks";
import { GitLabFacts } from "../../infra/doctor/gitlab-facts";
import { gitlabRequest } from "../support/emulator-http";
import { EmulatorMode, GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";
import { capture, noAwsCredentials, stackRaw, writeStack } from "./fixtures";

const emulators = new Map<EmulatorMode, GitLabEmulator>();
beforeAll(async () => {
    for (const mode of ["ce", "ee-free", "ee-premium"] as const) {
        const em = await startGitLabEmulator({ mode });
        em.addGroup("ml-team");
        for (const [user, level] of [["maint", Role.Maintainer], ["owner", Role.Owner], ["dev", Role.Developer]] as const) {
            em.addUser(user);
            em.addGroupMember("ml-team", user, level);
        }
        em.addUser("reader");
        em.addGroupMember("ml-team", "reader", Role.Owner);
        // The stack's team (test/config/fixtures.ts): doctor checks their accounts exist.
        for (const member of ["alice", "bob", "chen.wei"]) em.addUser(member);
        emulators.set(mode, em);
    }
});
afterAll(async () => {
    for (const em of emulators.values()) await em.close();
});
const em = (mode: EmulatorMode) => emulators.get(mode)!;

async function api(mode: EmulatorMode, method: string, path: string, body?: unknown): Promise<any> {
    return (await gitlabRequest(em(mode).url, em(mode).adminToken, method, path, body)).json;
}

/** A stack on the emulator of `mode`; `change` edits its config. */
function stackOn(mode: EmulatorMode, change: (raw: Record<string, any>) => void = () => undefined, secrets?: string[]): string {
    return writeStack(
        "t",
        stackRaw((raw) => {
            raw.gitlab = { url: em(mode).url, tier: mode === "ee-premium" ? "premium" : "free", project: { path: "ml-team/vision-models" } };
            change(raw);
        }),
        secrets,
    );
}

async function doctor(dir: string, token: string | undefined, ...extra: string[]) {
    const io = capture(dir, token === undefined ? {} : { GITLAB_TOKEN: token });
    const code = await doctorMain(["--stack", "t", ...extra], io, { aws: noAwsCredentials, gitlabRetry: { maxAttempts: 1 } });
    return { code, out: io.stdout, err: io.stderr };
}

/** The JSON report's checks by id. */
async function checks(dir: string, token: string | undefined): Promise<{ code: number; byId: Record<string, { status: string; summary: string; details: string[]; fix?: string; command?: string }> }> {
    const r = await doctor(dir, token, "--format", "json");
    const json = JSON.parse(r.out);
    return { code: r.code, byId: Object.fromEntries(json.checks.map((c: { id: string }) => [c.id, c])) };
}

describe("a good setup", () => {
    it("an admin token with api scope on a Premium GitLab, tier premium, OAuth application in place: exit 0, AWS skipped with the reasons printed", async () => {
        await api("ee-premium", "POST", "/applications", { name: "JupyterHub", redirect_uri: "https://notebooks.example.com/hub/oauth_callback", scopes: "read_user read_api" });
        const apps = await api("ee-premium", "GET", "/applications");
        const dir = stackOn("ee-premium", (raw) => (raw.jupyterhub.oauthClientId = apps[0].application_id));
        const r = await doctor(dir, em("ee-premium").adminToken);
        expect(r.code).toBe(0);
        expect(r.out).toContain("✓ token: works: it acts as @root (Administrator), an administrator");
        expect(r.out).toContain("✓ token scopes: has the api scope");
        expect(r.out).toContain("✓ role: @root is an administrator: may create ml-team/vision-models\n");
        expect(r.out).toMatch(/✓ tier: premium, as gitlab.tier says/);
        expect(r.out).toMatch(/✓ OAuth application: application [0-9a-f]{64}\s+\('JupyterHub'\) has redirect URI/);
        // Every AWS check is listed as skipped, with why and how to provide credentials.
        expect(r.out).toMatch(/- credentials: skipped: no AWS credentials found/);
        expect(r.out).toContain("aws sso login --profile NAME");
        for (const title of ["region", "zones", "instance types", "quota L-DB2E81BA", "quota L-1216C47A"]) expect(r.out).toContain(`- ${title}: skipped: needs AWS credentials`);
        expect(r.out).toMatch(/the pools can reach 32 vCPUs of 'Running\s+On-Demand G and VT instances'/);
        expect(r.out).toMatch(/ok, 0 problems, \d+ skipped \(exit 0\)/);
        // Progress on stderr; the token is never printed.
        expect(r.err).toContain(`checking GitLab at ${em("ee-premium").url}...`);
        expect(r.out + r.err).not.toContain(em("ee-premium").adminToken);
    });

    it("without GITLAB_TOKEN but with the stack's encrypted gitlabToken: the GitLab checks are skipped with the command that exports it", async () => {
        const dir = stackOn("ee-premium", undefined, ["jupyterhubOAuthClientSecret", "gitlabToken"]);
        const r = await doctor(dir, undefined);
        expect(r.code).toBe(0);
        expect(r.out).toContain("- token: skipped: GITLAB_TOKEN is not set, and the stack's gitlabToken is encrypted");
        expect(r.out).toContain('$ export GITLAB_TOKEN="$(pulumi config get gitlabToken --stack t)"');
    });

    it("without any token, or without the OAuth secret, `pulumi up` would refuse: the secrets check is a problem", async () => {
        const { code, byId } = await checks(stackOn("ee-premium", undefined, []), undefined);
        expect(code).toBe(1);
        expect(byId["config.secrets"]!.status).toBe("problem");
        expect(byId["config.secrets"]!.summary).toContain("ml-team-env:gitlabToken, ml-team-env:jupyterhubOAuthClientSecret are not set");
    });
});

describe("token scopes", () => {
    it("a read_api token: the problem names the missing api scope", async () => {
        const token = em("ee-premium").addToken("reader", ["read_api", "read_user"]);
        const { code, byId } = await checks(stackOn("ee-premium"), token);
        expect(code).toBe(1);
        expect(byId["gitlab.token"]!.status).toBe("ok");
        expect(byId["gitlab.scopes"]).toMatchObject({ status: "problem" });
        expect(byId["gitlab.scopes"]!.summary).toBe("is missing the api scope (it has read_api, read_user): read_api alone can read the project but not create or change anything, so `pulumi up` would fail at its first write");
        expect(byId["gitlab.scopes"]!.fix).toMatch(/create one with the api scope/);
    });

    it("a revoked or unknown token: a problem, and everything after it skipped", async () => {
        const { code, byId } = await checks(stackOn("ee-premium"), "glpat-not-a-token");
        expect(code).toBe(1);
        expect(byId["gitlab.token"]!.summary).toMatch(/rejected the token \(401\)/);
        expect(byId["gitlab.role"]).toMatchObject({ status: "skipped", summary: "the token does not work, so nothing else could be read" });
    });
});

describe("the role the token's user has", () => {
    beforeAll(async () => {
        const group = await api("ee-premium", "GET", "/namespaces/ml-team");
        await api("ee-premium", "POST", "/projects", { name: "existing", namespace_id: group.id, visibility: "private", initialize_with_readme: true });
    });
    // The stack changes the visibility and deletes the project on destroy: both need Owner.
    const ownerStack = () =>
        stackOn("ee-premium", (raw) => {
            raw.gitlab.project = { path: "ml-team/existing", mode: "adopt", visibility: "internal", deleteOnDestroy: true };
        });

    it("a group Maintainer on an existing project: says what only an Owner may do (visibility change, deleteOnDestroy)", async () => {
        const { code, byId } = await checks(ownerStack(), em("ee-premium").addToken("maint", ["api"]));
        expect(code).toBe(1);
        const role = byId["gitlab.role"]!;
        expect(role.status).toBe("problem");
        expect(role.summary).toBe(
            "@maint is a Maintainer of ml-team/existing, but only an Owner may change the project's visibility from private to internal (gitlab.project.visibility), and delete the project on `pulumi destroy` (gitlab.project.deleteOnDestroy: true)",
        );
        // A Maintainer cannot see the group's plan, and is no admin: the tier is not known.
        expect(byId["gitlab.tier"]!.status).toBe("skipped");
        expect(byId["gitlab.tier"]!.summary).toMatch(/^could not determine the tier \(needs group Owner or admin\)/);
    });

    it("a group Owner on the same project passes, and sees the tier", async () => {
        const { code, byId } = await checks(ownerStack(), em("ee-premium").addToken("owner", ["api"]));
        expect(byId["gitlab.role"]).toMatchObject({ status: "ok", summary: "@owner is an Owner of ml-team/existing: enough for everything this stack does" });
        expect(byId["gitlab.tier"]).toMatchObject({ status: "ok" });
        expect(byId["gitlab.tier"]!.summary).toContain("the plan of ml-team is 'premium'");
        expect(byId["gitlab.oauth-application"]!.status).toBe("skipped");
        expect(code).toBe(0);
    });

    it("a Maintainer is enough when the stack needs no Owner; a Developer is not", async () => {
        const plain = stackOn("ee-premium", (raw) => (raw.gitlab.project = { path: "ml-team/existing", mode: "adopt" }));
        const maint = await checks(plain, em("ee-premium").addToken("maint", ["api"]));
        expect(maint.byId["gitlab.role"]!.status).toBe("ok");
        expect(maint.byId["gitlab.role"]!.details).toContain("Owner is needed only to change a project's visibility, delete it (deleteOnDestroy) or add Owners");
        const dev = await checks(plain, em("ee-premium").addToken("dev", ["api"]));
        expect(dev.byId["gitlab.role"]).toMatchObject({ status: "problem", summary: "@dev is a Developer of ml-team/existing: managing its settings, protected branches and members needs Maintainer" });
    });

    it("mode create: a group Developer may not create the project (GitLab's default creation level is Maintainer); a Maintainer may", async () => {
        const dev = await checks(stackOn("ee-premium"), em("ee-premium").addToken("dev", ["api"]));
        expect(dev.byId["gitlab.role"]!.status).toBe("problem");
        expect(dev.byId["gitlab.role"]!.summary).toBe("@dev is a Developer of the group ml-team: creating ml-team/vision-models needs Maintainer there (GitLab's default project creation level is Maintainer)");
        const maint = await checks(stackOn("ee-premium"), em("ee-premium").addToken("maint", ["api"]));
        expect(maint.byId["gitlab.role"]!.status).toBe("ok");
        // ... but not one that would delete it on destroy.
        const deleting = await checks(stackOn("ee-premium", (raw) => (raw.gitlab.project.deleteOnDestroy = true)), em("ee-premium").addToken("maint", ["api"]));
        expect(deleting.byId["gitlab.role"]!.summary).toMatch(/enough to create ml-team\/vision-models, but as its Maintainer not to delete the project on `pulumi destroy`/);
    });

    it("mode adopt with no project at the path is a problem; so is a group that does not exist", async () => {
        const token = em("ee-premium").addToken("owner", ["api"]);
        const adopt = await checks(stackOn("ee-premium", (raw) => (raw.gitlab.project = { path: "ml-team/nothing-here", mode: "adopt" })), token);
        expect(adopt.byId["gitlab.role"]!.summary).toBe("there is no project at ml-team/nothing-here that @owner can see, and gitlab.project.mode is 'adopt': adopting needs an existing project");
        const noGroup = await checks(stackOn("ee-premium", (raw) => (raw.gitlab.project = { path: "no-such-group/p" })), token);
        expect(noGroup.byId["gitlab.role"]!.summary).toBe("the group no-such-group does not exist or @owner cannot see it, so no-such-group/p cannot be created");
    });
});

describe("roles the project inherits from its group", () => {
    it("a group Maintainer listed as developer (and a group Owner as maintainer): a problem before anything is changed, with the fix for each", async () => {
        const team = (members: [string, string][]) => (raw: Record<string, any>) => (raw.team.members = members.map(([username, role]) => ({ username, role, gpus: 0 })));
        const dir = stackOn("ee-free", team([["owner", "maintainer"], ["maint", "developer"], ["dev", "developer"], ["nobody-here", "developer"]]));
        const before = em("ee-free").requests.length;
        const { code, byId } = await checks(dir, em("ee-free").adminToken);
        expect(code).toBe(1);
        const c = byId["gitlab.inherited-roles"]!;
        expect(c).toMatchObject({ status: "problem", summary: expect.stringMatching(/^2 team members are listed below the role the project inherits from group ml-team/) });
        expect(c.details).toEqual([
            "team member 'owner' is listed as maintainer, but is an Owner of group ml-team, which the project inherits: GitLab keeps no project role below an inherited one (it answers 400). Fix: remove owner from ml-team-env:team.members (they have Owner on the project through group ml-team), or lower their role in the group.",
            "team member 'maint' is listed as developer, but is a Maintainer of group ml-team, which the project inherits: GitLab keeps no project role below an inherited one (it answers 400). Fix: set role: maintainer for maint in ml-team-env:team.members, or lower their role in group ml-team.",
            "nobody-here: no such GitLab user, not compared",
        ]);
        // Read-only: the preflight changed nothing.
        expect(em("ee-free").requests.slice(before).filter((r) => r.method !== "GET")).toEqual([]);
        const fixed = await checks(stackOn("ee-free", team([["maint", "maintainer"], ["dev", "developer"]])), em("ee-free").adminToken);
        expect(fixed.byId["gitlab.inherited-roles"]).toMatchObject({ status: "ok", summary: "no member is listed below the role they inherit from group ml-team" });
    });
});

describe("the tier GitLab really has", () => {
    it("stack says premium, GitLab is EE without a licence and the user a group Owner: the plan says free, a problem", async () => {
        const dir = stackOn("ee-free", (raw) => (raw.gitlab.tier = "premium"));
        const { code, byId } = await checks(dir, em("ee-free").addToken("owner", ["api"]));
        expect(code).toBe(1);
        expect(byId["gitlab.tier"]!.status).toBe("problem");
        expect(byId["gitlab.tier"]!.summary).toBe(
            "gitlab.tier is premium but this GitLab is free (the plan of ml-team is 'free'): the Premium-only resources (push rules, the approval rule on main) would fail mid-deploy",
        );
    });

    it("an admin on unlicensed EE: the licence (none) says free", async () => {
        const { byId } = await checks(stackOn("ee-free"), em("ee-free").adminToken);
        expect(byId["gitlab.tier"]).toMatchObject({ status: "ok" });
    });

    it("stack says free on a Premium GitLab: a problem too, as the Premium rules would not be created", async () => {
        const { byId } = await checks(stackOn("ee-premium", (raw) => (raw.gitlab.tier = "free")), em("ee-premium").addToken("owner", ["api"]));
        expect(byId["gitlab.tier"]!.summary).toMatch(/^gitlab.tier is free but this GitLab is premium .*: the Premium rules .* are not created/);
    });

    it("a CE server: tier free for anyone; the OAuth check is skipped for non-admins, with the redirect URI to check by hand", async () => {
        const { code, byId } = await checks(stackOn("ce"), em("ce").addToken("maint", ["api"]));
        expect(byId["gitlab.tier"]!.status).toBe("ok");
        expect(byId["gitlab.tier"]!.summary).toBe("free, as gitlab.tier says (Community Edition 18.6.0: it has no paid tier)");
        const oauth = byId["gitlab.oauth-application"]!;
        expect(oauth.status).toBe("skipped");
        expect(oauth.summary).toBe("only administrators can list OAuth applications (GET /applications, lib/api/applications.rb): the hub needs redirect URI https://notebooks.example.com/hub/oauth_callback");
        expect(oauth.fix).toContain("scopes read_user read_api");
        expect(code).toBe(0);
    });
});

describe("the OAuth application, as an admin", () => {
    it("an application whose redirect URI is another host's: a problem; one that is not instance-wide: skipped with why", async () => {
        const app = await api("ce", "POST", "/applications", { name: "old hub", redirect_uri: "https://old.example.com/hub/oauth_callback", scopes: "read_user" });
        const wrong = await checks(stackOn("ce", (raw) => (raw.jupyterhub.oauthClientId = app.application_id)), em("ce").adminToken);
        expect(wrong.byId["gitlab.oauth-application"]!.status).toBe("problem");
        expect(wrong.byId["gitlab.oauth-application"]!.summary).toMatch(/its redirect URI is https:\/\/old.example.com\/hub\/oauth_callback, not https:\/\/notebooks.example.com\/hub\/oauth_callback.*; it lacks the scope read_api/);
        const missing = await checks(stackOn("ce", (raw) => (raw.jupyterhub.oauthClientId = "a-group-application")), em("ce").adminToken);
        expect(missing.byId["gitlab.oauth-application"]!.status).toBe("skipped");
        expect(missing.byId["gitlab.oauth-application"]!.summary).toMatch(/^a-group-application is not among the \d+ instance-wide applications; group and user applications are not listed by the API/);
    });
});

describe("GitLab unreachable", () => {
    it("nothing listens at gitlab.url: exit 2, said in one line, and the AWS checks still run", async () => {
        const server = createServer();
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
        const port = (server.address() as AddressInfo).port;
        await new Promise<void>((r) => server.close(() => r()));
        const dir = writeStack("t", stackRaw((raw) => (raw.gitlab = { url: `http://127.0.0.1:${port}`, project: { path: "ml-team/vision-models" } })));
        const r = await doctor(dir, "glpat-anything");
        expect(r.code).toBe(2);
        expect(r.out).toContain(`✗ reachable: GitLab at http://127.0.0.1:${port} could not be reached: no answer to GET /api/v4/user:`);
        expect(r.out).toContain("- credentials: skipped: no AWS credentials found");
        expect(r.out).toContain("(exit 2). GitLab could not be reached");
    });
});

describe("tier signals GitLab gives (pure)", () => {
    const base: GitLabFacts = { url: "https://gitlab.example.com", user: { ok: true, value: { id: 1, username: "u", name: "U", isAdmin: false } }, metadata: { ok: true, value: { version: "18.6.0-ee", enterprise: true } } };
    const ns = (plan?: string) => ({ ok: true as const, value: { id: 2, fullPath: "ml-team", kind: "group", ...(plan ? { plan } : {}) } });

    it("self-managed EE answers plan 'default' to Owners: the licence decides, so without an admin the tier is unknown", () => {
        const r = checkTier({ ...base, namespace: ns("default") }, "premium");
        expect(r.status).toBe("skipped");
        expect(r.summary).toContain("This is a self-managed GitLab (the group's plan reads 'default'): its licence decides the tier");
    });

    it("an expired licence is free; a trial plan is its tier, with a warning that it ends", () => {
        const expired = checkTier({ ...base, user: { ok: true, value: { id: 1, username: "root", name: "A", isAdmin: true } }, namespace: ns("default"), license: { ok: true, value: { plan: "premium", expired: true } } }, "premium");
        expect(expired).toMatchObject({ status: "problem", summary: expect.stringContaining("this GitLab is free (the licence is 'premium', expired)") });
        const trial = checkTier({ ...base, namespace: ns("ultimate_trial") }, "ultimate");
        expect(trial.status).toBe("ok");
        expect(trial.details).toEqual(["a trial: when it ends the group falls back to Free and the Premium rules stop being enforced"]);
    });
});
