/**
 * The AWS checks of the preflight, pure: which zones the stack's VPC will use, whether each
 * node pool's instance types are offered there, and how many vCPUs each EC2 quota must allow
 * for the pools to reach their `maxSize`. The facts come from `aws-preflight.ts`.
 */
import { INSTANCE_TYPES } from "../cluster/instance-types";
import { EksClusterConfig } from "../config/schema";
import { QuotaInfo, ZoneInfo } from "./aws-api";
import { CheckResult, CheckStatus } from "./report";

/** One node pool of the EKS cluster, as far as capacity goes. */
export interface NodePoolDemand {
    /** Stack-file key under `cluster`. */
    readonly key: "gpuNodePool" | "userNodePool" | "systemNodeGroup";
    readonly label: string;
    readonly instanceTypes: readonly string[];
    readonly capacityType: "ON_DEMAND" | "SPOT";
    /** One node group per zone (maxSize per zone), or one group across the zones. */
    readonly perZone: boolean;
    readonly maxSize: number;
}

/** The cluster's node pools as `GpuCluster` creates them (infra/cluster/gpu-cluster.ts). */
export function nodePools(cluster: EksClusterConfig): NodePoolDemand[] {
    return [
        { key: "gpuNodePool", label: "GPU pool", instanceTypes: cluster.gpuNodePool.instanceTypes, capacityType: cluster.gpuNodePool.capacityType, perZone: true, maxSize: cluster.gpuNodePool.maxSize },
        { key: "userNodePool", label: "user pool", instanceTypes: cluster.userNodePool.instanceTypes, capacityType: "ON_DEMAND", perZone: true, maxSize: cluster.userNodePool.maxSize },
        // The system group spans the zones: its maxSize is for the whole group.
        { key: "systemNodeGroup", label: "system node group", instanceTypes: cluster.systemNodeGroup.instanceTypes, capacityType: "ON_DEMAND", perZone: false, maxSize: cluster.systemNodeGroup.maxSize },
    ];
}

/** How many zones (node groups per zonal pool) the cluster has: one per private subnet. */
export function zoneCountOf(cluster: EksClusterConfig): number {
    return cluster.vpc === "create" ? cluster.availabilityZoneCount : cluster.vpc.privateSubnetIds.length;
}

/** The most nodes a pool can reach. */
export function maxNodesOf(pool: NodePoolDemand, zones: number): number {
    return pool.perZone ? zones * pool.maxSize : pool.maxSize;
}

/** An EC2 vCPU quota (Service Quotas, service code `ec2`). */
export interface QuotaSpec {
    readonly code: string;
    readonly name: string;
}

/** The EC2 running-instance quotas doctor knows, by instance family class and capacity type. */
export const EC2_VCPU_QUOTAS = {
    gOnDemand: { code: "L-DB2E81BA", name: "Running On-Demand G and VT instances" },
    gSpot: { code: "L-3819A6DF", name: "All G and VT Spot Instance Requests" },
    pOnDemand: { code: "L-417A185B", name: "Running On-Demand P instances" },
    pSpot: { code: "L-7212CCBC", name: "All P Spot Instance Requests" },
    standardOnDemand: { code: "L-1216C47A", name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" },
    standardSpot: { code: "L-34B43A08", name: "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests" },
} as const satisfies Record<string, QuotaSpec>;

/**
 * The vCPU quota an instance type counts against, or undefined for families with quotas of
 * their own that doctor does not check (Inf, Trn, DL, HPC, X, F, Mac, high-memory U).
 */
export function quotaFor(instanceType: string, capacityType: "ON_DEMAND" | "SPOT"): QuotaSpec | undefined {
    const family = instanceType.split(".")[0]!.toLowerCase();
    const spot = capacityType === "SPOT";
    if (/^(inf|trn|dl|hpc|mac|u-|x\d|f\d)/.test(family)) return undefined;
    if (/^(g[a-z]?\d|vt\d)/.test(family)) return spot ? EC2_VCPU_QUOTAS.gSpot : EC2_VCPU_QUOTAS.gOnDemand;
    if (/^p\d/.test(family)) return spot ? EC2_VCPU_QUOTAS.pSpot : EC2_VCPU_QUOTAS.pOnDemand;
    if (/^[acdhimrtz][a-z]?\d/.test(family)) return spot ? EC2_VCPU_QUOTAS.standardSpot : EC2_VCPU_QUOTAS.standardOnDemand;
    return undefined;
}

/** vCPUs of the types this package knows; the rest are asked of EC2. */
export function knownVcpus(instanceType: string): number | undefined {
    return INSTANCE_TYPES[instanceType]?.vcpu;
}

/** One pool's share of a quota: its most nodes, each of its largest type in that quota. */
export interface QuotaPart {
    readonly pool: string;
    readonly nodes: number;
    readonly instanceType: string;
    /** Undefined when the type's size is unknown. */
    readonly vcpus: number | undefined;
    /** How the nodes are counted (`2 zones × 2 = 4 nodes`). */
    readonly nodesText: string;
}

/** What the pools together can ask of one quota. */
export interface QuotaDemand {
    readonly quota: QuotaSpec;
    readonly parts: readonly QuotaPart[];
    /** Undefined when a part's vCPUs are unknown. */
    readonly needed: number | undefined;
}

/**
 * The vCPUs each quota must allow for every pool to reach its `maxSize` at once, with the
 * largest configured type of each pool (the autoscaler may pick any of them). Types in
 * families doctor has no quota for come back in `unchecked`.
 */
export function quotaDemands(pools: readonly NodePoolDemand[], zones: number, vcpusOf: (type: string) => number | undefined): { demands: QuotaDemand[]; unchecked: { pool: string; instanceType: string }[] } {
    const byCode = new Map<string, { quota: QuotaSpec; parts: QuotaPart[] }>();
    const unchecked: { pool: string; instanceType: string }[] = [];
    for (const pool of pools) {
        const groups = new Map<string, { quota: QuotaSpec; types: string[] }>();
        for (const type of pool.instanceTypes) {
            const quota = quotaFor(type, pool.capacityType);
            if (!quota) {
                unchecked.push({ pool: pool.label, instanceType: type });
                continue;
            }
            const g = groups.get(quota.code) ?? { quota, types: [] };
            g.types.push(type);
            groups.set(quota.code, g);
        }
        const nodes = maxNodesOf(pool, zones);
        const nodesText = pool.perZone ? `${zones} zones × ${pool.maxSize} = ${nodes} node${nodes === 1 ? "" : "s"}` : `${nodes} node${nodes === 1 ? "" : "s"} (one group across the zones)`;
        for (const { quota, types } of groups.values()) {
            // An unknown size makes the largest unknown too.
            const sizes = types.map((t) => ({ type: t, vcpus: vcpusOf(t) }));
            const unknown = sizes.find((s) => s.vcpus === undefined);
            const largest = unknown ?? sizes.reduce((a, b) => (b.vcpus! > a.vcpus! ? b : a));
            const entry = byCode.get(quota.code) ?? { quota, parts: [] };
            entry.parts.push({ pool: pool.label, nodes, instanceType: largest.type, vcpus: largest.vcpus, nodesText });
            byCode.set(quota.code, entry);
        }
    }
    const demands = [...byCode.values()].map(({ quota, parts }) => ({
        quota,
        parts,
        needed: parts.some((p) => p.vcpus === undefined) ? undefined : parts.reduce((sum, p) => sum + p.nodes * p.vcpus!, 0),
    }));
    return { demands, unchecked };
}

function awsResult(id: string, title: string, status: CheckStatus, summary: string, extra: { details?: readonly string[]; fix?: string; command?: string } = {}): CheckResult {
    return { id: `aws.${id}`, group: "aws", title, status, summary, ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}), ...(extra.fix ? { fix: extra.fix } : {}), ...(extra.command ? { command: extra.command } : {}) };
}

/** The check id and title of a quota. */
export function quotaCheckId(quota: QuotaSpec): { id: string; title: string } {
    return { id: `quota.${quota.code}`, title: `quota ${quota.code}` };
}

/** How a demand is made up, one line per pool. */
export function demandLines(d: QuotaDemand): string[] {
    return d.parts.map((p) => `${p.pool}: ${p.nodesText} × ${p.vcpus ?? "?"} vCPUs (${p.instanceType})${p.vcpus === undefined ? ": size unknown" : ` = ${p.nodes * p.vcpus}`}`);
}

/** The command that asks AWS to raise a quota. */
export function quotaIncreaseCommand(quota: QuotaSpec, desired: number, region: string): string {
    return `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${quota.code} --desired-value ${desired} --region ${region}`;
}

/** A quota against what the pools can reach. */
export function evaluateQuota(d: QuotaDemand, q: QuotaInfo, region: string): CheckResult {
    const { id, title } = quotaCheckId(d.quota);
    const details = [...demandLines(d), "the quota is shared with the instances already running in this account and region", ...(q.isDefault ? ["the account's own value could not be read; this is AWS's default"] : [])];
    if (d.needed === undefined) return awsResult(id, title, "skipped", `'${q.name}' is ${q.value} vCPUs, but the size of a configured type is unknown, so the need is too`, { details });
    if (q.value >= d.needed) return awsResult(id, title, "ok", `'${q.name}' is ${q.value} vCPUs in ${region}; the pools can reach ${d.needed}`, { details });
    return awsResult(id, title, "problem", `'${q.name}' is ${q.value} vCPUs in ${region}, but the pools can reach ${d.needed}: nodes past the quota fail to launch and pods stay pending`, {
        details,
        fix: `ask AWS to raise the quota to ${d.needed} vCPUs (or lower the pools' maxSize); increases of GPU quotas can take a day or more`,
        command: quotaIncreaseCommand(d.quota, d.needed, region),
    });
}

/**
 * The zones the stack's VPC uses: a created VPC takes the first `availabilityZoneCount`
 * available zones by name (the aws provider's `getAvailabilityZones` sorts them, and lists
 * opted-in Local Zones with them); an existing VPC uses its private subnets' zones.
 */
export function evaluateZones(cluster: EksClusterConfig, zones: readonly ZoneInfo[], subnetZones: Readonly<Record<string, string>> | undefined): { check: CheckResult; used: string[] } {
    const region = cluster.region;
    if (cluster.vpc !== "create") {
        const ids = cluster.vpc.privateSubnetIds;
        const missing = ids.filter((id) => !subnetZones?.[id]);
        if (missing.length > 0) return { check: awsResult("zones", "zones", "problem", `subnet${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of cluster.vpc.privateSubnetIds ${missing.length > 1 ? "are" : "is"} not in ${region}`, { fix: "list private subnets of the VPC in cluster.region" }), used: [] };
        const used = ids.map((id) => subnetZones![id]!);
        const distinct = [...new Set(used)];
        if (distinct.length < 2) return { check: awsResult("zones", "zones", "problem", `the private subnets are all in ${distinct[0]}: EKS needs subnets in at least two zones`, { fix: "add a private subnet in another zone to cluster.vpc.privateSubnetIds" }), used };
        return { check: awsResult("zones", "zones", "ok", `the private subnets are in ${distinct.join(", ")}`), used };
    }
    const n = cluster.availabilityZoneCount;
    const available = zones.filter((z) => z.state === "available").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const azs = available.filter((z) => z.zoneType === "availability-zone");
    if (azs.length < n) {
        return {
            check: awsResult("zones", "zones", "problem", `${region} has ${azs.length} available zone${azs.length === 1 ? "" : "s"} for this account (${azs.map((z) => z.name).join(", ") || "none"}), but cluster.availabilityZoneCount is ${n}`, {
                fix: `set cluster.availabilityZoneCount: ${Math.max(2, azs.length)} or pick another region`,
            }),
            used: available.slice(0, n).map((z) => z.name),
        };
    }
    const used = available.slice(0, n);
    const odd = used.filter((z) => z.zoneType !== "availability-zone");
    if (odd.length > 0) {
        return {
            check: awsResult("zones", "zones", "problem", `the VPC would put node subnets in ${odd.map((z) => `${z.name} (a ${z.zoneType})`).join(", ")}: the stack takes the first ${n} available zones by name, and this account's opted-in ${odd.length > 1 ? "zones sort" : "zone sorts"} before the region's own`, {
                details: [`the region's zones: ${azs.map((z) => z.name).join(", ")}`],
                fix: "opt the account out of that zone group (EC2 console → Settings → Zones), or bring a VPC with subnets in regular zones (cluster.vpc)",
            }),
            used: used.map((z) => z.name),
        };
    }
    return { check: awsResult("zones", "zones", "ok", `${region} has ${azs.length} zones; the VPC uses ${used.map((z) => z.name).join(", ")} (the first ${n} by name)`), used: used.map((z) => z.name) };
}

/** Each pool's instance types are offered in every zone the pool has a node group in. */
export function evaluateOfferings(pools: readonly NodePoolDemand[], used: readonly string[], offered: Readonly<Record<string, readonly string[]>>, region: string): CheckResult {
    const problems: string[] = [];
    const fine: string[] = [];
    for (const pool of pools) {
        for (const type of pool.instanceTypes) {
            const zones = offered[type] ?? [];
            const missing = used.filter((z) => !zones.includes(z));
            if (zones.length === 0) problems.push(`${type} (${pool.label}) is not offered anywhere in ${region}`);
            else if (missing.length > 0) {
                const elsewhere = zones.length >= used.length ? `; ${region} offers it in ${[...zones].sort().join(", ")}` : `; ${region} offers it only in ${[...zones].sort().join(", ")}`;
                problems.push(`${type} (${pool.label}) is not offered in ${missing.join(", ")}${elsewhere}`);
            } else fine.push(`${type} (${pool.label})`);
        }
    }
    if (problems.length > 0) {
        return awsResult("instance-types", "instance types", "problem", `${problems.length === 1 ? problems[0] : `${problems.length} instance types are not offered in every zone the pools use`}: a node group there cannot launch ${problems.length === 1 ? "it" : "them"}`, {
            details: problems.length > 1 ? [...problems, ...(fine.length > 0 ? [`offered everywhere needed: ${fine.join(", ")}`] : [])] : fine.length > 0 ? [`offered everywhere needed: ${fine.join(", ")}`] : [],
            fix: "choose instance types offered in those zones, or zones that offer them (cluster.vpc with your own subnets, or another region)",
        });
    }
    return awsResult("instance-types", "instance types", "ok", `every configured type is offered in ${used.join(", ")}: ${fine.join(", ")}`);
}

/** The AWS checks, all skipped for one reason (no credentials, or an earlier failure), with the quotas each pool would need named. */
export function skippedAwsChecks(reason: string, demands: readonly QuotaDemand[], from: "credentials" | "region" = "credentials"): CheckResult[] {
    const later = [
        awsResult("region", "region", "skipped", reason),
        awsResult("zones", "zones", "skipped", reason),
        awsResult("instance-types", "instance types", "skipped", reason),
        ...demands.map((d) => {
            const { id, title } = quotaCheckId(d.quota);
            const need = d.needed === undefined ? "" : `; the pools can reach ${d.needed} vCPUs of '${d.quota.name}'`;
            return awsResult(id, title, "skipped", `${reason}${need}`, { details: demandLines(d) });
        }),
    ];
    return from === "credentials" ? later : later.slice(1);
}
