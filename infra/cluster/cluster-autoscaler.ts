import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubernetesVersion } from "../config/schema";
import { SystemPlacement } from "./gpu-placement";
import { clusterAutoscalerPolicy } from "./iam-policies";
import { ServiceAccountRole } from "./service-account-role";

/** The cluster-autoscaler chart, pinned. */
export const AUTOSCALER_CHART = { chart: "cluster-autoscaler", version: "9.50.0", repo: "https://kubernetes.github.io/autoscaler" } as const;

/** The autoscaler's minor version must match the cluster's (releases as kops pins them). */
const AUTOSCALER_IMAGE_BY_KUBERNETES: Readonly<Record<KubernetesVersion, string>> = {
    "1.31": "v1.31.4",
    "1.32": "v1.32.3",
    "1.33": "v1.33.1",
    "1.34": "v1.34.0",
};

/** Image tag of the autoscaler for a Kubernetes minor version (the config schema admits only these). */
export function autoscalerImageTag(kubernetesVersion: KubernetesVersion): string {
    return AUTOSCALER_IMAGE_BY_KUBERNETES[kubernetesVersion];
}

export const AUTOSCALER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "cluster-autoscaler" } as const;

/** Chart values: auto-discovery by cluster name, IRSA, system nodes. */
export function autoscalerValues(args: { clusterName: string; region: string; kubernetesVersion: KubernetesVersion; roleArn: string; placement: SystemPlacement }): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: args.region,
        autoDiscovery: { clusterName: args.clusterName },
        image: { tag: autoscalerImageTag(args.kubernetesVersion) },
        rbac: {
            serviceAccount: {
                create: true,
                name: AUTOSCALER_SERVICE_ACCOUNT.name,
                annotations: { "eks.amazonaws.com/role-arn": args.roleArn },
            },
        },
        nodeSelector: { ...args.placement.nodeSelector },
        tolerations: args.placement.tolerations.map((t) => ({ ...t })),
        extraArgs: {
            // Pick the group that wastes least; balance similar groups across zones.
            expander: "least-waste",
            "balance-similar-node-groups": true,
            // An idle GPU node goes after 10 minutes, so the pool returns to zero.
            "scale-down-unneeded-time": "10m",
            "skip-nodes-with-system-pods": false,
        },
    };
}

export interface ClusterAutoscalerArgs {
    readonly clusterName: string;
    readonly region: string;
    readonly kubernetesVersion: KubernetesVersion;
    readonly oidcProviderArn: pulumi.Input<string>;
    readonly issuerUrl: pulumi.Input<string>;
    readonly placement: SystemPlacement;
    readonly provider: k8s.Provider;
    readonly tags?: Record<string, string>;
}

/** cluster-autoscaler with a least-privilege service-account role. */
export class ClusterAutoscaler extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ClusterAutoscaler", name, {}, opts);
        const role = new ServiceAccountRole(
            `${name}-role`,
            {
                oidcProviderArn: args.oidcProviderArn,
                issuerUrl: args.issuerUrl,
                namespace: AUTOSCALER_SERVICE_ACCOUNT.namespace,
                serviceAccount: AUTOSCALER_SERVICE_ACCOUNT.name,
                inlinePolicy: clusterAutoscalerPolicy(args.clusterName),
                tags: args.tags,
            },
            { parent: this },
        );
        new k8s.helm.v3.Release(
            name,
            {
                name: "cluster-autoscaler",
                chart: AUTOSCALER_CHART.chart,
                version: AUTOSCALER_CHART.version,
                repositoryOpts: { repo: AUTOSCALER_CHART.repo },
                namespace: AUTOSCALER_SERVICE_ACCOUNT.namespace,
                values: role.roleArn.apply((roleArn) =>
                    autoscalerValues({ clusterName: args.clusterName, region: args.region, kubernetesVersion: args.kubernetesVersion, roleArn, placement: args.placement }),
                ),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
