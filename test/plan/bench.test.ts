import { criticalPathLength } from "../../infra/cli/bench";
import { Plan } from "../../infra/plan/plan";

const r = (urn: string, dependencies: string[] = []) => ({ urn, type: "t", name: urn, parent: undefined, inputs: {}, dependencies });

describe("criticalPathLength", () => {
    it("is the longest dependency chain, ignoring unknown URNs", () => {
        const plan: Plan = {
            stack: "s",
            resources: [r("a"), r("b", ["a"]), r("c", ["b", "a"]), r("d", ["a", "gone"])],
            outputs: {},
            warnings: [],
            placeholderSecrets: [],
        };
        expect(criticalPathLength(plan)).toBe(3);
    });
});
