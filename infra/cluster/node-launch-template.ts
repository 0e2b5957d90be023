import * as aws from "@pulumi/aws";

/** AMI types this package runs nodes on. */
export type NodeAmiType = "AL2023_x86_64_STANDARD" | "AL2023_x86_64_NVIDIA" | "BOTTLEROCKET_x86_64_NVIDIA";

/** The volume that holds container images. */
export interface ImageVolume {
    readonly sizeGiB: number;
    /** gp3 throughput, MiB/s. @default gp3's baseline (125) */
    readonly throughputMiBps?: number;
    /** gp3 IOPS. @default gp3's baseline (3000) */
    readonly iops?: number;
    /**
     * Restore the volume from this snapshot (Bottlerocket's data volume with the image already
     * in it), filling at a provisioned initialization rate (MiB/s) instead of EBS's default.
     */
    readonly snapshot?: { readonly snapshotId: string; readonly initializationRateMiBps: number };
}

/**
 * Launch-template settings shared by every node group: IMDSv2 only, with a hop limit of 1
 * so pods cannot reach the node's instance credentials (workloads get AWS access through
 * their own service-account roles), and an encrypted gp3 volume where images live.
 * Bottlerocket keeps the OS on /dev/xvda and container images on the data volume /dev/xvdb,
 * so that is the one that must be large (and the one an image cache restores); AL2023 keeps
 * both on /dev/xvda. A volume restored from a snapshot takes the snapshot's encryption (EC2
 * refuses `encrypted` with `snapshotId`); the cache builder encrypts its volume.
 */
export function nodeLaunchTemplateArgs(args: { amiType: NodeAmiType; volume: ImageVolume; tags: Record<string, string>; userData?: string }): aws.ec2.LaunchTemplateArgs {
    const deviceName = args.amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda";
    const v = args.volume;
    return {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
            {
                deviceName,
                ebs: {
                    volumeSize: v.sizeGiB,
                    volumeType: "gp3",
                    ...(v.snapshot ? { snapshotId: v.snapshot.snapshotId, volumeInitializationRate: v.snapshot.initializationRateMiBps } : { encrypted: "true" }),
                    ...(v.throughputMiBps !== undefined ? { throughput: v.throughputMiBps } : {}),
                    ...(v.iops !== undefined ? { iops: v.iops } : {}),
                    deleteOnTermination: "true",
                },
            },
        ],
        ...(args.userData ? { userData: args.userData } : {}),
        tagSpecifications: [
            { resourceType: "instance", tags: args.tags },
            { resourceType: "volume", tags: args.tags },
        ],
        tags: args.tags,
        updateDefaultVersion: true,
    };
}
