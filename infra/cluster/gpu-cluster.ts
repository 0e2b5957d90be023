import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EksClusterConfig } from "../config/schema";
import { CalicoPolicyEngine } from "./calico-policy-engine";
import { ClusterAutoscaler } from "./cluster-autoscaler";
import { ClusterHandle } from "./cluster-handle";
import { ClusterNetwork } from "./cluster-network";
import { allGpuNodes, GpuPlacement, NVIDIA_GPU_RESOURCE, SystemPlacement } from "./gpu-placement";
import { MANAGED_POLICIES, secretsKeyPolicy, serviceTrustPolicy } from "./iam-policies";
import { eksKubeconfig } from "./kubeconfig";
import { PoolRole, poolLabels, poolPlacement, poolTaints } from "./node-pools";
import { NvidiaDevicePlugin } from "./nvidia-device-plugin";
import { ServiceAccountRole } from "./service-account-role";
import { StorageClasses } from "./storage-classes";
import { amiShipsDevicePlugin, ZonalNodePool } from "./zonal-node-pool";
import { NodeImageSettings, nodeImageSettings, PoolImageSettings } from "../cold-start/node-image-settings";
import { ImagePullThroughCache, ImagePullThroughCacheArgs } from "./image-pull-through-cache";
import { nodeUserData } from "./node-user-data";

/** A pool's image volume, user data and warm capacity, from its image settings. */
function poolImageArgs(amiType: string, s: PoolImageSettings) {
    const userData = nodeUserData(amiType, s.fastImagePull);
    return {
        imageVolume: {
            throughputMiBps: s.throughputMiBps,
            iops: s.iops,
            ...(s.imageCache ? { snapshot: { snapshotId: s.imageCache.snapshotId, initializationRateMiBps: s.imageCache.initializationRateMiBps } } : {}),
        },
        ...(userData ? { userData } : {}),
        ...(s.warmCapacity ? { warmCapacity: s.warmCapacity } : {}),
    };
}

/** The AMI of the pool that time-slices its GPUs: one whose device plugin is this package's (Helm), so it takes the sharing config. */
export const SHARED_GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA";

/** The access policy that makes a principal cluster admin under access entries. */
export const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/** The log group EKS writes control-plane logs to (EKS user guide, control-plane logs). */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/** Principal ARNs once each, in order: EKS rejects a second access entry for the same principal. */
export function uniquePrincipals(arns: readonly string[]): string[] {
    return [...new Set(arns)];
}

/** The vpc-cni add-on's configuration: pod IPs annotated for Calico; its own policy agent off (they conflict). */
export function vpcCniConfiguration(): string {
    return JSON.stringify({ enableNetworkPolicy: "false", env: { ANNOTATE_POD_IP: "true" } });
}

export interface GpuClusterArgs {
    /** Physical EKS cluster name (tags and the autoscaler need it before the cluster exists). */
    readonly clusterName: string;
    /** The `cluster` section of the stack config (`mode: eks`). */
    readonly cluster: EksClusterConfig;
    /** GPUs on one GPU node (validated config: `gpuCapacity.gpusPerNode`). */
    readonly gpusPerNode: number;
    /** GPUs on one node of `cluster.sharedGpuNodePool`, when there is one (validated config: `gpuCapacity.shared`). */
    readonly sharedGpusPerNode?: number;
    /** Tags for every AWS resource, nodes and their volumes included. @default {} */
    readonly tags?: Record<string, string>;
    /**
     * How the GPU and user pools get the environment image: volume performance, parallel pulls,
     * image cache, warm capacity. @default derived from `cluster` for a 7/16 GiB image outside AWS
     */
    readonly nodeImage?: NodeImageSettings;
    /** An ECR pull-through cache for the environment image's registry. @default none */
    readonly imagePullThroughCache?: Omit<ImagePullThroughCacheArgs, "nodeRoleName" | "region">;
}

/**
 * An EKS cluster for an ML team: private nodes, encrypted secrets, access entries, IRSA, a
 * small system node group, a user pool for CPU notebooks and CI jobs, a GPU pool (both one
 * node group per zone, scaling from zero), NetworkPolicy enforced by Calico, and the add-ons
 * with encrypted gp3 storage. Every AWS resource uses one explicit provider for the region,
 * and every Kubernetes resource the cluster's own provider.
 */
export class GpuCluster extends pulumi.ComponentResource implements ClusterHandle {
    readonly provider: k8s.Provider;
    readonly gpuPlacement: GpuPlacement;
    readonly sharedGpuPlacement?: GpuPlacement;
    readonly gpuNodesPlacement?: SystemPlacement;
    readonly systemPlacement: SystemPlacement;
    readonly userPlacement: SystemPlacement;
    readonly userStorageClassName: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly endpoint: pulumi.Output<string>;
    readonly oidcIssuerUrl: pulumi.Output<string>;
    readonly awsProvider: aws.Provider;

    constructor(name: string, args: GpuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:GpuCluster", name, {}, opts);
        const c = args.cluster;
        const tags = { ...(args.tags ?? {}), "ml-team-env/cluster": args.clusterName };
        const awsProvider = new aws.Provider(`${name}-aws`, { region: c.region as aws.Region, defaultTags: { tags } }, { parent: this });
        this.awsProvider = awsProvider;
        const inAws = { parent: this, provider: awsProvider };
        const childOpts = { parent: this, providers: { aws: awsProvider } };

        // Network: one private subnet per zone, which is also one node group per zone and pool.
        let privateSubnetIds: pulumi.Input<string>[];
        if (c.vpc === "create") {
            const network = new ClusterNetwork(`${name}-network`, { clusterName: args.clusterName, vpcCidr: c.vpcCidr, region: c.region, availabilityZoneCount: c.availabilityZoneCount }, childOpts);
            privateSubnetIds = network.privateSubnetIds;
        } else {
            privateSubnetIds = c.vpc.privateSubnetIds;
        }

        // Control plane: its role, a KMS key for secrets, a log group with a retention, API-mode access.
        const identity = aws.getCallerIdentityOutput({}, inAws);
        const clusterRole = new aws.iam.Role(`${name}-cluster`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")) }, inAws);
        const clusterPolicies = MANAGED_POLICIES.cluster.map((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-cluster-${i}`, { role: clusterRole.name, policyArn }, inAws));
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
        // Made before the cluster, or EKS makes it without a retention and it outlives `destroy`.
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { name: controlPlaneLogGroupName(args.clusterName), retentionInDays: c.logRetentionDays }, inAws);
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
                    // Validation has required them with a public endpoint.
                    publicAccessCidrs: c.endpointPublicAccess ? c.publicAccessCidrs : undefined,
                },
                enabledClusterLogTypes: c.controlPlaneLogTypes,
                encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
                // Access entries only: explicit, auditable admins instead of the aws-auth ConfigMap.
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
                // Without it a new cluster lands in EXTENDED support once its version ages (6× the price).
                upgradePolicy: { supportType: c.supportType },
            },
            { ...inAws, dependsOn: [...clusterPolicies, logGroup] },
        );
        const issuerUrl = cluster.identities.apply((ids) => ids[0]!.oidcs![0]!.issuer!);

        // Admins: the configured principals, and the principal running `pulumi up` (an assumed role
        // resolves to its role) unless it is one of them: EKS refuses a second access entry for the
        // same principal. The deployer is known in `pulumi preview` too (an invoke), so its entry
        // shows there; the offline plan cannot know it.
        const admin = (id: string, principalArn: pulumi.Input<string>) => {
            const entry = new aws.eks.AccessEntry(`${name}-admin-${id}`, { clusterName: cluster.name, principalArn, type: "STANDARD" }, inAws);
            return new aws.eks.AccessPolicyAssociation(`${name}-admin-${id}`, { clusterName: cluster.name, principalArn: entry.principalArn, policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: "cluster" } }, inAws);
        };
        const configuredAdmins = uniquePrincipals(c.adminPrincipalArns).map((arn, i) => admin(String(i), arn));
        const deployer = aws.iam.getSessionContextOutput({ arn: identity.arn }, inAws).issuerArn;
        const deployerAdmin = deployer.apply((arn) => (c.adminPrincipalArns.includes(arn) ? undefined : admin("deployer", arn)));

        // IAM OIDC provider for service-account roles. EKS issuers are trusted through AWS's
        // CA library, so no thumbprint is pinned.
        const oidc = new aws.iam.OpenIdConnectProvider(`${name}-oidc`, { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] }, inAws);
        const irsa = { oidcProviderArn: oidc.arn, issuerUrl };

        // The VPC CNI comes before any node: a node that starts without aws-node stays NotReady.
        // It gets node networking rights through its own role, not the node's.
        const cniRole = new ServiceAccountRole(`${name}-vpc-cni`, { ...irsa, namespace: "kube-system", serviceAccount: "aws-node", managedPolicyArns: MANAGED_POLICIES.vpcCni }, childOpts);
        const addon = (addonName: string, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[]) =>
            new aws.eks.Addon(`${name}-${addonName}`, { clusterName: cluster.name, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "PRESERVE", ...extra }, { ...inAws, dependsOn });
        const vpcCni = addon("vpc-cni", { serviceAccountRoleArn: cniRole.roleArn, configurationValues: vpcCniConfiguration() }, []);
        const kubeProxy = addon("kube-proxy", {}, []);

        // Nodes.
        const nodeRole = new aws.iam.Role(`${name}-node`, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")) }, inAws);
        const nodePolicies = MANAGED_POLICIES.node.map((policyArn, i) => new aws.iam.RolePolicyAttachment(`${name}-node-${i}`, { role: nodeRole.name, policyArn }, inAws));
        const beforeNodes = { dependsOn: [...nodePolicies, vpcCni, kubeProxy] };
        const pool = (role: PoolRole, instanceTypes: readonly string[]) => ({
            clusterName: cluster.name,
            nodeRoleArn: nodeRole.arn,
            instanceTypes,
            labels: poolLabels(role, instanceTypes),
            taints: poolTaints(role),
            tags,
        });
        const sys = c.systemNodeGroup;
        // The system group spans the zones: it has no zonal volumes but the hub's database, and
        // keeps a node in each zone (minSize ≥ 2).
        const systemNodes = new ZonalNodePool(
            `${name}-system`,
            { ...pool("system", sys.instanceTypes), subnetIds: privateSubnetIds, amiType: "AL2023_x86_64_STANDARD", minSize: sys.minSize, desiredSize: sys.desiredSize, maxSize: sys.maxSize, diskSizeGiB: sys.diskSizeGiB, spanZones: true },
            { ...childOpts, ...beforeNodes },
        );
        const nodeImage = args.nodeImage ?? nodeImageSettings(c, { registry: "" }, 60);
        if (args.imagePullThroughCache) {
            new ImagePullThroughCache(`${name}-image-cache`, { ...args.imagePullThroughCache, region: c.region, nodeRoleName: nodeRole.name }, childOpts);
        }
        const user = c.userNodePool;
        new ZonalNodePool(
            `${name}-user`,
            {
                ...pool("user", user.instanceTypes),
                subnetIds: privateSubnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                minSize: user.minSize,
                desiredSize: user.desiredSize,
                maxSize: user.maxSize,
                diskSizeGiB: user.diskSizeGiB,
                ...poolImageArgs("AL2023_x86_64_STANDARD", nodeImage.user),
            },
            { ...childOpts, ...beforeNodes },
        );
        const gpu = c.gpuNodePool;
        new ZonalNodePool(
            `${name}-gpu`,
            {
                ...pool("gpu", gpu.instanceTypes),
                subnetIds: privateSubnetIds,
                amiType: gpu.amiType,
                gpusPerNode: args.gpusPerNode,
                capacityType: gpu.capacityType,
                minSize: gpu.minSize,
                desiredSize: gpu.desiredSize,
                maxSize: gpu.maxSize,
                diskSizeGiB: gpu.diskSizeGiB,
                ...poolImageArgs(gpu.amiType, nodeImage.gpu),
            },
            { ...childOpts, ...beforeNodes },
        );
        // The pool that time-slices its GPUs: AL2023 (the device plugin this package runs takes its
        // config), the GPU pool's image volume and pull settings, no warm capacity or image cache.
        const shared = c.sharedGpuNodePool;
        if (shared) {
            const { warmCapacity: _warm, imageCache: _cache, ...image } = nodeImage.gpu;
            new ZonalNodePool(
                `${name}-gpu-shared`,
                {
                    ...pool("gpu-shared", shared.instanceTypes),
                    subnetIds: privateSubnetIds,
                    amiType: SHARED_GPU_AMI_TYPE,
                    gpusPerNode: args.sharedGpusPerNode ?? 0,
                    replicasPerGpu: shared.sharing.replicasPerGpu,
                    capacityType: shared.capacityType,
                    minSize: shared.minSize,
                    desiredSize: shared.desiredSize,
                    maxSize: shared.maxSize,
                    diskSizeGiB: shared.diskSizeGiB,
                    ...poolImageArgs(SHARED_GPU_AMI_TYPE, { ...image, diskSizeGiB: shared.diskSizeGiB, fastImagePull: gpu.fastImagePull }),
                },
                { ...childOpts, ...beforeNodes },
            );
        }

        // Add-ons that run as pods wait for nodes, or they sit degraded and fail the update.
        const coredns = addon("coredns", {}, [systemNodes]);
        const ebsRole = new ServiceAccountRole(`${name}-ebs-csi`, { ...irsa, namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", managedPolicyArns: MANAGED_POLICIES.ebsCsi }, childOpts);
        const ebs = addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.roleArn }, [systemNodes]);

        // Kubernetes access.
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => eksKubeconfig({ clusterName, endpoint, certificateAuthorityData: ca.data!, region: c.region })),
        );
        // The provider waits for CoreDNS (Helm's waits and in-cluster lookups need it) and for every
        // admin's access entry. All but the deployer's are known before deploy, so they are listed
        // as they are and the plan shows them; the deployer's entry, when there is one, only at
        // deploy (where the deployer already is a configured admin, CoreDNS stands in for it).
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true },
            { parent: this, dependsOn: [coredns, ...configuredAdmins, deployerAdmin.apply((d) => d ?? coredns)] },
        );
        const inCluster = { parent: this, provider: this.provider };

        const storage = new StorageClasses(`${name}-storage`, { provisioner: "ebs.csi.aws.com" }, { ...inCluster, dependsOn: [ebs] });
        this.systemPlacement = poolPlacement("system");
        new CalicoPolicyEngine(`${name}-calico`, { provider: this.provider, placement: this.systemPlacement }, { parent: this, dependsOn: [systemNodes] });

        this.userPlacement = poolPlacement("user");
        this.gpuPlacement = {
            ...poolPlacement("gpu"),
            resourceName: NVIDIA_GPU_RESOURCE,
            gpusPerNode: args.gpusPerNode,
            maxGpus: args.gpusPerNode * gpu.maxSize,
        };
        new ClusterAutoscaler(
            `${name}-autoscaler`,
            { clusterName: args.clusterName, region: c.region, kubernetesVersion: c.kubernetesVersion, ...irsa, placement: this.systemPlacement, provider: this.provider },
            { ...childOpts, dependsOn: [systemNodes] },
        );
        if (shared) {
            const replicas = shared.sharing.replicasPerGpu;
            const gpus = args.sharedGpusPerNode ?? 0;
            this.sharedGpuPlacement = { ...poolPlacement("gpu-shared"), resourceName: NVIDIA_GPU_RESOURCE, gpusPerNode: gpus * replicas, maxGpus: gpus * replicas * shared.maxSize, replicasPerGpu: replicas };
            const nodesOf = (role: PoolRole, types: readonly string[]) => ({ nodeSelector: poolLabels(role, types), tolerations: poolPlacement(role).tolerations });
            this.gpuNodesPlacement = allGpuNodes([nodesOf("gpu", gpu.instanceTypes), nodesOf("gpu-shared", shared.instanceTypes)]);
        }
        // Bottlerocket's NVIDIA variants run their own plugin; the package's serves the other pools.
        const ownPlugin = !amiShipsDevicePlugin(gpu.amiType);
        const pluginPlacements = [...(ownPlugin ? [this.gpuPlacement] : []), ...(this.sharedGpuPlacement ? [this.sharedGpuPlacement] : [])];
        if (pluginPlacements.length > 0) {
            const nodes = pluginPlacements.length > 1 ? this.gpuNodesPlacement! : pluginPlacements[0]!;
            new NvidiaDevicePlugin(`${name}-nvidia-device-plugin`, { placements: pluginPlacements, nodes, provider: this.provider }, { parent: this });
        }

        this.userStorageClassName = storage.userStorageClassName;
        this.clusterName = cluster.name;
        this.endpoint = cluster.endpoint;
        this.oidcIssuerUrl = issuerUrl;
        this.registerOutputs({ clusterName: this.clusterName, endpoint: this.endpoint, oidcIssuerUrl: this.oidcIssuerUrl, kubeconfig: this.kubeconfig });
    }
}
