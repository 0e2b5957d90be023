import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPlacement } from "./gpu-placement";

/** The NVIDIA device plugin chart, pinned. */
export const DEVICE_PLUGIN_CHART = { chart: "nvidia-device-plugin", version: "0.17.1", repo: "https://nvidia.github.io/k8s-device-plugin" } as const;

/** Chart values: run only on GPU nodes, tolerating their taint. */
export function devicePluginValues(placement: GpuPlacement): Record<string, unknown> {
    return {
        nodeSelector: { ...placement.nodeSelector },
        tolerations: placement.tolerations.map((t) => ({ ...t })),
        // Restart-safe default: fail on nodes whose driver is not ready rather than advertise 0 GPUs.
        failOnInitError: true,
    };
}

export interface NvidiaDevicePluginArgs {
    /** Where GPU nodes are. */
    readonly placement: GpuPlacement;
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** @default "kube-system" */
    readonly namespace?: string;
}

/** The NVIDIA device plugin (Helm), which advertises `nvidia.com/gpu` on GPU nodes. */
export class NvidiaDevicePlugin extends pulumi.ComponentResource {
    constructor(name: string, args: NvidiaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:NvidiaDevicePlugin", name, {}, opts);
        new k8s.helm.v3.Release(
            name,
            {
                name: "nvidia-device-plugin",
                chart: DEVICE_PLUGIN_CHART.chart,
                version: DEVICE_PLUGIN_CHART.version,
                repositoryOpts: { repo: DEVICE_PLUGIN_CHART.repo },
                namespace: args.namespace ?? "kube-system",
                values: devicePluginValues(args.placement),
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
