/**
 * `npm run bench`'s cold-start section (infra/cli/bench-cold-start.ts) for the example stacks:
 * the per-step budget of each GPU type of the pool, the before/after options table and the
 * stack's settings on every GPU type, checked against each other and against the config.
 */
import { coldStartLines } from "../../infra/cli/bench-cold-start";
import { GPU_INSTANCE_TYPES, INSTANCE_TYPES } from "../../infra/cluster/instance-types";
import { allOptions, stackConfig } from "../cluster/fixtures";

/** `4 min 19 s` or `30 s` as seconds. */
function seconds(text: string): number {
    const m = /^(?:(\d+) min )?(\d+) s$/.exec(text.trim());
    if (!m) throw new Error(`not a duration: '${text}'`);
    return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

/** The lines from a heading to the next line at the heading's indent. */
function section(lines: readonly string[], heading: string): string[] {
    const at = lines.indexOf(heading);
    if (at < 0) throw new Error(`no line '${heading}' in:\n${lines.join("\n")}`);
    const end = lines.findIndex((l, i) => i > at && !l.startsWith("    "));
    return lines.slice(at + 1, end < 0 ? undefined : end);
}

const STEP = /^ {4}(.{30}) +((?:\d+ min )?\d+ s)(?: {2}(.*))?$/;
const OPTION = /^ {4}([ +]) (\[on\] |\[off\]) +((?:\d+ min )?\d+ s) {2}\(image ((?:\d+ min )?\d+ s)\) {2}(.*)$/;
const GPU_TYPE = /^ {4}(\S+) +(\d+) GPU +((?:\d+ min )?\d+ s) {2}gp3 +(\d+) MiB\/s {2}\(image ((?:\d+ min )?\d+ s): (.*)\)$/;

function parse(lines: readonly string[], stack: string) {
    const steps = section(lines, `  ${stack} on g5.xlarge, as configured:`).map((l) => {
        const m = STEP.exec(l);
        if (!m) throw new Error(`not a budget step: '${l}'`);
        return { title: m[1]!.trim(), seconds: seconds(m[2]!), how: m[3] ?? "" };
    });
    const options = section(lines, `  ${stack}, before and after each option (cumulative; [on] = this stack has it):`).map((l) => {
        const m = OPTION.exec(l);
        if (!m) throw new Error(`not an option row: '${l}'`);
        return { mark: m[1], on: m[2] === "[on] ", total: seconds(m[3]!), image: seconds(m[4]!), text: m[5]! };
    });
    const types = section(lines, `  ${stack}'s settings on each GPU type:`).map((l) => {
        const m = GPU_TYPE.exec(l);
        if (!m) throw new Error(`not a GPU type line: '${l}'`);
        return { type: m[1]!, gpus: Number(m[2]), total: seconds(m[3]!), throughput: Number(m[4]), image: seconds(m[5]!), how: m[6]! };
    });
    return { steps, options, types };
}

describe("npm run bench: cold start", () => {
    it("dev: the steps of a cold GPU notebook on g5.xlarge add up to the total, with the stack's defaults", () => {
        const lines = coldStartLines("dev", stackConfig("dev"));
        expect(lines[0]).toBe("  dev: image 7 GiB compressed, 16 GiB unpacked (default estimate), pulled from outside AWS");
        const { steps } = parse(lines, "dev");
        expect(steps.map((s) => s.title)).toEqual(["autoscaler reaction", "EC2 launch and node join", "GPU driver and device plugin", "image pull and unpack", "notebook server start", "total"]);
        const total = steps.pop()!;
        expect(total.seconds).toBe(steps.reduce((sum, s) => sum + s.seconds, 0));
        // AL2023 runs the package's device plugin DaemonSet; FastImagePull is on by default.
        expect(steps[2]!.how).toBe("driver in the AMI; plugin DaemonSet pulled and registered");
        expect(steps[3]!.how).toMatch(/^parallel: 7 GiB at \d+ MB\/s \+ unpack 16 GiB at \d+ MB\/s/);
        // Between the README's "over 6 minutes before" and "under 3 with the image cache".
        expect(total.seconds).toBeGreaterThan(180);
        expect(total.seconds).toBeLessThan(360);
    });

    it("dev: the options table marks what the stack has on, gets no slower with each option, and ends where the stack is", () => {
        const lines = coldStartLines("dev", stackConfig("dev"));
        const { steps, options } = parse(lines, "dev");
        expect(options.map((o) => o.mark)).toEqual([" ", "+", "+", "+", "+", "+"]);
        expect(options.map((o) => o.on)).toEqual([true, true, true, false, false, false]);
        expect(options[0]!.text).toMatch(/^before: gp3 baseline \(125 MiB\/s\), standard pull, image outside AWS {2}— NAT \$0\.\d\d\/start$/);
        // g5.xlarge's derived throughput (250 MiB/s) needs no IOPS over the free 3,000.
        expect(options[1]!.text).toMatch(/^gp3 at 250 MiB\/s, 3000 IOPS /);
        for (let i = 1; i < options.length; i++) expect(options[i]!.total).toBeLessThanOrEqual(options[i - 1]!.total);
        // NAT is charged only while the image comes from outside AWS.
        expect(options.map((o) => /NAT \$/.test(o.text))).toEqual([true, true, true, false, false, false]);
        // The last option the stack has on is the stack as configured.
        expect(options[2]!.total).toBe(steps[steps.length - 1]!.seconds);
        // Warm capacity is shown with the example schedule and its price for 2 zones.
        expect(options[5]).toMatchObject({ total: 15, image: 0, text: expect.stringMatching(/^warm capacity \(example: 1\/zone, .*\+\$\d+\/month \(2 nodes × 239 h\)$/) });
    });

    it("dev: one line per GPU type the package knows, g5.xlarge as configured, throughput derived per type", () => {
        const lines = coldStartLines("dev", stackConfig("dev"));
        const { steps, types } = parse(lines, "dev");
        expect(types.map((t) => t.type)).toEqual(GPU_INSTANCE_TYPES);
        for (const t of types) expect(t.gpus).toBe(INSTANCE_TYPES[t.type]!.gpus);
        const g5 = types.find((t) => t.type === "g5.xlarge")!;
        expect(g5).toMatchObject({ total: steps[steps.length - 1]!.seconds, throughput: 250, image: steps[3]!.seconds });
        // A faster EBS link buys a faster volume, up to gp3's 2,000 MiB/s; every type pulls in parallel.
        expect(types.find((t) => t.type === "g4dn.xlarge")!.throughput).toBeLessThan(g5.throughput);
        expect(types.find((t) => t.type === "p5.48xlarge")!.throughput).toBe(2000);
        for (const t of types) expect(t.how).toMatch(/^parallel: /);
    });

    it("dev with every option: ECR, the Bottlerocket cache and warm capacity marked on, and the cache in each line", () => {
        const lines = coldStartLines("dev", stackConfig("dev", allOptions));
        expect(lines[0]).toMatch(/pulled from ECR$/);
        const { steps, options, types } = parse(lines, "dev");
        expect(options.map((o) => o.on)).toEqual([true, true, true, true, true, true]);
        expect(options[5]!.text).toMatch(/^warm capacity as configured, within its hours/);
        expect(steps[2]!.how).toBe("driver and plugin in the OS");
        expect(steps[3]!.how).toMatch(/^cached on the data volume/);
        expect(options[4]!.total).toBe(steps[steps.length - 1]!.seconds);
        for (const t of types) expect(t.how).toMatch(/^cached on the data volume/);
    });

    it("onprem: one line, since an existing cluster's nodes are not the package's", () => {
        expect(coldStartLines("onprem", stackConfig("onprem"))).toEqual([
            "  onprem: cluster.mode existing: the GPU nodes are yours; their launch, disk and network are not known to the package",
        ]);
    });
});
