/**
 * Node shapes read from what a mock run recorded, not from the pure functions that built it:
 * each `aws:eks/nodeGroup:NodeGroup`'s labels, taints and instance types as EKS gets them, the
 * instance type's size less what the kubelet reserves on an EKS AMI, and the requests of the
 * recorded DaemonSets that land on it plus the EKS add-ons' budget. So a fit test on these
 * fails when the resources drift from the model in `infra/cluster/node-pools.ts`.
 */
import { allocatableOf, INSTANCE_TYPES } from "../../infra/cluster/instance-types";
import { ADDON_DAEMONSET_BUDGET } from "../../infra/cluster/node-pools";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { addResources, checkFit, NO_RESOURCES, NodeShape, NodeTaint, PodShape, podFromSpec } from "../../infra/scheduling/fit";
import { ofType } from "../harness";

/** The label naming a node's pool, spelt out here so the shapes do not come from the code under test. */
const POOL = "ml-team-env/pool";

/** What the kubelet labels every (Linux) node with, whatever its group says: Kubernetes' well-known `kubernetes.io/os`. */
const KUBELET_LABELS = { "kubernetes.io/os": "linux" };

/** Taint effects as the EKS API spells them (NO_SCHEDULE) and as Kubernetes does (NoSchedule). */
const EFFECTS: Readonly<Record<string, NodeTaint["effect"]>> = { NO_SCHEDULE: "NoSchedule", PREFER_NO_SCHEDULE: "PreferNoSchedule", NO_EXECUTE: "NoExecute" };

/** A node of a recorded node group. */
export interface RecordedNode extends NodeShape {
    /** The node group's resource name. */
    readonly group: string;
    /** Its `ml-team-env/pool` label. */
    readonly pool: string | undefined;
}

/** The pods of the recorded DaemonSets, as their pod templates ask. */
export function recordedDaemonSets(resources: readonly RecordedResource[]): PodShape[] {
    return ofType(resources, "kubernetes:apps/v1:DaemonSet").map((d) => podFromSpec(`DaemonSet ${d.inputs.metadata.name}`, d.inputs.spec.template.spec));
}

/**
 * A node of a recorded node group, as `instanceType` (one of the group's, or another to ask
 * "what if"), with the given DaemonSets counted where their placement lets them run.
 */
export function nodeOfGroup(group: RecordedResource, instanceType: string, daemonSets: readonly PodShape[]): RecordedNode {
    const info = INSTANCE_TYPES[instanceType];
    if (!info) throw new Error(`node group ${group.name}: instance type ${instanceType} has no size data`);
    const alloc = allocatableOf(info);
    const taints = ((group.inputs.taints ?? []) as { key: string; value?: string; effect: string }[]).map((t): NodeTaint => {
        const effect = EFFECTS[t.effect];
        if (!effect) throw new Error(`node group ${group.name}: taint effect ${t.effect} is not an EKS effect`);
        return { key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect };
    });
    const labels: Record<string, string> = { ...KUBELET_LABELS, ...(group.inputs.labels ?? {}) };
    const bare: RecordedNode = {
        name: `${group.name} (${instanceType})`,
        group: group.name,
        pool: labels[POOL],
        labels,
        taints,
        allocatable: { cpuMillis: alloc.cpuMillis, memoryBytes: alloc.memoryBytes, pods: alloc.pods, extended: info.gpus > 0 ? { "nvidia.com/gpu": info.gpus } : {} },
        daemonSetRequests: NO_RESOURCES,
    };
    // Which DaemonSets run here is the scheduler's placement decision: selectors and taints only.
    const here = daemonSets.filter((d) => checkFit({ ...d, requests: NO_RESOURCES }, bare, { asDaemonSet: true }).fits);
    return { ...bare, daemonSetRequests: here.map((d) => d.requests).reduce(addResources, ADDON_DAEMONSET_BUDGET) };
}

/** The recorded node groups. */
export function recordedNodeGroups(resources: readonly RecordedResource[]): RecordedResource[] {
    return ofType(resources, "aws:eks/nodeGroup:NodeGroup");
}

/**
 * One node per recorded node group and instance type, with the recorded DaemonSets counted,
 * and `chartDaemonSets` (the pods of DaemonSets Helm charts render, which the run does not record).
 */
export function recordedNodes(resources: readonly RecordedResource[], chartDaemonSets: readonly PodShape[] = []): RecordedNode[] {
    const daemonSets = [...recordedDaemonSets(resources), ...chartDaemonSets];
    return recordedNodeGroups(resources).flatMap((group) => (group.inputs.instanceTypes as string[]).map((type) => nodeOfGroup(group, type, daemonSets)));
}

/** The nodes of one pool, by its label. */
export function nodesOfPool(nodes: readonly RecordedNode[], pool: string): RecordedNode[] {
    return nodes.filter((n) => n.pool === pool);
}

/** The smallest node of a pool (least memory, then CPU): every pod meant for the pool must fit it. */
export function smallestNodeOfPool(nodes: readonly RecordedNode[], pool: string): RecordedNode {
    const of = nodesOfPool(nodes, pool);
    if (of.length === 0) throw new Error(`no recorded node group has ${POOL}=${pool}`);
    return [...of].sort((a, b) => a.allocatable.memoryBytes - b.allocatable.memoryBytes || a.allocatable.cpuMillis - b.allocatable.cpuMillis)[0]!;
}
