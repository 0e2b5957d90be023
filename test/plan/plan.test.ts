import { planJson, planStack, renderPlan } from "../../infra/plan/plan";
import { readStackFile, stackFileToConfig } from "../../infra/plan/stack-file";
import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";

const KNOWN_OAUTH_SECRET = "oauth-secret-5f1d2c7e-known";
const KNOWN_TOKEN = "glpat-known-token-9a8b7c6d";

describe("the offline plan", () => {
    it.each(["dev", "onprem"])("plans the %s stack and says nothing was deployed", async (stack) => {
        const result = await planStack(stack, readStackFile(stack, ROOT));
        if (!result.ok) throw new Error(JSON.stringify(result.errors));
        const text = renderPlan(result.plan);
        expect(text).toMatch(/NOTHING WAS DEPLOYED/);
        expect(text).toMatch(/Resources by type:/);
        expect(text).toMatch(/ml-team-env:index:TeamEnvironment\s+/);
    });

    it("lists every resource with its parent in the JSON, and no secret in plain text", async () => {
        const file = readStackFile("dev", ROOT);
        const config = { ...file.config, "ml-team-env:jupyterhubOAuthClientSecret": KNOWN_OAUTH_SECRET };
        const saved = process.env.GITLAB_TOKEN;
        process.env.GITLAB_TOKEN = KNOWN_TOKEN;
        try {
            const result = await planStack("dev", { config, secretKeys: ["ml-team-env:jupyterhubOAuthClientSecret"] });
            if (!result.ok) throw new Error(JSON.stringify(result.errors));
            const json = planJson(result.plan);
            const urns = new Set(json.resources.map((r) => r.urn));
            for (const r of json.resources) {
                expect(Object.keys(r).sort()).toEqual(["dependencies", "inputs", "name", "parent", "type", "urn"]);
                // Every resource but the stack itself hangs under a parent that is in the plan.
                if (r.type !== "pulumi:pulumi:Stack") expect(urns.has(r.parent!)).toBe(true);
            }
            const text = JSON.stringify(json) + renderPlan(result.plan);
            expect(text).not.toContain(KNOWN_OAUTH_SECRET);
            expect(text).not.toContain(KNOWN_TOKEN);
        } finally {
            if (saved === undefined) delete process.env.GITLAB_TOKEN;
            else process.env.GITLAB_TOKEN = saved;
        }
    });

    it("returns config errors as data for an invalid stack", async () => {
        const text = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8").replace("gpus: 2", "gpus: -2");
        const result = await planStack("dev", stackFileToConfig(parse(text)));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.errors).toEqual([expect.objectContaining({ key: "ml-team-env:team.members[0].gpus", value: -2 })]);
    });

    it("treats secure: values as secret placeholders", () => {
        const f = stackFileToConfig({ config: { "ml-team-env:gitlabToken": { secure: "v1:abc" }, "aws:region": "us-west-2", team: { members: [] } } });
        expect(f.secretKeys).toEqual(["ml-team-env:gitlabToken"]);
        expect(f.config["ml-team-env:gitlabToken"]).toMatch(/placeholder/);
        expect(f.config["ml-team-env:team"]).toBe('{"members":[]}');
        expect(f.config["aws:region"]).toBe("us-west-2");
    });
});
