import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { subnetLayout, subnetTags } from "./subnet-layout";

export interface ClusterNetworkArgs {
    /** Name of the EKS cluster the subnets are tagged for. */
    readonly clusterName: string;
    /** IPv4 CIDR of the VPC. */
    readonly vpcCidr: string;
    /** Region, for the S3 gateway endpoint's service name. */
    readonly region: string;
    /** Availability zones to span (at least 2, as EKS requires). */
    readonly availabilityZoneCount: number;
    /** Tags for every resource. */
    readonly tags?: Record<string, string>;
}

/**
 * A VPC for the cluster across several availability zones: private subnets for nodes
 * (egress through one NAT gateway), public subnets for internet-facing load balancers.
 * One NAT gateway keeps the idle cost down; a zone outage cuts egress of the other zones'
 * nodes until it returns, which an ML team's dev environment can accept. An S3 gateway
 * endpoint carries image pulls from ECR without NAT charges.
 */
export class ClusterNetwork extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly publicSubnetIds: pulumi.Output<string>[];

    constructor(name: string, args: ClusterNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ClusterNetwork", name, {}, opts);
        const tags = args.tags ?? {};
        const layout = subnetLayout(args.vpcCidr, args.availabilityZoneCount);
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...tags, Name: `${name}-vpc` } }, { parent: this });
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { ...tags, Name: `${name}-igw` } }, { parent: this });
        const publicRoutes = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...tags, Name: `${name}-public` } },
            { parent: this },
        );

        const publicSubnets = layout.publicCidrs.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-public-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zones.names[i],
                    mapPublicIpOnLaunch: false,
                    tags: { ...tags, ...subnetTags(args.clusterName, "public"), Name: `${name}-public-${i}` },
                },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, { parent: this });
            return subnet;
        });

        const natIp = new aws.ec2.Eip(`${name}-nat`, { domain: "vpc", tags: { ...tags, Name: `${name}-nat` } }, { parent: this });
        const nat = new aws.ec2.NatGateway(
            `${name}-nat`,
            { allocationId: natIp.id, subnetId: publicSubnets[0]!.id, tags: { ...tags, Name: `${name}-nat` } },
            { parent: this, dependsOn: [igw] },
        );
        const privateRoutes = new aws.ec2.RouteTable(
            `${name}-private`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: { ...tags, Name: `${name}-private` } },
            { parent: this },
        );
        const privateSubnets = layout.privateCidrs.map((cidr, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: vpc.id,
                    cidrBlock: cidr,
                    availabilityZone: zones.names[i],
                    tags: { ...tags, ...subnetTags(args.clusterName, "private"), Name: `${name}-private-${i}` },
                },
                { parent: this },
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, { parent: this });
            return subnet;
        });

        // ECR serves image layers from S3: a free gateway endpoint keeps the multi-GB environment
        // image off the NAT gateway ($0.045 per GB there).
        new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            { vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: [privateRoutes.id], tags: { ...tags, Name: `${name}-s3` } },
            { parent: this },
        );

        this.vpcId = vpc.id;
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
