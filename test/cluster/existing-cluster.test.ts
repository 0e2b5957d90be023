import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../infra/cluster";
import { ofType, one, runComponents } from "../harness";
import { stackConfig } from "./fixtures";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: https://k8s.lab.example.org:6443}}]\nusers: [{name: lab, user: {token: known-kubeconfig-token}}]\n";

async function existing(edit?: (y: string) => string) {
    const config = stackConfig("onprem", edit);
    return runComponents(() => {
        const cluster = createCluster("onprem-cluster", config, { kubeconfig: pulumi.secret(KUBECONFIG), jupyterhubOAuthClientSecret: pulumi.secret("x") });
        return { placement: cluster.gpuPlacement, system: cluster.systemPlacement, storage: cluster.userStorageClassName };
    }, "onprem");
}

describe("ExistingCluster (onprem stack)", () => {
    it("creates no AWS resources at all", async () => {
        const { resources } = await existing();
        expect(resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws")).toEqual([]);
    });

    it("takes the GPU placement from the label selector and the servers' taints", async () => {
        const { result } = await existing();
        expect(result.placement).toEqual({
            nodeSelector: { "nvidia.com/gpu.present": "true" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            resourceName: "nvidia.com/gpu",
            gpusPerNode: 2,
            maxGpus: 6,
        });
        expect(result.system.nodeSelector).toEqual({ "node-role.example.org/services": "true" });
    });

    it("uses the kubeconfig secret for its provider, never in plain text", async () => {
        const { resources } = await existing();
        const provider = one(resources, "pulumi:providers:kubernetes");
        expect(provider.secretPaths).toContain("kubeconfig");
        expect(JSON.stringify(resources.map((r) => r.redactedInputs))).not.toContain("known-kubeconfig-token");
    });

    it("installs the device plugin only when asked, on the GPU servers", async () => {
        expect(ofType((await existing()).resources, "kubernetes:helm.sh/v3:Release")).toHaveLength(0);
        const { resources } = await existing((y) => y.replace("installDevicePlugin: false", "installDevicePlugin: true"));
        const release = one(resources, "kubernetes:helm.sh/v3:Release");
        expect(release.inputs.values.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
        expect(release.inputs.values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        expect(release.provider).toMatch(/pulumi:providers:kubernetes::onprem-cluster-k8s::/);
    });
});
