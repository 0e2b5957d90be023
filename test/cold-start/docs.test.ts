import * as fs from "fs";
import * as path from "path";
import { settingsOf } from "../../infra/cli/bench-cold-start";
import { DEFAULT_KUBERNETES_VERSION } from "../../infra/cluster/kubernetes-versions";
import { optionMarkdown, optionRows } from "../../infra/cold-start/options";
import { stackConfig } from "../cluster/fixtures";
import { ROOT } from "../harness";

describe("the cold-start table in the docs", () => {
    const config = stackConfig("dev");
    if (config.cluster.mode !== "eks") throw new Error("the dev stack is an EKS stack");
    const rows = optionRows(config.cluster, settingsOf(config), config.cluster.availabilityZoneCount);
    const table = optionMarkdown(rows);

    it.each(["README.md", "docs/cluster.md"])("%s shows the dev stack's table as the model computes it today", (file) => {
        expect(fs.readFileSync(path.join(ROOT, file), "utf8")).toContain(table);
    });

    it("holds what the README claims: over 6 minutes before, under 3 with the image cache", () => {
        expect(rows[0]!.budget.totalSeconds).toBeGreaterThan(360);
        expect(rows.find((r) => r.option.startsWith("Bottlerocket image cache"))!.budget.totalSeconds).toBeLessThanOrEqual(180);
        expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toMatch(/The image cache brings a cold GPU notebook under 3 minutes/);
    });
});

describe("the image cache's build command in the docs", () => {
    it("uses the default Kubernetes version (the builder boots that version's Bottlerocket AMI)", () => {
        const docs = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
        const versions = docs.flatMap((file) => [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/--kubernetes-version (\d+\.\d+)/g)].map((m) => `${file}: ${m[1]}`));
        expect(versions.length).toBeGreaterThan(0);
        expect(versions.filter((v) => !v.endsWith(`: ${DEFAULT_KUBERNETES_VERSION}`))).toEqual([]);
    });
});
