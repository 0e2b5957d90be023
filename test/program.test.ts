import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { ConfigValidationError } from "../infra/config/load";
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
