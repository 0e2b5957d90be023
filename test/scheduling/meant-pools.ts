/**
 * Where each pod template the charts render is meant to land, and the check that it lands
 * there and nowhere else (test/scheduling/placement.slow.test.ts for the dev stack's node groups,
 * test/charts/rendered-releases.slow.test.ts for the onprem stack's nodes).
 */
import { checkFit, NodeShape, PodShape } from "../../infra/scheduling/fit";
import { StackRender } from "../support/helm-render";
import { POD_KINDS, RenderedPod, renderedPods } from "../support/rendered-pods";

export type Pool = "system" | "user" | "gpu";

/**
 * Where each rendered pod template is meant to land, by `release/Kind/name`: the pools it must
 * fit, and no other. A template missing here fails the test, so a new release or chart workload
 * says where it belongs.
 */
export const MEANT: Readonly<Record<string, { on: readonly Pool[] }>> = {
    "jupyterhub/Deployment/hub": { on: ["system"] },
    "jupyterhub/Deployment/proxy": { on: ["system"] },
    // Only with `https: letsencrypt` (with acm the load balancer ends TLS).
    "jupyterhub/Deployment/autohttps": { on: ["system"] },
    // Zero replicas; scaled up by hand, it holds room for notebooks on user nodes.
    "jupyterhub/StatefulSet/user-placeholder": { on: ["user"] },
    "nvidia-device-plugin/DaemonSet/nvidia-device-plugin": { on: ["gpu"] },
    // Only on nodes labelled nvidia.com/mps.capable (MPS sharing, which the package does not configure): none here.
    "nvidia-device-plugin/DaemonSet/nvidia-device-plugin-mps-control-daemon": { on: [] },
    "cluster-autoscaler/Deployment/cluster-autoscaler-aws-cluster-autoscaler": { on: ["system"] },
    // The operator chart tolerates every taint; the system node selector keeps it (and its
    // pre-delete Job) off GPU and user nodes, which it would otherwise hold up.
    "calico/Deployment/tigera-operator": { on: ["system"] },
    "calico/Job/tigera-operator-uninstall": { on: ["system"] },
};

/** The pools a pod is meant never to land on. */
export function notMeantFor(key: string): Pool[] {
    const meant = MEANT[key]!;
    return (["system", "user", "gpu"] as const).filter((p) => !meant.on.includes(p));
}

/** Asserts that the pod fits each of `on` (one failing reason fails the test with it) and none of `notOn`. */
export function landsOnlyOn(pod: PodShape, on: readonly NodeShape[], notOn: readonly NodeShape[], asDaemonSet = false) {
    for (const n of on) expect({ pod: pod.name, node: n.name, ...checkFit(pod, n, { asDaemonSet }) }).toEqual({ pod: pod.name, node: n.name, fits: true, reasons: [] });
    for (const n of notOn) expect({ pod: pod.name, node: n.name, fits: checkFit(pod, n, { asDaemonSet }).fits }).toEqual({ pod: pod.name, node: n.name, fits: false });
}

/** Every rendered pod template, keyed `release/Kind/name`. */
export function podsOf(render: StackRender): Map<string, RenderedPod> {
    return new Map(render.rendered.flatMap((r) => renderedPods(r.ofKinds(POD_KINDS)).map((p) => [`${r.release.releaseName}/${p.workload}`, p] as const)));
}

