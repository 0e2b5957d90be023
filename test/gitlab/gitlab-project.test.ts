// This file checks the serialized provider code itself: use the real serializer (see test/setup.ts).
jest.unmock("@pulumi/pulumi/runtime/closure/serializeClosure");
import { branchNameRegex, DEFAULT_BRANCH_MODEL, isValidBranchName } from "../../infra/branch-model/branch-model";
import { GitLabProject } from "../../infra/gitlab/gitlab-project";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { runComponents } from "../harness";

const KNOWN_TOKEN = "glpat-known-component-token-77";
const members = [
    { username: "alice", role: "maintainer" as const, gpus: 1 },
    { username: "bob", role: "developer" as const, gpus: 0 },
];

async function build(tier: "free" | "premium") {
    const saved = process.env.GITLAB_TOKEN;
    process.env.GITLAB_TOKEN = KNOWN_TOKEN;
    try {
        return (
            await runComponents(() => new GitLabProject("team", { url: "https://gitlab.example.com", tier, path: "ml/models", branchModel: DEFAULT_BRANCH_MODEL, members }))
        ).resources;
    } finally {
        if (saved === undefined) delete process.env.GITLAB_TOKEN;
        else process.env.GITLAB_TOKEN = saved;
    }
}

const kinds = (rs: RecordedResource[]) => rs.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource").map((r) => `${r.inputs.kind} ${r.name}`).sort();

describe("GitLabProject by tier", () => {
    it("Free gets protections, develop, tags and members; no Premium resources", async () => {
        expect(kinds(await build("free"))).toEqual([
            "gitlab:Branch team-develop",
            "gitlab:Project team-project",
            "gitlab:ProjectMember team-member-alice",
            "gitlab:ProjectMember team-member-bob",
            "gitlab:ProtectedBranch team-protect-develop",
            "gitlab:ProtectedBranch team-protect-hotfix/*",
            "gitlab:ProtectedBranch team-protect-main",
            "gitlab:ProtectedTag team-tag-v*",
        ]);
    });

    it("Premium adds push rules from the naming regex and the approval rule on main", async () => {
        const resources = await build("premium");
        expect(kinds(resources)).toEqual([
            "gitlab:ApprovalRule team-approval-main",
            "gitlab:Branch team-develop",
            "gitlab:Project team-project",
            "gitlab:ProjectMember team-member-alice",
            "gitlab:ProjectMember team-member-bob",
            "gitlab:ProtectedBranch team-protect-develop",
            "gitlab:ProtectedBranch team-protect-hotfix/*",
            "gitlab:ProtectedBranch team-protect-main",
            "gitlab:ProtectedTag team-tag-v*",
            "gitlab:PushRules team-push-rules",
        ]);
        const push = resources.find((r) => r.inputs.kind === "gitlab:PushRules")!.inputs;
        expect(push.branchNameRegex).toBe(branchNameRegex(DEFAULT_BRANCH_MODEL));
        const approval = resources.find((r) => r.inputs.kind === "gitlab:ApprovalRule")!.inputs;
        expect(approval.approvalsRequired).toBe(1);
    });

    it("derives protections and member levels from the branch model and roles", async () => {
        const resources = await build("free");
        const main = resources.find((r) => r.name === "team-protect-main")!.inputs;
        expect(main).toMatchObject({ pushAccessLevel: 0, mergeAccessLevel: 40, allowForcePush: false, codeOwnerApprovalRequired: false });
        expect(resources.find((r) => r.name === "team-member-alice")!.inputs.accessLevel).toBe(40);
        expect(resources.find((r) => r.name === "team-member-bob")!.inputs.accessLevel).toBe(30);
        expect(resources.find((r) => r.name === "team-project")!.inputs).toMatchObject({ deleteOnDestroy: false, pipelineMustSucceed: true, defaultBranch: "main" });
    });

    it("a kept project keeps its protections and members through `pulumi destroy`: each is deletedWith the project", async () => {
        const resources = await build("premium");
        const project = resources.find((r) => r.inputs.kind === "gitlab:Project")!;
        const children = resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource" && r !== project);
        expect(children.length).toBeGreaterThan(5);
        // Pulumi skips the delete of a resource whose deletedWith target is deleted in the same
        // operation; the kept project's delete changes nothing in GitLab, so nothing is unprotected.
        for (const r of children) expect({ name: r.name, deletedWith: r.deletedWith }).toEqual({ name: r.name, deletedWith: project.urn });
        expect(project.deletedWith).toBeUndefined();
        expect(project.inputs.deleteOnDestroy).toBe(false);
    });

    it("never puts the token in any input, the serialized provider code included", async () => {
        const resources = await build("premium");
        for (const r of resources) {
            expect(JSON.stringify(r.inputs)).not.toContain(KNOWN_TOKEN);
            expect(Object.keys(r.inputs)).not.toContain("token");
        }
        // The real serializer ran (not test/setup.ts's stand-in): the code is there to be searched.
        const code = resources.map((r) => r.inputs.__provider).filter((c): c is string => typeof c === "string");
        expect(code.length).toBeGreaterThan(0);
        for (const c of code) {
            expect(c).not.toContain("not serialized under Jest");
            expect(c.length).toBeGreaterThan(2000);
        }
    });
});

describe("GitLabProject files and schedules", () => {
    it("proposes files by merge request on a branch the naming rule accepts, and schedules pipelines", async () => {
        const { resources } = await runComponents(
            () =>
                new GitLabProject("team", {
                    url: "https://gitlab.example.com",
                    tier: "free",
                    path: "ml/models",
                    branchModel: DEFAULT_BRANCH_MODEL,
                    members,
                    files: [
                        { path: ".gitlab-ci.yml", content: "stages: [test]\n", ownership: "managed" },
                        { path: "train.py", content: "print('train')\n", ownership: "seed" },
                    ],
                    schedules: [{ description: "stale experiments", cron: "0 3 * * 1", variables: { STALE_AFTER_DAYS: "90" } }],
                }),
        );
        const files = resources.filter((r) => r.inputs.kind === "gitlab:RepositoryFiles");
        // One resource, so all files land in one commit and one merge request per long-lived branch.
        expect(files).toHaveLength(1);
        const f = files[0]!.inputs;
        expect(f).toMatchObject({ mode: "merge-request", branches: ["main", "develop"], managed: [{ path: ".gitlab-ci.yml" }], seeds: [{ path: "train.py" }] });
        for (const b of f.branches) expect(isValidBranchName(DEFAULT_BRANCH_MODEL, f.proposalBranches[b])).toBe(true);
        expect(new Set(Object.values(f.proposalBranches)).size).toBe(2);
        const schedule = resources.find((r) => r.inputs.kind === "gitlab:PipelineSchedule")!.inputs;
        expect(schedule).toMatchObject({ ref: "main", cron: "0 3 * * 1", cronTimezone: "UTC", variables: { STALE_AFTER_DAYS: "90" } });
    });
});
