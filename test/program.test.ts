import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ConfigValidationError } from "../infra/config/load";
import { addMember, removeMember } from "../infra/onboarding/stack-members";
import { PROJECT } from "../infra/config/schema";
import { MockRunResult, runWithMocks } from "../infra/plan/mock-runtime";
import { readStackFile } from "../infra/plan/stack-file";
import { teamEnvironmentProgram } from "../infra/program";
import { ROOT, runStack, runStackYaml } from "./harness";
import { BOOTSTRAP_IMAGE } from "../infra/environment/image/files";
import { TODAY } from "./config/fixtures";

let dev: MockRunResult<unknown>;
beforeAll(async () => {
    dev = await runStack("dev");
});

describe("the program under mocks", () => {
    it("builds the dev stack's TeamEnvironment with the stack outputs", async () => {
        const env = dev.resources.find((r) => r.type === "ml-team-env:index:TeamEnvironment");
        expect(env?.name).toBe("dev");
        expect(dev.outputs.image).toBe(BOOTSTRAP_IMAGE);
        expect(Object.keys(dev.outputs)).toContain("jupyterhubDnsRecord");
    });

    it("exports coldStart: the modelled GPU notebook from zero, and no warm-capacity cost since dev keeps none", () => {
        // dev's g5.xlarge pool with its defaults (250 MiB/s, FastImagePull, image outside AWS):
        // the total `npm run bench` shows as configured (test/cli/bench-cold-start.test.ts).
        expect(dev.outputs.coldStart).toEqual({ gpuNotebookFromZero: "4 min 19 s (modelled; npm run bench shows the steps)" });
    });
});

describe("the program with a bad stack config", () => {
    it("stops before registering anything, with every config error and no stack trace", async () => {
        const yaml = fs
            .readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8")
            .replace("gpus: 2", "gpus: -2")
            .replace("role: developer", "role: owner");
        const run = await runStackYaml("dev", yaml, true);
        const error = run.failure as Error | undefined;
        expect(error).toBeInstanceOf(ConfigValidationError);
        // Only the stack itself was registered: no resource of the environment.
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
        expect(error!.message).toContain("stacks/Pulumi.dev.yaml has 2 config errors:");
        expect(error!.message).toContain("ml-team-env:team.members[0].gpus = -2");
        expect(error!.message).toContain('ml-team-env:team.members[1].role = "owner"');
        expect(pulumi.RunError.isInstance(error)).toBe(true);
    });
});

describe("pulumi up with the dev stack as shipped", () => {
    it("stops before anything is made: the API endpoint's placeholder range must be changed first", async () => {
        const file = readStackFile("dev", ROOT);
        const run = await runWithMocks(() => teamEnvironmentProgram({ today: TODAY }), { project: PROJECT, stack: "dev", config: file.config, secretConfigKeys: file.secretKeys, preview: false, captureFailure: true });
        expect(run.failure).toBeInstanceOf(ConfigValidationError);
        expect((run.failure as Error).message).toMatch(/ml-team-env:cluster\.publicAccessCidrs = \["203\.0\.113\.0\/24"\]\n\s+203\.0\.113\.0\/24 is a documentation range/);
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });
});

describe("onboarding through the whole program", () => {
    const devYaml = () => fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");

    it("adding a member adds only their membership and workspace; every other input is unchanged", async () => {
        let team = devYaml();
        for (let i = 0; i < 9; i++) team = addMember(team, { username: `dev-${i}`, role: "developer", gpus: i % 2 });
        const before = await runStackYaml("dev", team);
        const after = await runStackYaml("dev", addMember(team, { username: "newcomer", role: "developer", gpus: 1 }));

        const old = new Map(before.resources.map((r) => [r.urn, r]));
        const added = after.resources.filter((r) => !old.has(r.urn));
        expect(added.map((r) => r.name).sort()).toEqual(
            [
                "dev-gitlab-member-newcomer",
                "dev-jupyterhub-newcomer",
                "dev-jupyterhub-newcomer",
                "dev-jupyterhub-newcomer-defaults",
                "dev-jupyterhub-newcomer-home",
                "dev-jupyterhub-newcomer-hub",
                "dev-jupyterhub-newcomer-hub",
                "dev-jupyterhub-newcomer-isolation",
                "dev-jupyterhub-newcomer-profiles",
                "dev-jupyterhub-newcomer-quota",
            ].sort(),
        );
        const changed = after.resources.filter((r) => old.has(r.urn) && JSON.stringify(old.get(r.urn)!.inputs) !== JSON.stringify(r.inputs));
        expect(changed.map((r) => r.type)).toEqual([]);
        expect(before.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.name).sort()).toEqual([
            "dev-cluster-autoscaler",
            "dev-cluster-calico",
            "dev-cluster-nvidia-device-plugin",
            "dev-jupyterhub",
            "dev-runners-cpu",
            "dev-runners-gpu",
        ]);
    });

    it("offboarding keeps the member's namespace and volume; onboarding them again adopts both and changes nothing else", async () => {
        const original = devYaml();
        const gone = removeMember(original, "bob");
        const back = addMember(gone, { username: "bob", role: "developer", gpus: 1 });
        const [left, returned] = [await runStackYaml("dev", gone), await runStackYaml("dev", back)];
        const byUrn = (rs: typeof left.resources) => new Map(rs.map((r) => [r.urn, r]));
        const removed = dev.resources.filter((r) => !byUrn(left.resources).has(r.urn));
        // What the member owns leaves Pulumi's state but stays in the cluster.
        expect(removed.filter((r) => r.retainOnDelete).map((r) => r.type).sort()).toEqual(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:PersistentVolumeClaim"]);
        // Back again: the same objects, same names, same inputs as before they left, created
        // with server-side apply and patchForce, so the retained ones are adopted (no AlreadyExists).
        const now = byUrn(returned.resources);
        expect([...now.keys()].sort()).toEqual(dev.resources.map((r) => r.urn).sort());
        for (const r of dev.resources) expect({ urn: r.urn, inputs: now.get(r.urn)!.inputs }).toEqual({ urn: r.urn, inputs: r.inputs });
        for (const r of removed.filter((x) => x.retainOnDelete)) expect(r.inputs.metadata.annotations["pulumi.com/patchForce"]).toBe("true");
        expect(returned.resources.find((r) => r.type === "pulumi:providers:kubernetes")!.inputs.enableServerSideApply).toBe("true");
    });
});

describe("the environment image everywhere", () => {
    it("pre-pulls the image on GPU nodes without taking a GPU, and notebooks run the same image", async () => {
        const run = dev;
        const ds = run.resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet" && r.inputs.metadata.name === "environment-image-pre-puller-gpu")!.inputs;
        const pod = ds.spec.template.spec;
        expect(pod.initContainers[0].image).toBe(BOOTSTRAP_IMAGE);
        expect(pod.nodeSelector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        for (const c of [...pod.initContainers, ...pod.containers]) {
            expect(Object.keys({ ...c.resources.requests, ...c.resources.limits })).not.toContain("nvidia.com/gpu");
        }
        const hub = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "dev-jupyterhub")!.inputs.values;
        expect(`${hub.singleuser.image.name}:${hub.singleuser.image.tag}`).toBe(pod.initContainers[0].image);
    });
});
