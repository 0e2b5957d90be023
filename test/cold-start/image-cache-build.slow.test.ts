import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { imageCacheSchema } from "../../infra/config/schema-cold-start";
import { ROOT } from "../harness";

const SCRIPT = path.join(ROOT, "infra/image-cache/build-image-cache.sh");
const FAKE_AWS = path.join(ROOT, "test/support/fake-aws");
const DIGEST = `sha256:${"d".repeat(64)}`;
const ARGS = ["--region", "us-west-2", "--kubernetes-version", "1.35", "--subnet-id", "subnet-0abc12345", "--instance-profile", "cache-builder", "--volume-size", "60"];

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
if (!shellcheck) console.warn("SKIPPED: shellcheck of build-image-cache.sh — shellcheck is not installed (apt-get install -y shellcheck).");
const withShellcheck = shellcheck ? it : it.skip;

/** Runs the shipped script with bash, the fake AWS CLI first on PATH; returns its output and the calls it made. */
function build(image: string, env: Record<string, string> = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-cache-"));
    const log = path.join(dir, "aws.log");
    const run = spawnSync("bash", [SCRIPT, ...ARGS, "--image", image], { encoding: "utf8", env: { ...process.env, PATH: `${FAKE_AWS}:${process.env.PATH}`, FAKE_AWS_LOG: log, POLL_SECONDS: "0", ...env } });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => l.split("\t")) : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...run, calls, verbs: calls.map((c) => `${c[0]} ${c[1]}`) };
}

describe("build-image-cache.sh (run with bash against a fake AWS CLI)", () => {
    it("launches, pulls into containerd's k8s.io namespace, snapshots the data volume tagged with the digest, terminates, and prints the stack block", () => {
        const run = build(`123456789012.dkr.ecr.us-west-2.amazonaws.com/ml/pytorch-cuda:v2.8@${DIGEST}`);
        expect(run.stderr).toMatch(/\[7\/7\] done/);
        expect(run.status).toBe(0);
        expect(run.verbs[0]).toBe("ssm get-parameter");
        expect(run.calls[0]).toContain("/aws/service/bottlerocket/aws-k8s-1.35/x86_64/latest/image_id");
        const launch = run.calls.find((c) => c[1] === "run-instances")!;
        expect(launch).toContain("DeviceName=/dev/xvdb,Ebs={VolumeSize=60,VolumeType=gp3,Encrypted=true,DeleteOnTermination=true}");
        const pull = run.calls.find((c) => c[1] === "send-command" && c.join(" ").includes("images pull"))!.join(" ");
        expect(pull).toContain(`ctr -a /run/containerd/containerd.sock -n k8s.io images pull --label io.cri-containerd.image=managed --platform linux/amd64 --user AWS:ecr-token 123456789012.dkr.ecr.us-west-2.amazonaws.com/ml/pytorch-cuda:v2.8@${DIGEST}`);
        const snapshot = run.calls.find((c) => c[1] === "create-snapshot")!;
        expect(snapshot).toContain("vol-0data000000000");
        expect(snapshot.join(" ")).toContain(`{Key=ml-team-env/image-digest,Value=${DIGEST}}`);
        // Stopped before the snapshot, terminated last.
        expect(run.verbs.indexOf("ec2 stop-instances")).toBeLessThan(run.verbs.indexOf("ec2 create-snapshot"));
        expect(run.verbs[run.verbs.length - 1]).toBe("ec2 terminate-instances");
        // The printed block is what the stack's schema takes.
        const block = parse(run.stdout) as { gpuNodePool: { imageCache: unknown } };
        expect(imageCacheSchema.parse(block.gpuNodePool.imageCache)).toEqual({ snapshotId: "snap-0123456789abcdef0", imageDigest: DIGEST, volumeSizeGiB: 60, initializationRateMiBps: 300 });
    });

    it("terminates the builder and makes no snapshot when the pull fails", () => {
        const run = build(`quay.io/jupyter/pytorch-notebook:cuda12@${DIGEST}`, { FAKE_AWS_FAIL: "pull" });
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/'pull image' ended Failed:\nctr: failed to resolve reference: not found/);
        expect(run.verbs).not.toContain("ec2 create-snapshot");
        expect(run.verbs[run.verbs.length - 1]).toBe("ec2 terminate-instances");
        // A public image: no ECR token, no credentials.
        expect(run.verbs).not.toContain("ecr get-login-password");
    });

    it("refuses an image without a digest before calling AWS", () => {
        const run = build("quay.io/jupyter/pytorch-notebook:cuda12");
        expect(run.status).toBe(2);
        expect(run.stderr).toMatch(/--image must be pinned by digest/);
        expect(run.calls).toEqual([]);
    });

    withShellcheck("passes shellcheck", () => {
        const lint = spawnSync("shellcheck", [SCRIPT, path.join(FAKE_AWS, "aws")], { encoding: "utf8" });
        expect(lint.stdout).toBe("");
        expect(lint.status).toBe(0);
    });
});
