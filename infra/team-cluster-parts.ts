/**
 * The parts of the team environment that run on a cluster: the cluster itself, the runners, the
 * hub with a workspace per member (and its certificate and DNS record with `https: acm`), the
 * image pre-puller. A `cluster.mode: none` stack makes none of them.
 */
import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "./cluster";
import { ClusterHandle } from "./cluster/cluster-handle";
import { coldStartSummary } from "./cold-start/summary";
import { placeholderSecret, TeamSecrets } from "./config/load";
import { SECRET_KEYS } from "./config/schema";
import { ClusterTeamConfig } from "./config/validate";
import { ImagePrePuller } from "./environment/image-pre-puller";
import { prePullPools } from "./environment/pre-puller-spec";
import { GitLabProject } from "./gitlab/gitlab-project";
import { dnsInstructions } from "./https/dns-instructions";
import { HubCertificate } from "./https/hub-certificate";
import { HubDnsRecord } from "./https/hub-dns-record";
import { CiRunners } from "./runners/ci-runners";
import { HubHttps } from "./workspaces/hub-values";
import { JupyterHub } from "./workspaces/jupyterhub";
import { effectiveEgress } from "./workspaces/private-egress";

/** What the cluster parts give the TeamEnvironment's outputs. */
export interface ClusterPartsOutputs {
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly jupyterhubUrl: pulumi.Output<string>;
    readonly jupyterhubDnsRecord: pulumi.Output<string>;
    readonly memberNamespaces: pulumi.Output<Record<string, string>>;
    readonly coldStart: pulumi.Output<Record<string, string> | undefined>;
}

/**
 * The hub's HTTPS setup from the validated config (validation has required what each mode
 * needs); with `acm`, the certificate's ARN comes from the HubCertificate the caller made.
 */
export function hubHttps<Arn>(config: Pick<ClusterTeamConfig, "jupyterhub">, certificateArn?: Arn): HubHttps<Arn> {
    const hub = config.jupyterhub;
    switch (hub.https) {
        case "acm":
            if (certificateArn === undefined) throw new Error("https: acm needs the hub certificate's ARN");
            return { mode: "acm", certificateArn };
        case "letsencrypt":
            return { mode: "letsencrypt", contactEmail: hub.letsEncryptEmail! };
        default:
            return { mode: "ingress", ingressClassName: hub.ingressClassName!, tlsSecretName: hub.tlsSecretName, ...(hub.clusterIssuer ? { clusterIssuer: hub.clusterIssuer } : {}) };
    }
}

/**
 * With `https: acm`: the hub's certificate, made before the hub (its load balancer's listener
 * needs it issued); with `route53Zone`, the hub's own record after it, once the load balancer has
 * a name. Returns what the hub takes and the `jupyterhubDnsRecord` text.
 */
function acmHttps(name: string, config: ClusterTeamConfig, cluster: ClusterHandle, opts: pulumi.ComponentResourceOptions): { certificate: HubCertificate; dnsRecord: (hub: JupyterHub) => pulumi.Output<string> } {
    const { host, route53Zone } = config.jupyterhub;
    if (!cluster.awsProvider) throw new Error("https: acm needs an EKS cluster made by this stack");
    const provider = cluster.awsProvider;
    const certificate = new HubCertificate(`${name}-hub-certificate`, { host, provider, ...(route53Zone ? { route53Zone } : {}) }, opts);
    const dnsRecord = (hub: JupyterHub) => {
        if (route53Zone && certificate.zoneId) {
            const loadBalancer = hub.loadBalancer.apply((lb) => {
                if (!lb) throw new Error(`the hub's proxy-public Service has no load balancer address: check \`kubectl -n jupyterhub describe service proxy-public\``);
                return lb;
            });
            const record = new HubDnsRecord(`${name}-hub-dns`, { host, zoneId: certificate.zoneId, loadBalancer, provider }, opts);
            // Said once the record exists.
            return pulumi.all([record.fqdn, loadBalancer]).apply(([, lb]) => dnsInstructions({ mode: "acm", host, route53Zone, loadBalancer: lb }));
        }
        return pulumi.all([hub.loadBalancer, certificate.validationRecord]).apply(([loadBalancer, validation]) => dnsInstructions({ mode: "acm", host, validation, loadBalancer }));
    };
    return { certificate, dnsRecord };
}

/** The cluster, its runners, the hub and the image pre-puller, as children of the TeamEnvironment. */
export function clusterParts(name: string, config: ClusterTeamConfig, secrets: TeamSecrets, gitlab: GitLabProject, opts: pulumi.ComponentResourceOptions): ClusterPartsOutputs {
    const cluster = createCluster(`${name}-cluster`, config, secrets, opts);
    if (config.runners.enabled) {
        new CiRunners(
            `${name}-runners`,
            {
                cluster,
                gitlabUrl: config.gitlab.url,
                projectId: gitlab.projectId,
                image: config.image,
                concurrent: config.runners.concurrent,
                cpuTags: config.runners.cpuTags,
                gpuTags: config.runners.gpuTags,
                gpusPerJob: config.runners.gpusPerJob,
                cpuJob: config.runners.cpuJob,
                gpuJob: config.runners.gpuJob,
                tokenRotation: config.runners.tokenRotation,
                jobEgressCidrs: config.runners.jobEgressCidrs,
                owner: gitlab.owner,
                ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
            },
            opts,
        );
    }

    const hubConfig = config.jupyterhub;
    const acm = hubConfig.https === "acm" ? acmHttps(name, config, cluster, opts) : undefined;
    const hub = new JupyterHub(
        `${name}-jupyterhub`,
        {
            cluster,
            image: config.image,
            host: hubConfig.host,
            https: hubHttps(config, acm?.certificate.certificateArn),
            gitlabUrl: config.gitlab.url,
            gitlabProjectId: gitlab.projectId,
            oauthClientId: hubConfig.oauthClientId,
            oauthClientSecret: secrets.jupyterhubOAuthClientSecret ?? placeholderSecret(SECRET_KEYS.jupyterhubOAuthClientSecret),
            idleTimeoutMinutes: hubConfig.idleTimeoutMinutes,
            storageGiB: hubConfig.storageGiB,
            profiles: hubConfig.profiles,
            members: config.team.members,
            privateEgress: effectiveEgress(hubConfig.privateEgress, config.gitlab.url),
            ...(secrets.registryDockerConfigJson ? { registryDockerConfigJson: secrets.registryDockerConfigJson } : {}),
        },
        opts,
    );

    // The GPU pre-puller runs on every GPU pool's nodes (a sharing pool's too).
    const prePull = prePullPools(config.environment, { gpu: cluster.gpuNodesPlacement ?? cluster.gpuPlacement, user: cluster.userPlacement });
    if (Object.keys(prePull).length > 0) {
        // In the hub's namespace: it exists in both cluster modes and holds the pull Secret.
        new ImagePrePuller(`${name}-image-pre-puller`, { image: config.image, pools: prePull, provider: cluster.provider, namespace: hub.namespace }, opts);
    }
    return {
        clusterName: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        jupyterhubUrl: hub.url,
        jupyterhubDnsRecord: acm ? acm.dnsRecord(hub) : hub.dnsRecord,
        memberNamespaces: hub.memberNamespaces,
        coldStart: pulumi.output(coldStartSummary(config)),
    };
}
