import { subdivide, subnetLayout, subnetTags } from "../../infra/cluster/subnet-layout";
import { autoscalerTemplateTags, amiShipsDevicePlugin, eksTaintEffect } from "../../infra/cluster/zonal-node-pool";
import { GPU_TAINT } from "../../infra/cluster/gpu-placement";
import { acceleratorLabelFor, allocatableOf, gpusPerNodeFor, INSTANCE_TYPES, kubeReservedCpuMillis, kubeReservedMemoryMiB, maxPodsOnManagedNodeGroup, nearestInstanceType } from "../../infra/cluster/instance-types";
import { poolLabels } from "../../infra/cluster/node-pools";
import { uniquePrincipals } from "../../infra/cluster/gpu-cluster";
import { clusterAutoscalerPolicy, serviceAccountTrustPolicy } from "../../infra/cluster/iam-policies";
import { eksKubeconfig } from "../../infra/cluster/kubeconfig";
import { nodeLaunchTemplateArgs } from "../../infra/cluster/node-launch-template";
import { retainOnDelete } from "../../infra/cluster/calico-policy-engine";
import { autoscalerBehind, daysOfStandardSupportLeft, DEFAULT_KUBERNETES_VERSION, EKS_VERSIONS, KUBERNETES_VERSIONS, supportStatus } from "../../infra/cluster/kubernetes-versions";

describe("subnet layout", () => {
    it("cuts a /16 into /19 private and /22 public subnets that do not overlap", () => {
        expect(subdivide("10.0.0.0/16", 3, 1)).toBe("10.0.32.0/19");
        expect(subnetLayout("10.0.0.0/16", 3)).toEqual({
            privateCidrs: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
            publicCidrs: ["10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"],
        });
        expect(() => subnetLayout("10.0.0.0/16", 7)).toThrow(/outside 2..6/);
    });

    it("tags subnets for EKS and load balancers", () => {
        expect(subnetTags("c", "public")).toEqual({ "kubernetes.io/cluster/c": "shared", "kubernetes.io/role/elb": "1" });
        expect(subnetTags("c", "private")).toEqual({ "kubernetes.io/cluster/c": "shared", "kubernetes.io/role/internal-elb": "1" });
    });
});

describe("GPU pool helpers", () => {
    it("writes node-template tags for every label, the taint and the GPU count, and no discovery tags", () => {
        const tags = autoscalerTemplateTags(poolLabels("gpu", ["p4d.24xlarge"]), [GPU_TAINT], 8);
        expect(tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"]).toBe("8");
        expect(tags["k8s.io/cluster-autoscaler/node-template/label/k8s.amazonaws.com/accelerator"]).toBe("nvidia-a100");
        expect(tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"]).toBe("true:NoSchedule");
        expect(Object.keys(tags).filter((k) => !k.includes("/node-template/"))).toEqual([]);
    });

    it("computes allocatable as EKS nodeadm does: capacity − kube-reserved − the eviction threshold", () => {
        // nodeadm getCPUMillicoresToReserve examples: 2 vCPU → 70m, 4 → 80m, 8 → 90m, 16 → 110m, 48 → 190m, 192 → 550m.
        expect([2, 4, 8, 16, 48, 192].map(kubeReservedCpuMillis)).toEqual([70, 80, 90, 110, 190, 550]);
        expect(kubeReservedMemoryMiB(29)).toBe(574);
        expect(kubeReservedMemoryMiB(58)).toBe(893);
        // Managed node groups cap max pods at 110 below 30 vCPUs, 250 above.
        expect(maxPodsOnManagedNodeGroup(INSTANCE_TYPES["g5.4xlarge"]!)).toBe(110);
        expect(maxPodsOnManagedNodeGroup(INSTANCE_TYPES["g5.12xlarge"]!)).toBe(250);
        expect(maxPodsOnManagedNodeGroup(INSTANCE_TYPES["p5.48xlarge"]!)).toBe(100);
        // m6i.large: 8192 MiB − 574 − 100 = 7518 MiB, about 7.3 GiB: an 8 GiB notebook cannot fit.
        expect(allocatableOf(INSTANCE_TYPES["m6i.large"]!)).toEqual({ cpuMillis: 1930, memoryBytes: 7518 * 2 ** 20, pods: 29, gpus: 0 });
        // g5.xlarge: 16384 − 893 − 100 = 15391 MiB; a 16 GiB notebook cannot fit.
        expect(allocatableOf(INSTANCE_TYPES["g5.xlarge"]!).memoryBytes).toBe(15391 * 2 ** 20);
    });

    it("suggests the nearest known instance type for a typo", () => {
        expect(nearestInstanceType("g5.xlarg")).toBe("g5.xlarge");
        expect(nearestInstanceType("p9.huge")).toBeUndefined();
    });

    it("lists each cluster admin once, the deployer first", () => {
        expect(uniquePrincipals(["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a"])).toEqual(["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]);
    });

    it("knows GPU counts and accelerators of common instance types", () => {
        expect(gpusPerNodeFor(["g5.12xlarge", "g6.12xlarge"])).toEqual({ ok: true, gpus: 4 });
        expect(acceleratorLabelFor(["g5.xlarge", "g6.xlarge"])).toBe("nvidia");
        expect(eksTaintEffect("NoSchedule")).toBe("NO_SCHEDULE");
        expect(amiShipsDevicePlugin("BOTTLEROCKET_x86_64_NVIDIA")).toBe(true);
        expect(amiShipsDevicePlugin("AL2023_x86_64_NVIDIA")).toBe(false);
    });

    it("keeps pods away from node credentials: IMDSv2 with hop limit 1", () => {
        const lt = nodeLaunchTemplateArgs({ amiType: "AL2023_x86_64_NVIDIA", volume: { sizeGiB: 300 }, tags: {} });
        expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    });
});

describe("IAM documents", () => {
    it("scopes IRSA trust to one service account and the STS audience", () => {
        const doc = serviceAccountTrustPolicy("arn:aws:iam::1:oidc-provider/oidc.eks.x/id/A", "https://oidc.eks.x/id/A", "kube-system", "sa");
        expect(doc.Statement[0]).toMatchObject({
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { "oidc.eks.x/id/A:sub": "system:serviceaccount:kube-system:sa", "oidc.eks.x/id/A:aud": "sts.amazonaws.com" } },
        });
    });

    it("lets the autoscaler change only groups tagged as owned by its cluster", () => {
        const doc = clusterAutoscalerPolicy("team");
        const writes = doc.Statement.filter((s) => (s.Action as string[]).some((a) => a.startsWith("autoscaling:Set")));
        expect(writes).toHaveLength(1);
        expect(writes[0]!.Condition).toEqual({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/team": "owned" } });
    });
});

describe("eksKubeconfig", () => {
    it("authenticates with aws eks get-token and holds no static credential", () => {
        const kc = JSON.parse(eksKubeconfig({ clusterName: "c", endpoint: "https://e", certificateAuthorityData: "Q0E=", region: "eu-west-1" }));
        expect(kc.users[0].user.exec.args).toEqual(["eks", "get-token", "--cluster-name", "c", "--region", "eu-west-1", "--output", "json"]);
        expect(kc.users[0].user.token).toBeUndefined();
        expect(kc.clusters[0].cluster).toEqual({ server: "https://e", "certificate-authority-data": "Q0E=" });
    });
});

describe("Calico CRDs", () => {
    it("keeps each object of the CRD chart on delete, leaving its other options as they were", () => {
        const out = retainOnDelete({ custom: true, type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", name: "c", props: { a: 1 }, opts: { ignoreChanges: ["x"] } });
        expect(out.props).toEqual({ a: 1 });
        expect(out.opts).toMatchObject({ retainOnDelete: true, ignoreChanges: ["x"] });
    });
});

describe("Kubernetes versions", () => {
    it("defaults to the newest minor that has its own cluster-autoscaler image", () => {
        expect(autoscalerBehind(DEFAULT_KUBERNETES_VERSION)).toBeUndefined();
        const newer = KUBERNETES_VERSIONS.filter((v) => v > DEFAULT_KUBERNETES_VERSION);
        expect(newer.map((v) => [v, autoscalerBehind(v)])).toEqual(newer.map((v) => [v, expect.any(String)]));
        expect(autoscalerBehind("1.37")).toBe("1.36");
    });

    it("counts the days of standard support left from the day's start, the last day included", () => {
        expect(daysOfStandardSupportLeft("1.36", new Date("2026-12-04T23:59:00Z"))).toBe(241);
        expect(daysOfStandardSupportLeft("1.34", new Date("2026-12-02T08:00:00Z"))).toBe(0);
        expect(daysOfStandardSupportLeft("1.34", new Date("2026-12-03T08:00:00Z"))).toBe(-1);
        expect(supportStatus("1.34", new Date("2026-12-02T23:00:00Z"))).toBe("standard");
        expect(supportStatus("1.34", new Date("2026-12-03T00:00:00Z"))).toBe("extended");
    });

    it("gives each version an autoscaler image of its own minor or the one below, never above", () => {
        for (const v of KUBERNETES_VERSIONS) {
            const minor = Number(/^v1\.(\d+)\./.exec(EKS_VERSIONS[v].autoscalerImageTag)![1]);
            expect(Number(v.split(".")[1]) - minor).toBeGreaterThanOrEqual(0);
            expect(Number(v.split(".")[1]) - minor).toBeLessThanOrEqual(1);
        }
    });
});
