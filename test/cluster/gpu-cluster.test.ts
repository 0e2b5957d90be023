import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../infra/cluster";
import { MANAGED_POLICIES } from "../../infra/cluster/iam-policies";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { ofType, one, runComponents } from "../harness";
import { stackConfig } from "./fixtures";

const KUBECONFIG_MARK = "certificate-authority-data";

async function eks(edit?: (y: string) => string) {
    const config = stackConfig("dev", edit);
    return runComponents(() => {
        const cluster = createCluster("dev-cluster", config, { jupyterhubOAuthClientSecret: pulumi.secret("x") });
        return { kubeconfig: cluster.kubeconfig };
    }, "dev");
}

const byName = (rs: RecordedResource[], type: string, name: string) => one(rs, type, name).inputs;

describe("GpuCluster (EKS mode, dev stack)", () => {
    let resources: RecordedResource[];
    let result: { kubeconfig: pulumi.Output<string> };
    beforeAll(async () => {
        const run = await eks();
        resources = run.resources;
        result = run.result;
    });

    it("creates the GPU node group from config: AMI, instance types, scale from zero", () => {
        const ng = byName(resources, "aws:eks/nodeGroup:NodeGroup", "dev-cluster-gpu");
        expect(ng.amiType).toBe("AL2023_x86_64_NVIDIA");
        expect(ng.instanceTypes).toEqual(["g5.xlarge"]);
        expect(ng.capacityType).toBe("ON_DEMAND");
        expect(ng.scalingConfig).toEqual({ minSize: 0, desiredSize: 0, maxSize: 4 });
    });

    it("taints and labels GPU nodes so only GPU pods land there", () => {
        const ng = byName(resources, "aws:eks/nodeGroup:NodeGroup", "dev-cluster-gpu");
        expect(ng.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
        expect(ng.labels).toEqual({ "ml-team-env/pool": "gpu", "k8s.amazonaws.com/accelerator": "nvidia-a10g" });
        const sys = byName(resources, "aws:eks/nodeGroup:NodeGroup", "dev-cluster-system");
        expect(sys.taints).toBeUndefined();
        expect(sys.labels).toEqual({ "ml-team-env/pool": "system" });
    });

    it("requires IMDSv2 and encrypts a 200 GiB gp3 root volume on GPU nodes", () => {
        const lt = byName(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-gpu");
        expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(lt.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 200, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }]);
        for (const t of ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate")) {
            expect(t.inputs.metadataOptions.httpTokens).toBe("required");
            expect(t.inputs.blockDeviceMappings[0].ebs.encrypted).toBe("true");
        }
        const ng = byName(resources, "aws:eks/nodeGroup:NodeGroup", "dev-cluster-gpu");
        expect(ng.launchTemplate.id).toMatch(/^lt-/);
    });

    it("tags the GPU Auto Scaling group for discovery and scale-from-zero node templates", () => {
        const tags = Object.fromEntries(ofType(resources, "aws:autoscaling/tag:Tag").map((t) => [t.inputs.tag.key, t.inputs.tag.value]));
        expect(tags).toEqual({
            "k8s.io/cluster-autoscaler/enabled": "true",
            "k8s.io/cluster-autoscaler/dev-ml-team": "owned",
            "k8s.io/cluster-autoscaler/node-template/label/ml-team-env/pool": "gpu",
            "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-a10g",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "1",
        });
        for (const t of ofType(resources, "aws:autoscaling/tag:Tag")) {
            expect(t.inputs.autoscalingGroupName).toMatch(/^eks-dev-cluster-gpu-/);
            expect(t.inputs.tag.propagateAtLaunch).toBe(false);
        }
    });

    it("attaches exactly the managed policies each role needs, and nothing broader", () => {
        const roleOf = (attachment: RecordedResource) => attachment.inputs.role as string;
        const attached = new Map<string, string[]>();
        for (const a of ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")) {
            attached.set(roleOf(a), [...(attached.get(roleOf(a)) ?? []), a.inputs.policyArn]);
        }
        expect(Object.fromEntries(attached)).toEqual({
            "dev-cluster-cluster": [...MANAGED_POLICIES.cluster],
            "dev-cluster-node": [...MANAGED_POLICIES.node],
            "dev-cluster-vpc-cni": [...MANAGED_POLICIES.vpcCni],
            "dev-cluster-ebs-csi": [...MANAGED_POLICIES.ebsCsi],
        });
        for (const arns of attached.values()) for (const arn of arns) expect(arn).not.toMatch(/AdministratorAccess|FullAccess|PowerUser/);
        // The autoscaler's own inline policy can only scale groups this cluster owns.
        const policy = JSON.parse(one(resources, "aws:iam/rolePolicy:RolePolicy", "dev-cluster-autoscaler-role").inputs.policy);
        expect(policy.Statement[1]).toEqual({
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/dev-ml-team": "owned" } },
        });
    });

    it("trusts service-account roles for exactly one service account each", () => {
        const trust = JSON.parse(one(resources, "aws:iam/role:Role", "dev-cluster-ebs-csi").inputs.assumeRolePolicy);
        const cond = trust.Statement[0].Condition.StringEquals;
        const issuer = Object.keys(cond)[0]!.replace(/:sub$|:aud$/, "");
        expect(cond).toEqual({ [`${issuer}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa", [`${issuer}:aud`]: "sts.amazonaws.com" });
        expect(trust.Statement[0].Principal.Federated).toMatch(/^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\./);
    });

    it("encrypts Kubernetes secrets with a rotating KMS key and uses API-mode access entries", () => {
        const key = one(resources, "aws:kms/key:Key");
        expect(key.inputs.enableKeyRotation).toBe(true);
        const cluster = one(resources, "aws:eks/cluster:Cluster").inputs;
        expect(cluster.encryptionConfig).toEqual({ provider: { keyArn: expect.stringMatching(/^arn:aws:kms:/) }, resources: ["secrets"] });
        expect(cluster.version).toBe("1.33");
        expect(cluster.accessConfig).toEqual({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
        expect(cluster.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator"]);
        const assoc = one(resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").inputs;
        expect(assoc).toMatchObject({ principalArn: "arn:aws:iam::123456789012:role/deployer", policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } });
    });

    it("creates a VPC over two zones with tagged private and public subnets", () => {
        const subnets = ofType(resources, "aws:ec2/subnet:Subnet").map((s) => s.inputs);
        expect(subnets.map((s) => s.availabilityZone).sort()).toEqual(["us-west-2a", "us-west-2a", "us-west-2b", "us-west-2b"]);
        const priv = subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
        const pub = subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1");
        expect(priv).toHaveLength(2);
        expect(pub).toHaveLength(2);
        for (const s of subnets) expect(s.tags["kubernetes.io/cluster/dev-ml-team"]).toBe("shared");
        expect(one(resources, "aws:eks/cluster:Cluster").inputs.vpcConfig.subnetIds).toEqual(expect.arrayContaining([expect.stringMatching(/^subnet-/)]));
        expect(ofType(resources, "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    });

    it("installs the core add-ons, the EBS CSI driver with its role, and encrypted gp3 StorageClasses", () => {
        const addons = Object.fromEntries(ofType(resources, "aws:eks/addon:Addon").map((a) => [a.inputs.addonName, a.inputs]));
        expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
        expect(addons["aws-ebs-csi-driver"]!.serviceAccountRoleArn).toMatch(/role\/dev-cluster-ebs-csi$/);
        const classes = Object.fromEntries(ofType(resources, "kubernetes:storage.k8s.io/v1:StorageClass").map((s) => [s.inputs.metadata.name, s.inputs]));
        expect(classes["gp3-encrypted"]).toMatchObject({ provisioner: "ebs.csi.aws.com", reclaimPolicy: "Delete", parameters: { type: "gp3", encrypted: "true" } });
        expect(classes["gp3-encrypted"]!.metadata.annotations).toEqual({ "storageclass.kubernetes.io/is-default-class": "true" });
        expect(classes["gp3-encrypted-retain"]).toMatchObject({ reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer", parameters: { encrypted: "true" } });
    });

    it("runs the device plugin only on GPU nodes, tolerating their taint (AL2023 does not ship it)", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-nvidia-device-plugin").inputs;
        expect(release.chart).toBe("nvidia-device-plugin");
        expect(release.version).toBe("0.17.1");
        expect(release.values.nodeSelector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(release.values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    });

    it("runs the cluster autoscaler on system nodes with its service-account role", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-autoscaler").inputs;
        expect(release.values.autoDiscovery).toEqual({ clusterName: "dev-ml-team" });
        expect(release.values.awsRegion).toBe("us-west-2");
        expect(release.values.image.tag).toBe("v1.33.1");
        expect(release.values.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
        expect(release.values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(/role\/dev-cluster-autoscaler-role$/);
    });

    it("puts every AWS resource on the region's provider and every Kubernetes resource on the cluster's", () => {
        const awsProvider = one(resources, "pulumi:providers:aws");
        expect(awsProvider.inputs.region).toBe("us-west-2");
        const k8sProvider = one(resources, "pulumi:providers:kubernetes");
        for (const r of resources.filter((r) => r.type.startsWith("aws:"))) expect(r.provider).toMatch(new RegExp(`^${escape(awsProvider.urn)}::`));
        const k8s = resources.filter((r) => r.type.startsWith("kubernetes:"));
        expect(k8s.length).toBeGreaterThan(0);
        for (const r of k8s) expect(r.provider).toMatch(new RegExp(`^${escape(k8sProvider.urn)}::`));
    });

    it("outputs the kubeconfig as a secret", async () => {
        expect(await isSecret(result.kubeconfig)).toBe(true);
        const provider = one(resources, "pulumi:providers:kubernetes");
        expect(provider.secretPaths).toContain("kubeconfig");
        expect(JSON.stringify(provider.redactedInputs)).not.toContain(KUBECONFIG_MARK);
        expect(provider.inputs.kubeconfig).toContain("get-token");
    });
});

describe("GpuCluster options", () => {
    it("uses the given VPC's private subnets and creates no network", async () => {
        const { resources } = await eks((y) =>
            y.replace("vpc: create # or { id: vpc-..., privateSubnetIds: [...], publicSubnetIds: [...] }", "vpc: { id: vpc-0abc12345, privateSubnetIds: [subnet-0aaa11111, subnet-0bbb22222] }"),
        );
        expect(ofType(resources, "aws:ec2/vpc:Vpc")).toHaveLength(0);
        expect(ofType(resources, "aws:ec2/subnet:Subnet")).toHaveLength(0);
        expect(one(resources, "aws:eks/cluster:Cluster").inputs.vpcConfig.subnetIds).toEqual(["subnet-0aaa11111", "subnet-0bbb22222"]);
    });

    it("on Bottlerocket NVIDIA: sizes the data volume and skips the device plugin the AMI ships", async () => {
        const { resources } = await eks((y) => y.replace("amiType: AL2023_x86_64_NVIDIA", "amiType: BOTTLEROCKET_x86_64_NVIDIA"));
        const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-gpu").inputs;
        expect(lt.blockDeviceMappings[0].deviceName).toBe("/dev/xvdb");
        expect(ofType(resources, "kubernetes:helm.sh/v3:Release").map((r) => r.name)).toEqual(["dev-cluster-autoscaler"]);
    });

    it("gives cluster admin to configured principals too", async () => {
        const { resources } = await eks((y) => y.replace("    systemNodeGroup:", "    adminPrincipalArns: [arn:aws:iam::123456789012:role/platform-admins]\n    systemNodeGroup:"));
        expect(ofType(resources, "aws:eks/accessEntry:AccessEntry").map((e) => e.inputs.principalArn).sort()).toEqual([
            "arn:aws:iam::123456789012:role/deployer",
            "arn:aws:iam::123456789012:role/platform-admins",
        ]);
    });
});

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isSecret(o: pulumi.Output<unknown>): Promise<boolean> {
    return (o as unknown as { isSecret: Promise<boolean> }).isSecret;
}
