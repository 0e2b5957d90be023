import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPlacement, SystemPlacement } from "./gpu-placement";

/**
 * What every workload needs from the cluster, whichever mode made it (`GpuCluster` on
 * EKS or `ExistingCluster`). Downstream components take this and nothing else.
 */
export interface ClusterHandle {
    /** Kubernetes provider every namespaced resource must use. */
    readonly provider: k8s.Provider;
    /** How a pod lands on a GPU node. */
    readonly gpuPlacement: GpuPlacement;
    /** How a pod lands on a node whose GPUs are time-sliced (one `nvidia.com/gpu` is a slice), where the cluster has such a pool. */
    readonly sharedGpuPlacement?: GpuPlacement;
    /** Where every GPU node is, for DaemonSets on all of them (the GPU pre-puller). @default gpuPlacement */
    readonly gpuNodesPlacement?: SystemPlacement;
    /** Where the hub, proxy, runner managers and add-ons run. */
    readonly systemPlacement: SystemPlacement;
    /** Where CPU notebooks and CPU CI jobs run (never the system nodes on EKS). */
    readonly userPlacement: SystemPlacement;
    /** StorageClass for users' volumes (encrypted, reclaim policy Retain). */
    readonly userStorageClassName: pulumi.Input<string>;
    /** Cluster name, for outputs. */
    readonly clusterName: pulumi.Output<string>;
    /** kubeconfig, always a Pulumi secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The AWS provider of the cluster's account and region, where this package made the cluster (EKS); the hub's certificate and DNS use it. */
    readonly awsProvider?: aws.Provider;
}
