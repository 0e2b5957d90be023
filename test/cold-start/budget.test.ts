import { INSTANCE_TYPES } from "../../infra/cluster/instance-types";
import { typesWithoutIo } from "../../infra/cluster/instance-io";
import { warmCapacityActions, warmCapacityMonthlyCost } from "../../infra/cluster/warm-capacity";
import { coldStartBudget, ColdStartInput } from "../../infra/cold-start/budget";
import { paysForItself, usefulMaxThroughput } from "../../infra/cold-start/disk-choice";
import { gp3Problems, iopsFor } from "../../infra/cold-start/gp3";
import { parseCron, warmHoursPerMonth } from "../../infra/config/cron";
import { timeZoneProblem } from "../../infra/config/time-zone";

const g5: Omit<ColdStartInput, "disk"> = { instanceType: "g5.xlarge", os: "al2023", image: { compressedGiB: 7, unpackedGiB: 16 }, fastImagePull: false, source: "external" };
const baseline = { throughputMiBps: 125, iops: 3000 };

describe("cold-start budget", () => {
    it("models today's cold GPU notebook at over 6 minutes, most of it the pull at gp3's baseline", () => {
        const b = coldStartBudget({ ...g5, disk: baseline });
        expect(b.steps.map((s) => s.id)).toEqual(["autoscaler", "launch", "gpu", "image", "start"]);
        expect(b.totalSeconds).toBeGreaterThan(360);
        expect(b.steps.find((s) => s.id === "image")!.seconds).toBeGreaterThan(180);
    });

    it("gets faster with each option, and under 3 minutes with the Bottlerocket image cache", () => {
        const t = (i: Partial<ColdStartInput>) => coldStartBudget({ ...g5, disk: baseline, ...i }).totalSeconds;
        const raised = { disk: { throughputMiBps: 250, iops: 3000 } };
        expect(t(raised)).toBeLessThan(t({}));
        expect(t({ ...raised, fastImagePull: true })).toBeLessThan(t(raised));
        const cached = t({ ...raised, os: "bottlerocket", source: "ecr", imageCache: { initializationRateMiBps: 300 } });
        expect(cached).toBeLessThanOrEqual(180);
        expect(coldStartBudget({ ...g5, disk: baseline, imageCache: { initializationRateMiBps: 300 } }).steps.find((s) => s.id === "image")!.how).toMatch(/cached/);
        expect(t({ warmNode: true })).toBe(15);
    });

    it("is bounded by the instance's EBS limit, not only the volume's throughput", () => {
        const slow = coldStartBudget({ ...g5, fastImagePull: true, disk: { throughputMiBps: 1000, iops: 4000 } });
        const capped = coldStartBudget({ ...g5, fastImagePull: true, disk: { throughputMiBps: 500, iops: 3000 } });
        // g5.xlarge pushes at most 437.5 MB/s (417 MiB/s) to EBS: 1000 MiB/s buys nothing over 500.
        expect(slow.totalSeconds).toBe(capped.totalSeconds);
        expect(usefulMaxThroughput("g5.xlarge")).toBe(400);
        // p5.48xlarge's EBS link (10,000 MB/s) is faster than any gp3 volume: gp3's 2,000 MiB/s bounds it.
        expect(usefulMaxThroughput("p5.48xlarge")).toBe(2000);
    });

    it("has I/O figures for every instance type the package knows", () => {
        expect(typesWithoutIo()).toEqual([]);
        expect(Object.keys(INSTANCE_TYPES).length).toBeGreaterThan(40);
    });

    it("raises gp3 throughput only where the node time it saves outweighs its price", () => {
        const hours = 2;
        const gpu = paysForItself({ ...g5, fastImagePull: true }, hours);
        expect(gpu.throughputMiBps).toBeGreaterThan(125);
        // A CPU node costs too little for a faster volume to pay for itself.
        expect(paysForItself({ ...g5, instanceType: "m6i.xlarge", fastImagePull: true }, hours).throughputMiBps).toBe(125);
        // No list price (p4d): the fastest useful setting.
        expect(paysForItself({ ...g5, instanceType: "p4d.24xlarge" }, hours).throughputMiBps).toBe(2000);
    });
});

describe("gp3 limits", () => {
    it("accepts what gp3 allows and names the key and fix for what it does not", () => {
        expect(gp3Problems(200, 250, 3000)).toEqual([]);
        // Above the limits before September 2025 (16,000 IOPS, 1,000 MiB/s), within today's.
        expect(gp3Problems(200, 1200, 16000)).toEqual([]);
        expect(gp3Problems(160, 2000, 80000)).toEqual([]);
        expect(gp3Problems(200, 2500, 16000)).toEqual([{ key: "diskThroughputMiBps", message: expect.stringMatching(/125–2000 MiB\/s/) }]);
        expect(gp3Problems(200, 2000, 80001)).toEqual([{ key: "diskIops", message: expect.stringMatching(/3000–80000 IOPS/) }]);
        expect(gp3Problems(200, 2000, 7000)).toEqual([{ key: "diskIops", message: expect.stringMatching(/too few for 2000 MiB\/s .* at least 8000/) }]);
        expect(gp3Problems(100, 250, 60000)).toEqual([{ key: "diskIops", message: expect.stringMatching(/100 GiB volume \(500 IOPS per GiB: at most 50000\)/) }]);
        expect(gp3Problems(200, 1000, 3000)).toEqual([{ key: "diskIops", message: expect.stringMatching(/at least 4000/) }]);
        expect(gp3Problems(6, 1000, 3000)).toEqual([{ key: "diskThroughputMiBps", message: expect.stringMatching(/6 GiB volume \(at most 750 MiB\/s/) }]);
        expect(gp3Problems(20, 250, 12000)).toEqual([{ key: "diskIops", message: expect.stringMatching(/20 GiB volume .* at most 10000/) }]);
        expect(iopsFor(1000)).toBe(4000);
        expect(iopsFor(250)).toBe(3000);
    });
});

describe("warm capacity", () => {
    it("parses Auto Scaling's five-field cron and refuses what it would not take", () => {
        expect(parseCron("0 8 * * MON-FRI").ok).toBe(true);
        expect(parseCron("30 7 1,15 JAN-MAR *").ok).toBe(true);
        for (const [cron, why] of [
            ["0 8 * *", /has 4 fields/],
            ["0 24 * * *", /24 is outside 0–23 in the hour field/],
            ["0 8 * * 7", /Sunday is 0/],
            ["0 8 ? * MON-FRI", /EventBridge\/Quartz/],
            ["0 8 * * FRI-MON", /runs backwards/],
            ["0 8 * * MON-FRX", /'FRX' is not a number or a name/],
        ] as const) {
            const r = parseCron(cron);
            expect(r.ok ? "parsed" : r.error).toMatch(why);
        }
    });

    it("counts warm hours over a year: 8:00–19:00 on weekdays is 11 h × 261 days / 12 months", () => {
        const c = (s: string) => (parseCron(s) as { cron: import("../../infra/config/cron").Cron }).cron;
        expect(warmHoursPerMonth(c("0 8 * * MON-FRI"), c("0 19 * * MON-FRI"))).toEqual({ hours: (11 * 261) / 12 });
        expect(warmHoursPerMonth(c("0 8 * * *"), c("0 8 * * *"))).toEqual({ problem: expect.stringMatching(/both fire/) });
        expect(warmHoursPerMonth(c("0 8 30 2 *"), c("0 19 * * *"))).toEqual({ problem: "start never fires in a year" });
    });

    it("moves only the minimum, and prices the warm nodes at list price", () => {
        const w = { nodesPerZone: 1, start: "0 8 * * MON-FRI", stop: "0 19 * * MON-FRI", timeZone: "Europe/Berlin" };
        expect(warmCapacityActions(w, 0).map((a) => a.args)).toEqual([
            { scheduledActionName: "ml-team-env-warm-start", recurrence: "0 8 * * MON-FRI", timeZone: "Europe/Berlin", minSize: 1, maxSize: -1, desiredCapacity: -1 },
            { scheduledActionName: "ml-team-env-warm-stop", recurrence: "0 19 * * MON-FRI", timeZone: "Europe/Berlin", minSize: 0, maxSize: -1, desiredCapacity: -1 },
        ]);
        const cost = warmCapacityMonthlyCost(w, 2, ["g5.xlarge"]);
        expect(cost).toEqual({ usd: 2 * 239.25 * 1.006, hours: 239.25, nodes: 2 });
        expect(warmCapacityMonthlyCost(w, 2, ["p5.48xlarge"])).toEqual({ unknown: expect.stringMatching(/no list price/) });
    });

    it("takes canonical IANA time zones only", () => {
        expect(timeZoneProblem("Europe/Berlin")).toBeUndefined();
        expect(timeZoneProblem("UTC")).toBeUndefined();
        expect(timeZoneProblem("Europe/Berln")).toMatch(/did you mean 'Europe\/Berlin'/);
        expect(timeZoneProblem("US/Pacific")).toMatch(/canonical IANA name 'America\/Los_Angeles'/);
    });
});
