/** `npm run doctor`'s interface: help, usage errors, invalid config, JSON. */
import { doctorMain } from "../../infra/cli/doctor";
import { DOCTOR_FORMAT_VERSION } from "../../infra/doctor/report";
import { capture, fakeAws, noAwsCredentials, stackRaw, writeStack } from "./fixtures";

/** An AWS factory the test must not reach. */
const unreachableAws = () => {
    throw new Error("AWS was asked although the run should have stopped before");
};

describe("doctor command", () => {
    it("--help says what it checks and documents the exit codes", async () => {
        const io = capture(writeStack("t", stackRaw()));
        expect(await doctorMain(["--help"], io)).toBe(0);
        expect(io.stdout).toContain("usage: npm run doctor -- --stack NAME [--url URL] [--project GROUP/NAME] [--format text|json]\n       npm run doctor -- --url URL --project GROUP/NAME [--format text|json]");
        expect(io.stdout).toMatch(/exit codes:\n {2}0 {2}nothing wrong found \(skipped checks allowed[^]*?\n {2}1 {2}a problem was found[^]*?\n {2}2 {2}usage error \(bad options, no such stack file\), or GitLab could not be reached/);
    });

    it("usage errors exit 2: an unknown stack, a bad --format, a bare argument", async () => {
        const dir = writeStack("t", stackRaw());
        for (const argv of [["--stack", "nope"], ["--stack", "t", "--format", "yaml"], ["t"]]) {
            const io = capture(dir);
            expect(await doctorMain(argv, io, { aws: unreachableAws })).toBe(2);
            expect(io.stdout).toBe("");
        }
        const io = capture(dir);
        await doctorMain(["--stack", "nope"], io, { aws: unreachableAws });
        expect(io.stderr).toContain("error: no stack file stacks/Pulumi.nope.yaml; stacks here: t");
    });

    it("an invalid config: every error listed, nothing else checked, exit 1", async () => {
        const dir = writeStack("t", stackRaw((raw) => ((raw.environment.image = "registry.example.com/ml/pytorch-cuda:latest"), (raw.team.members[1].role = "admin"))));
        const io = capture(dir, { GITLAB_TOKEN: "glpat-never-used" });
        expect(await doctorMain(["--stack", "t"], io, { aws: unreachableAws })).toBe(1);
        expect(io.stdout).toContain("✗ config: stacks/Pulumi.t.yaml has 2 config errors; nothing else was checked");
        expect(io.stdout).toContain("· ml-team-env:team.members[1].role = \"admin\": must be one of: developer, maintainer");
        expect(io.stdout).toContain("ml-team-env:environment.image");
        expect(io.stdout).not.toContain("GitLab");
    });

    it("--format json: the checks with their status, a summary, the exit code; nothing else on stdout", async () => {
        const dir = writeStack("t", stackRaw((raw) => (raw.cluster.availabilityZoneCount = 3)), ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]);
        const io = capture(dir);
        expect(await doctorMain(["--stack", "t", "--format", "json"], io, { aws: noAwsCredentials })).toBe(0);
        const json = JSON.parse(io.stdout);
        expect(json).toMatchObject({ formatVersion: DOCTOR_FORMAT_VERSION, stack: "t", stackFile: "stacks/Pulumi.t.yaml", exitCode: 0, targets: { gitlab: "https://gitlab.com", aws: "us-west-2" } });
        expect(json.summary).toEqual({ ok: 2, problem: 0, skipped: json.checks.length - 2 });
        expect(json.checks.find((c: { id: string }) => c.id === "aws.quota.L-DB2E81BA")).toMatchObject({ status: "skipped", details: ["GPU pool: 3 zones × 4 = 12 nodes × 4 vCPUs (g5.xlarge) = 48"] });
        expect(io.stderr).toContain("checking AWS in us-west-2...");
    });

    it("warns in the config check when the cluster's Kubernetes version leaves standard support within 90 days", async () => {
        const dir = writeStack("t", stackRaw((raw) => (raw.cluster.kubernetesVersion = "1.35")), ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]);
        const io = capture(dir);
        expect(await doctorMain(["--stack", "t", "--format", "json"], io, { aws: noAwsCredentials, today: new Date("2027-01-10T09:00:00Z") })).toBe(0);
        const config = JSON.parse(io.stdout).checks.find((c: { id: string }) => c.id === "config.valid");
        expect(config.details).toEqual(expect.arrayContaining([expect.stringMatching(/^warning: cluster\.kubernetesVersion 1\.35 leaves EKS standard support on 2027-03-27, in 76 days: .*Upgrade to 1\.36 or 1\.37 now/)]));
    });

    it("reports what only pulumi up refuses: the example's documentation range for the API endpoint", async () => {
        const dir = writeStack("t", stackRaw((raw) => (raw.cluster.publicAccessCidrs = ["203.0.113.0/24"])), ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]);
        const io = capture(dir);
        expect(await doctorMain(["--stack", "t", "--format", "json"], io, { aws: noAwsCredentials })).toBe(1);
        const check = JSON.parse(io.stdout).checks.find((c: { id: string }) => c.id === "config.deploy");
        expect(check).toMatchObject({ status: "problem", summary: "`pulumi up` would refuse stacks/Pulumi.t.yaml: ml-team-env:cluster.publicAccessCidrs" });
        expect(check.details).toEqual([expect.stringMatching(/203\.0\.113\.0\/24 is a documentation range/)]);
    });

    it("a problem and the summary line: exit 1", async () => {
        const dir = writeStack("t", stackRaw(), ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]);
        const io = capture(dir);
        const aws = fakeAws({ serviceQuota: async () => ({ value: 0, name: "Q", isDefault: false }) });
        expect(await doctorMain(["--stack", "t"], io, { aws })).toBe(1);
        expect(io.stdout).toMatch(/\n\d+ ok, 2 problems, \d+ skipped \(exit 1\)\. Fix the problems above before `pulumi up`\.\n$/);
    });
});
