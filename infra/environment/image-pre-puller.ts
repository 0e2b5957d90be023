import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentImage } from "./environment-image";
import { SystemPlacement } from "../cluster/gpu-placement";
import { prePullerPodSpec } from "./pre-puller-spec";

export interface ImagePrePullerArgs {
    readonly image: EnvironmentImage;
    /** The node pools to pull onto, by a short name (`gpu`, `user`): one DaemonSet each. */
    readonly pools: Readonly<Record<string, SystemPlacement>>;
    readonly provider: k8s.Provider;
    /** Namespace for the DaemonSets (it needs the image pull Secret there, if any). */
    readonly namespace: pulumi.Input<string>;
}

/**
 * Pulls the multi-GB environment image onto each node of the given pools as it joins, so the
 * first notebook or CI job there does not wait for the pull.
 */
export class ImagePrePuller extends pulumi.ComponentResource {
    constructor(name: string, args: ImagePrePullerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:environment:ImagePrePuller", name, {}, opts);
        for (const [pool, placement] of Object.entries(args.pools)) {
            const labels = { "app.kubernetes.io/name": "environment-image-pre-puller", "app.kubernetes.io/instance": pool, "app.kubernetes.io/managed-by": "ml-team-env" };
            new k8s.apps.v1.DaemonSet(
                `${name}-${pool}`,
                {
                    metadata: { name: `environment-image-pre-puller-${pool}`, namespace: args.namespace, labels },
                    spec: {
                        selector: { matchLabels: labels },
                        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
                        template: { metadata: { labels }, spec: prePullerPodSpec(args.image, placement) },
                    },
                },
                { parent: this, provider: args.provider },
            );
        }
        this.registerOutputs({});
    }
}
