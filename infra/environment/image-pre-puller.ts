import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GpuPlacement } from "../cluster/gpu-placement";
import { EnvironmentImage } from "./environment-image";

/** The pause image that keeps the DaemonSet's pods alive at no cost once the pull is done. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/**
 * Pod spec of the pre-puller: an init container that runs the environment image's `true`
 * (so the kubelet pulls it), then a pause container. GPU placement, but no GPU request: it
 * must not hold a GPU, only sit on every GPU node.
 */
export function prePullerPodSpec(image: EnvironmentImage, placement: GpuPlacement): k8s.types.input.core.v1.PodSpec {
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

export interface ImagePrePullerArgs {
    readonly image: EnvironmentImage;
    readonly placement: GpuPlacement;
    readonly provider: k8s.Provider;
    /** Namespace for the DaemonSet (it needs the image pull Secret there, if any). */
    readonly namespace: pulumi.Input<string>;
}

/**
 * Pulls the multi-GB environment image onto each GPU node as it joins, so the first notebook
 * or CI job there does not wait for the pull.
 */
export class ImagePrePuller extends pulumi.ComponentResource {
    constructor(name: string, args: ImagePrePullerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:environment:ImagePrePuller", name, {}, opts);
        const labels = { "app.kubernetes.io/name": "environment-image-pre-puller", "app.kubernetes.io/managed-by": "ml-team-env" };
        new k8s.apps.v1.DaemonSet(
            name,
            {
                metadata: { name: "environment-image-pre-puller", namespace: args.namespace, labels },
                spec: {
                    selector: { matchLabels: labels },
                    updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
                    template: { metadata: { labels }, spec: prePullerPodSpec(args.image, args.placement) },
                },
            },
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
