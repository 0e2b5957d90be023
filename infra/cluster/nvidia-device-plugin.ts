import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPlacement, podPlacement, SystemPlacement } from "./gpu-placement";
import { devicePluginConfigMap, devicePluginConfigs, EXCLUSIVE_CONFIG } from "./device-plugin-config";
import { chartSource } from "../charts/pinned-chart";

/** The NVIDIA device plugin chart, pinned (NVIDIA/k8s-device-plugin tag v0.20.0, 2026-08-19). */
export const DEVICE_PLUGIN_CHART = { chart: "nvidia-device-plugin", version: "0.20.0", repo: "https://nvidia.github.io/k8s-device-plugin" } as const;

/**
 * Chart values: run on GPU nodes only, tolerating their taint. The chart's default values carry
 * a *required* node affinity on labels that node-feature-discovery or nodeadm ≥ 1.35 set
 * (`feature.node.kubernetes.io/pci-10de.present`, `…cpu-model.vendor_id`, `nvidia.com/gpu.present`);
 * Helm merges maps, so an affinity left out keeps that default. This sets the affinity to the
 * placement's labels instead (a list replaces the default list), so it holds on every version.
 *
 * It serves the pools of the placements given, running where `nodes` says (the one pool's
 * placement by default). With a pool that time-slices its GPUs, it gets its configs
 * (`device-plugin-config.ts`): each node takes the one its `nvidia.com/device-plugin.config`
 * label names, whole GPUs where it has none.
 */
export function devicePluginValues(placements: readonly GpuPlacement[], nodes?: SystemPlacement): Record<string, unknown> {
    const onGpuNodes = nodes ?? placements[0];
    if (!onGpuNodes || (placements.length > 1 && !nodes)) throw new Error("devicePluginValues: give the nodes of every GPU pool it serves");
    const shared = placements.find((p) => p.replicasPerGpu !== undefined);
    const { nodeSelector, tolerations } = podPlacement(onGpuNodes);
    return {
        nodeSelector,
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: Object.entries(onGpuNodes.nodeSelector).map(([key, value]) => ({ key, operator: "In", values: [value] })) }],
                },
            },
        },
        tolerations,
        // Restart-safe default: fail on nodes whose driver is not ready rather than advertise 0 GPUs.
        failOnInitError: true,
        ...(shared ? { config: { map: devicePluginConfigMap(devicePluginConfigs(shared.replicasPerGpu)), default: EXCLUSIVE_CONFIG } } : {}),
    };
}

export interface NvidiaDevicePluginArgs {
    /** Where the GPU nodes it serves are: one placement per pool (a time-slicing pool's among them). */
    readonly placements: readonly GpuPlacement[];
    /** Where all those pools' nodes are. @default the one placement's */
    readonly nodes?: SystemPlacement;
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** @default "kube-system" */
    readonly namespace?: string;
}

/** The NVIDIA device plugin (Helm), which advertises `nvidia.com/gpu` on GPU nodes (time-sliced replicas on a sharing pool's). */
export class NvidiaDevicePlugin extends pulumi.ComponentResource {
    constructor(name: string, args: NvidiaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:NvidiaDevicePlugin", name, {}, opts);
        new k8s.helm.v3.Release(
            name,
            {
                name: "nvidia-device-plugin",
                ...chartSource(DEVICE_PLUGIN_CHART),
                namespace: args.namespace ?? "kube-system",
                values: devicePluginValues(args.placements, args.nodes),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
