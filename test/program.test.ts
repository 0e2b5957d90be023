import { runStack } from "./harness";

describe("the program under mocks", () => {
    it("builds the dev stack's TeamEnvironment with the stack outputs", async () => {
        const run = await runStack("dev");
        const env = run.resources.find((r) => r.type === "ml-team-env:index:TeamEnvironment");
        expect(env?.name).toBe("dev");
        expect(run.outputs.image).toBe("registry.example.com/ml/pytorch-cuda:v2.8");
    });
});
