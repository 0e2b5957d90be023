import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PullThroughUpstream, pullThroughNodePolicy } from "../environment/pull-through-cache";

export interface ImagePullThroughCacheArgs {
    /** The upstream registry the environment image comes from. */
    readonly upstream: PullThroughUpstream;
    /** The cluster's AWS account (the rule lives in its private registry). */
    readonly accountId: string;
    readonly region: string;
    /** Secrets Manager secret for upstreams that need one (Docker Hub, ghcr.io, registry.gitlab.com). @default none */
    readonly credentialArn?: string;
    /** The nodes' role: it gets the rights to import an upstream image under the rule's prefix, nothing wider. */
    readonly nodeRoleName: pulumi.Input<string>;
}

/**
 * An ECR pull-through cache rule for the environment image's registry, and the node role's
 * extra rights to use it (Amazon ECR User Guide, "IAM permissions required to sync an
 * upstream registry": `ecr:BatchImportUpstreamImage`, and `ecr:CreateRepository` for the
 * first pull). Pulling what is cached needs only the read-only policy the nodes already have.
 */
export class ImagePullThroughCache extends pulumi.ComponentResource {
    constructor(name: string, args: ImagePullThroughCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ImagePullThroughCache", name, {}, opts);
        new aws.ecr.PullThroughCacheRule(
            name,
            { ecrRepositoryPrefix: args.upstream.prefix, upstreamRegistryUrl: args.upstream.upstreamRegistryUrl, ...(args.credentialArn ? { credentialArn: args.credentialArn } : {}) },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-nodes`, { role: args.nodeRoleName, policy: JSON.stringify(pullThroughNodePolicy(args.accountId, args.region, args.upstream.prefix)) }, { parent: this });
        this.registerOutputs({});
    }
}
