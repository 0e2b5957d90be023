/**
 * How fast an instance type moves bytes, and what it costs: the inputs of the cold-start
 * budget (how long a new node takes to pull the environment image) and of warm capacity's
 * monthly cost.
 *
 * Sources (read 2026-11-26):
 * - EBS: "maximum throughput (MB/s, 128 KiB I/O)" of the EC2 User Guide's table "Amazon
 *   EBS-optimized instance types" — the figure DescribeInstanceTypes returns as
 *   `EbsInfo.EbsOptimizedInfo.MaximumThroughputInMBps`. Types marked "up to" reach it for 30
 *   minutes in 24 hours, which covers a new node's first pull.
 * - Network: "up to" / fixed Gbps of the EC2 User Guide's "network performance" tables
 *   (`NetworkInfo.NetworkPerformance`). A new instance starts with full burst credits.
 * - Prices: EC2 On-Demand Linux list price per hour in us-east-1 and us-west-2 (equal for these
 *   types), from aws.amazon.com/ec2/pricing/on-demand as mirrored by ec2instances.info. Other
 *   regions differ by up to ~30%. p4d and p5 are left out: their prices changed in 2025 and no
 *   current list price was at hand; costs for them say so instead of guessing.
 */
import { INSTANCE_TYPES } from "./instance-types";

export interface InstanceIo {
    /** Most EBS throughput the instance can push, MB/s (10^6 bytes). */
    readonly ebsMaxMBps: number;
    /** Most network bandwidth, Gbps ("up to" figures for small types). */
    readonly networkGbps: number;
}

const io = (ebsMaxMBps: number, networkGbps: number): InstanceIo => ({ ebsMaxMBps, networkGbps });

export const INSTANCE_IO: Readonly<Record<string, InstanceIo>> = {
    "m5.large": io(593.75, 10), "m5.xlarge": io(593.75, 10),
    "m6i.large": io(1250, 12.5), "m6i.xlarge": io(1250, 12.5), "m6i.2xlarge": io(1250, 12.5),
    "m7i.large": io(1250, 12.5), "m7i.xlarge": io(1250, 12.5), "m7i.2xlarge": io(1250, 12.5),
    "t3.large": io(347.5, 5), "c6i.xlarge": io(1250, 12.5), "r6i.xlarge": io(1250, 12.5),
    "g4dn.xlarge": io(437.5, 25), "g4dn.2xlarge": io(437.5, 25), "g4dn.4xlarge": io(593.75, 25),
    "g4dn.8xlarge": io(1187.5, 50), "g4dn.12xlarge": io(1187.5, 50), "g4dn.16xlarge": io(1187.5, 50),
    "g5.xlarge": io(437.5, 10), "g5.2xlarge": io(437.5, 10), "g5.4xlarge": io(593.75, 25),
    "g5.8xlarge": io(2000, 25), "g5.12xlarge": io(2000, 40), "g5.16xlarge": io(2000, 25),
    "g5.24xlarge": io(2375, 50), "g5.48xlarge": io(2375, 100),
    "g6.xlarge": io(625, 10), "g6.2xlarge": io(625, 10), "g6.4xlarge": io(1000, 25),
    "g6.8xlarge": io(2000, 25), "g6.12xlarge": io(2500, 40), "g6.16xlarge": io(2500, 25),
    "g6.24xlarge": io(3750, 50), "g6.48xlarge": io(7500, 100),
    "g6e.xlarge": io(625, 20), "g6e.2xlarge": io(625, 20), "g6e.4xlarge": io(1000, 20),
    "g6e.12xlarge": io(2500, 100), "g6e.48xlarge": io(7500, 400),
    "p3.2xlarge": io(218.75, 10), "p3.8xlarge": io(875, 10),
    "p4d.24xlarge": io(2375, 400), "p5.48xlarge": io(10000, 3200),
};

/** On-Demand Linux list price, USD per hour (us-east-1 / us-west-2). */
export const ON_DEMAND_USD_PER_HOUR: Readonly<Record<string, number>> = {
    "m5.large": 0.096, "m5.xlarge": 0.192,
    "m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384,
    "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032,
    "t3.large": 0.0832, "c6i.xlarge": 0.17, "r6i.xlarge": 0.252,
    "g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752, "g4dn.4xlarge": 1.204, "g4dn.8xlarge": 2.176, "g4dn.12xlarge": 3.912, "g4dn.16xlarge": 4.352,
    "g5.xlarge": 1.006, "g5.2xlarge": 1.212, "g5.4xlarge": 1.624, "g5.8xlarge": 2.448, "g5.12xlarge": 5.672, "g5.16xlarge": 4.096, "g5.24xlarge": 8.144, "g5.48xlarge": 16.288,
    "g6.xlarge": 0.8048, "g6.2xlarge": 0.9776, "g6.4xlarge": 1.3232, "g6.8xlarge": 2.0144, "g6.12xlarge": 4.6016, "g6.16xlarge": 3.3968, "g6.24xlarge": 6.6752, "g6.48xlarge": 13.3504,
    "g6e.xlarge": 1.861, "g6e.2xlarge": 2.24208, "g6e.4xlarge": 3.00424, "g6e.12xlarge": 10.49264, "g6e.48xlarge": 30.13118,
    "p3.2xlarge": 3.06, "p3.8xlarge": 12.24,
};

/** The I/O figures of a type (every type in INSTANCE_TYPES has them; a test holds that). */
export function instanceIo(type: string): InstanceIo | undefined {
    return INSTANCE_IO[type];
}

/** Hours in an average month, as AWS bills (730). */
export const HOURS_PER_MONTH = 730;

/** The list price of the most expensive of several types (what a pool of them can cost), if all are known. */
export function priceOfDearest(types: readonly string[]): number | undefined {
    const prices = types.map((t) => ON_DEMAND_USD_PER_HOUR[t]);
    return prices.every((p): p is number => p !== undefined) ? Math.max(...prices) : undefined;
}

/** Types that have no I/O row (a data gap a test catches). */
export function typesWithoutIo(): string[] {
    return Object.keys(INSTANCE_TYPES).filter((t) => !INSTANCE_IO[t]);
}
