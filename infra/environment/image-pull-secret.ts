/**
 * The Secret a namespace needs to pull the environment image from a private registry. Every
 * namespace that runs the image (runner jobs, the hub's, each member's) makes the same one.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EnvironmentImage } from "./environment-image";

/** A pull Secret to make: its name (the one pods refer to) and the registry credentials. */
export interface ImagePullSecret {
    readonly name: string;
    /** `.dockerconfigjson` of the registry (a Pulumi secret). */
    readonly dockerConfigJson: pulumi.Input<string>;
}

/** The pull Secret for an image, when it names one and the registry's credentials are given; otherwise none. */
export function imagePullSecretFor(image: Pick<EnvironmentImage, "pullSecretName">, dockerConfigJson: pulumi.Input<string> | undefined): ImagePullSecret | undefined {
    return image.pullSecretName && dockerConfigJson ? { name: image.pullSecretName, dockerConfigJson } : undefined;
}

/** Creates the pull Secret in a namespace; the credentials stay a Pulumi secret in state. */
export function createImagePullSecret(
    resourceName: string,
    secret: ImagePullSecret,
    metadata: { readonly namespace: pulumi.Input<string>; readonly labels?: Readonly<Record<string, string>> },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { namespace: metadata.namespace, ...(metadata.labels ? { labels: { ...metadata.labels } } : {}), name: secret.name },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": pulumi.secret(secret.dockerConfigJson) },
        },
        opts,
    );
}
