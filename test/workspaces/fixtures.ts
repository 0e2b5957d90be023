import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../../infra/cluster/cluster-handle";
import { GPU_TAINT, tolerationFor } from "../../infra/cluster/gpu-placement";
import { USER_TAINT } from "../../infra/cluster/node-pools";
import { existingGpuPlacement } from "../../infra/cluster/existing-cluster";
import { TeamConfig } from "../../infra/config/validate";
import { hubHttps } from "../../infra/team-environment";
import { hubValues } from "../../infra/workspaces/hub-values";
import { JupyterHub } from "../../infra/workspaces/jupyterhub";
import { stackConfig } from "../cluster/fixtures";

export const OAUTH_SECRET = "gloas-known-oauth-secret-1f2e3d";

/** A cluster handle built by hand, as the EKS mode hands it over. */
export function testCluster(): ClusterHandle {
    return {
        provider: new k8s.Provider("test-k8s", { kubeconfig: pulumi.secret("{}"), enableServerSideApply: true }),
        gpuPlacement: { nodeSelector: { "ml-team-env/pool": "gpu" }, tolerations: [tolerationFor(GPU_TAINT)], resourceName: "nvidia.com/gpu", gpusPerNode: 1, maxGpus: 4 },
        systemPlacement: { nodeSelector: { "ml-team-env/pool": "system" }, tolerations: [] },
        userPlacement: { nodeSelector: { "ml-team-env/pool": "user" }, tolerations: [tolerationFor(USER_TAINT)] },
        userStorageClassName: pulumi.output("gp3-encrypted-retain"),
        networkPolicyEnforcement: "calico",
        clusterName: pulumi.output("test"),
        kubeconfig: pulumi.secret("{}"),
    };
}

/** The hub for a validated stack config, on a hand-made cluster. */
export function hubFor(config: TeamConfig, members = config.team.members): JupyterHub {
    const hub = config.jupyterhub;
    return new JupyterHub("hub", {
        cluster: testCluster(),
        image: config.image,
        host: hub.host,
        https: hubHttps(config),
        gitlabUrl: config.gitlab.url,
        gitlabProjectId: 4242,
        oauthClientId: hub.oauthClientId,
        oauthClientSecret: pulumi.secret(OAUTH_SECRET),
        idleTimeoutMinutes: hub.idleTimeoutMinutes,
        storageGiB: hub.storageGiB,
        profiles: hub.profiles,
        members,
        registryDockerConfigJson: pulumi.secret('{"auths":{"registry.example.com":{"auth":"known-registry-auth"}}}'),
    });
}

/** The hub values of an example stack, as the component computes them. */
export function valuesFor(stack: string): Record<string, unknown> {
    const config = stackConfig(stack);
    const cluster = testCluster();
    const existing = config.cluster.mode === "existing" ? config.cluster : undefined;
    return hubValues({
        host: config.jupyterhub.host,
        https: hubHttps(config),
        hubNamespace: "jupyterhub",
        gitlabUrl: config.gitlab.url,
        oauthClientId: config.jupyterhub.oauthClientId,
        idleTimeoutMinutes: config.jupyterhub.idleTimeoutMinutes,
        storageGiB: config.jupyterhub.storageGiB,
        storageClassName: "gp3-encrypted-retain",
        profiles: config.jupyterhub.profiles,
        image: config.image,
        gpuPlacement: existing ? existingGpuPlacement(existing) : cluster.gpuPlacement,
        systemPlacement: existing ? { nodeSelector: existing.systemNodeSelector, tolerations: [] } : cluster.systemPlacement,
        userPlacement: existing ? { nodeSelector: existing.userNodeSelector, tolerations: [] } : cluster.userPlacement,
    });
}
