import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EKS_VERSIONS, KubernetesVersion } from "./kubernetes-versions";
import { podPlacement, SystemPlacement } from "./gpu-placement";
import { clusterAutoscalerPolicy } from "./iam-policies";
import { ServiceAccountRole } from "./service-account-role";
import { chartSource } from "../charts/pinned-chart";

/** The cluster-autoscaler chart, pinned (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0, 2026-07-21). */
export const AUTOSCALER_CHART = { chart: "cluster-autoscaler", version: "9.59.0", repo: "https://kubernetes.github.io/autoscaler" } as const;

/** Image tag of the autoscaler for a Kubernetes minor version: its minor must match the cluster's. */
export function autoscalerImageTag(kubernetesVersion: KubernetesVersion): string {
    return EKS_VERSIONS[kubernetesVersion].autoscalerImageTag;
}

/**
 * The autoscaler's requests and memory limit, as its chart's values.yaml suggests (100m,
 * 300Mi; the chart sets none by default, so it would run BestEffort on the system nodes it
 * must keep alive). No CPU limit: it would only throttle a scale-up burst.
 */
export const AUTOSCALER_RESOURCES = { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "300Mi" } } as const;

export const AUTOSCALER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "cluster-autoscaler" } as const;

/** Chart values: auto-discovery by cluster name, IRSA, system nodes. */
export function autoscalerValues(args: { clusterName: string; region: string; kubernetesVersion: KubernetesVersion; roleArn: pulumi.Input<string>; placement: SystemPlacement }): Record<string, unknown> {
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
        ...podPlacement(args.placement),
        resources: { requests: { ...AUTOSCALER_RESOURCES.requests }, limits: { ...AUTOSCALER_RESOURCES.limits } },
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
                ...chartSource(AUTOSCALER_CHART),
                namespace: AUTOSCALER_SERVICE_ACCOUNT.namespace,
                // The role ARN as an output inside the values: only it is unknown before deploy, not the whole values.
                values: autoscalerValues({ clusterName: args.clusterName, region: args.region, kubernetesVersion: args.kubernetesVersion, roleArn: role.roleArn, placement: args.placement }),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
