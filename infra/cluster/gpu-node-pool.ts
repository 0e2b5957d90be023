import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { acceleratorLabelFor } from "./gpu-instance-types";
import { GPU_TAINT, GpuPlacement, NVIDIA_GPU_RESOURCE, Taint, tolerationFor } from "./gpu-placement";
import { nodeLaunchTemplateArgs } from "./node-launch-template";

/** The label every node of a pool carries, naming the pool. */
export const POOL_LABEL = "ml-team-env/pool";

/** Labels of GPU nodes: the pool, and the accelerator label the cluster autoscaler asks for. */
export function gpuNodeLabels(instanceTypes: readonly string[]): Record<string, string> {
    return { [POOL_LABEL]: "gpu", "k8s.amazonaws.com/accelerator": acceleratorLabelFor(instanceTypes) };
}

/** The EKS API spells taint effects in upper snake case. */
export function eksTaintEffect(effect: Taint["effect"]): "NO_SCHEDULE" | "PREFER_NO_SCHEDULE" | "NO_EXECUTE" {
    return effect === "NoSchedule" ? "NO_SCHEDULE" : effect === "PreferNoSchedule" ? "PREFER_NO_SCHEDULE" : "NO_EXECUTE";
}

/**
 * Tags the cluster autoscaler reads on the node group's Auto Scaling group. Discovery tags
 * let it find the group; node-template tags describe a node it has never seen, which is the
 * only way it can know, with the pool at zero, that a new node would carry the labels, the
 * taint and the GPUs a pending pod needs.
 */
export function autoscalerGroupTags(clusterName: string, labels: Record<string, string>, taint: Taint, gpusPerNode: number): Record<string, string> {
    const prefix = "k8s.io/cluster-autoscaler";
    const tags: Record<string, string> = {
        [`${prefix}/enabled`]: "true",
        [`${prefix}/${clusterName}`]: "owned",
        [`${prefix}/node-template/taint/${taint.key}`]: `${taint.value}:${taint.effect}`,
        [`${prefix}/node-template/resources/${NVIDIA_GPU_RESOURCE}`]: String(gpusPerNode),
    };
    for (const [k, v] of Object.entries(labels)) tags[`${prefix}/node-template/label/${k}`] = v;
    return tags;
}

/** Whether the AMI ships the NVIDIA device plugin (Bottlerocket's NVIDIA variants do; AL2023's do not). */
export function amiShipsDevicePlugin(amiType: string): boolean {
    return amiType.startsWith("BOTTLEROCKET") && amiType.includes("NVIDIA");
}

export interface GpuNodePoolArgs {
    /** Name of the EKS cluster. */
    readonly clusterName: pulumi.Input<string>;
    /** Plain cluster name, for the autoscaler's tags (known before the cluster exists). */
    readonly clusterNameForTags: string;
    /** Role the nodes run as. */
    readonly nodeRoleArn: pulumi.Input<string>;
    /** Private subnets for the nodes. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** GPU instance types, all with the same GPU count. */
    readonly instanceTypes: readonly string[];
    /** GPUs on one node. */
    readonly gpusPerNode: number;
    /** EKS AMI type. @default "AL2023_x86_64_NVIDIA" */
    readonly amiType?: "AL2023_x86_64_NVIDIA" | "BOTTLEROCKET_x86_64_NVIDIA";
    /** @default "ON_DEMAND" */
    readonly capacityType?: "ON_DEMAND" | "SPOT";
    /** Fewest nodes; 0 lets an idle pool cost nothing. @default 0 */
    readonly minSize?: number;
    /** Nodes at creation. @default 0 */
    readonly desiredSize?: number;
    /** Most nodes. */
    readonly maxSize: number;
    /** Root (AL2023) or data (Bottlerocket) volume size; CUDA images are large. @default 200 */
    readonly diskSizeGiB?: number;
    readonly tags?: Record<string, string>;
}

/**
 * An EKS managed node group of GPU instances, tainted so that only pods asking for a GPU
 * land on it, and tagged so the cluster autoscaler can scale it from zero.
 */
export class GpuNodePool extends pulumi.ComponentResource {
    readonly nodeGroupName: pulumi.Output<string>;
    /** How a pod lands on this pool. */
    readonly placement: GpuPlacement;
    /** Whether the device plugin must be installed for this pool's AMI. */
    readonly needsDevicePlugin: boolean;

    constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:GpuNodePool", name, {}, opts);
        const amiType = args.amiType ?? "AL2023_x86_64_NVIDIA";
        const tags = args.tags ?? {};
        const labels = gpuNodeLabels(args.instanceTypes);
        const maxSize = args.maxSize;

        const launchTemplate = new aws.ec2.LaunchTemplate(name, nodeLaunchTemplateArgs({ amiType, diskSizeGiB: args.diskSizeGiB ?? 200, tags: { ...tags, Name: name } }), { parent: this });
        const nodeGroup = new aws.eks.NodeGroup(
            name,
            {
                clusterName: args.clusterName,
                nodeRoleArn: args.nodeRoleArn,
                subnetIds: args.subnetIds,
                amiType,
                instanceTypes: [...args.instanceTypes],
                capacityType: args.capacityType ?? "ON_DEMAND",
                scalingConfig: { minSize: args.minSize ?? 0, desiredSize: args.desiredSize ?? 0, maxSize },
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                labels,
                taints: [{ key: GPU_TAINT.key, value: GPU_TAINT.value, effect: eksTaintEffect(GPU_TAINT.effect) }],
                updateConfig: { maxUnavailable: 1 },
                tags,
            },
            // The autoscaler owns the size once the pool exists.
            { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
        );

        // EKS does not copy node-group tags to the Auto Scaling group: tag the group itself.
        const asgName = nodeGroup.resources.apply((r) => r[0]!.autoscalingGroups[0]!.name);
        for (const [key, value] of Object.entries(autoscalerGroupTags(args.clusterNameForTags, labels, GPU_TAINT, args.gpusPerNode))) {
            new aws.autoscaling.Tag(
                `${name}-${key.replace(/^k8s\.io\/cluster-autoscaler\//, "").replace(/[^A-Za-z0-9-]+/g, "-")}`,
                { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
                { parent: this },
            );
        }

        this.nodeGroupName = nodeGroup.nodeGroupName;
        this.needsDevicePlugin = !amiShipsDevicePlugin(amiType);
        this.placement = {
            nodeSelector: { [POOL_LABEL]: "gpu" },
            tolerations: [tolerationFor(GPU_TAINT)],
            resourceName: NVIDIA_GPU_RESOURCE,
            gpusPerNode: args.gpusPerNode,
            maxGpus: args.gpusPerNode * maxSize,
        };
        this.registerOutputs({ nodeGroupName: this.nodeGroupName });
    }
}
