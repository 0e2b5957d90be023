/**
 * ECR pull-through cache for the environment image: the nodes pull
 * `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<repository>`, ECR fetches the image from
 * the public registry once, and every later pull reads its layers from S3 through the VPC's
 * gateway endpoint instead of through the NAT gateway ($0.045/GB). Digests are unchanged, so
 * the pin still holds.
 */
import { EnvironmentImage, registryRepository } from "./environment-image";

export interface PullThroughUpstream {
    /** `upstreamRegistryUrl` of the rule. */
    readonly upstreamRegistryUrl: string;
    /** The repository prefix in ECR. */
    readonly prefix: string;
    /** Whether ECR needs a Secrets Manager credential for it. */
    readonly needsCredential: boolean;
}

/**
 * The upstream registries ECR's pull-through cache supports and that serve public images
 * (Amazon ECR User Guide, "Sync an upstream registry with an Amazon ECR private registry":
 * ECR Public, the Kubernetes registry and Quay without authentication; Docker Hub, GitHub
 * Container Registry and GitLab Container Registry with a secret named `ecr-pullthroughcache/…`).
 * Keyed by the registry host as image references write it.
 */
export const PULL_THROUGH_UPSTREAMS: Readonly<Record<string, PullThroughUpstream>> = {
    "public.ecr.aws": { upstreamRegistryUrl: "public.ecr.aws", prefix: "ecr-public", needsCredential: false },
    "registry.k8s.io": { upstreamRegistryUrl: "registry.k8s.io", prefix: "k8s", needsCredential: false },
    "quay.io": { upstreamRegistryUrl: "quay.io", prefix: "quay", needsCredential: false },
    "docker.io": { upstreamRegistryUrl: "registry-1.docker.io", prefix: "docker-hub", needsCredential: true },
    "ghcr.io": { upstreamRegistryUrl: "ghcr.io", prefix: "ghcr", needsCredential: true },
    "registry.gitlab.com": { upstreamRegistryUrl: "registry.gitlab.com", prefix: "gitlab", needsCredential: true },
};

/** The ECR registry host of an account in a region. */
export function ecrRegistry(accountId: string, region: string): string {
    return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** The image as the nodes pull it through the cache (Docker Hub's official images live under `library/`). */
export function viaPullThroughCache(image: EnvironmentImage, upstream: PullThroughUpstream, accountId: string, region: string): EnvironmentImage {
    const repository = `${upstream.prefix}/${registryRepository(image)}`;
    const name = `${ecrRegistry(accountId, region)}/${repository}`;
    return { ...image, registry: ecrRegistry(accountId, region), repository, name, reference: `${name}:${image.pinnedTag}`, upstreamReference: image.reference };
}

/** The pull-through rule's prefix from an image the nodes pull through it, if it is one (for reading its manifest upstream). */
export function upstreamOf(reference: string): string | undefined {
    const m = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/([^/]+)\/(.+)$/.exec(reference);
    if (!m) return undefined;
    const entry = Object.entries(PULL_THROUGH_UPSTREAMS).find(([, u]) => u.prefix === m[1]);
    if (!entry) return undefined;
    const path = entry[0] === "docker.io" ? m[2]!.replace(/^library\//, "") : m[2]!;
    return `${entry[0]}/${path}`;
}

/** The node role's extra rights for the cache: import an upstream image, and create its repository on the first pull, under the rule's prefix only. */
export function pullThroughNodePolicy(accountId: string, region: string, prefix: string, partition = "aws") {
    return {
        Version: "2012-10-17" as const,
        Statement: [
            {
                Sid: "PullThroughCacheImport",
                Effect: "Allow",
                Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                Resource: `arn:${partition}:ecr:${region}:${accountId}:repository/${prefix}/*`,
            },
        ],
    };
}
