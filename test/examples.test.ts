/**
 * The runnable example (issue 22, surprise 9: it had no README, no stack file, no package entry and
 * imported ../../infra/lib): examples/gitlab-and-hub is a Pulumi project of its own that depends
 * on ml-team-env by name, and its own stack file runs under the SDK's mock runtime.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runWithMocks } from "../infra/plan/mock-runtime";
import { stackFileToConfig } from "../infra/plan/stack-file";
import { gitlabAndHubProgram } from "../examples/gitlab-and-hub/program";
import { ROOT } from "./harness";

const EXAMPLE = path.join(ROOT, "examples", "gitlab-and-hub");
const read = (f: string) => fs.readFileSync(path.join(EXAMPLE, f), "utf8");

describe("examples/gitlab-and-hub", () => {
    it("is a project of its own: README, Pulumi.yaml, a stack file, and a package entry that depends on ml-team-env", () => {
        for (const f of ["README.md", "Pulumi.yaml", "Pulumi.lab.yaml", "package.json", "tsconfig.json", "index.ts", "program.ts"]) expect(fs.existsSync(path.join(EXAMPLE, f))).toBe(true);
        const pkg = JSON.parse(read("package.json"));
        expect(pkg.dependencies).toEqual({ "ml-team-env": "file:../.." });
        expect((parse(read("Pulumi.yaml")) as { name: string }).name).toBe("team-notebooks");
        // The root package's entry is what `ml-team-env` resolves to.
        expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).main).toBe("infra/lib.ts");
    });

    it("imports the package by its name, never the repository's files", () => {
        for (const f of ["index.ts", "program.ts"]) expect(read(f)).not.toMatch(/from "\.\.\//);
        expect(read("program.ts")).toMatch(/from "ml-team-env"/);
    });

    it("runs from its own stack file: the GitLab project and the hub on the existing cluster, secrets kept secret", async () => {
        const file = stackFileToConfig(parse(read("Pulumi.lab.yaml")), "team-notebooks");
        const config = { ...file.config, "team-notebooks:kubeconfig": "apiVersion: v1", "team-notebooks:oauthClientSecret": "s3cret-oauth" };
        const run = await runWithMocks(() => gitlabAndHubProgram(), { project: "team-notebooks", stack: "lab", config, secretConfigKeys: ["team-notebooks:kubeconfig", "team-notebooks:oauthClientSecret"] });
        const types = new Set(run.resources.map((r) => r.type));
        expect(types.has("ml-team-env:gitlab:GitLabProject")).toBe(true);
        expect(types.has("ml-team-env:workspaces:JupyterHub")).toBe(true);
        expect([...types].filter((t) => t.startsWith("aws:"))).toEqual([]);
        expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name).sort()).toEqual(["jupyterhub", "jupyterhub-dana", "jupyterhub-eli"]);
        expect(run.resources.find((r) => r.inputs.kind === "gitlab:Project")!.inputs).toMatchObject({ path: "research/speech-models", mode: "adopt", gitlabUrl: "https://gitlab.lab.example.org" });
        expect(JSON.stringify(run.resources.map((r) => r.redactedInputs))).not.toContain("s3cret-oauth");
    });
});
