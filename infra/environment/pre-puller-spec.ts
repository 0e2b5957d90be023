/**
 * The image pre-puller's pod spec and the pools it runs on, as pure functions: the component
 * runs them, and the scheduling check counts its requests on every node it runs on.
 */
import type * as k8s from "@pulumi/kubernetes";
import { podPlacement, SystemPlacement } from "../cluster/gpu-placement";
import type { EnvironmentConfig } from "../config/schema";
import { EnvironmentImage } from "./environment-image";

/** The pause image that keeps the DaemonSet's pods alive at no cost once the pull is done. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/** The pools a pre-puller can run on, by the short name its DaemonSet is named after. */
export type PrePullPool = "gpu" | "user";

/**
 * The pools that get a pre-puller, with their placements: those the stack asks for, but not a
 * user pool whose placement selects no label (an existing cluster without `userNodeSelector`),
 * where the DaemonSet would pull the image onto every node, system nodes included.
 */
export function prePullPools(environment: Pick<EnvironmentConfig, "prePullOnGpuNodes" | "prePullOnUserNodes">, placements: Readonly<Record<PrePullPool, SystemPlacement>>): Partial<Record<PrePullPool, SystemPlacement>> {
    return {
        ...(environment.prePullOnGpuNodes ? { gpu: placements.gpu } : {}),
        ...(environment.prePullOnUserNodes && Object.keys(placements.user.nodeSelector).length > 0 ? { user: placements.user } : {}),
    };
}

/**
 * An init container that runs the environment image's `true` (so the kubelet pulls it), then
 * a pause container. No GPU request: it must never hold a GPU, only sit on the node.
 */
export function prePullerPodSpec(image: Pick<EnvironmentImage, "reference" | "pullSecretName">, placement: SystemPlacement): k8s.types.input.core.v1.PodSpec {
    return {
        ...podPlacement(placement),
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
