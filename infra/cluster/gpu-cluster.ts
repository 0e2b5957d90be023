import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksClusterConfig } from "../config/schema";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import { ClusterHandle } from "./cluster-handle";
import { ClusterNetwork } from "./cluster-network";
import { GpuPlacement, SystemPlacement } from "./gpu-placement";
import { GpuNodePool, POOL_LABEL } from "./gpu-node-pool";
import { MANAGED_POLICIES, secretsKeyPolicy, serviceTrustPolicy } from "./iam-policies";
import { eksKubeconfig } from "./kubeconfig";
import { nodeLaunchTemplateArgs } from "./node-launch-template";
import { NvidiaDevicePlugin } from "./nvidia-device-plugin";
import { ServiceAccountRole } from "./service-account-role";
import { StorageClasses } from "./storage-classes";

/** The access policy that makes a principal cluster admin under access entries. */
export const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

export interface GpuClusterArgs {
    /** Physical EKS cluster name (tags and the autoscaler need it before the cluster exists). */
    readonly clusterName: string;
    /** The `cluster` section of the stack config (`mode: eks`). */
    readonly cluster: EksClusterConfig;
    /** GPUs on one GPU node (validated config: `gpuCapacity.gpusPerNode`). */
    readonly gpusPerNode: number;
    /** Tags for every AWS resource. @default {} */
    readonly tags?: Record<string, string>;
}

/**
 * An EKS cluster for an ML team: private nodes, encrypted secrets, access entries, IRSA,
 * a small system node group, the core add-ons with encrypted gp3 storage, and a GPU pool
 * that scales from zero. Every AWS resource uses one explicit provider for the configured
 * region, and every Kubernetes resource the cluster's own provider.
 */
export class GpuCluster extends pulumi.ComponentResource implements ClusterHandle {
    readonly provider: k8s.Provider;
    readonly gpuPlacement: GpuPlacement;
    readonly systemPlacement: SystemPlacement;
    readonly userStorageClassName: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;

    constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:GpuCluster", name, {}, opts);
        const c = args.cluster;
        const tags = { ...(args.tags ?? {}), "ml-team-env/cluster": args.clusterName };
        const awsProvider = new aws.Provider(`${name}-aws`, { region: c.region as aws.Region, defaultTags: { tags } }, { parent: this });
        const inAws = { parent: this, provider: awsProvider };
        const childOpts = { parent: this, providers: { aws: awsProvider } };

        // Network.
        let privateSubnetIds: pulumi.Input<string>[];
        if (c.vpc === "create") {
            const network = new ClusterNetwork(`${name}-network`, { clusterName: args.clusterName, vpcCidr: c.vpcCidr, availabilityZoneCount: c.availabilityZoneCount }, childOpts);
            privateSubnetIds = network.privateSubnetIds;
        } else {
            privateSubnetIds = c.vpc.privateSubnetIds;
        }

        // Control plane: its role, a KMS key for secrets, logging, API-mode access.
        const identity = aws.getCallerIdentityOutput({}, inAws);
        const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")) }, inAws);
        const clusterPolicies = MANAGED_POLICIES.cluster.map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-cluster-${i}`, { role: clusterRole.name, policyArn }, inAws),
        );
        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: identity.accountId.apply((accountId) => JSON.stringify(secretsKeyPolicy(accountId))),
            },
            inAws,
        );
        const cluster = new aws.eks.Cluster(
            `${name}-eks`,
            {
                name: args.clusterName,
                version: c.kubernetesVersion,
                roleArn: clusterRole.arn,
                vpcConfig: {
                    subnetIds: privateSubnetIds,
                    endpointPublicAccess: c.endpointPublicAccess,
                    endpointPrivateAccess: c.endpointPrivateAccess,
                    publicAccessCidrs: c.endpointPublicAccess ? c.publicAccessCidrs : undefined,
                },
                enabledClusterLogTypes: c.controlPlaneLogTypes,
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                // Access entries only: explicit, auditable admins instead of the aws-auth ConfigMap.
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            },
            { ...inAws, dependsOn: clusterPolicies },
        );
        const issuerUrl = cluster.identities.apply((ids) => ids[0]!.oidcs![0]!.issuer!);

        // Admins: the principal running `pulumi up` (an assumed role resolves to its role) and configured ones.
        const deployer = aws.iam.getSessionContextOutput({ arn: identity.arn }, inAws).issuerArn;
        const admins: pulumi.Input<string>[] = [deployer, ...c.adminPrincipalArns];
        const adminAssociations = admins.map((principalArn, i) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${i}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, inAws);
            return new aws.eks.AccessPolicyAssociation(
                `${name}-admin-${i}`,
                { clusterName: cluster.name, principalArn: entry.principalArn, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: "cluster" } },
                inAws,
            );
        });

        // IAM OIDC provider for service-account roles. EKS issuers are trusted through AWS's
        // CA library, so no thumbprint is pinned.
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] }, inAws);

        // Nodes.
        const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")) }, inAws);
        const nodePolicies = MANAGED_POLICIES.node.map(
            (policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, inAws),
        );
        const sys = c.systemNodeGroup;
        const systemTemplate = new aws.ec2.LaunchTemplate(`${name}-system`, nodeLaunchTemplateArgs({ amiType: "AL2023_x86_64_STANDARD", diskSizeGiB: sys.diskSizeGiB, tags: { ...tags, Name: `${name}-system` } }), inAws);
        const systemNodes = new aws.eks.NodeGroup(
            `${name}-system`,
            {
                clusterName: cluster.name,
                nodeRoleArn: nodeRole.arn,
                subnetIds: privateSubnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                instanceTypes: sys.instanceTypes,
                capacityType: "ON_DEMAND",
                scalingConfig: { minSize: sys.minSize, desiredSize: sys.desiredSize, maxSize: sys.maxSize },
                launchTemplate: { id: systemTemplate.id, version: systemTemplate.latestVersion.apply(String) },
                labels: { [POOL_LABEL]: "system" },
                updateConfig: { maxUnavailable: 1 },
            },
            { ...inAws, dependsOn: nodePolicies, ignoreChanges: ["scalingConfig.desiredSize"] },
        );

        // Core add-ons. The VPC CNI gets node networking rights through its own role, not the node's.
        const irsa = { oidcProviderArn: oidc.arn, issuerUrl };
        const cniRole = new ServiceAccountRole(`${name}-vpc-cni`, { ...irsa, namespace: "kube-system", serviceAccount: "aws-node", managedPolicyArns: MANAGED_POLICIES.vpcCni }, childOpts);
        const ebsRole = new ServiceAccountRole(`${name}-ebs-csi`, { ...irsa, namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", managedPolicyArns: MANAGED_POLICIES.ebsCsi }, childOpts);
        const addon = (addonName: string, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
            new aws.eks.Addon(`${name}-${addonName}`, { clusterName: cluster.name, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", ...extra }, { ...inAws, dependsOn });
        addon("vpc-cni", { serviceAccountRoleArn: cniRole.roleArn }, []);
        addon("kube-proxy", {}, []);
        // These run as pods: without nodes they would sit degraded and fail the update.
        const coredns = addon("coredns", {}, [systemNodes]);
        const ebs = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.roleArn }, [systemNodes]);

        // Kubernetes access.
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => eksKubeconfig({ clusterName, endpoint, certificateAuthorityData: ca.data!, region: c.region })),
        );
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [...adminAssociations, coredns] });
        const inCluster = { parent: this, provider: this.provider };

        const storage = new StorageClasses(`${name}-storage`, { provisioner: "ebs.csi.aws.com" }, { ...inCluster, dependsOn: [ebs] });

        this.systemPlacement = { nodeSelector: { [POOL_LABEL]: "system" }, tolerations: [] };
        new ClusterAutoscaler(
            `${name}-autoscaler`,
            {
                clusterName: args.clusterName,
                region: c.region,
                kubernetesVersion: c.kubernetesVersion,
                ...irsa,
                placement: this.systemPlacement,
                provider: this.provider,
            },
            { ...childOpts, dependsOn: [systemNodes] },
        );

        const gpu = c.gpuNodePool;
        const pool = new GpuNodePool(
            `${name}-gpu`,
            {
                clusterName: cluster.name,
                clusterNameForTags: args.clusterName,
                nodeRoleArn: nodeRole.arn,
                subnetIds: privateSubnetIds,
                instanceTypes: gpu.instanceTypes,
                gpusPerNode: args.gpusPerNode,
                amiType: gpu.amiType,
                capacityType: gpu.capacityType,
                minSize: gpu.minSize,
                desiredSize: gpu.desiredSize,
                maxSize: gpu.maxSize,
                diskSizeGiB: gpu.diskSizeGiB,
            },
            { ...childOpts, dependsOn: nodePolicies },
        );
        this.gpuPlacement = pool.placement;
        if (pool.needsDevicePlugin) {
            new NvidiaDevicePlugin(`${name}-nvidia-device-plugin`, { placement: pool.placement, provider: this.provider }, { parent: this });
        }

        this.userStorageClassName = storage.userStorageClassName;
        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.oidcIssuerUrl = issuerUrl;
        this.registerOutputs({ clusterName: this.clusterName, endpoint: this.endpoint, oidcIssuerUrl: this.oidcIssuerUrl, kubeconfig: this.kubeconfig });
    }
}
