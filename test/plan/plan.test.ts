import * as fs from "fs";
import * as path from "path";
import { parse, parseDocument } from "yaml";
import { addMember } from "../../infra/onboarding/stack-members";
import { fill, formatValue, layout, MAX_LINE, wrapWords } from "../../infra/plan/format";
import { KINDS } from "../../infra/plan/key-settings";
import { mockResourceState, MOCK_ACCOUNT_ID } from "../../infra/plan/mock-cloud";
import { UNKNOWN } from "../../infra/plan/mock-runtime";
import {
    diffHasChanges,
    diffPlans,
    DYNAMIC_RESOURCE_TYPE,
    keptOnDelete,
    keySettings,
    kindOf as displayType,
    parsePlanJson,
    Plan,
    PlanFileError,
    PlannedResource,
    planJson,
    planStack,
    PLAN_FORMAT_VERSION,
    renderDiff,
    renderPlan,
} from "../../infra/plan/plan";
import { readStackFile, stackFileToConfig } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";
import { TODAY } from "../config/fixtures";
import { BOOTSTRAP_IMAGE } from "../../infra/environment/image/files";

const KNOWN_OAUTH_SECRET = "oauth-secret-5f1d2c7e-known";
const KNOWN_TOKEN = "glpat-known-token-9a8b7c6d";
const DEV_YAML = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");

/** The dev stack with a known OAuth secret and GITLAB_TOKEN, so the tests can look for them. */
async function planDev(yamlText: string): Promise<Plan> {
    const file = stackFileToConfig(parse(yamlText));
    const config = { ...file.config, "ml-team-env:jupyterhubOAuthClientSecret": KNOWN_OAUTH_SECRET };
    const saved = process.env.GITLAB_TOKEN;
    process.env.GITLAB_TOKEN = KNOWN_TOKEN;
    try {
        const result = await planStack("dev", { config, secretKeys: [...file.secretKeys, "ml-team-env:jupyterhubOAuthClientSecret"] }, { today: TODAY });
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        return result.plan;
    } finally {
        if (saved === undefined) delete process.env.GITLAB_TOKEN;
        else process.env.GITLAB_TOKEN = saved;
    }
}

/** The dev stack file with one config value changed (edited as YAML, so layout changes elsewhere do not matter). */
function devWith(key: string, field: string, value: unknown): string {
    const doc = parseDocument(DEV_YAML);
    doc.setIn(["config", key, field], value);
    return doc.toString();
}

/** The first resource of a kind (the GitLab kind, else the type) matching `pred`; fails when there is none. */
function find(plan: Plan, kind: string, pred: (inputs: Record<string, any>) => boolean = () => true): PlannedResource {
    const r = plan.resources.find((x) => displayType(x) === kind && pred(x.inputs));
    if (!r) throw new Error(`no ${kind} in the plan matching ${pred.toString()}`);
    return r;
}
const nsOf = (i: Record<string, any>) => String(i.metadata?.namespace ?? i.metadata?.name ?? "");
const lines = (text: string) => text.split("\n");

// Four whole-program runs, shared by every test below (each costs about a second).
let dev: Plan;
let onprem: Plan;
let onboarded: Plan;
let edited: Plan;
/** The dev stack with an image pinned by tag only, which validation warns about. */
let tagOnly: Plan;
/** What the program wrote to the console during the first run (must be nothing: `--json -` owns stdout). */
const consoleDuringRun: unknown[][] = [];
beforeAll(async () => {
    const spies = (["log", "info", "warn", "error"] as const).map((m) => jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void consoleDuringRun.push(args)));
    try {
        tagOnly = await planDev(devWith("ml-team-env:environment", "image", "registry.example.com/ml/pytorch-cuda:v2.8"));
    } finally {
        for (const s of spies) s.mockRestore();
    }
    dev = await planDev(DEV_YAML);
    const onpremResult = await planStack("onprem", readStackFile("onprem", ROOT), { today: TODAY });
    if (!onpremResult.ok) throw new Error(JSON.stringify(onpremResult.errors));
    onprem = onpremResult.plan;
    onboarded = await planDev(addMember(DEV_YAML, { username: "carol", role: "developer", gpus: 1 }));
    // A hub setting and a branch-model rule changed at once; each test below looks at its own part.
    const hubAndTag = parseDocument(devWith("ml-team-env:jupyterhub", "idleTimeoutMinutes", 15));
    hubAndTag.setIn(["config", "ml-team-env:branchModel", "releaseTagPattern"], "release-*");
    edited = await planDev(hubAndTag.toString());
});

describe("the offline plan", () => {
    it.each([["dev"], ["onprem"]])("plans the %s stack, says nothing was deployed, and keeps every line readable", (stack) => {
        const plan = stack === "dev" ? dev : onprem;
        const text = renderPlan(plan);
        expect(text).toMatch(/NOTHING WAS DEPLOYED/);
        expect(text).toMatch(/Resources by type:/);
        expect(text).toMatch(/ml-team-env:index:TeamEnvironment\s+/);
        for (const line of lines(text)) expect(line.length).toBeLessThanOrEqual(MAX_LINE);
        // An 80-column terminal (the CLI passes its width): every line fits it too.
        for (const line of lines(renderPlan(plan, 80))) expect(line.length).toBeLessThanOrEqual(80);
        expect(text).not.toMatch(/\.\.\./);
    });

    it("collects what the program logs into the plan's warnings instead of printing it", () => {
        expect(consoleDuringRun).toEqual([]);
        expect(tagOnly.warnings.some((w) => /pinned by tag only/.test(w))).toBe(true);
    });

    it("says in its warnings how long the stack's Kubernetes version has left in EKS standard support once it is under nine months", () => {
        // On TODAY (2026-11-25) the dev stack's 1.36 has 250 days left (to 2027-08-02): under nine months, so a reminder.
        expect(dev.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^cluster\.kubernetesVersion 1\.36 has 250 days of EKS standard support left \(until 2027-08-02\); EKS already runs 1\.37/)]));
    });

    it("has a summary line: how many to create, and how many would be kept if removed", () => {
        const text = renderPlan(dev);
        const at = lines(text).findIndex((l) => l.startsWith("Plan: "));
        // Wrapped to the line width: the summary runs to the next blank line.
        const summary = lines(text).slice(at, lines(text).indexOf("", at)).map((l) => l.trim()).join(" ");
        expect(summary).toMatch(new RegExp(`^Plan: ${dev.resources.length} to create \\(\\d+ resources, \\d+ components\\); \\d+ of them kept if later removed from the program`));
        // The members' namespaces are retainOnDelete; the GitLab project and branch are never deleted by their providers.
        const aliceNs = find(dev, "kubernetes:core/v1:Namespace", (i) => nsOf(i) === "jupyterhub-alice");
        expect(aliceNs.retainOnDelete).toBe(true);
        // The resource's line, or the lines its settings wrap onto, up to the next resource.
        const entry = (needle: string) => {
            const all = lines(text);
            const at = all.findIndex((l) => l.includes(needle));
            const end = all.findIndex((l, i) => i > at && /[├└]─ /.test(l));
            return all.slice(at, end).join("\n");
        };
        expect(entry(`kubernetes:core/v1:Namespace  ${aliceNs.name}`)).toContain("[kept if removed]");
        expect(entry(`gitlab:Branch  ${find(dev, "gitlab:Branch").name}`)).toContain("[kept if removed]");
    });

    it("shows the settings that matter per kind: a protected branch's push level, a member's whole GPU quota", () => {
        const text = renderPlan(dev);
        const block = (name: string) => {
            const at = lines(text).findIndex((l) => l.includes(`  ${name}`));
            // A resource's settings may wrap onto the lines after its own (deeper-indented, no new tree branch).
            const rest = lines(text).slice(at + 1);
            const end = rest.findIndex((l) => /[├└]─ /.test(l) || l === "");
            return [lines(text)[at]!, ...rest.slice(0, end)].join("\n");
        };
        const branch = (name: string) => find(dev, "gitlab:ProtectedBranch", (i) => i.name === name).name;
        expect(block(branch("main"))).toMatch(/name=main {2}push=no one {2}merge=maintainers {2}unprotect=maintainers {2}forcePush=denied/);
        expect(block(branch("develop"))).toMatch(/push=no one {2}merge=developers/);
        expect(block(find(dev, "gitlab:Project").name)).toMatch(/path=ml-team\/vision-models {2}visibility=private {2}mode=create {2}deleteOnDestroy=false/);
        expect(block(find(dev, "gitlab:ProjectMember", (i) => i.username === "alice").name)).toMatch(/username=alice {2}role=maintainer/);
        const quota = block(find(dev, "kubernetes:core/v1:ResourceQuota", (i) => nsOf(i) === "jupyterhub-alice").name);
        expect(quota).toMatch(/gpus=2 .*requests\.storage=200Gi/s);
        expect(quota.indexOf("gpus=2")).toBeLessThan(quota.indexOf("limits.cpu"));
    });

    it("marks what the cloud computes as known after deploy, in the text and the JSON, instead of inventing it", () => {
        const text = renderPlan(dev);
        const json = JSON.stringify(planJson(dev));
        const project = find(dev, "gitlab:Project");
        const vpc = find(dev, "aws:ec2/vpc:Vpc");
        // What the mock cloud would have made up for them.
        const fakeProjectId = String(mockResourceState({ type: project.type, name: project.name, inputs: project.inputs, custom: true }).state.projectId);
        const fakeVpcId = mockResourceState({ type: vpc.type, name: vpc.name, inputs: vpc.inputs, custom: true }).id;
        for (const fake of [fakeVpcId, MOCK_ACCOUNT_ID]) {
            expect(text).not.toContain(fake);
            expect(json).not.toContain(fake);
        }
        expect(json).not.toMatch(new RegExp(`"projectId":${fakeProjectId}\\b`));
        const alice = find(dev, "gitlab:ProjectMember", (i) => i.username === "alice");
        expect(find(dev, "gitlab:Branch").inputs.projectId).toBe(UNKNOWN);
        expect(alice.inputs.projectId).toBe(UNKNOWN);
        const subnet = find(dev, "aws:ec2/subnet:Subnet");
        expect(subnet.inputs.vpcId).toBe(UNKNOWN);
        expect(lines(text).slice(lines(text).findIndex((l) => l.includes(`aws:ec2/subnet:Subnet  ${subnet.name}`))).slice(0, 2).join("\n")).toContain("vpcId=(known after deploy)");
        expect(planJson(dev).resources.find((r) => r.urn === subnet.urn)!.inputs.vpcId).toBe(UNKNOWN);
        expect(dev.outputs.gitlabProjectUrl).toBe(UNKNOWN);
        // Who deploys comes from the caller's credentials: unknown offline, wherever it is used.
        for (const r of dev.resources.filter((x) => x.type === "aws:eks/accessEntry:AccessEntry")) expect(r.inputs.principalArn).not.toMatch(/^arn:aws:iam::123456789012:/);
        // Inputs the user set stay known.
        expect(subnet.inputs.cidrBlock).toMatch(/^10\.0\.\d+\.0\/\d+$/);
        expect(alice.inputs.username).toBe("alice");
    });

    it("shows an input computed from an unknown output as unknown, and the program still runs to completion", () => {
        // The node group's Auto Scaling group name comes out of an apply on the node group's outputs.
        const tags = dev.resources.filter((r) => r.type === "aws:autoscaling/tag:Tag");
        expect(tags.length).toBeGreaterThan(0);
        for (const t of tags) expect(t.inputs.autoscalingGroupName).toBe(UNKNOWN);
        // Resources registered after the unknowns, and the stack outputs, are all there.
        expect(dev.resources.some((r) => r.type === "kubernetes:apps/v1:DaemonSet")).toBe(true);
        expect(dev.outputs.image).toBe(BOOTSTRAP_IMAGE);
    });

    it("writes JSON with a format version, the warnings, every resource with its parent and retainOnDelete, and no secret in plain text", () => {
        const json = planJson(tagOnly);
        expect(json.formatVersion).toBe(PLAN_FORMAT_VERSION);
        expect(json.markers).toEqual({ secret: "[secret]", unknown: UNKNOWN });
        expect(json.warnings.length).toBeGreaterThan(0);
        expect(json.summary.create).toBe(json.resources.length);
        const urns = new Set(json.resources.map((r) => r.urn));
        for (const r of json.resources) {
            expect(Object.keys(r)).toEqual(expect.arrayContaining(["urn", "type", "name", "parent", "inputs", "dependencies", "retainOnDelete"]));
            expect(typeof r.retainOnDelete).toBe("boolean");
            if (r.type !== "pulumi:pulumi:Stack") expect(urns.has(r.parent!)).toBe(true);
        }
        const aliceNs = find(dev, "kubernetes:core/v1:Namespace", (i) => nsOf(i) === "jupyterhub-alice");
        expect(json.resources.find((r) => r.urn === aliceNs.urn)!.retainOnDelete).toBe(true);
        const main = find(dev, "gitlab:ProtectedBranch", (i) => i.name === "main");
        expect(json.resources.find((r) => r.urn === main.urn)!.kind).toBe("gitlab:ProtectedBranch");
        const text = JSON.stringify(json) + renderPlan(dev);
        expect(text).not.toContain(KNOWN_OAUTH_SECRET);
        expect(text).not.toContain(KNOWN_TOKEN);
    });

    it("returns config errors as data for an invalid stack", async () => {
        const result = await planStack("dev", stackFileToConfig(parse(DEV_YAML.replace("gpus: 2", "gpus: -2"))));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors).toEqual(expect.arrayContaining([expect.objectContaining({ key: "ml-team-env:team.members[0].gpus", value: -2 })]));
    });

    it("treats secure: values as secret placeholders", () => {
        const f = stackFileToConfig({ config: { "ml-team-env:gitlabToken": { secure: "v1:abc" }, "aws:region": "us-west-2", team: { members: [] } } });
        expect(f.secretKeys).toEqual(["ml-team-env:gitlabToken"]);
        expect(f.config["ml-team-env:gitlabToken"]).toMatch(/placeholder/);
        expect(f.config["ml-team-env:team"]).toBe('{"members":[]}');
        expect(f.config["aws:region"]).toBe("us-west-2");
    });
});

describe("what changed between two plans", () => {
    it("reads back its own JSON: a plan compared with itself has no changes", () => {
        const again = parsePlanJson(JSON.stringify(planJson(dev)), "plan.json");
        const diff = diffPlans(again, dev);
        expect(diffHasChanges(diff)).toBe(false);
        expect(renderDiff(diff)).toBe("  (no changes to resources)");
    });

    it("refuses a file that is not a plan, or is from a newer format, with one clear line", () => {
        expect(() => parsePlanJson("not json", "old.json")).toThrow(new PlanFileError("old.json is not a plan JSON file (not JSON: " + jsonError("not json") + "); write one with `npm run plan -- --stack <name> --json old.json`"));
        expect(() => parsePlanJson('{"name":"ml-team-env","version":"0.1.0"}', "package.json")).toThrow(/package\.json is not a plan JSON file \(no 'stack'\)/);
        expect(() => parsePlanJson(JSON.stringify({ ...planJson(dev), formatVersion: PLAN_FORMAT_VERSION + 1 }), "new.json")).toThrow(
            new RegExp(`new\\.json was written by a newer ml-team-env \\(plan format ${PLAN_FORMAT_VERSION + 1}; this one reads formats up to ${PLAN_FORMAT_VERSION}\\)`),
        );
        // A file from before formatVersion (format 1) is still read.
        const v1 = { stack: "dev", resources: [{ urn: "u", type: "t", name: "n", parent: undefined, inputs: {}, dependencies: [] }], outputs: {} };
        expect(parsePlanJson(JSON.stringify(v1), "v1.json").resources).toHaveLength(1);
    });

    it("an onboarding adds only that member's resources and changes nothing else", () => {
        const diff = diffPlans(dev, onboarded);
        expect(diff.added.length).toBeGreaterThan(0);
        for (const r of diff.added) expect(r.name).toContain("carol");
        expect(diff.added.map(displayType)).toEqual(expect.arrayContaining(["gitlab:ProjectMember", "kubernetes:core/v1:ResourceQuota"]));
        expect(diff.changed.map((r) => `${r.name}: ${r.changes.map((c) => c.path).join(", ")}`)).toEqual([]);
        expect(diff.removed).toEqual([]);
        expect(diff.config.map((c) => c.path)).toEqual(["ml-team-env:team.members[username=carol]"]);
        const text = renderDiff(diff);
        expect(text).toContain(`  + gitlab:ProjectMember  ${find(onboarded, "gitlab:ProjectMember", (i) => i.username === "carol").name}  username=carol  role=developer`);
        for (const line of lines(text)) expect(line.length).toBeLessThanOrEqual(MAX_LINE);
    });

    it("a hub setting change shows in the hub's Helm release with the key path, or is named as not comparable offline", () => {
        const diff = diffPlans(dev, edited);
        expect(diff.config).toEqual(expect.arrayContaining([{ path: "ml-team-env:jupyterhub.idleTimeoutMinutes", before: 60, after: 15 }]));
        const hub = find(edited, "kubernetes:helm.sh/v3:Release", (i) => i.chart === "jupyterhub");
        const text = renderDiff(diff, { notes: true });
        expect(text).toContain("~ ml-team-env:jupyterhub.idleTimeoutMinutes: 60 → 15");
        if (hub.inputs.values === UNKNOWN) {
            // Today the hub's values are built in an apply over cloud-computed outputs (the GitLab project id),
            // so a preview of a new stack cannot know them: the diff must say it could not compare them.
            expect(diff.changed.find((r) => r.urn === hub.urn)).toBeUndefined();
            expect(text).toMatch(new RegExp(`not compared[^]*${hub.name} values`));
        } else {
            const changed = diff.changed.find((r) => r.urn === hub.urn);
            expect(changed?.changes).toEqual(expect.arrayContaining([{ path: "values.cull.timeout", before: 3600, after: 900 }]));
            expect(text).toContain("values.cull.timeout: 3600 → 900");
        }
    });

    it("a changed rule shows the old resource as removed (not kept) and the new one as added", () => {
        const diff = diffPlans(dev, edited);
        const oldTag = find(dev, "gitlab:ProtectedTag", (i) => i.name === "v*");
        const removed = diff.removed.find((r) => r.urn === oldTag.urn);
        expect(removed).toBeDefined();
        expect(removed!.kept).toBeUndefined();
        const newTag = find(edited, "gitlab:ProtectedTag", (i) => i.name === "release-*");
        expect(diff.added.map((r) => r.urn)).toContain(newTag.urn);
        const text = renderDiff(diff);
        expect(text).toContain(`  - gitlab:ProtectedTag  ${oldTag.name}  name=v*  create=maintainers`);
        expect(text).toContain(`  + gitlab:ProtectedTag  ${newTag.name}  name=release-*  create=maintainers`);
    });

    it("a removed member's retained namespace shows as removed but kept; their membership as removed", () => {
        const diff = diffPlans(onboarded, dev);
        const ns = diff.removed.find((r) => r.type === "kubernetes:core/v1:Namespace" && nsOf(r.inputs) === "jupyterhub-carol");
        expect(ns?.kept).toMatch(/retainOnDelete/);
        const membership = diff.removed.find((r) => displayType(r) === "gitlab:ProjectMember");
        expect(membership?.inputs.username).toBe("carol");
        expect(membership?.kept).toBeUndefined();
        expect(renderDiff(diff, { width: 160 })).toContain(`  - kubernetes:core/v1:Namespace  ${ns!.name}  jupyterhub-carol  [kept: retainOnDelete`);
    });
});

// --- key settings and layout (no program run) -------------------------------------------------

const gitlab = (kind: string, inputs: Record<string, unknown>, extra: Partial<PlannedResource> = {}): PlannedResource => ({
    urn: `urn:pulumi:s::p::${DYNAMIC_RESOURCE_TYPE}::x`,
    type: DYNAMIC_RESOURCE_TYPE,
    name: "x",
    parent: undefined,
    custom: true,
    inputs: { __provider: "[dynamic provider code, 9000 bytes]", kind, providerVersion: "1", gitlabUrl: "https://gitlab.example.com", projectId: UNKNOWN, ...inputs },
    dependencies: [],
    ...extra,
});
const typed = (type: string, inputs: Record<string, unknown>): PlannedResource => ({ urn: `urn:${type}`, type, name: "x", parent: undefined, custom: true, inputs, dependencies: [] });

describe("key settings per kind", () => {
    it("shows a protected branch's push, merge and unprotect levels as words, and force push", () => {
        const main = gitlab("gitlab:ProtectedBranch", { name: "main", pushAccessLevel: 0, mergeAccessLevel: 40, unprotectAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false });
        expect(keySettings(main)).toBe("name=main  push=no one  merge=maintainers  unprotect=maintainers  forcePush=denied");
        const hotfix = gitlab("gitlab:ProtectedBranch", { name: "hotfix/*", pushAccessLevel: 30, mergeAccessLevel: 30, unprotectAccessLevel: 40, allowForcePush: true, codeOwnerApprovalRequired: true });
        expect(keySettings(hotfix)).toBe("name=hotfix/*  push=developers  merge=developers  unprotect=maintainers  forcePush=allowed  codeOwnerApproval=required");
    });

    it("shows a project's path, visibility and create-vs-adopt, and a member's role as a word", () => {
        const project = gitlab("gitlab:Project", { path: "ml/models", visibility: "private", mode: "adopt", deleteOnDestroy: false, defaultBranch: "main", description: "d", pipelineMustSucceed: true });
        expect(keySettings(project)).toBe("path=ml/models  visibility=private  mode=adopt  deleteOnDestroy=false  defaultBranch=main");
        expect(keySettings(gitlab("gitlab:ProjectMember", { username: "carol", accessLevel: 30 }))).toBe("username=carol  role=developer");
        expect(keySettings(gitlab("gitlab:ProtectedTag", { name: "v*", createAccessLevel: 40 }))).toBe("name=v*  create=maintainers");
    });

    it("has an entry for the runner kind, and for every GitLab kind the providers define", () => {
        const runner = gitlab("gitlab:Runner", { description: "gpu runner", tagList: ["gpu", "cuda"], runUntagged: false, locked: true, accessLevel: "not_protected" });
        expect(keySettings(runner)).toBe("description=gpu runner  tags=[gpu, cuda]  runUntagged=false  locked=true  accessLevel=not_protected");
        for (const kind of ["Project", "Branch", "ProtectedBranch", "ProtectedTag", "ProjectMember", "PushRules", "ApprovalRule", "RepositoryFiles", "PipelineSchedule", "Runner"]) {
            expect(KINDS).toHaveProperty([`gitlab:${kind}`]);
        }
        const files = gitlab("gitlab:RepositoryFiles", { branches: ["main", "develop"], mode: "merge-request", managed: [{ path: ".gitlab-ci.yml", content: "a: 1\nb: 2\n" }], seeds: [{ path: "train.py", content: "x" }] });
        expect(keySettings(files)).toBe("branches=[main, develop]  commit=merge-request  managed=[.gitlab-ci.yml (2 lines, 10 bytes)]  offeredOnce=1 file(s)");
    });

    it("shows a member's GPU quota first and every quota entry whole (no truncation)", () => {
        const quota = typed("kubernetes:core/v1:ResourceQuota", {
            metadata: { name: "member-quota", namespace: "jupyterhub-a-very-long-member-name-that-goes-on" },
            spec: { hard: { "limits.cpu": "32", "limits.memory": "256Gi", persistentvolumeclaims: "4", pods: "10", "requests.nvidia.com/gpu": "2", "requests.storage": "200Gi" } },
        });
        const text = keySettings(quota);
        expect(text).toBe("jupyterhub-a-very-long-member-name-that-goes-on/member-quota  gpus=2  limits.cpu=32  limits.memory=256Gi  persistentvolumeclaims=4  pods=10  requests.storage=200Gi");
        expect(text).not.toContain("...");
    });

    it("shows a Helm release's chart, version and namespace, and a node group's size", () => {
        expect(keySettings(typed("kubernetes:helm.sh/v3:Release", { chart: "jupyterhub", version: "4.3.3", namespace: "jupyterhub", values: UNKNOWN }))).toBe(
            "chart=jupyterhub  version=4.3.3  namespace=jupyterhub  values=(known after deploy)",
        );
        const ng = typed("aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["g5.xlarge"], amiType: "AL2023_x86_64_NVIDIA", capacityType: "SPOT", scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 4 }, labels: { "ml-team-env/pool": "gpu" } });
        expect(keySettings(ng)).toBe("instanceTypes=[g5.xlarge]  amiType=AL2023_x86_64_NVIDIA  capacityType=SPOT  size=min 0, desired 0, max 4  label ml-team-env/pool=gpu");
    });

    it("falls back to a few scalar inputs for a kind without an entry, leaving out the plumbing", () => {
        expect(keySettings(gitlab("gitlab:DeployKey", { title: "ci", canPush: false, key: "ssh-ed25519 AAAA" }))).toBe("title=ci  canPush=false  key=ssh-ed25519 AAAA");
        expect(keySettings(typed("kubernetes:core/v1:ConfigMap", { metadata: { name: "c", namespace: "n" }, data: { a: "1" } }))).toBe("n/c");
    });

    it("says which resources stay when removed: retainOnDelete, and what the GitLab providers never delete", () => {
        expect(keptOnDelete(typed("kubernetes:core/v1:Namespace", {}))).toBeUndefined();
        expect(keptOnDelete({ ...typed("kubernetes:core/v1:Namespace", {}), retainOnDelete: true })).toMatch(/retainOnDelete/);
        expect(keptOnDelete(gitlab("gitlab:Branch", { branch: "develop", ref: "main" }))).toMatch(/never deletes a branch/);
        expect(keptOnDelete(gitlab("gitlab:Project", { deleteOnDestroy: false }))).toMatch(/deleteOnDestroy: false/);
        expect(keptOnDelete(gitlab("gitlab:Project", { deleteOnDestroy: true }))).toBeUndefined();
        expect(keptOnDelete(gitlab("gitlab:ProjectMember", { username: "a", accessLevel: 30 }))).toBeUndefined();
    });
});

describe("values and lines", () => {
    it("never cuts a value: long ones are summarised by size", () => {
        expect(formatValue("x".repeat(300), 100)).toBe("(300 characters)");
        expect(formatValue(JSON.stringify({ Version: "2012-10-17", Statement: [{ a: "x".repeat(200) }] }), 100)).toMatch(/^\(JSON, 2 keys, \d+ characters\)$/);
        expect(formatValue("line 1\nline 2\n", 100)).toBe("(2 lines, 14 characters)");
        expect(formatValue(Array.from({ length: 40 }, (_, i) => `item-${i}`), 80)).toBe("(40 items)");
        expect(formatValue({ a: 1, b: { c: 2 } }, 80)).toBe("(2 keys)");
        expect(formatValue({ cpu: "1", memory: "2Gi" }, 80)).toBe("{cpu=1, memory=2Gi}");
    });

    it("wraps between settings, never inside one, within the line limit", () => {
        const pieces = Array.from({ length: 30 }, (_, i) => `setting${i}=value-${i}`);
        const lines = layout("│  ├─ some:type  name", pieces, "│  │     ");
        expect(lines[0]).toBe("│  ├─ some:type  name");
        for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAX_LINE);
        expect(lines.slice(1).join(" ").replace(/[│ ]+/g, " ").trim().split(" ")).toEqual(pieces);
        expect(layout("head", ["a=1"], "  ", "[kept if removed]")).toEqual(["head  (a=1)  [kept if removed]"]);
        expect(fill(["aaaa", "bbbb"], "> ", 8)).toEqual(["> aaaa", "> bbbb"]);
        expect(wrapWords("one two three", "! ", "  ", 9)).toEqual(["! one two", "  three"]);
    });
});

function jsonError(text: string): string {
    try {
        JSON.parse(text);
        return "";
    } catch (e) {
        return (e as Error).message;
    }
}
