/**
 * Which gp3 throughput pays for itself on a node that is started for a notebook: a faster
 * volume shortens every pull, during which the node already bills, and costs extra for every
 * hour the node lives. The choice is the throughput with the lowest sum of the two per start.
 */
import { INSTANCE_TYPES } from "../cluster/instance-types";
import { instanceIo, ON_DEMAND_USD_PER_HOUR } from "../cluster/instance-io";
import { coldStartBudget, ColdStartInput, imageStep } from "./budget";
import { GP3, gp3ExtraUsdPerHour, iopsFor } from "./gp3";

/** Hours a node from zero lives per start: an hour of work, then the hub's idle culling, then the autoscaler's 10 minutes. */
export function nodeHoursPerStart(idleTimeoutMinutes: number): number {
    return (60 + idleTimeoutMinutes + 10) / 60;
}

export interface ThroughputOption {
    readonly throughputMiBps: number;
    readonly iops: number;
    readonly pullSeconds: number;
    /** Node time spent pulling plus the volume's extra provisioning over the node's life, USD per start. */
    readonly usdPerStart: number | undefined;
}

/** The fastest throughput worth buying on this type: gp3's maximum or the instance's EBS limit, whichever is lower (in steps of 25 MiB/s). */
export function usefulMaxThroughput(instanceType: string): number {
    const io = instanceIo(instanceType);
    const ebsMiBps = io ? io.ebsMaxMBps / 1.048576 : GP3.maxThroughputMiBps;
    return Math.max(GP3.baselineThroughputMiBps, Math.min(GP3.maxThroughputMiBps, Math.floor(ebsMiBps / 25) * 25));
}

/** Every candidate from gp3's baseline to the useful maximum, with its pull time and cost per start. */
function throughputOptions(base: Omit<ColdStartInput, "disk">, hoursPerStart: number): ThroughputOption[] {
    const price = ON_DEMAND_USD_PER_HOUR[base.instanceType];
    const options: ThroughputOption[] = [];
    for (let t = GP3.baselineThroughputMiBps; t <= usefulMaxThroughput(base.instanceType); t += 25) {
        const iops = iopsFor(t);
        const pull = imageStep(coldStartBudget({ ...base, disk: { throughputMiBps: t, iops } })).seconds;
        options.push({ throughputMiBps: t, iops, pullSeconds: pull, usdPerStart: price === undefined ? undefined : (pull / 3600) * price + gp3ExtraUsdPerHour(t, iops) * hoursPerStart });
    }
    return options;
}

/**
 * The throughput that pays for itself: the cheapest per start (ties to the faster). Without a
 * list price for the type the instance costs far more than any volume setting, so the useful
 * maximum is taken.
 */
export function paysForItself(base: Omit<ColdStartInput, "disk">, hoursPerStart: number): ThroughputOption {
    const options = throughputOptions(base, hoursPerStart);
    if (!INSTANCE_TYPES[base.instanceType] || options.some((o) => o.usdPerStart === undefined)) return options[options.length - 1]!;
    return options.reduce((best, o) => (o.usdPerStart! <= best.usdPerStart! + 1e-9 ? o : best));
}
