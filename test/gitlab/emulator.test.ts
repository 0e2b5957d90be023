/**
 * The emulator answers as GitLab does, per edition: each test pins one behaviour that the
 * emulator's source comments cite (lib/api/*.rb, ee/lib/..., doc/api/*.md).
 */
import { gitlabRequest } from "../support/emulator-http";
import { EmulatorMode, GitLabEmulator, Role, startGitLabEmulator } from "../support/gitlab-emulator";

const emulators = new Map<EmulatorMode, GitLabEmulator>();
beforeAll(async () => {
    for (const mode of ["ce", "ee-free", "ee-premium"] as const) {
        const em = await startGitLabEmulator({ mode });
        em.addGroup("ml-team");
        emulators.set(mode, em);
    }
});
afterAll(async () => {
    for (const em of emulators.values()) await em.close();
});

const em = (mode: EmulatorMode) => emulators.get(mode)!;
async function call(mode: EmulatorMode, method: string, path: string, body?: unknown, token = em(mode).adminToken): Promise<{ status: number; json: any; headers: Headers }> {
    const { status, json, headers } = await gitlabRequest(em(mode).url, token, method, path, body);
    return { status, json, headers };
}
let seq = 0;
async function project(mode: EmulatorMode): Promise<number> {
    const group = (await call(mode, "GET", "/namespaces/ml-team")).json.id;
    const res = await call(mode, "POST", "/projects", { name: `p${++seq}`, namespace_id: group, initialize_with_readme: true });
    expect(res.status).toBe(201);
    return res.json.id;
}

describe("auth, scopes, errors, pagination", () => {
    it("401 for an unknown token, 403 insufficient_scope for a write with read_api, the catch-all 404 with an error key", async () => {
        expect((await call("ce", "GET", "/user", undefined, "nope")).status).toBe(401);
        em("ce").addUser("reader");
        const scoped = await call("ce", "POST", "/projects", { name: "x" }, em("ce").addToken("reader", ["read_api"]));
        expect(scoped.status).toBe(403);
        expect(scoped.json).toMatchObject({ error: "insufficient_scope", scope: "api" });
        expect(await call("ce", "GET", "/no/such/route")).toMatchObject({ status: 404, json: { error: "404 Not Found" } });
        const missing = await call("ce", "GET", "/projects/99999");
        expect(missing.json).toEqual({ message: "404 Project Not Found" });
    });

    it("paginates with GitLab's headers and sends rate-limit headers", async () => {
        for (let i = 0; i < 45; i++) em("ce").addUser(`page-user-${i}`);
        const res = await call("ce", "GET", "/users?per_page=20&page=2");
        expect(res.json).toHaveLength(20);
        expect([res.headers.get("x-page"), res.headers.get("x-next-page"), res.headers.get("x-prev-page")]).toEqual(["2", "3", "1"]);
        expect(res.headers.get("link")).toContain('rel="next"');
        expect(res.headers.get("ratelimit-remaining")).toBe("1999");
    });

    it("injects 429 as Rack::Attack answers it (text/plain \"Retry later\", with or without the throttle's headers), and logs every request", async () => {
        em("ce").injectFault("GET /user", { status: 429, retryAfterSeconds: 7 });
        const res = await gitlabRequest(em("ce").url, em("ce").adminToken, "GET", "/user");
        expect([res.status, res.headers.get("retry-after"), res.headers.get("content-type"), res.text]).toEqual([429, "7", "text/plain", "Retry later\n"]);
        expect(res.headers.get("ratelimit-remaining")).toBe("0");
        expect((await call("ce", "GET", "/user")).status).toBe(200);
        expect(em("ce").requests.slice(-2).map((r) => r.status)).toEqual([429, 200]);
        em("ce").injectFault("GET /user", { status: 429 });
        const bare = await gitlabRequest(em("ce").url, em("ce").adminToken, "GET", "/user");
        expect([bare.status, bare.headers.get("content-type"), bare.headers.get("retry-after"), bare.headers.get("ratelimit-limit")]).toEqual([429, "text/plain", null, null]);
    });
});

describe("protected branches per edition", () => {
    it("CE: no unprotect levels, no code-owner flag, entries without user_id/group_id; PATCH drops allowed_to_* and answers 200", async () => {
        const pid = await project("ce");
        const created = await call("ce", "POST", `/projects/${pid}/protected_branches`, { name: "main", push_access_level: 0, merge_access_level: 40, unprotect_access_level: 40, code_owner_approval_required: true });
        expect(Object.keys(created.json).sort()).toEqual(["allow_force_push", "id", "merge_access_levels", "name", "push_access_levels"]);
        expect(Object.keys(created.json.merge_access_levels[0]).sort()).toEqual(["access_level", "access_level_description", "id"]);
        const patched = await call("ce", "PATCH", `/projects/${pid}/protected_branches/main`, { allowed_to_merge: [{ access_level: 30 }], allow_force_push: true });
        expect(patched.status).toBe(200);
        expect(patched.json.merge_access_levels.map((a: { access_level: number }) => a.access_level)).toEqual([40]);
        expect(patched.json.allow_force_push).toBe(true);
    });

    it("EE (licensed or not): user_id/group_id on every entry, unprotect levels and code-owner flag; PATCH adds beside, _destroy removes", async () => {
        for (const mode of ["ee-free", "ee-premium"] as const) {
            const pid = await project(mode);
            const created = await call(mode, "POST", `/projects/${pid}/protected_branches`, { name: "main", push_access_level: 0 });
            expect(created.json).toMatchObject({ unprotect_access_levels: [{ access_level: 40, user_id: null, group_id: null }], code_owner_approval_required: false });
            const old = created.json.merge_access_levels[0].id;
            const added = await call(mode, "PATCH", `/projects/${pid}/protected_branches/main`, { allowed_to_merge: [{ access_level: 30 }] });
            expect(added.json.merge_access_levels.map((a: { access_level: number }) => a.access_level)).toEqual([40, 30]);
            const removed = await call(mode, "PATCH", `/projects/${pid}/protected_branches/main`, { allowed_to_merge: [{ id: old, _destroy: true }] });
            expect(removed.json.merge_access_levels.map((a: { access_level: number }) => a.access_level)).toEqual([30]);
            expect((await call(mode, "PATCH", `/projects/${pid}/protected_branches/main`, { allowed_to_merge: [{ access_level: 30 }] })).status).toBe(422);
        }
    });

    it("a duplicate protected branch is 409; a duplicate protected tag is 422 with an array; tags have no update", async () => {
        const pid = await project("ee-free");
        await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "hotfix/*" });
        expect(await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "hotfix/*" })).toMatchObject({ status: 409, json: { message: "Protected branch 'hotfix/*' already exists" } });
        expect((await call("ee-free", "GET", `/projects/${pid}/protected_branches/hotfix%2F%2A`)).json.name).toBe("hotfix/*");
        await call("ee-free", "POST", `/projects/${pid}/protected_tags`, { name: "v*", create_access_level: 40 });
        expect(await call("ee-free", "POST", `/projects/${pid}/protected_tags`, { name: "v*" })).toMatchObject({ status: 422, json: { message: ["Name has already been taken"] } });
        expect((await call("ee-free", "PATCH", `/projects/${pid}/protected_tags/v%2A`, { create_access_level: 30 })).status).toBe(405);
        expect(Object.keys((await call("ee-free", "GET", `/projects/${pid}/protected_tags/v%2A`)).json)).toEqual(["name", "create_access_levels"]);
        expect((await call("ee-free", "GET", `/projects/${pid}/protected_branches/nope`)).json).toEqual({ message: "404 Not found" });
    });

    it("protected branches (list and single) need read_code, Reporter on a private project; protected tags (list and single) need Maintainer", async () => {
        const e = em("ee-free");
        const pid = await project("ee-free");
        await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "main" });
        await call("ee-free", "POST", `/projects/${pid}/protected_tags`, { name: "v*" });
        const tokenAt = (username: string, level: number) => {
            e.addUser(username);
            e.state.projects.get(pid)!.members.set([...e.state.users.values()].find((u) => u.username === username)!.id, level);
            return e.addToken(username, ["api"]);
        };
        const reporter = tokenAt("refs-reporter", Role.Reporter);
        const guest = tokenAt("refs-guest", Role.Guest);
        const status = async (path: string, token: string) => (await call("ee-free", "GET", `/projects/${pid}${path}`, undefined, token)).status;
        expect([await status("/protected_branches", reporter), await status("/protected_branches/main", reporter)]).toEqual([200, 200]);
        expect([await status("/protected_branches", guest), await status("/protected_branches/main", guest)]).toEqual([403, 403]);
        expect([await status("/protected_tags", reporter), await status("/protected_tags/v%2A", reporter)]).toEqual([403, 403]);
    });

    it("a push entry naming a user or a group is not a role entry: it lets in that user, and a group only through an invited group", async () => {
        const e = em("ee-premium");
        const pid = await project("ee-premium");
        const group = (await call("ee-premium", "GET", "/namespaces/ml-team")).json.id;
        for (const u of ["entry-user", "other-dev"]) {
            e.addUser(u);
            e.addGroupMember("ml-team", u, Role.Developer);
        }
        const entryUser = [...e.state.users.values()].find((u) => u.username === "entry-user")!.id;
        await call("ee-premium", "POST", `/projects/${pid}/protected_branches`, { name: "main", push_access_level: 0 });
        const patched = await call("ee-premium", "PATCH", `/projects/${pid}/protected_branches/main`, { allowed_to_push: [{ group_id: group }, { user_id: entryUser }] });
        expect(patched.json.push_access_levels).toEqual(expect.arrayContaining([expect.objectContaining({ group_id: group, user_id: null }), expect.objectContaining({ user_id: entryUser, group_id: null })]));
        const commit = async (username: string) => call("ee-premium", "POST", `/projects/${pid}/repository/files/${username}.txt`, { branch: "main", content: "x", commit_message: "x" }, e.addToken(username, ["api"]));
        // ml-team is the project's own group, not a group invited to it: its entry lets no Developer in.
        expect(await commit("other-dev")).toMatchObject({ status: 400, json: { message: "You are not allowed to push into this branch" } });
        expect((await commit("entry-user")).status).toBe(201);
    });
});

describe("wildcard protection, inherited roles, members/all", () => {
    it("every matching rule counts (ProtectedRef.protected_ref_accessible_to?): a developer pushes to main once m* lets developers push; release/* protects release branches", async () => {
        const e = em("ee-free");
        const pid = await project("ee-free");
        e.addUser("wild-dev");
        e.addGroupMember("ml-team", "wild-dev", Role.Developer);
        const token = e.addToken("wild-dev", ["api"]);
        await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "main", push_access_level: 0, merge_access_level: 40 });
        const commit = () => call("ee-free", "POST", `/projects/${pid}/repository/files/w.txt`, { branch: "main", content: "x", commit_message: "x" }, token);
        expect((await commit()).status).toBe(400);
        await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "m*", push_access_level: 30, merge_access_level: 40 });
        expect((await commit()).status).toBe(201);
        await call("ee-free", "POST", `/projects/${pid}/protected_branches`, { name: "release/*", push_access_level: 40, merge_access_level: 40 });
        const branch = await call("ee-free", "POST", `/projects/${pid}/repository/branches`, { branch: "release/1.0", ref: "main" });
        expect(branch.json).toMatchObject({ name: "release/1.0", protected: true });
        expect((await call("ee-free", "GET", `/projects/${pid}/repository/branches/main`)).json.protected).toBe(true);
    });

    it("a project role below the inherited one is a 400 naming the role and the group (app/models/member.rb), on add and on change; equal or higher is fine", async () => {
        const e = em("ee-free");
        const pid = await project("ee-free");
        e.addUser("group-lead");
        e.addGroupMember("ml-team", "group-lead", Role.Maintainer);
        const uid = [...e.state.users.values()].find((u) => u.username === "group-lead")!.id;
        const below = await call("ee-free", "POST", `/projects/${pid}/members`, { user_id: uid, access_level: Role.Developer });
        expect(below).toMatchObject({ status: 400, json: { message: { access_level: ["should be greater than or equal to Maintainer inherited membership from group ml-team"] } } });
        expect((await call("ee-free", "POST", `/projects/${pid}/members`, { user_id: uid, access_level: Role.Maintainer })).status).toBe(201);
        const change = await call("ee-free", "PUT", `/projects/${pid}/members/${uid}`, { access_level: Role.Developer });
        expect(change).toMatchObject({ status: 400, json: { message: { access_level: [expect.stringMatching(/inherited membership from group ml-team/)] } } });
        expect((await call("ee-free", "PUT", `/projects/${pid}/members/${uid}`, { access_level: Role.Owner })).status).toBe(200);
    });

    it("/members/all gives the effective role, inherited members included; /members/:id only direct ones", async () => {
        const e = em("ce");
        const pid = await project("ce");
        e.addUser("inheritor");
        e.addGroupMember("ml-team", "inheritor", Role.Reporter);
        const uid = [...e.state.users.values()].find((u) => u.username === "inheritor")!.id;
        expect((await call("ce", "GET", `/projects/${pid}/members/all/${uid}`)).json).toMatchObject({ username: "inheritor", access_level: Role.Reporter });
        expect((await call("ce", "GET", `/projects/${pid}/members/${uid}`)).status).toBe(404);
        await call("ce", "POST", `/projects/${pid}/members`, { user_id: uid, access_level: Role.Maintainer });
        const all = (await call("ce", "GET", `/projects/${pid}/members/all`)).json as { username: string; access_level: number }[];
        expect(all.filter((m) => m.username === "inheritor")).toEqual([expect.objectContaining({ access_level: Role.Maintainer })]);
    });

    it("merge_method and squash_option are project settings (lib/api/helpers/projects_helpers.rb); a value outside their list is Grape's 400", async () => {
        const pid = await project("ce");
        const res = await call("ce", "PUT", `/projects/${pid}`, { merge_method: "ff", squash_option: "always" });
        expect(res).toMatchObject({ status: 200, json: { merge_method: "ff", squash_option: "always" } });
        expect(await call("ce", "PUT", `/projects/${pid}`, { merge_method: "squash" })).toMatchObject({ status: 400, json: { error: "merge_method does not have a valid value" } });
        expect((await call("ce", "GET", `/projects/${pid}`)).json).toMatchObject({ merge_method: "ff", squash_option: "always" });
    });
});

describe("roles", () => {
    it("a Maintainer may change settings but not visibility (even unchanged), nor delete; an Owner may", async () => {
        const e = em("ee-free");
        e.addUser("maint");
        e.addUser("owner");
        e.addGroupMember("ml-team", "maint", Role.Maintainer);
        e.addGroupMember("ml-team", "owner", Role.Owner);
        const maint = e.addToken("maint", ["api"]);
        const pid = await project("ee-free");
        expect((await call("ee-free", "PUT", `/projects/${pid}`, { description: "x" }, maint)).status).toBe(200);
        expect(await call("ee-free", "PUT", `/projects/${pid}`, { visibility: "private" }, maint)).toMatchObject({ status: 403, json: { message: "403 Forbidden" } });
        expect((await call("ee-free", "DELETE", `/projects/${pid}`, undefined, maint)).status).toBe(403);
        expect((await call("ee-free", "PUT", `/projects/${pid}`, { visibility: "internal" }, e.addToken("owner", ["api"]))).status).toBe(200);
        expect((await call("ee-free", "PUT", `/projects/${pid}`, {}, maint)).status).toBe(400);
    });

    it("a Developer of the group cannot create projects (default project_creation_level is Maintainer)", async () => {
        const e = em("ce");
        e.addUser("dev");
        e.addGroupMember("ml-team", "dev", Role.Developer);
        const group = (await call("ce", "GET", "/namespaces/ml-team")).json.id;
        expect((await call("ce", "POST", "/projects", { name: "nope", namespace_id: group }, e.addToken("dev", ["api"]))).status).toBe(403);
    });

    it("deletion is delayed: 202, archived and renamed, still readable; a second delete is refused", async () => {
        const pid = await project("ce");
        expect(await call("ce", "DELETE", `/projects/${pid}`)).toMatchObject({ status: 202, json: { message: "202 Accepted" } });
        const after = await call("ce", "GET", `/projects/${pid}`);
        expect(after.json).toMatchObject({ archived: true, path: `p${seq}-deletion_scheduled-${pid}` });
        expect(await call("ce", "DELETE", `/projects/${pid}`)).toMatchObject({ status: 400, json: { message: "Project has been already marked for deletion" } });
    });

    it("the deletion rename moves path_with_namespace and web_url along with the path", async () => {
        const pid = await project("ce");
        await call("ce", "DELETE", `/projects/${pid}`);
        const after = (await call("ce", "GET", `/projects/${pid}`)).json;
        expect(after.path).toBe(`p${seq}-deletion_scheduled-${pid}`);
        expect(after.path_with_namespace).toBe(`ml-team/${after.path}`);
        expect(after.web_url).toBe(`${em("ce").url}/ml-team/${after.path}`);
    });
});

describe("files, schedules, premium features, runners, metadata", () => {
    it("a commit to a branch the user may not push to is a 400 from the Files API", async () => {
        const pid = await project("ce");
        await call("ce", "POST", `/projects/${pid}/protected_branches`, { name: "main", push_access_level: 0 });
        em("ce").addUser("pusher");
        em("ce").state.projects.get(pid)!.members.set([...em("ce").state.users.values()].find((u) => u.username === "pusher")!.id, Role.Maintainer);
        const res = await call("ce", "POST", `/projects/${pid}/repository/files/x.txt`, { branch: "main", content: "x", commit_message: "x" }, em("ce").addToken("pusher", ["api"]));
        expect(res).toMatchObject({ status: 400, json: { message: "You are not allowed to push into this branch" } });
    });

    it("a schedule's short ref comes back expanded; only its owner may edit it; deleting a variable answers 202", async () => {
        const pid = await project("ee-free");
        const created = await call("ee-free", "POST", `/projects/${pid}/pipeline_schedules`, { description: "d", ref: "main", cron: "0 1 * * *" });
        expect(created.json.ref).toBe("refs/heads/main");
        expect((await call("ee-free", "POST", `/projects/${pid}/pipeline_schedules`, { description: "d2", ref: "no-such-branch", cron: "0 1 * * *" })).json.ref).toBe("no-such-branch");
        em("ee-free").addUser("other-maint");
        const other = [...em("ee-free").state.users.values()].find((u) => u.username === "other-maint")!.id;
        em("ee-free").state.projects.get(pid)!.members.set(other, Role.Maintainer);
        const token = em("ee-free").addToken("other-maint", ["api"]);
        expect((await call("ee-free", "PUT", `/projects/${pid}/pipeline_schedules/${created.json.id}`, { cron: "0 2 * * *" }, token)).status).toBe(403);
        expect((await call("ee-free", "POST", `/projects/${pid}/pipeline_schedules/${created.json.id}/take_ownership`, undefined, token)).status).toBe(201);
        expect((await call("ee-free", "PUT", `/projects/${pid}/pipeline_schedules/${created.json.id}`, { cron: "0 2 * * *" }, token)).status).toBe(200);
        await call("ee-free", "POST", `/projects/${pid}/pipeline_schedules/${created.json.id}/variables`, { key: "K", value: "v" }, token);
        expect(await call("ee-free", "DELETE", `/projects/${pid}/pipeline_schedules/${created.json.id}/variables/K`, undefined, token)).toMatchObject({ status: 202, json: { key: "K" } });
    });

    it("push rules: route missing on CE, 404 unlicensed, null then 422 on Premium", async () => {
        expect((await call("ce", "GET", `/projects/${await project("ce")}/push_rule`)).json).toEqual({ error: "404 Not Found" });
        expect((await call("ee-free", "GET", `/projects/${await project("ee-free")}/push_rule`)).json).toEqual({ message: "404 Not Found" });
        const pid = await project("ee-premium");
        expect(await call("ee-premium", "GET", `/projects/${pid}/push_rule`)).toMatchObject({ status: 200, json: null });
        await call("ee-premium", "POST", `/projects/${pid}/push_rule`, { deny_delete_tag: true });
        expect(await call("ee-premium", "POST", `/projects/${pid}/push_rule`, { deny_delete_tag: true })).toMatchObject({ status: 422, json: { message: "Project push rule exists" } });
    });

    it("approval rules: an approver-less POST becomes any_approver; regular stays regular (and is auto-approved by GitLab); one any_approver per project", async () => {
        expect((await call("ee-free", "GET", `/projects/${await project("ee-free")}/approval_rules`)).status).toBe(403);
        expect((await call("ce", "GET", `/projects/${await project("ce")}/approval_rules`)).json).toEqual({ error: "404 Not Found" });
        const pid = await project("ee-premium");
        const any = await call("ee-premium", "POST", `/projects/${pid}/approval_rules`, { name: "n", approvals_required: 1 });
        expect(any.json).toMatchObject({ rule_type: "any_approver", eligible_approvers: [] });
        const regular = await call("ee-premium", "POST", `/projects/${pid}/approval_rules`, { name: "r", approvals_required: 1, rule_type: "regular" });
        expect(regular.json).toMatchObject({ rule_type: "regular", eligible_approvers: [] });
        expect(await call("ee-premium", "POST", `/projects/${pid}/approval_rules`, { name: "x", approvals_required: 1, rule_type: "any_approver" })).toMatchObject({
            status: 400,
            json: { message: { rule_type: ["any-approver for the project already exists"] } },
        });
    });

    it("runners: POST /user/runners returns the glrt- token once; GET never shows it; a missing project is a 400", async () => {
        const pid = await project("ce");
        const created = await call("ce", "POST", "/user/runners", { runner_type: "project_type", project_id: pid, tag_list: ["gpu"], run_untagged: false });
        expect(created.status).toBe(201);
        expect(Object.keys(created.json).sort()).toEqual(["id", "token", "token_expires_at"]);
        expect(created.json.token).toMatch(/^glrt-/);
        const shown = await call("ce", "GET", `/runners/${created.json.id}`);
        expect(shown.json).toMatchObject({ tag_list: ["gpu"], run_untagged: false });
        expect(JSON.stringify(shown.json)).not.toContain(created.json.token);
        expect(await call("ce", "POST", "/user/runners", { runner_type: "project_type", project_id: 999999 })).toMatchObject({ status: 400, json: { message: "400 Bad request - Missing/invalid project" } });
        expect((await call("ce", "DELETE", `/runners/${created.json.id}`)).status).toBe(204);
    });

    it("metadata says enterprise for any EE; the plan shows on namespaces only to their owners", async () => {
        expect((await call("ce", "GET", "/metadata")).json.enterprise).toBe(false);
        expect((await call("ee-free", "GET", "/metadata")).json.enterprise).toBe(true);
        expect((await call("ee-premium", "GET", "/namespaces/ml-team")).json.plan).toBe("premium");
        em("ee-premium").addUser("just-dev");
        em("ee-premium").addGroupMember("ml-team", "just-dev", Role.Developer);
        expect((await call("ee-premium", "GET", "/namespaces/ml-team", undefined, em("ee-premium").addToken("just-dev", ["api"]))).json.plan).toBeUndefined();
        expect((await call("ce", "GET", "/namespaces/ml-team")).json.plan).toBeUndefined();
        const self = await call("ee-free", "GET", "/personal_access_tokens/self", undefined, em("ee-free").addToken("root", ["read_api"]));
        expect(self.json.scopes).toEqual(["read_api"]);
    });
});
