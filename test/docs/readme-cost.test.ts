/**
 * The README's idle cost: every item it adds up is listed with its amount, the amounts add up
 * to the total it states, and the counts behind them are the dev stack's (nodes, disks, zones,
 * members, the NAT's address), so a change to the stack that changes the bill shows here.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, ofType, runStack } from "../harness";
import { stackConfig } from "../cluster/fixtures";

const HOURS = 730;

/** The rows of the README's idle-cost table: text and dollars. */
function costRows(): { item: string; dollars: number }[] {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| idle, per month |"));
    const rows: { item: string; dollars: number }[] = [];
    for (const line of table.split("\n").slice(2)) {
        const m = /^\| (.+) \| \**\$([\d.]+)\** \|$/.exec(line);
        if (!m) break;
        rows.push({ item: m[1]!.replace(/\*\*/g, ""), dollars: Number(m[2]) });
    }
    return rows;
}

describe("the README's idle cost", () => {
    const rows = costRows();
    const row = (re: RegExp) => {
        const found = rows.filter((r) => re.test(r.item));
        expect(found.map((r) => r.item)).toHaveLength(1);
        return found[0]!;
    };

    it("lists every item of an idle cluster, each with its amount", () => {
        for (const item of [/control plane/, /NAT gateway/, /public IPv4/, /system nodes/, /root volumes/, /home volumes/, /network load balancer/, /capacity units/, /control-plane logs/, /KMS/]) row(item);
    });

    it("adds up to the total it states", () => {
        const total = row(/^total$/).dollars;
        const sum = rows.filter((r) => r.item !== "total").reduce((a, r) => a + r.dollars, 0);
        expect(sum).toBeCloseTo(total, 2);
    });

    it("counts what the dev stack makes", async () => {
        const config = stackConfig("dev");
        if (config.cluster.mode !== "eks") throw new Error("the dev stack is an EKS stack");
        const { resources } = await runStack("dev");
        const sys = config.cluster.systemNodeGroup;
        expect(row(/system nodes/).item).toContain(`${sys.desiredSize} ${sys.instanceTypes[0]} system nodes, $0.096/h each`);
        expect(row(/system nodes/).dollars).toBeCloseTo(sys.desiredSize * 0.096 * HOURS, 2);
        expect(row(/root volumes/).item).toContain(`${sys.desiredSize} × ${sys.diskSizeGiB} GiB gp3`);
        expect(row(/root volumes/).dollars).toBeCloseTo(sys.desiredSize * sys.diskSizeGiB * 0.08, 2);
        const members = config.team.members.length;
        expect(row(/home volumes/).item).toContain(`${members} members × ${config.jupyterhub.storageGiB} GiB gp3`);
        expect(row(/home volumes/).dollars).toBeCloseTo(members * config.jupyterhub.storageGiB * 0.08, 2);
        // Public addresses: each Elastic IP the stack makes, and one per zone for the internet-facing load balancer.
        const eips = ofType(resources, "aws:ec2/eip:Eip").length;
        const addresses = eips + config.cluster.availabilityZoneCount;
        expect(row(/public IPv4/).item).toMatch(new RegExp(`^${addresses} public IPv4 addresses .*in ${config.cluster.availabilityZoneCount} zones`));
        expect(row(/public IPv4/).dollars).toBeCloseTo(addresses * 0.005 * HOURS, 2);
        expect(ofType(resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
        expect(row(/NAT gateway/).dollars).toBeCloseTo(0.045 * HOURS, 2);
        expect(row(/control plane,/).dollars).toBeCloseTo(0.1 * HOURS, 2);
        expect(row(/network load balancer/).dollars).toBeCloseTo(Math.round(0.0225 * HOURS * 100) / 100, 2);
        expect(row(/control-plane logs/).item).toContain(`(${config.cluster.controlPlaneLogTypes.join(", ")})`);
        expect(row(/control-plane logs/).item).toContain(`kept ${config.cluster.logRetentionDays} days`);
        expect(ofType(resources, "aws:kms/key:Key")).toHaveLength(1);
    });
});
