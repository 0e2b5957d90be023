/**
 * The hub's Python hooks, executed by a real Python: the config code the chart `exec`s
 * (hub.extraConfig), with the few modules it imports stubbed to the shapes they have in the
 * hub image (tornado's HTTPError, kubernetes_asyncio's ApiException, z2jh.get_config). Run
 * against a member ConfigMap that allows some profiles, one that allows none, and none at all.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADMIN_FROM_GITLAB_HOOK, GITLAB_PROJECT_CONFIG, MEMBER_PROFILES_CONFIG } from "../../infra/workspaces/hub-values";
import { valuesFor } from "./fixtures";

const python = spawnSync("python3", ["--version"]).status === 0;
if (!python) console.warn("SKIPPED: hub Python hooks — python3 is not on PATH.");

const STUBS: Record<string, string> = {
    "z2jh.py": `import json, os\n_values = json.loads(os.environ["Z2JH_VALUES"])\ndef get_config(key, default=None):\n    v = _values\n    for k in key.split("."):\n        if not isinstance(v, dict) or k not in v:\n            return default\n        v = v[k]\n    return v\n`,
    "tornado/__init__.py": "",
    "tornado/web.py": `class HTTPError(Exception):\n    def __init__(self, status_code=500, log_message=None):\n        super().__init__(log_message)\n        self.status_code = status_code\n        self.log_message = log_message\n`,
    "tornado/httpclient.py": `import json, os\nclass HTTPRequest:\n    def __init__(self, url, headers=None):\n        self.url, self.headers = url, headers or {}\nclass _Response:\n    def __init__(self, code, body):\n        self.code, self.body = code, body\nclass AsyncHTTPClient:\n    async def fetch(self, request, raise_error=True):\n        answers = json.loads(os.environ["GITLAB_ANSWERS"])\n        a = answers.get(request.url)\n        print("FETCH " + request.url + " " + request.headers.get("Authorization", ""))\n        return _Response(a["code"], json.dumps(a["body"]).encode()) if a else _Response(404, b"{}")\n`,
    "kubernetes_asyncio/__init__.py": "",
    "kubernetes_asyncio/client/__init__.py": "",
    "kubernetes_asyncio/client/exceptions.py": `class ApiException(Exception):\n    def __init__(self, status=None, reason=None):\n        super().__init__(reason)\n        self.status, self.reason = status, reason\n`,
};

/** A driver: exec the config code with a traitlets-like `c`, then call the hook on fakes. */
const DRIVER = `
import asyncio, json, os, sys
from types import SimpleNamespace
from kubernetes_asyncio.client.exceptions import ApiException

class Section(SimpleNamespace):
    # An unset container setting reads as an empty one (traitlets' LazyConfigValue supports update()).
    def __getattr__(self, name):
        value = {}
        setattr(self, name, value)
        return value
class Config(dict):
    def __getattr__(self, name):
        return self.setdefault(name, Section())
c = Config()
exec(open(sys.argv[1]).read(), {"c": c})

async def main():
    case = json.loads(os.environ["CASE"])
    if case["hook"] == "project":
        print("PROJECT " + json.dumps({"allowed": c.GitLabOAuthenticator.allowed_project_ids, "environment": c.KubeSpawner.environment}))
        return
    if case["hook"] == "profiles":
        class Api:
            async def read_namespaced_config_map(self, name, namespace):
                print("READ " + namespace + "/" + name)
                if case["configMap"] is None:
                    raise ApiException(status=404, reason="Not Found")
                return SimpleNamespace(data=case["configMap"])
        spawner = SimpleNamespace(api=Api(), namespace=case["namespace"], user=SimpleNamespace(name=case["user"]))
        try:
            result = await c.KubeSpawner.profile_list(spawner)
            print("RESULT " + json.dumps([[p["slug"], p.get("default", False)] for p in result]))
        except Exception as e:
            print("REFUSED " + json.dumps({"status": getattr(e, "status_code", None), "message": getattr(e, "jupyterhub_message", None)}))
    else:
        model = {"name": "alice", "auth_state": case["authState"]}
        out = await c.GitLabOAuthenticator.post_auth_hook(None, None, model)
        print("ADMIN " + json.dumps(out.get("admin")))
asyncio.run(main())
`;

(python ? describe : describe.skip)("the hub's Python hooks", () => {
    let dir: string;
    const values = valuesFor("dev");
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-hooks-"));
        for (const [file, text] of Object.entries(STUBS)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        fs.writeFileSync(path.join(dir, "driver.py"), DRIVER);
        fs.writeFileSync(path.join(dir, "profiles.py"), MEMBER_PROFILES_CONFIG);
        fs.writeFileSync(path.join(dir, "admin.py"), ADMIN_FROM_GITLAB_HOOK);
        fs.writeFileSync(path.join(dir, "project.py"), GITLAB_PROJECT_CONFIG);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (config: string, testCase: object, extraEnv: Record<string, string> = {}) =>
        execFileSync("python3", [path.join(dir, "driver.py"), path.join(dir, config)], {
            env: { PATH: process.env.PATH ?? "", PYTHONPATH: dir, PYTHONDONTWRITEBYTECODE: "1", Z2JH_VALUES: JSON.stringify(values), CASE: JSON.stringify(testCase), ...extraEnv },
            encoding: "utf8",
        });

    it("offers a member exactly the profiles their ConfigMap allows, from their own namespace", () => {
        const out = run("profiles.py", { hook: "profiles", namespace: "jupyterhub-bob", user: "bob", configMap: { profiles: JSON.stringify(["gpu-1"]) } });
        expect(out).toContain("READ jupyterhub-bob/ml-team-env-member");
        // The only profile becomes the default one.
        expect(out).toContain('RESULT [["gpu-1", true]]');
        const both = run("profiles.py", { hook: "profiles", namespace: "jupyterhub-alice", user: "alice", configMap: { profiles: JSON.stringify(["cpu", "gpu-1"]) } });
        expect(both).toContain('RESULT [["cpu", true], ["gpu-1", false]]');
    });

    it("refuses a user who was never onboarded, with a message the hub shows them", () => {
        const out = run("profiles.py", { hook: "profiles", namespace: "jupyterhub-mallory", user: "mallory", configMap: null });
        const refused = JSON.parse(out.split("REFUSED ")[1]!) as { status: number; message: string };
        expect(refused.status).toBe(403);
        expect(refused.message).toMatch(/mallory is not a member of this team's environment yet.*onboard/);
    });

    it("refuses a member whose entry allows no profile", () => {
        const out = run("profiles.py", { hook: "profiles", namespace: "jupyterhub-gus", user: "gus", configMap: { profiles: "[]" } });
        expect(out).toMatch(/REFUSED .*No notebook profile is allowed for gus/);
    });

    it("admits the project's members and gives every notebook the project's tracking address, and no token", () => {
        const out = run("project.py", { hook: "project" }, { GITLAB_PROJECT_ID: "4242" });
        const seen = JSON.parse(out.split("PROJECT ")[1]!) as { allowed: number[]; environment: Record<string, string> };
        expect(seen.allowed).toEqual([4242]);
        expect(seen.environment).toEqual({ MLFLOW_TRACKING_URI: `${String((values.custom as { gitlabUrl: string }).gitlabUrl).replace(/\/$/, "")}/api/v4/projects/4242/ml/mlflow` });
    });

    it("makes a GitLab Maintainer of the project a hub admin, asking GitLab with the user's own token", () => {
        const url = "https://gitlab.com/api/v4/projects/4242/members/all/7";
        const env = { GITLAB_PROJECT_ID: "4242" };
        const maintainer = run("admin.py", { hook: "admin", authState: { gitlab_user: { id: 7 }, access_token: "user-oauth-token" } }, { ...env, GITLAB_ANSWERS: JSON.stringify({ [url]: { code: 200, body: { access_level: 40 } } }) });
        expect(maintainer).toContain(`FETCH ${url} Bearer user-oauth-token`);
        expect(maintainer).toContain("ADMIN true");
        const developer = run("admin.py", { hook: "admin", authState: { gitlab_user: { id: 7 }, access_token: "t" } }, { ...env, GITLAB_ANSWERS: JSON.stringify({ [url]: { code: 200, body: { access_level: 30 } } }) });
        expect(developer).toContain("ADMIN false");
        const unknown = run("admin.py", { hook: "admin", authState: { gitlab_user: { id: 7 }, access_token: "t" } }, { ...env, GITLAB_ANSWERS: "{}" });
        expect(unknown).toContain("ADMIN null");
    });
});

describe("the hub's config files (infra/workspaces/hub-config/)", () => {
    const dir = path.join(__dirname, "../../infra/workspaces/hub-config");
    const ruff = path.join(__dirname, "../support/bin/ruff");

    it("are what the hub's values carry, and pass Ruff's default rules (`c` is the config object jupyterhub_config.py defines)", () => {
        expect(fs.readdirSync(dir).sort()).toEqual(["admin_from_gitlab.py", "gitlab_project.py", "member_profiles.py"]);
        for (const [file, text] of [["gitlab_project.py", GITLAB_PROJECT_CONFIG], ["admin_from_gitlab.py", ADMIN_FROM_GITLAB_HOOK], ["member_profiles.py", MEMBER_PROFILES_CONFIG]] as const) {
            expect(fs.readFileSync(path.join(dir, file), "utf8")).toBe(text);
        }
        const lint = spawnSync(process.execPath, [ruff, "check", "."], { cwd: dir, encoding: "utf8" });
        expect({ status: lint.status, out: lint.stdout }).toEqual({ status: 0, out: expect.stringContaining("All checks passed") });
    });

    it("the lint can fail: an import nothing uses is reported", () => {
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "hub-config-lint-"));
        try {
            fs.writeFileSync(path.join(copy, "broken.py"), `${GITLAB_PROJECT_CONFIG}\nimport sys\n`);
            const lint = spawnSync(process.execPath, [ruff, "check", "."], { cwd: copy, encoding: "utf8" });
            expect(lint.status).toBe(1);
            expect(lint.stdout).toMatch(/broken\.py:\d+:\d+: F401 `sys` imported but unused/);
        } finally {
            fs.rmSync(copy, { recursive: true, force: true });
        }
    });
});
