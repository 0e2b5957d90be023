import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { chartSource } from "../charts/pinned-chart";
import { podPlacement, SystemPlacement } from "./gpu-placement";

/** The Tigera operator chart, pinned (projectcalico/calico tag v3.32.1, 2026-06-24; the newest minor then). */
export const TIGERA_OPERATOR_CHART = { chart: "tigera-operator", version: "v3.32.1", repo: "https://docs.tigera.io/calico/charts" } as const;

/**
 * Calico's CRDs (`crd.projectcalico.org` and `operator.tigera.io`), at the operator's version
 * from the same repository: since v3.32 the operator chart ships none, and its README says to
 * install this chart first and upgrade it before the operator (charts/tigera-operator/README.md,
 * "Custom Resource Definitions", "All other upgrades").
 */
export const CALICO_CRDS_CHART = { chart: "crd.projectcalico.org.v1", version: TIGERA_OPERATOR_CHART.version, repo: TIGERA_OPERATOR_CHART.repo } as const;

/**
 * Calico in policy-only mode beside the AWS VPC CNI (Calico docs, "Install EKS with Amazon VPC
 * networking": policy Calico, IPAM and CNI AWS). The chart renders `installation` as the
 * operator's Installation spec. The API server, Goldmane and Whisker (flow logs UI) are off:
 * nothing here uses them and each costs a pod.
 *
 * Placement: the operator Deployment and its pre-delete Job take `nodeSelector` (merged over the
 * chart's `kubernetes.io/os: linux`; its default tolerations of every taint stay, so the operator
 * also runs while nodes are still tainted not-ready), and the operator puts kube-controllers on
 * `controlPlaneNodeSelector` with `controlPlaneTolerations`. Typha takes neither: operator v1.42.3
 * (the chart's) tolerates every taint for it (tigera/operator pkg/render/typha.go), so it could
 * land on GPU and user nodes. Its affinity goes in `typhaDeployment` (the Installation's
 * `typhaAffinity` is deprecated for it, per the CRD), which replaces the operator's default
 * affinity whole: see `typhaAffinity` below.
 *
 * `manageCRDs: false`: the CRD chart owns the CRDs (`-manage-crds=false` on the operator, the
 * chart's values.yaml: "you must manage these resources out-of-band"), so one field manager
 * applies them and an upgrade never meets a server-side-apply conflict with the operator.
 */
export function calicoValues(placement: SystemPlacement): Record<string, unknown> {
    const onSystem = podPlacement(placement);
    return {
        installation: {
            kubernetesProvider: "EKS",
            cni: { type: "AmazonVPC" },
            calicoNetwork: { bgp: "Disabled" },
            controlPlaneNodeSelector: onSystem.nodeSelector,
            ...(onSystem.tolerations.length > 0 ? { controlPlaneTolerations: onSystem.tolerations } : {}),
            typhaDeployment: { spec: { template: { spec: { affinity: typhaAffinity(onSystem.nodeSelector) } } } },
        },
        apiServer: { enabled: false },
        goldmane: { enabled: false },
        whisker: { enabled: false },
        manageCRDs: false,
        nodeSelector: { "kubernetes.io/os": "linux", ...onSystem.nodeSelector },
    };
}

/**
 * Typha's affinity: the system nodes preferred, not required. The operator runs 3 Typhas from 5
 * nodes on (pkg/common/autoscale.go, GetExpectedTyphaScale), each on its own node since Typha
 * uses the host network (its port), so a small system pool cannot hold them all: the rest go
 * elsewhere rather than stay Pending. Plus the operator's default, which this replaces: Typhas
 * spread over zones (typha.go, affinity(): weight 1, topology.kubernetes.io/zone).
 */
function typhaAffinity(systemNodeSelector: Readonly<Record<string, string>>): Record<string, unknown> {
    const matchExpressions = Object.entries(systemNodeSelector).map(([key, value]) => ({ key, operator: "In", values: [value] }));
    return {
        ...(matchExpressions.length > 0 ? { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions } }] } } : {}),
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["calico-typha"] }] }, topologyKey: "topology.kubernetes.io/zone" } },
            ],
        },
    };
}

/**
 * A transform that keeps an object in the cluster when it leaves the program (`retainOnDelete`).
 * On the CRD chart: a CRD's deletion deletes every object of its kind (all of Calico's state), and
 * Calico keeps its CRDs outside the operator's release so that `helm uninstall` leaves them (README:
 * the CRDs are applied with `kubectl apply --server-side`, not installed by the operator chart).
 * Transforms reach the children of a packaged component such as `helm.v4.Chart`
 * (Pulumi docs, resource option `transforms`); the option on the Chart alone did not
 * (pulumi-kubernetes#3065).
 */
export function retainOnDelete(args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult {
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) };
}

export interface CalicoPolicyEngineArgs {
    readonly provider: k8s.Provider;
    /** Where the operator and kube-controllers run: the system nodes. */
    readonly placement: SystemPlacement;
}

/**
 * Enforces Kubernetes NetworkPolicy for every pod. EKS's own engine (the VPC CNI's network
 * policy agent) is not enough here: "Standalone Pods that don't have a metadata.ownerReferences
 * set can't have network policies applied to them" (EKS user guide, network policy
 * considerations; aws-network-policy-agent#327), and KubeSpawner's notebook pods are standalone.
 * So the VPC CNI's policy agent stays off (the two conflict) and Calico enforces.
 *
 * The CRDs come first, as their own `helm.v4.Chart`: it renders the chart into Kubernetes
 * resources that the cluster's provider applies server-side (`enableServerSideApply`), which is
 * what Calico asks for (`kubectl apply --server-side`): the Installation CRD is 629 KB as JSON,
 * past the 256 KiB limit of the annotation client-side apply writes. A `helm.v3.Release` would
 * apply client-side and delete the CRDs (and every Calico object) on uninstall. The operator's
 * release depends on the chart, so a version bump applies the new CRDs before the operator, and
 * `helm install` finds the Installation kind it renders.
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
        const crds = new k8s.helm.v4.Chart(`${name}-crds`, chartSource(CALICO_CRDS_CHART), { ...inCluster, retainOnDelete: true, transforms: [retainOnDelete] });
        new k8s.helm.v3.Release(
            name,
            {
                name: "calico",
                ...chartSource(TIGERA_OPERATOR_CHART),
                namespace: "tigera-operator",
                createNamespace: true,
                values: calicoValues(args.placement),
            },
            { ...inCluster, dependsOn: [crds] },
        );
        this.registerOutputs({});
    }
}
