/**
 * A small, pure model of what kube-scheduler's filter plugins (NodeAffinity, TaintToleration,
 * NodeResourcesFit) decide for one pod and one node, and so what the cluster autoscaler
 * decides for the template node of a group at zero. It answers "would this pod land on this
 * kind of node, and if not, why": used by config validation (does a profile fit its node
 * type?) and by tests (does the device plugin, a notebook or a CI job land where it is meant
 * to, and nowhere else?).
 */
import { cpuMillis, formatBytes, formatCpu, memoryBytes } from "./quantity";

/** A taint as nodes carry it. */
export interface NodeTaint {
    readonly key: string;
    readonly value?: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A toleration as pod specs carry it (`operator` defaults to Equal). */
export interface PodToleration {
    readonly key?: string;
    readonly operator?: "Equal" | "Exists";
    readonly value?: string;
    readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** One `matchExpressions` entry of a node selector term. */
export interface NodeSelectorRequirement {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    readonly values?: readonly string[];
}

/** Resources in base units: millicores, bytes, and extended resources by name (`nvidia.com/gpu`). */
export interface Resources {
    readonly cpuMillis: number;
    readonly memoryBytes: number;
    readonly extended: Readonly<Record<string, number>>;
}

/** What the scheduler sees of a pod. */
export interface PodShape {
    /** For messages: `notebook profile gpu-1`, `device plugin`, ... */
    readonly name: string;
    readonly nodeSelector: Readonly<Record<string, string>>;
    /** `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`: any term, all expressions of it. */
    readonly requiredNodeAffinity: readonly (readonly NodeSelectorRequirement[])[];
    readonly tolerations: readonly PodToleration[];
    /** Effective requests: max(sum of containers, largest init container), per resource. */
    readonly requests: Resources;
}

/** What the scheduler (or the autoscaler's template) sees of a node. */
export interface NodeShape {
    /** For messages: the pool and instance type, e.g. `gpu pool (g5.xlarge, us-west-2a)`. */
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly taints: readonly NodeTaint[];
    /** Node allocatable (capacity minus kube-reserved and the eviction threshold). */
    readonly allocatable: Resources & { readonly pods: number };
    /** Requests of the DaemonSet pods that run on every such node (they are placed first). */
    readonly daemonSetRequests: Resources;
}

export interface FitResult {
    readonly fits: boolean;
    /** Why not, one reason per failed check; empty when it fits. */
    readonly reasons: readonly string[];
}

/** One requirement of a selector over `labels` (the core/v1 and metav1 operators). */
export function matchesRequirement(labels: Readonly<Record<string, string>>, r: NodeSelectorRequirement): boolean {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    const values = r.values ?? [];
    switch (r.operator) {
        case "In":
            return has && values.includes(v!);
        case "NotIn":
            return !has || !values.includes(v!);
        case "Exists":
            return has;
        case "DoesNotExist":
            return !has;
        case "Gt":
            return has && Number(v) > Number(values[0]);
        case "Lt":
            return has && Number(v) < Number(values[0]);
    }
}

/** Whether `toleration` tolerates `taint` (the core/v1 rules: empty key with Exists tolerates all). */
export function tolerates(toleration: PodToleration, taint: NodeTaint): boolean {
    if (toleration.effect && toleration.effect !== taint.effect) return false;
    const operator = toleration.operator ?? "Equal";
    if (!toleration.key) return operator === "Exists";
    if (toleration.key !== taint.key) return false;
    return operator === "Exists" || (toleration.value ?? "") === (taint.value ?? "");
}

/** The free resources of a node once its DaemonSet pods are placed. */
export function freeResources(node: NodeShape): Resources {
    const extended: Record<string, number> = {};
    for (const [k, v] of Object.entries(node.allocatable.extended)) extended[k] = v - (node.daemonSetRequests.extended[k] ?? 0);
    return {
        cpuMillis: node.allocatable.cpuMillis - node.daemonSetRequests.cpuMillis,
        memoryBytes: node.allocatable.memoryBytes - node.daemonSetRequests.memoryBytes,
        extended,
    };
}

/**
 * Whether `pod` can land on an empty node shaped like `node`. `asDaemonSet` checks a DaemonSet
 * pod itself: it is one of the node's DaemonSet pods, so it competes with allocatable alone.
 */
export function checkFit(pod: PodShape, node: NodeShape, options: { asDaemonSet?: boolean } = {}): FitResult {
    const reasons: string[] = [];
    for (const [k, v] of Object.entries(pod.nodeSelector)) {
        if (node.labels[k] !== v) reasons.push(`node selector ${k}=${v} does not match (node has ${k in node.labels ? `${k}=${node.labels[k]}` : `no ${k} label`})`);
    }
    if (pod.requiredNodeAffinity.length > 0 && !pod.requiredNodeAffinity.some((term) => term.every((r) => matchesRequirement(node.labels, r)))) {
        const terms = pod.requiredNodeAffinity.map((t) => t.map((r) => `${r.key} ${r.operator} ${(r.values ?? []).join(",")}`.trim()).join(" and ")).join(" | ");
        reasons.push(`required node affinity (${terms}) matches none of the node's labels`);
    }
    for (const taint of node.taints) {
        if (taint.effect === "PreferNoSchedule") continue;
        if (!pod.tolerations.some((t) => tolerates(t, taint))) reasons.push(`untolerated taint ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect}`);
    }
    const free = options.asDaemonSet ? { ...node.allocatable } : freeResources(node);
    if (pod.requests.cpuMillis > free.cpuMillis) reasons.push(`requests ${formatCpu(pod.requests.cpuMillis)} but only ${formatCpu(Math.max(0, free.cpuMillis))} is allocatable${options.asDaemonSet ? "" : " after DaemonSets"}`);
    if (pod.requests.memoryBytes > free.memoryBytes) reasons.push(`requests ${formatBytes(pod.requests.memoryBytes)} memory but only ${formatBytes(Math.max(0, free.memoryBytes))} is allocatable${options.asDaemonSet ? "" : " after DaemonSets"}`);
    for (const [resource, amount] of Object.entries(pod.requests.extended)) {
        if (amount <= 0) continue;
        const have = free.extended[resource] ?? 0;
        if (amount > have) reasons.push(`requests ${amount} ${resource} but the node offers ${have}`);
    }
    return { fits: reasons.length === 0, reasons };
}

/** The nodes among `nodes` the pod can land on. */
export function nodesFor(pod: PodShape, nodes: readonly NodeShape[]): NodeShape[] {
    return nodes.filter((n) => checkFit(pod, n).fits);
}

// --- reading real pod specs -----------------------------------------------------------

/** The parts of a core/v1 PodSpec this model reads (as Helm values and manifests spell them). */
export interface PodSpecLike {
    readonly nodeSelector?: Readonly<Record<string, string>> | null;
    readonly tolerations?: readonly PodToleration[] | null;
    readonly affinity?: {
        readonly nodeAffinity?: {
            readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms?: readonly { readonly matchExpressions?: readonly NodeSelectorRequirement[] }[] } | null;
        } | null;
    } | null;
    readonly containers?: readonly ContainerLike[];
    readonly initContainers?: readonly ContainerLike[];
}

export interface ContainerLike {
    readonly resources?: { readonly requests?: Readonly<Record<string, string | number>> | null; readonly limits?: Readonly<Record<string, string | number>> | null } | null;
}

/**
 * A container's requests as the API server defaults them: a resource with a limit and no
 * request requests its limit (so `limits: {nvidia.com/gpu: 1}` requests one GPU).
 */
export function containerRequests(c: ContainerLike): Resources {
    const requests = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    const extended: Record<string, number> = {};
    let cpu = 0;
    let memory = 0;
    for (const [k, v] of Object.entries(requests)) {
        if (k === "cpu") cpu = cpuMillis(v);
        else if (k === "memory") memory = memoryBytes(v);
        else if (k !== "ephemeral-storage") extended[k] = Number(v);
    }
    return { cpuMillis: cpu, memoryBytes: memory, extended };
}

export const NO_RESOURCES: Resources = { cpuMillis: 0, memoryBytes: 0, extended: {} };

/** Sum of resources. */
export function addResources(a: Resources, b: Resources): Resources {
    const extended: Record<string, number> = { ...a.extended };
    for (const [k, v] of Object.entries(b.extended)) extended[k] = (extended[k] ?? 0) + v;
    return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes, extended };
}

function maxResources(a: Resources, b: Resources): Resources {
    const extended: Record<string, number> = { ...a.extended };
    for (const [k, v] of Object.entries(b.extended)) extended[k] = Math.max(extended[k] ?? 0, v);
    return { cpuMillis: Math.max(a.cpuMillis, b.cpuMillis), memoryBytes: Math.max(a.memoryBytes, b.memoryBytes), extended };
}

/** The scheduler's view of a pod spec: effective requests are max(sum of containers, each init container). */
export function podFromSpec(name: string, spec: PodSpecLike): PodShape {
    const containers = (spec.containers ?? []).map(containerRequests).reduce(addResources, NO_RESOURCES);
    const requests = (spec.initContainers ?? []).map(containerRequests).reduce(maxResources, containers);
    const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    return {
        name,
        nodeSelector: { ...(spec.nodeSelector ?? {}) },
        requiredNodeAffinity: terms.map((t) => [...(t.matchExpressions ?? [])]),
        tolerations: [...(spec.tolerations ?? [])],
        requests,
    };
}
