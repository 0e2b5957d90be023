// Pure address arithmetic, kept free of Pulumi imports so config validation and
// `npm run doctor` can use it without loading the AWS provider SDK.

/** Splits `a.b.c.d/n` into `2^bits` equal blocks; returns block `index`. */
export function subdivide(cidr: string, bits: number, index: number): string {
    const [ip, prefixText] = cidr.split("/") as [string, string];
    const prefix = Number(prefixText);
    const base = ip.split(".").reduce((acc, octet) => (acc << 8) + Number(octet), 0) >>> 0;
    const size = 2 ** (32 - prefix - bits);
    const start = (base + index * size) >>> 0;
    const octets = [24, 16, 8, 0].map((shift) => (start >>> shift) & 255);
    return `${octets.join(".")}/${prefix + bits}`;
}

/**
 * Subnet layout of a created VPC: the VPC is cut in eight; each private (node) subnet
 * takes one eighth, so pods (which take VPC addresses with the VPC CNI) have room; the last
 * eighth is cut in eight again for the public (load balancer) subnets.
 */
export function subnetLayout(vpcCidr: string, zoneCount: number): { privateCidrs: string[]; publicCidrs: string[] } {
    if (zoneCount < 2 || zoneCount > 6) throw new Error(`zone count ${zoneCount} is outside 2..6`);
    const lastEighth = subdivide(vpcCidr, 3, 7);
    return {
        privateCidrs: Array.from({ length: zoneCount }, (_, i) => subdivide(vpcCidr, 3, i)),
        publicCidrs: Array.from({ length: zoneCount }, (_, i) => subdivide(lastEighth, 3, i)),
    };
}

/** Subnet tags EKS and the AWS Load Balancer Controller use to place load balancers. */
export function subnetTags(clusterName: string, tier: "public" | "private"): Record<string, string> {
    return {
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
        [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
    };
}
