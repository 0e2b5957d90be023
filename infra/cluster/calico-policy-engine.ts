import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartSource } from "../charts/pinned-chart";

/** The Tigera operator chart, pinned (projectcalico/calico tag v3.32.1, 2026-06-24; the newest minor then). */
export const TIGERA_OPERATOR_CHART = { chart: "tigera-operator", version: "v3.32.1", repo: "https://docs.tigera.io/calico/charts" } as const;

/**
 * Calico in policy-only mode beside the AWS VPC CNI (Calico docs, "Install EKS with Amazon VPC
 * networking": policy Calico, IPAM and CNI AWS). The chart renders `installation` as the
 * operator's Installation spec. The API server, Goldmane and Whisker (flow logs UI) are off:
 * nothing here uses them and each costs a pod.
 */
export function calicoValues(): Record<string, unknown> {
    return {
        installation: { kubernetesProvider: "EKS", cni: { type: "AmazonVPC" }, calicoNetwork: { bgp: "Disabled" } },
        apiServer: { enabled: false },
        goldmane: { enabled: false },
        whisker: { enabled: false },
    };
}

export interface CalicoPolicyEngineArgs {
    readonly provider: k8s.Provider;
}

/**
 * Enforces Kubernetes NetworkPolicy for every pod. EKS's own engine (the VPC CNI's network
 * policy agent) is not enough here: "Standalone Pods that don't have a metadata.ownerReferences
 * set can't have network policies applied to them" (EKS user guide, network policy
 * considerations; aws-network-policy-agent#327), and KubeSpawner's notebook pods are standalone.
 * So the VPC CNI's policy agent stays off (the two conflict) and Calico enforces.
 */
export class CalicoPolicyEngine extends pulumi.ComponentResource {
    constructor(name: string, args: CalicoPolicyEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:CalicoPolicyEngine", name, {}, opts);
        const inCluster = { parent: this, provider: args.provider };
        // Calico's EKS guide: aws-node annotates pods with their IPs (ANNOTATE_POD_IP, set on the
        // vpc-cni add-on) so Calico learns them at once; that needs pods patch.
        const role = new k8s.rbac.v1.ClusterRole(`${name}-aws-node-annotate`, { metadata: { name: "aws-node-annotate-pod-ip" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "patch"] }] }, inCluster);
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-aws-node-annotate`,
            {
                metadata: { name: "aws-node-annotate-pod-ip" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: "aws-node", namespace: "kube-system" }],
            },
            inCluster,
        );
        new k8s.helm.v3.Release(
            name,
            {
                name: "calico",
                ...chartSource(TIGERA_OPERATOR_CHART),
                namespace: "tigera-operator",
                createNamespace: true,
                values: calicoValues(),
            },
            inCluster,
        );
        this.registerOutputs({});
    }
}
