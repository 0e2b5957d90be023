/**
 * The z2jh chart's own pods: what the core pods (hub, proxy, autohttps) request, and where pods
 * without a profile's placement (the chart's user-placeholder) land.
 *
 * Requests of the core pods. z2jh sets none by default (since 1.0.0, #2034), so without
 * these the hub, proxy and autohttps pods run BestEffort on the small system nodes beside the
 * cluster autoscaler and CoreDNS, and are the first pods the kubelet evicts under memory
 * pressure. With requests, the kubelet evicts by usage above request instead, and the fit
 * check (test/scheduling/) counts them against a system node.
 *
 * Sized for one team (tens of users, not thousands) from:
 * - JupyterHub's "Capacity planning" (docs/source/explanation/capacity-planning.md): on
 *   mybinder.org with 100–150 users the hub uses 4–13% of a CPU and 230–260 MB, the proxy
 *   6–13% and 47–65 MB; "~25% of one CPU core and ~500MB" is generous for both.
 * - z2jh's "Explicit memory and CPU allocated to core pods' containers"
 *   (docs/source/administrator/optimization.md, tag 4.4.0): the pre-1.0 defaults (hub and
 *   proxy 200m, 512Mi), and UC Berkeley's observed ranges for thousands of users (hub
 *   200Mi–4Gi, proxy 100Mi–600Mi, traefik 100Mi–1.1Gi; secret-sync "minimal", 10m/64Mi).
 *
 * No memory limits: neither guide recommends them for the core pods (z2jh warns that "low
 * limits on memory means things will keep getting killed"), and a pod that outgrows its
 * request is the one the kubelet evicts first, not its neighbours. No CPU limits either: the
 * request is the pod's share under contention, a limit would only throttle it when idle CPU is
 * there.
 */

import { podPlacement, SystemPlacement } from "../cluster/gpu-placement";

/** A container's `resources`, as z2jh's `*.resources` values take them. */
export interface ContainerResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
}

/** The hub (JupyterHub and KubeSpawner): z2jh's pre-1.0 default, about twice mybinder's peak memory. */
export const HUB_RESOURCES: ContainerResources = { requests: { cpu: "200m", memory: "512Mi" } };

/** The proxy (configurable-http-proxy): above mybinder's peak, within Berkeley's range. */
export const PROXY_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "256Mi" } };

/** autohttps' Traefik (TLS termination for the team's few connections). */
export const TRAEFIK_RESOURCES: ContainerResources = { requests: { cpu: "100m", memory: "256Mi" } };

/** autohttps' secret-sync sidecar (watches one file): z2jh's own example. */
export const SECRET_SYNC_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "64Mi" } };

/** A fresh copy for the chart values (values never share objects). */
export function requestsValue(r: ContainerResources): { requests: { cpu: string; memory: string } } {
    return { requests: { ...r.requests } };
}

/**
 * The user pool as the chart's default for user pods (`singleuser.nodeSelector`,
 * `scheduling.userPods.tolerations`): what pods without a profile override get, which is the
 * chart's user-placeholder (templates/scheduling/user-placeholder/statefulset.yaml). Where the
 * placement says nothing, the chart's defaults stay.
 */
export function userPoolDefaults(user: SystemPlacement): { singleuser: Record<string, unknown>; userPods: Record<string, unknown> } {
    const { nodeSelector, tolerations } = podPlacement(user);
    return {
        singleuser: Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {},
        userPods: tolerations.length > 0 ? { tolerations } : {},
    };
}
