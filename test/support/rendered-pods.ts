/**
 * The pods rendered objects make: every pod template of a workload (Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, CronJob) and every bare Pod, as the scheduler sees it.
 */
import { PodShape, PodSpecLike, podFromSpec } from "../../infra/scheduling/fit";
import { KubeObject } from "./helm-render";

export interface RenderedPod {
    /** `Deployment/hub`. */
    readonly workload: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace: string | undefined;
    /** The pod template's labels. */
    readonly labels: Readonly<Record<string, string>>;
    readonly spec: PodSpecLike & Record<string, any>;
    /** A DaemonSet's pod: one per node it lands on, counted in the node's allocatable. */
    readonly daemonSet: boolean;
    /** `spec.replicas` of a Deployment or StatefulSet (the API server's default is 1). */
    readonly replicas: number | undefined;
    /** What the scheduler sees. */
    readonly shape: PodShape;
}

/** The kinds that make pods. */
export const POD_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;

function template(o: KubeObject): { metadata?: { labels?: Record<string, string> }; spec: Record<string, any> } | undefined {
    switch (o.kind) {
        case "Pod":
            return { metadata: o.metadata, spec: o.spec };
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            return o.spec?.template;
        case "CronJob":
            return o.spec?.jobTemplate?.spec?.template;
        default:
            return undefined;
    }
}

/** Every pod the objects make. */
export function renderedPods(objects: readonly KubeObject[]): RenderedPod[] {
    return objects.flatMap((o) => {
        const t = template(o);
        if (!t) return [];
        const workload = `${o.kind}/${o.metadata.name}`;
        const replicas = o.kind === "Deployment" || o.kind === "StatefulSet" ? (o.spec.replicas ?? 1) : undefined;
        return [{ workload, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace, labels: t.metadata?.labels ?? {}, spec: t.spec, daemonSet: o.kind === "DaemonSet", replicas, shape: podFromSpec(workload, t.spec as PodSpecLike) }];
    });
}

/** The one rendered pod of a workload (`Deployment/hub`). */
export function renderedPod(pods: readonly RenderedPod[], workload: string): RenderedPod {
    const found = pods.filter((p) => p.workload === workload);
    if (found.length !== 1) throw new Error(`expected one rendered pod template ${workload}, found ${found.length} (have: ${pods.map((p) => p.workload).join(", ")})`);
    return found[0]!;
}

/** A container's named ports (`http` → 8081), across the pod's containers. */
export function namedPorts(pod: RenderedPod): Record<string, number> {
    const ports: Record<string, number> = {};
    for (const c of (pod.spec.containers ?? []) as { ports?: { name?: string; containerPort: number }[] }[]) {
        for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
    }
    return ports;
}
