/**
 * The image pre-puller's pod spec, as a pure function: the component runs it, and the
 * scheduling check counts its requests on every node it runs on.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { Toleration } from "../cluster/gpu-placement";
import { EnvironmentImage } from "./environment-image";

/** The pause image that keeps the DaemonSet's pods alive at no cost once the pull is done. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** Where a pre-puller runs. */
export interface PrePullPlacement {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly Toleration[];
}

/**
 * An init container that runs the environment image's `true` (so the kubelet pulls it), then
 * a pause container. No GPU request: it must never hold a GPU, only sit on the node.
 */
export function prePullerPodSpec(image: Pick<EnvironmentImage, "reference" | "pullSecretName">, placement: PrePullPlacement): k8s.types.input.core.v1.PodSpec {
    return {
        nodeSelector: { ...placement.nodeSelector },
        tolerations: placement.tolerations.map((t) => ({ ...t })),
        ...(image.pullSecretName ? { imagePullSecrets: [{ name: image.pullSecretName }] } : {}),
        initContainers: [
            {
                name: "pull-environment-image",
                image: image.reference,
                command: ["true"],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            },
        ],
        containers: [{ name: "pause", image: PAUSE_IMAGE, resources: { requests: { cpu: "1m", memory: "8Mi" }, limits: { cpu: "10m", memory: "16Mi" } } }],
        terminationGracePeriodSeconds: 0,
    };
}
