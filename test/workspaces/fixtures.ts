import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../../infra/cluster/cluster-handle";
import { GpuPlacement, NVIDIA_GPU_RESOURCE, SystemPlacement } from "../../infra/cluster/gpu-placement";
import { poolPlacement } from "../../infra/cluster/node-pools";
import { existingPlacements } from "../../infra/cluster/existing-cluster";
import { ClusterTeamConfig } from "../../infra/config/validate";
import { hubHttps } from "../../infra/team-environment";
import { hubValues } from "../../infra/workspaces/hub-values";
import { JupyterHub } from "../../infra/workspaces/jupyterhub";
import { stackConfig } from "../cluster/fixtures";

export const OAUTH_SECRET = "gloas-known-oauth-secret-1f2e3d";

/** The hub certificate's ARN with `https: acm` (the HubCertificate's output in the program). */
export const TEST_CERTIFICATE_ARN = "arn:aws:acm:us-west-2:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100";

/**
 * A stack file's YAML with the hub's HTTPS switched from `acm` to `letsencrypt`: Traefik's
 * autohttps pod gets the certificate (and the Route 53 zone, acm-only, goes).
 */
export function withLetsEncrypt(yaml: string): string {
    if (!/^ {4}https: acm$/m.test(yaml)) throw new Error("the stack file has no `https: acm` to switch to letsencrypt");
    return yaml.replace(/^ {4}https: acm$/m, "    https: letsencrypt\n    letsEncryptEmail: ml-platform@example.com").replace(/\n\s*route53Zone: .*/, "");
}

/** The EKS mode's placements, with one GPU per node and four in all. */
function eksPlacements(): { gpu: GpuPlacement; system: SystemPlacement; user: SystemPlacement } {
    return { gpu: { ...poolPlacement("gpu"), resourceName: NVIDIA_GPU_RESOURCE, gpusPerNode: 1, maxGpus: 4 }, system: poolPlacement("system"), user: poolPlacement("user") };
}

/** A cluster handle built by hand, as the EKS mode hands it over. */
export function testCluster(): ClusterHandle {
    const placements = eksPlacements();
    return {
        provider: new k8s.Provider("test-k8s", { kubeconfig: pulumi.secret("{}"), enableServerSideApply: true }),
        gpuPlacement: placements.gpu,
        systemPlacement: placements.system,
        userPlacement: placements.user,
        userStorageClassName: pulumi.output("gp3-encrypted-retain"),
        clusterName: pulumi.output("test"),
        kubeconfig: pulumi.secret("{}"),
    };
}

/** The hub for a validated stack config, on a hand-made cluster. */
export function hubFor(config: ClusterTeamConfig, members = config.team.members): JupyterHub {
    const hub = config.jupyterhub;
    return new JupyterHub("hub", {
        cluster: testCluster(),
        image: config.image,
        host: hub.host,
        https: hubHttps(config, TEST_CERTIFICATE_ARN),
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
    const placements = config.cluster.mode === "existing" ? existingPlacements(config.cluster) : eksPlacements();
    return hubValues({
        host: config.jupyterhub.host,
        https: hubHttps(config, TEST_CERTIFICATE_ARN),
        hubNamespace: "jupyterhub",
        gitlabUrl: config.gitlab.url,
        oauthClientId: config.jupyterhub.oauthClientId,
        idleTimeoutMinutes: config.jupyterhub.idleTimeoutMinutes,
        storageGiB: config.jupyterhub.storageGiB,
        storageClassName: "gp3-encrypted-retain",
        profiles: config.jupyterhub.profiles,
        image: config.image,
        gpuPlacement: placements.gpu,
        systemPlacement: placements.system,
        userPlacement: placements.user,
    });
}
