import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NVIDIA_GPU_RESOURCE, Taint } from "./gpu-placement";
import { ImageVolume, nodeLaunchTemplateArgs } from "./node-launch-template";
import { warmCapacityActions, WarmSchedule } from "./warm-capacity";

/** The EKS API spells taint effects in upper snake case. */
export function eksTaintEffect(effect: Taint["effect"]): "NO_SCHEDULE" | "PREFER_NO_SCHEDULE" | "NO_EXECUTE" {
    return effect === "NoSchedule" ? "NO_SCHEDULE" : effect === "PreferNoSchedule" ? "PREFER_NO_SCHEDULE" : "NO_EXECUTE";
}

/**
 * The cluster autoscaler's node-template tags for an Auto Scaling group: the only way it knows,
 * with the group at zero, that a new node would carry these labels, taints and GPUs. The two
 * discovery tags (`k8s.io/cluster-autoscaler/enabled` and `/<cluster>`) are not here: EKS puts
 * them on managed node groups' groups itself, and tagging them too would hand them to Pulumi,
 * which would delete EKS's own tags on a rename.
 */
export function autoscalerTemplateTags(labels: Record<string, string>, taints: readonly Taint[], advertisedGpus: number): Record<string, string> {
    const prefix = "k8s.io/cluster-autoscaler/node-template";
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) tags[`${prefix}/label/${k}`] = v;
    for (const t of taints) tags[`${prefix}/taint/${t.key}`] = `${t.value}:${t.effect}`;
    if (advertisedGpus > 0) tags[`${prefix}/resources/${NVIDIA_GPU_RESOURCE}`] = String(advertisedGpus);
    return tags;
}

/** Whether the AMI ships the NVIDIA device plugin (Bottlerocket's NVIDIA variants do; AL2023's do not). */
export function amiShipsDevicePlugin(amiType: string): boolean {
    return amiType.startsWith("BOTTLEROCKET") && amiType.includes("NVIDIA");
}

export interface ZonalNodePoolArgs {
    /** Name of the EKS cluster. */
    readonly clusterName: pulumi.Input<string>;
    /** Role the nodes run as. */
    readonly nodeRoleArn: pulumi.Input<string>;
    /** One private subnet per availability zone: one node group each. */
    readonly subnetIds: readonly pulumi.Input<string>[];
    /** One group across all the subnets instead (for pools without zonal volumes). @default false */
    readonly spanZones?: boolean;
    readonly instanceTypes: readonly string[];
    readonly amiType: "AL2023_x86_64_STANDARD" | "AL2023_x86_64_NVIDIA" | "BOTTLEROCKET_x86_64_NVIDIA";
    /** Labels every node carries. */
    readonly labels: Record<string, string>;
    /** Taints every node carries. @default [] */
    readonly taints?: readonly Taint[];
    /** GPUs per node, for the autoscaler's template. @default 0 */
    readonly gpusPerNode?: number;
    /** Pods each GPU serves, where the pool time-slices its GPUs (the device plugin advertises GPUs × replicas). @default 1 */
    readonly replicasPerGpu?: number;
    /** @default "ON_DEMAND" */
    readonly capacityType?: "ON_DEMAND" | "SPOT";
    /** Fewest nodes per zone; 0 lets an idle pool cost nothing. @default 0 */
    readonly minSize?: number;
    /** Nodes per zone at creation. @default 0 */
    readonly desiredSize?: number;
    /** Most nodes per zone. */
    readonly maxSize: number;
    /** Root (AL2023) or data (Bottlerocket) volume size. */
    readonly diskSizeGiB: number;
    /** gp3 throughput and IOPS of that volume, and the snapshot it is restored from. @default gp3's baseline, empty */
    readonly imageVolume?: Omit<ImageVolume, "sizeGiB">;
    /** Base64 user data (nodeadm NodeConfig or Bottlerocket TOML), merged by EKS with its own. @default none */
    readonly userData?: string;
    /** Minimum nodes per zone on a schedule (scheduled actions on each zone's Auto Scaling group). @default none */
    readonly warmCapacity?: WarmSchedule;
    /** Cost-allocation tags for the node groups, their instances and volumes. @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * A pool of EKS managed node groups, one per availability zone, identical but for the subnet.
 * Volumes are zonal: the autoscaler builds a group-at-zero's template node in one zone only,
 * so a pod whose volume lives in another zone could never get a node from a group spanning
 * zones. One group per zone gives each zone its own, and `--balance-similar-node-groups`
 * keeps them even.
 */
export class ZonalNodePool extends pulumi.ComponentResource {
    readonly nodeGroupNames: pulumi.Output<string>[];

    constructor(name: string, args: ZonalNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ZonalNodePool", name, {}, opts);
        const tags = args.tags ?? {};
        const taints = args.taints ?? [];
        const launchTemplate = new aws.ec2.LaunchTemplate(
            name,
            nodeLaunchTemplateArgs({ amiType: args.amiType, volume: { sizeGiB: args.diskSizeGiB, ...args.imageVolume }, tags: { ...tags, Name: name }, ...(args.userData ? { userData: args.userData } : {}) }),
            { parent: this },
        );
        const templateTags = autoscalerTemplateTags(args.labels, taints, (args.gpusPerNode ?? 0) * (args.replicasPerGpu ?? 1));
        const groups: pulumi.Input<string>[][] = args.spanZones ? [[...args.subnetIds]] : args.subnetIds.map((id) => [id]);
        this.nodeGroupNames = groups.map((subnetIds, zone) => {
            const group = new aws.eks.NodeGroup(
                `${name}-${zone}`,
                {
                    clusterName: args.clusterName,
                    nodeRoleArn: args.nodeRoleArn,
                    subnetIds,
                    amiType: args.amiType,
                    instanceTypes: [...args.instanceTypes],
                    capacityType: args.capacityType ?? "ON_DEMAND",
                    scalingConfig: { minSize: args.minSize ?? 0, desiredSize: args.desiredSize ?? 0, maxSize: args.maxSize },
                    launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                    labels: { ...args.labels },
                    // Every taint has a value: the autoscaler drops valueless managed-node-group taints from its template.
                    taints: taints.map((t) => ({ key: t.key, value: t.value, effect: eksTaintEffect(t.effect) })),
                    updateConfig: { maxUnavailable: 1 },
                    tags,
                },
                // The autoscaler owns the size once the group exists. The component's dependsOn (the
                // vpc-cni add-on: nodes that start without it stay NotReady) is given to each group,
                // since a component's dependencies do not reach its children.
                { parent: this, ignoreChanges: ["scalingConfig.desiredSize"], ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}) },
            );
            // EKS does not copy node-group tags to the Auto Scaling group: tag the group itself.
            const asgName = group.resources.apply((r) => r[0]!.autoscalingGroups[0]!.name);
            for (const [key, value] of Object.entries(templateTags)) {
                new aws.autoscaling.Tag(
                    `${name}-${zone}-${key.replace(/^k8s\.io\/cluster-autoscaler\/node-template\//, "").replace(/[^A-Za-z0-9-]+/g, "-")}`,
                    { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
                    { parent: this },
                );
            }
            for (const action of args.warmCapacity ? warmCapacityActions(args.warmCapacity, args.minSize ?? 0) : []) {
                new aws.autoscaling.Schedule(`${name}-${zone}-${action.id}`, { autoscalingGroupName: asgName, ...action.args }, { parent: this });
            }
            return group.nodeGroupName;
        });
        this.registerOutputs({ nodeGroupNames: this.nodeGroupNames });
    }
}
