/**
 * What a stack file and a GitLab URL may be written as (issue 22).
 *
 * Surprise 2: `gitlab.url: https://gitlab.com/` passed validation, then every call went to
 * `//api/v4/...` and 404'd, and doctor, `pulumi up` and the audit blamed the token or the project
 * path. One rule now holds everywhere: the stack's config, the client every command and provider
 * uses, `audit --url` and `doctor --url`, and the components a team composes.
 *
 * Surprise 9: YAML merge keys (`<<: *anchor`), which the Pulumi CLI's YAML reader (gopkg.in/yaml.v2)
 * applies, are applied here too, by every command that reads a stack file (plan, doctor, audit,
 * onboard) — not refused as an unknown key `<<`.
 */
import * as fs from "fs";
import * as path from "path";
import { auditMain } from "../../infra/cli/audit";
import { doctorMain } from "../../infra/cli/doctor";
import { parseGitLabUrl } from "../../infra/config/gitlab-url";
import { createGitLabClient } from "../../infra/gitlab/client";
import { rest } from "../../infra/gitlab/providers/common";
import { capture, noAwsCredentials, stackRaw, writeStack } from "../doctor/fixtures";
import { GitLabEmulator, startGitLabEmulator } from "../support/gitlab-emulator";
import { validateDev } from "./fixtures";
import { addMember, listMembers } from "../../infra/onboarding/stack-members";
import { parseStackYaml, readStackFile, stackFileToConfig, validateStackFile } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";
import { tempStack } from "../support/temp-stack";

const RETRY = { maxAttempts: 1, maxTotalMs: 1_000, timeoutMs: 2_000 };

describe("the GitLab URL rule", () => {
    it.each([
        ["https://gitlab.com/", "https://gitlab.com"],
        ["https://gitlab.com//", "https://gitlab.com"],
        ["  https://GitLab.Example.org:8443/ ", "https://gitlab.example.org:8443"],
        ["http://10.20.0.5", "http://10.20.0.5"],
    ])("%s is normalised to %s", (input, url) => {
        expect(parseGitLabUrl(input)).toEqual({ ok: true, url });
    });

    it.each([
        ["https://gitlab.com/api/v4", /GitLab's API address; give its base URL \(https:\/\/gitlab\.com\)/],
        ["https://example.org/gitlab", /without a path \(https:\/\/example\.org\)/],
        ["https://gitlab.com/?private_token=x", /without a query or fragment/],
        ["https://gitlab.com/#top", /without a query or fragment/],
        ["https://root:secret@gitlab.com", /must not carry credentials/],
        ["ssh://git@gitlab.com", /must be an http\(s\) URL/],
        ["gitlab.example.com", /must be the GitLab base URL, e.g. https:\/\/gitlab.com/],
    ])("%s is refused with what to write instead", (input, why) => {
        const r = parseGitLabUrl(input);
        expect(r.ok).toBe(false);
        expect(!r.ok && r.problem).toMatch(why);
    });

    it("the stack config keeps the normalised URL, and names the key when it refuses one", () => {
        const ok = validateDev((r) => (r.gitlab.url = "https://gitlab.com/"));
        expect(ok.ok && ok.config.gitlab.url).toBe("https://gitlab.com");
        const bad = validateDev((r) => (r.gitlab.url = "https://gitlab.com/gitlab?x=1"));
        expect(bad.ok).toBe(false);
        expect(!bad.ok && bad.errors).toEqual([expect.objectContaining({ key: "ml-team-env:gitlab.url", value: "https://gitlab.com/gitlab?x=1", message: expect.stringMatching(/without a path/) })]);
    });
});

describe("a trailing slash against a GitLab (the emulator: a path it does not serve is 404, as GitLab's is)", () => {
    let em: GitLabEmulator;
    beforeAll(async () => {
        em = await startGitLabEmulator({ mode: "ee-free" });
        em.addGroup("ml-team");
    });
    afterAll(() => em?.close());

    it("the client every provider, doctor and the audit use reaches the API", async () => {
        const api = createGitLabClient({ url: `${em.url}/`, token: em.adminToken, retry: RETRY });
        await expect(rest<{ username: string }>(api, "get", "user")).resolves.toMatchObject({ username: "root" });
        expect(em.requests.at(-1)!.path).toBe("/user");
    });

    it("doctor --stack with the slash checks the token instead of failing on 404s", async () => {
        const dir = writeStack("slash", stackRaw((raw) => (raw.gitlab.url = `${em.url}/`)), ["jupyterhubOAuthClientSecret"]);
        const io = capture(dir, { GITLAB_TOKEN: em.adminToken });
        await doctorMain(["--stack", "slash", "--format", "json"], io, { aws: noAwsCredentials, gitlabRetry: RETRY });
        const json = JSON.parse(io.stdout);
        expect(json.targets.gitlab).toBe(em.url);
        expect(json.checks.find((c: { id: string }) => c.id === "gitlab.token")).toMatchObject({ status: "ok", summary: expect.stringMatching(/acts as @root/) });
    });

    it("audit --stack with the slash reads the project (not 'project not found')", async () => {
        em.state.projects.clear();
        const dir = writeStack("slash", stackRaw((raw) => ((raw.gitlab.url = `${em.url}/`), (raw.gitlab.project.path = "ml-team/missing"))));
        const io = capture(dir, { GITLAB_TOKEN: em.adminToken });
        const code = await auditMain(["--stack", "slash"], io, { retry: RETRY });
        // The project does not exist: GitLab's answer for it, from the API path it serves.
        expect(code).toBe(2);
        expect(io.stderr).toMatch(/ml-team\/missing/);
        expect(em.requests.some((r) => r.path.startsWith("//"))).toBe(false);
        expect(em.requests.some((r) => r.path === "/projects/ml-team/missing")).toBe(true);
    });
});
/** The dev stack with its GPU profile and two members written through anchors and merge keys. */
function withMergeKeys(): string {
    const dev = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    const profiles = `    profiles:
      - &base
        name: cpu
        displayName: CPU only
        cpu: 2
        memoryGiB: 8
        gpus: 0
        default: true
      - <<: *base
        name: gpu-1
        displayName: 1 GPU
        cpu: 3
        memoryGiB: 12
        gpus: 1
        default: false
`;
    const members = `    members:
      - username: alice
        role: maintainer
        gpus: 2
      - &developer
        username: bob
        role: developer
        gpus: 1
      - <<: *developer
        username: chen.wei
`;
    const text = dev.replace(/    profiles:\n(?: {6}.*\n)+/, profiles).replace(/    members:.*\n(?: {6}.*\n)+/, members);
    expect(text).toContain("<<: *base");
    expect(text).toContain("<<: *developer");
    return text;
}

describe("YAML merge keys in a stack file", () => {
    it("are applied as the Pulumi CLI applies them: the merged keys are there, `<<` is not", () => {
        const doc = parseStackYaml(withMergeKeys()) as { config: Record<string, any> };
        const gpu = doc.config["ml-team-env:jupyterhub"].profiles[1];
        expect(gpu).toEqual({ name: "gpu-1", displayName: "1 GPU", cpu: 3, memoryGiB: 12, gpus: 1, default: false });
        expect(doc.config["ml-team-env:team"].members[2]).toEqual({ username: "chen.wei", role: "developer", gpus: 1 });
    });

    it("validate as the same stack without them (the plan, doctor and the audit read stack files this way)", () => {
        const dir = tempStack("merge", withMergeKeys());
        const result = validateStackFile("merge", readStackFile("merge", dir));
        expect(result.ok ? [] : result.errors).toEqual([]);
        expect(result.ok && result.config.team.members.map((m) => [m.username, m.role, m.gpus])).toEqual([
            ["alice", "maintainer", 2],
            ["bob", "developer", 1],
            ["chen.wei", "developer", 1],
        ]);
    });

    it("onboarding edits such a file and the result still validates", () => {
        const added = addMember(withMergeKeys(), { username: "carol", role: "developer", gpus: 0 });
        expect(listMembers(added)).toEqual(["alice", "bob", "chen.wei", "carol"]);
        const result = validateStackFile("merge", stackFileToConfig(parseStackYaml(added)));
        expect(result.ok ? result.config.team.members.map((m) => m.username) : result.errors).toEqual(["alice", "bob", "chen.wei", "carol"]);
    });
});
