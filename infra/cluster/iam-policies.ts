/**
 * IAM policy documents for the cluster, as pure functions so each role's permissions can be
 * read and tested without the Pulumi runtime. Only AWS-managed policies named here are
 * attached; nothing broader.
 */

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Record<string, unknown>[];
}

/** AWS-managed policies, by the role that gets them. */
export const MANAGED_POLICIES = {
    /** The EKS control plane's role. */
    cluster: ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
    /** Worker nodes. The CNI policy is not here: the VPC CNI gets it through its own service-account role. */
    node: ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"],
    /** The VPC CNI's service account (`kube-system/aws-node`). */
    vpcCni: ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"],
    /** The EBS CSI controller's service account (`kube-system/ebs-csi-controller-sa`). */
    ebsCsi: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
} as const;

/** Trust policy letting an AWS service assume a role. */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}

/**
 * Trust policy for IAM roles for service accounts (IRSA): exactly one service account of the
 * cluster may assume the role, and only with the STS audience.
 */
export function serviceAccountTrustPolicy(oidcProviderArn: string, issuerUrl: string, namespace: string, serviceAccount: string): PolicyDocument {
    const issuer = issuerUrl.replace(/^https:\/\//, "");
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * The cluster autoscaler's permissions, as its AWS provider documents them: read-only
 * discovery everywhere; scaling only of groups tagged as owned by this cluster.
 */
export function clusterAutoscalerPolicy(clusterName: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                    "eks:DescribeNodegroup",
                ],
                Resource: "*",
            },
            {
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
        ],
    };
}

/**
 * Key policy for the KMS key that envelope-encrypts Kubernetes secrets: the account
 * administers the key (so it can never become unmanageable); EKS uses it through the
 * cluster role's grants.
 */
export function secretsKeyPolicy(accountId: string, partition = "aws"): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ],
    };
}
