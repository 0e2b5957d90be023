import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, serviceAccountTrustPolicy } from "./iam-policies";

export interface ServiceAccountRoleArgs {
    /** ARN of the cluster's IAM OIDC provider. */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** The cluster's OIDC issuer URL (`https://oidc.eks...`). */
    readonly issuerUrl: pulumi.Input<string>;
    /** Namespace of the one service account that may assume the role. */
    readonly namespace: string;
    /** Name of that service account. */
    readonly serviceAccount: string;
    /** AWS-managed policies to attach. @default [] */
    readonly managedPolicyArns?: readonly string[];
    /** An inline policy, for permissions no managed policy scopes tightly enough. @default none */
    readonly inlinePolicy?: pulumi.Input<PolicyDocument>;
    readonly tags?: Record<string, string>;
}

/** An IAM role for one Kubernetes service account (IRSA), with exactly the policies given. */
export class ServiceAccountRole extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ServiceAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:ServiceAccountRole", name, {}, opts);
        const role = new aws.iam.Role(
            name,
            {
                assumeRolePolicy: pulumi
                    .all([args.oidcProviderArn, args.issuerUrl])
                    .apply(([arn, issuer]) => JSON.stringify(serviceAccountTrustPolicy(arn, issuer, args.namespace, args.serviceAccount))),
                tags: args.tags,
            },
            { parent: this },
        );
        (args.managedPolicyArns ?? []).forEach((policyArn, i) => {
            new aws.iam.RolePolicyAttachment(`${name}-${i}`, { role: role.name, policyArn }, { parent: this });
        });
        if (args.inlinePolicy) {
            new aws.iam.RolePolicy(name, { role: role.id, policy: pulumi.output(args.inlinePolicy).apply((p) => JSON.stringify(p)) }, { parent: this });
        }
        this.roleArn = role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
