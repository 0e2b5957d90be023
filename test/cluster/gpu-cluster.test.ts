import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../infra/cluster";
import { MANAGED_POLICIES } from "../../infra/cluster/iam-policies";
import { userDataSummary } from "../../infra/cluster/node-user-data";
import { PROJECT } from "../../infra/config/schema";
import { RecordedResource, runWithMocks } from "../../infra/plan/mock-runtime";
import { ofType, one, runComponents } from "../harness";
import { renderedObject, renderKubeVersion, renderRelease, renderToolsOrSkip } from "../support/helm-render";
import { registeredReleases } from "../support/registered-releases";
import { renderedPod, renderedPods } from "../support/rendered-pods";
import { stackConfig } from "./fixtures";

const tools = renderToolsOrSkip("the cluster autoscaler as its chart renders");

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

    const groups = (prefix: string) => ofType(resources, "aws:eks/nodeGroup:NodeGroup").filter((r) => r.name.startsWith(prefix));

    it("makes one GPU node group per availability zone, each in one subnet, alike in all but the subnet", () => {
        const gpu = groups("dev-cluster-gpu-");
        expect(gpu.map((g) => g.name).sort()).toEqual(["dev-cluster-gpu-0", "dev-cluster-gpu-1"]);
        const subnets = gpu.map((g) => g.inputs.subnetIds);
        expect(subnets.every((s) => s.length === 1)).toBe(true);
        expect(new Set(subnets.map((s) => s[0])).size).toBe(2);
        const alike = gpu.map(({ inputs: { subnetIds: _subnets, ...rest } }) => JSON.stringify(rest));
        expect(new Set(alike).size).toBe(1);
        expect(gpu[0]!.inputs).toMatchObject({ amiType: "AL2023_x86_64_NVIDIA", instanceTypes: ["g5.xlarge"], capacityType: "ON_DEMAND", scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 2 } });
    });

    it("taints and labels GPU and user nodes so only their pods land there; the system group takes the rest", () => {
        const gpu = groups("dev-cluster-gpu-")[0]!.inputs;
        expect(gpu.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
        expect(gpu.labels).toEqual({ "ml-team-env/pool": "gpu", "k8s.amazonaws.com/accelerator": "nvidia-a10g", "nvidia.com/gpu.present": "true" });
        const user = groups("dev-cluster-user-");
        expect(user).toHaveLength(2);
        expect(user[0]!.inputs).toMatchObject({
            instanceTypes: ["m6i.xlarge"],
            scalingConfig: { minSize: 0, maxSize: 3 },
            labels: { "ml-team-env/pool": "user", "hub.jupyter.org/node-purpose": "user" },
            taints: [{ key: "hub.jupyter.org/dedicated", value: "user", effect: "NO_SCHEDULE" }],
        });
        const sys = groups("dev-cluster-system-");
        expect(sys).toHaveLength(1);
        expect(sys[0]!.inputs.subnetIds).toHaveLength(2);
        expect(sys[0]!.inputs.taints).toEqual([]);
        expect(sys[0]!.inputs.labels).toEqual({ "ml-team-env/pool": "system" });
    });

    it("turns nodeadm's FastImagePull on in the GPU and user launch templates, not the system one (its m6i.large is below the AMI's threshold)", () => {
        const gates = (name: string) => {
            const lt = byName(resources, "aws:ec2/launchTemplate:LaunchTemplate", name);
            return lt.userData === undefined ? undefined : userDataSummary(lt.userData);
        };
        expect(gates("dev-cluster-gpu")).toBe("nodeadm NodeConfig (featureGates: FastImagePull=true)");
        expect(gates("dev-cluster-user")).toBe("nodeadm NodeConfig (featureGates: FastImagePull=true)");
        expect(gates("dev-cluster-system")).toBeUndefined();
    });

    it("creates the vpc-cni add-on before every node group (nodes without aws-node stay NotReady)", () => {
        const vpcCni = one(resources, "aws:eks/addon:Addon", "dev-cluster-vpc-cni");
        const nodeGroups = ofType(resources, "aws:eks/nodeGroup:NodeGroup");
        expect(nodeGroups).toHaveLength(5);
        for (const ng of nodeGroups) expect(ng.dependencies).toContain(vpcCni.urn);
        expect(JSON.parse(vpcCni.inputs.configurationValues)).toEqual({ enableNetworkPolicy: "false", env: { ANNOTATE_POD_IP: "true" } });
    });

    it("requires IMDSv2, encrypts a 200 GiB gp3 root volume at the throughput that pays for itself, and tags GPU instances and volumes for cost allocation", () => {
        const lt = byName(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-gpu");
        expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(lt.blockDeviceMappings).toEqual([{ deviceName: "/dev/xvda", ebs: { volumeSize: 200, volumeType: "gp3", encrypted: "true", throughput: 250, iops: 3000, deleteOnTermination: "true" } }]);
        for (const spec of lt.tagSpecifications) expect(spec.tags).toMatchObject({ "ml-team-env/stack": "dev", "ml-team-env/cluster": "dev-ml-team" });
        expect(lt.tagSpecifications.map((t: { resourceType: string }) => t.resourceType)).toEqual(["instance", "volume"]);
        for (const ng of groups("dev-cluster-gpu-")) expect(ng.inputs.tags).toMatchObject({ "ml-team-env/stack": "dev" });
        for (const t of ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate")) {
            expect(t.inputs.metadataOptions.httpTokens).toBe("required");
            expect(t.inputs.blockDeviceMappings[0].ebs.encrypted).toBe("true");
        }
    });

    it("tags each GPU group with node-template labels, taint and GPUs, but not the discovery tags EKS owns", () => {
        const tags = ofType(resources, "aws:autoscaling/tag:Tag").filter((t) => t.name.startsWith("dev-cluster-gpu-0-"));
        expect(Object.fromEntries(tags.map((t) => [t.inputs.tag.key, t.inputs.tag.value]))).toEqual({
            "k8s.io/cluster-autoscaler/node-template/label/ml-team-env/pool": "gpu",
            "k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator": "nvidia-a10g",
            "k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present": "true",
            "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu": "true:NoSchedule",
            "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu": "1",
        });
        const all = ofType(resources, "aws:autoscaling/tag:Tag");
        expect(all.filter((t) => /^k8s\.io\/cluster-autoscaler\/(enabled|dev-ml-team)$/.test(t.inputs.tag.key))).toEqual([]);
        const perZone = (zone: number) => all.filter((t) => t.name.startsWith(`dev-cluster-gpu-${zone}-`)).map((t) => `${t.inputs.tag.key}=${t.inputs.tag.value}`).sort();
        expect(perZone(1)).toEqual(perZone(0));
        for (const t of tags) expect(t.inputs.tag.propagateAtLaunch).toBe(false);
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
        expect(cluster.version).toBe("1.36");
        expect(cluster.upgradePolicy).toEqual({ supportType: "STANDARD" });
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

    it("writes control-plane logs to a log group it creates first, with a retention", () => {
        const group = one(resources, "aws:cloudwatch/logGroup:LogGroup");
        expect(group.inputs).toMatchObject({ name: "/aws/eks/dev-ml-team/cluster", retentionInDays: 30 });
        expect(one(resources, "aws:eks/cluster:Cluster").dependencies).toContain(group.urn);
    });

    it("opens the public API endpoint only to the networks the stack names, never 0.0.0.0/0 by default", () => {
        const vpc = one(resources, "aws:eks/cluster:Cluster").inputs.vpcConfig;
        expect(vpc).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    });

    it("keeps image pulls off the NAT: an S3 gateway endpoint on the private route table", () => {
        const endpoint = one(resources, "aws:ec2/vpcEndpoint:VpcEndpoint").inputs;
        expect(endpoint).toMatchObject({ serviceName: "com.amazonaws.us-west-2.s3", vpcEndpointType: "Gateway" });
        expect(endpoint.routeTableIds).toEqual([expect.stringMatching(/^rtb-/)]);
    });

    it("enforces NetworkPolicy with Calico in policy-only mode beside the VPC CNI", () => {
        const calico = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-calico").inputs;
        expect(calico).toMatchObject({ chart: "tigera-operator", version: "v3.32.1", namespace: "tigera-operator" });
        expect(calico.values.installation).toMatchObject({ kubernetesProvider: "EKS", cni: { type: "AmazonVPC" }, calicoNetwork: { bgp: "Disabled" } });
    });

    it("installs Calico's CRDs first, at the operator's version, kept when they leave the program", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-calico");
        const crds = one(resources, "kubernetes:helm.sh/v4:Chart", "dev-cluster-calico-crds");
        expect(crds.inputs).toMatchObject({ chart: "crd.projectcalico.org.v1", version: release.inputs.version, repositoryOpts: release.inputs.repositoryOpts });
        expect(release.dependencies).toContain(crds.urn);
        expect(crds.retainOnDelete).toBe(true);
        // The option on the Chart alone does not reach the CRDs it renders (pulumi-kubernetes#3065):
        // its transform does, which the mock runtime runs on a probe child as the engine would.
        expect(crds.childRetainOnDelete).toBe(true);
        // One field manager for the CRDs: the operator does not apply its own copies.
        expect(release.inputs.values.manageCRDs).toBe(false);
    });

    it("puts Calico's operator and kube-controllers on the system nodes", () => {
        const values = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-calico").inputs.values;
        expect(values.nodeSelector).toEqual({ "kubernetes.io/os": "linux", "ml-team-env/pool": "system" });
        expect(values.installation.controlPlaneNodeSelector).toEqual({ "ml-team-env/pool": "system" });
        // The system pool has no taint; the chart's own tolerations of the operator stay.
        expect(values.installation.controlPlaneTolerations).toBeUndefined();
        expect(values.tolerations).toBeUndefined();
        // Typha, which tolerates every taint, prefers them (test/cluster/calico-values.test.ts).
        const typha = values.installation.typhaDeployment.spec.template.spec.affinity.nodeAffinity;
        expect(typha.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions).toEqual([{ key: "ml-team-env/pool", operator: "In", values: ["system"] }]);
    });

    it("runs the device plugin only on GPU nodes, tolerating their taint (AL2023 does not ship it)", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-nvidia-device-plugin").inputs;
        expect(release.chart).toBe("nvidia-device-plugin");
        expect(release.version).toBe("0.20.0");
        expect(release.values.nodeSelector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(release.values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    });

    it("runs the cluster autoscaler on system nodes with its service-account role", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-autoscaler").inputs;
        expect(release.values.autoDiscovery).toEqual({ clusterName: "dev-ml-team" });
        expect(release.values.awsRegion).toBe("us-west-2");
        expect(release.version).toBe("9.59.0");
        expect(release.values.image.tag).toBe("v1.36.1");
        expect(release.values.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
        expect(release.values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).toMatch(/role\/dev-cluster-autoscaler-role$/);
    });

    (tools ? it : it.skip)("the autoscaler as its chart renders: finds this cluster's groups, assumes its role, runs the cluster's minor, requests what it uses", () => {
        const release = registeredReleases(resources).find((r) => r.chart === "cluster-autoscaler")!;
        const objects = renderRelease(tools!, release, renderKubeVersion(stackConfig("dev").cluster)).ofKinds(["Deployment", "ServiceAccount"]);
        const pod = renderedPod(renderedPods(objects), "Deployment/cluster-autoscaler-aws-cluster-autoscaler");
        const container = pod.spec.containers![0] as Record<string, any>;
        // The autoscaler's minor must be the cluster's (1.36), at the pinned patch.
        expect(container.image).toBe("registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1");
        // Discovery by the tags EKS puts on a managed node group's Auto Scaling group, for this cluster;
        // the chart's logging flags stay and the package's come on top.
        expect(container.command).toEqual([
            "./cluster-autoscaler",
            "--cloud-provider=aws",
            "--namespace=kube-system",
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/dev-ml-team",
            "--balance-similar-node-groups=true",
            "--expander=least-waste",
            "--logtostderr=true",
            "--scale-down-unneeded-time=10m",
            "--skip-nodes-with-system-pods=false",
            "--stderrthreshold=info",
            "--v=4",
        ]);
        expect(container.env).toContainEqual({ name: "AWS_REGION", value: "us-west-2" });
        expect(container.resources).toEqual({ requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "300Mi" } });
        // It runs as the account the role trusts, and only that account.
        const account = renderedObject(objects, "ServiceAccount", pod.spec.serviceAccountName);
        expect(account.metadata.annotations!["eks.amazonaws.com/role-arn"]).toMatch(/role\/dev-cluster-autoscaler-role$/);
        const trust = JSON.parse(one(resources, "aws:iam/role:Role", "dev-cluster-autoscaler-role").inputs.assumeRolePolicy).Statement[0].Condition.StringEquals as Record<string, string>;
        expect(Object.entries(trust).filter(([k]) => k.endsWith(":sub")).map(([, sub]) => sub)).toEqual([`system:serviceaccount:${release.namespace}:${account.metadata.name}`]);
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

    it("on 1.37, runs the newest autoscaler there is (1.36) until a 1.37 one is pinned", async () => {
        const { resources } = await eks((y) => y.replace(/kubernetesVersion: "1\.36".*/, 'kubernetesVersion: "1.37"'));
        expect(one(resources, "aws:eks/cluster:Cluster").inputs.version).toBe("1.37");
        expect(one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-autoscaler").inputs.values.image.tag).toBe("v1.36.1");
    });

    it("on Bottlerocket NVIDIA: sizes the data volume and skips the device plugin the AMI ships", async () => {
        const { resources } = await eks((y) => y.replace("amiType: AL2023_x86_64_NVIDIA", "amiType: BOTTLEROCKET_x86_64_NVIDIA"));
        const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-gpu").inputs;
        expect(lt.blockDeviceMappings[0].deviceName).toBe("/dev/xvdb");
        expect(ofType(resources, "kubernetes:helm.sh/v3:Release").map((r) => r.name).sort()).toEqual(["dev-cluster-autoscaler", "dev-cluster-calico"]);
    });

    it("shows what the Kubernetes provider waits for before deploy: CoreDNS and the configured admins' access", async () => {
        const config = stackConfig("dev", (y) => y.replace("    systemNodeGroup:", "    adminPrincipalArns: [arn:aws:iam::123456789012:role/platform-admins]\n    systemNodeGroup:"));
        // A preview of a new stack: the deployer and every cloud-computed value are unknown.
        const { resources } = await runWithMocks(() => createCluster("dev-cluster", config, { jupyterhubOAuthClientSecret: pulumi.secret("x") }), { project: PROJECT, stack: "dev", unknownComputed: true });
        const provider = one(resources, "pulumi:providers:kubernetes");
        expect(provider.dependencies).toEqual(
            expect.arrayContaining([one(resources, "aws:eks/addon:Addon", "dev-cluster-coredns").urn, one(resources, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "dev-cluster-admin-0").urn]),
        );
    });

    it("gives cluster admin to configured principals too, and to the deployer once even when listed", async () => {
        const { resources } = await eks((y) =>
            y.replace("    systemNodeGroup:", "    adminPrincipalArns: [arn:aws:iam::123456789012:role/platform-admins, arn:aws:iam::123456789012:role/deployer]\n    systemNodeGroup:"),
        );
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
