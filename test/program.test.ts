import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ConfigValidationError } from "../infra/config/load";
import { addMember } from "../infra/onboarding/stack-members";
import { ROOT, runStack, runStackYaml } from "./harness";

describe("the program under mocks", () => {
    it("builds the dev stack's TeamEnvironment with the stack outputs", async () => {
        const run = await runStack("dev");
        const env = run.resources.find((r) => r.type === "ml-team-env:index:TeamEnvironment");
        expect(env?.name).toBe("dev");
        expect(run.outputs.image).toBe("registry.example.com/ml/pytorch-cuda:v2.8");
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

describe("onboarding through the whole program", () => {
    it("adding a member to a 50-member stack adds only their membership and workspace; every other input is unchanged", async () => {
        let fifty = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");
        for (let i = 0; i < 47; i++) fifty = addMember(fifty, { username: `dev-${i}`, role: "developer", gpus: i % 2 });
        const before = await runStackYaml("dev", fifty);
        const after = await runStackYaml("dev", addMember(fifty, { username: "newcomer", role: "developer", gpus: 1 }));

        const old = new Map(before.resources.map((r) => [r.urn, r]));
        const added = after.resources.filter((r) => !old.has(r.urn));
        expect(added.map((r) => r.name).sort()).toEqual(
            [
                "dev-gitlab-member-newcomer",
                "dev-jupyterhub-newcomer",
                "dev-jupyterhub-newcomer",
                "dev-jupyterhub-newcomer-defaults",
                "dev-jupyterhub-newcomer-hub",
                "dev-jupyterhub-newcomer-hub",
                "dev-jupyterhub-newcomer-ingress",
                "dev-jupyterhub-newcomer-quota",
            ].sort(),
        );
        const changed = after.resources.filter((r) => old.has(r.urn) && JSON.stringify(old.get(r.urn)!.inputs) !== JSON.stringify(r.inputs));
        expect(changed.map((r) => r.type)).toEqual([]);
        expect(before.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release")).toHaveLength(3);
    });
});

describe("the environment image everywhere", () => {
    it("pre-pulls the image on GPU nodes without taking a GPU, and notebooks run the same image", async () => {
        const run = await runStack("dev");
        const ds = run.resources.find((r) => r.type === "kubernetes:apps/v1:DaemonSet")!.inputs;
        const pod = ds.spec.template.spec;
        expect(pod.initContainers[0].image).toBe("registry.example.com/ml/pytorch-cuda:v2.8");
        expect(pod.nodeSelector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        for (const c of [...pod.initContainers, ...pod.containers]) {
            expect(Object.keys({ ...c.resources.requests, ...c.resources.limits })).not.toContain("nvidia.com/gpu");
        }
        const hub = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "dev-jupyterhub")!.inputs.values;
        expect(`${hub.singleuser.image.name}:${hub.singleuser.image.tag}`).toBe(pod.initContainers[0].image);
    });
});
