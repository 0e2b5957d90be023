/**
 * A team's own Pulumi program that uses ml-team-env as a library: the GitLab project with the
 * branch model as code, and JupyterHub with a workspace per member, on a Kubernetes cluster the
 * team already runs. Its config is its own (`team-notebooks:*`, see Pulumi.lab.yaml), not
 * ml-team-env's stack schema. README.md here says how to run it.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BRANCH_MODEL, ExistingCluster, GitLabProject, JupyterHub, parseEnvironmentImage, schema } from "ml-team-env";

export function gitlabAndHubProgram() {
    const config = new pulumi.Config("team-notebooks");
    const image = parseEnvironmentImage(config.require("image"));
    if (!image.ok) throw new pulumi.RunError(`team-notebooks:image ${image.error}`);
    const members = config.requireObject<schema.TeamMember[]>("members");

    const cluster = new ExistingCluster("lab", {
        cluster: {
            mode: "existing",
            gpuNodeSelector: { "nvidia.com/gpu.present": "true" },
            gpuNodeTaints: [],
            gpusPerNode: config.requireNumber("gpusPerNode"),
            gpuNodeCount: config.requireNumber("gpuNodeCount"),
            installDevicePlugin: false,
            storageClassName: config.require("storageClassName"),
            systemNodeSelector: {},
            userNodeSelector: {},
        },
        kubeconfig: config.requireSecret("kubeconfig"),
    });
    const gitlab = new GitLabProject("models", {
        url: config.require("gitlabUrl"),
        tier: "free",
        path: config.require("projectPath"),
        mode: "adopt",
        branchModel: DEFAULT_BRANCH_MODEL,
        members,
    });
    const hub = new JupyterHub("notebooks", {
        cluster,
        image: image.image,
        host: config.require("hubHost"),
        https: { mode: "ingress", ingressClassName: config.require("ingressClassName"), tlsSecretName: "notebooks-tls" },
        gitlabUrl: config.require("gitlabUrl"),
        gitlabProjectId: gitlab.projectId,
        oauthClientId: config.require("oauthClientId"),
        oauthClientSecret: config.requireSecret("oauthClientSecret"),
        profiles: [{ name: "gpu", displayName: "1 GPU", description: "", cpu: 4, memoryGiB: 16, gpus: 1, default: true }],
        members,
    });
    return { projectUrl: gitlab.webUrl, hubUrl: hub.url, namespaces: hub.memberNamespaces, branchRules: gitlab.enforcement };
}
