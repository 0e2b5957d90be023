/**
 * ml-team-env as a library: importing it registers nothing, and the example program in
 * examples/gitlab-and-hub (a team's own program with its own config) runs under the mock runtime.
 */
import { runWithMocks } from "../infra/plan/mock-runtime";
import { gitlabAndHubProgram } from "../examples/gitlab-and-hub/program";

describe("the library entry (infra/lib.ts)", () => {
    it("registers nothing when imported", async () => {
        const lib = await import("../infra/lib");
        expect(typeof lib.GitLabProject).toBe("function");
        const run = await runWithMocks(() => ({}), { project: "team-notebooks", stack: "lab" });
        expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("builds the example's GitLab project and JupyterHub on an existing cluster from its own config", async () => {
        const config = {
            "team-notebooks:image": "harbor.lab.example.org/ml/pytorch-cuda:v2.8",
            "team-notebooks:members": JSON.stringify([{ username: "dana", role: "maintainer", gpus: 1 }]),
            "team-notebooks:gpusPerNode": "2",
            "team-notebooks:gpuNodeCount": "2",
            "team-notebooks:storageClassName": "ceph-retain",
            "team-notebooks:kubeconfig": "apiVersion: v1",
            "team-notebooks:gitlabUrl": "https://gitlab.lab.example.org",
            "team-notebooks:projectPath": "research/speech",
            "team-notebooks:hubHost": "notebooks.lab.example.org",
            "team-notebooks:ingressClassName": "traefik",
            "team-notebooks:oauthClientId": "abc",
            "team-notebooks:oauthClientSecret": "s3cret-oauth",
        };
        const run = await runWithMocks(() => gitlabAndHubProgram(), { project: "team-notebooks", stack: "lab", config, secretConfigKeys: ["team-notebooks:kubeconfig", "team-notebooks:oauthClientSecret"] });
        const types = new Set(run.resources.map((r) => r.type));
        expect(types.has("ml-team-env:gitlab:GitLabProject")).toBe(true);
        expect(types.has("ml-team-env:workspaces:JupyterHub")).toBe(true);
        expect([...types].filter((t) => t.startsWith("aws:"))).toEqual([]);
        expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name).sort()).toEqual(["jupyterhub", "jupyterhub-dana"]);
        expect(JSON.stringify(run.resources.map((r) => r.redactedInputs))).not.toContain("s3cret-oauth");
    });
});
