/**
 * Warm capacity: a minimum number of nodes per zone during working hours, as two scheduled
 * actions on each zone's Auto Scaling group. Only the minimum moves: raising it above the
 * group's size makes EC2 Auto Scaling raise the desired capacity to it (UpdateAutoScalingGroup:
 * "If you specify a new value for MinSize without specifying a value for DesiredCapacity, and
 * the new MinSize is larger than the current size of the group, this sets the group's
 * DesiredCapacity to the new MinSize value"), while nodes the autoscaler added above it stay;
 * lowering it again lets the cluster autoscaler remove idle nodes as usual. `-1` leaves a
 * value unchanged (the provider's `aws.autoscaling.Schedule` defaults each to 0 otherwise).
 */
import { priceOfDearest } from "./instance-io";
import { parseCron, warmHoursPerMonth } from "../config/cron";

export interface WarmSchedule {
    readonly nodesPerZone: number;
    /** Cron (minute hour day-of-month month day-of-week) when the minimum goes up. */
    readonly start: string;
    /** Cron when it returns to the pool's own minimum. */
    readonly stop: string;
    /** IANA time zone of both crons. */
    readonly timeZone: string;
}

/** The two scheduled actions, as `aws.autoscaling.Schedule` arguments (the group's name aside). */
export function warmCapacityActions(w: WarmSchedule, poolMinSize: number) {
    const action = (id: string, recurrence: string, minSize: number) => ({
        id,
        args: { scheduledActionName: `ml-team-env-${id}`, recurrence, timeZone: w.timeZone, minSize, maxSize: -1, desiredCapacity: -1 },
    });
    return [action("warm-start", w.start, w.nodesPerZone), action("warm-stop", w.stop, poolMinSize)];
}

/** What warm capacity costs per month at list price, or why it cannot be said. */
export function warmCapacityMonthlyCost(w: WarmSchedule, zones: number, instanceTypes: readonly string[], volumeUsdPerHour = 0): { usd: number; hours: number; nodes: number } | { unknown: string } {
    const start = parseCron(w.start);
    const stop = parseCron(w.stop);
    if (!start.ok || !stop.ok) return { unknown: "a cron does not parse" };
    const hours = warmHoursPerMonth(start.cron, stop.cron);
    if ("problem" in hours) return { unknown: hours.problem };
    const price = priceOfDearest(instanceTypes);
    if (price === undefined) return { unknown: `no list price for ${instanceTypes.join(", ")} in the package's table` };
    const nodes = w.nodesPerZone * zones;
    return { usd: nodes * hours.hours * (price + volumeUsdPerHour), hours: hours.hours, nodes };
}
