import * as aws from "@pulumi/aws";

/** AMI types this package runs nodes on. */
export type NodeAmiType = "AL2023_x86_64_STANDARD" | "AL2023_x86_64_NVIDIA" | "BOTTLEROCKET_x86_64_NVIDIA";

/**
 * Launch-template settings shared by every node group: IMDSv2 only, with a hop limit of 1
 * so pods cannot reach the node's instance credentials (workloads get AWS access through
 * their own service-account roles), and an encrypted gp3 volume where images live.
 * Bottlerocket keeps the OS on /dev/xvda and container images on the data volume /dev/xvdb,
 * so that is the one that must be large; AL2023 keeps both on /dev/xvda.
 */
export function nodeLaunchTemplateArgs(args: { amiType: NodeAmiType; diskSizeGiB: number; tags: Record<string, string> }): aws.ec2.LaunchTemplateArgs {
    const deviceName = args.amiType.startsWith("BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda";
    return {
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
            {
                deviceName,
                ebs: { volumeSize: args.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            },
        ],
        tagSpecifications: [
            { resourceType: "instance", tags: args.tags },
            { resourceType: "volume", tags: args.tags },
        ],
        tags: args.tags,
        updateDefaultVersion: true,
    };
}
