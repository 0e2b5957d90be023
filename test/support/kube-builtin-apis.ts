/**
 * The API resources a new Kubernetes cluster serves out of the box: the built-in groups at
 * their GA versions, per minor version. Facts from the API server's own discovery snapshots
 * (kubernetes/kubernetes `api/discovery/apis__<group>__<version>.json`, `api__v1.json`) and the
 * release notes of the minors that added a GA resource (noted `since`). Only GA versions:
 * "New beta APIs aren't enabled in clusters by default" (EKS user guide, kubernetes-versions,
 * "Which Kubernetes features are supported"), and upstream turns new betas off by default since
 * 1.24 (KEP-3136). No aggregated API (metrics.k8s.io needs metrics-server) and no CRD: a fresh
 * cluster has none, and the install check adds exactly the CRDs a release waits for.
 */

/** One resource in discovery: `plural` is the URL segment, `kind` what manifests name. */
export interface ApiResource {
    readonly kind: string;
    readonly plural: string;
    readonly namespaced: boolean;
    /** Review kinds only accept `create`. @default false */
    readonly createOnly?: boolean;
    /** First minor (1.x) that serves it at this version. @default 0 (every minor here) */
    readonly since?: number;
}

/** A group/version and its resources; the core group is `""`. */
export interface ApiGroupVersion {
    readonly group: string;
    readonly version: string;
    readonly resources: readonly ApiResource[];
}

const ns = (kind: string, plural: string, extra: Partial<ApiResource> = {}): ApiResource => ({ kind, plural, namespaced: true, ...extra });
const cluster = (kind: string, plural: string, extra: Partial<ApiResource> = {}): ApiResource => ({ kind, plural, namespaced: false, ...extra });

/** Built-in GA APIs; a group with two versions lists its preferred one first. */
const BUILTIN: readonly ApiGroupVersion[] = [
    {
        group: "",
        version: "v1",
        resources: [
            ns("Binding", "bindings", { createOnly: true }),
            cluster("ComponentStatus", "componentstatuses"),
            ns("ConfigMap", "configmaps"),
            ns("Endpoints", "endpoints"),
            ns("Event", "events"),
            ns("LimitRange", "limitranges"),
            cluster("Namespace", "namespaces"),
            cluster("Node", "nodes"),
            ns("PersistentVolumeClaim", "persistentvolumeclaims"),
            cluster("PersistentVolume", "persistentvolumes"),
            ns("Pod", "pods"),
            ns("PodTemplate", "podtemplates"),
            ns("ReplicationController", "replicationcontrollers"),
            ns("ResourceQuota", "resourcequotas"),
            ns("Secret", "secrets"),
            ns("ServiceAccount", "serviceaccounts"),
            ns("Service", "services"),
        ],
    },
    {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resources: [
            cluster("MutatingWebhookConfiguration", "mutatingwebhookconfigurations"),
            cluster("ValidatingWebhookConfiguration", "validatingwebhookconfigurations"),
            cluster("ValidatingAdmissionPolicy", "validatingadmissionpolicies"),
            cluster("ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings"),
            // Stable in 1.36 (Kubernetes v1.36 release, MutatingAdmissionPolicy GA).
            cluster("MutatingAdmissionPolicy", "mutatingadmissionpolicies", { since: 36 }),
            cluster("MutatingAdmissionPolicyBinding", "mutatingadmissionpolicybindings", { since: 36 }),
        ],
    },
    { group: "apiextensions.k8s.io", version: "v1", resources: [cluster("CustomResourceDefinition", "customresourcedefinitions")] },
    { group: "apiregistration.k8s.io", version: "v1", resources: [cluster("APIService", "apiservices")] },
    {
        group: "apps",
        version: "v1",
        resources: [ns("ControllerRevision", "controllerrevisions"), ns("DaemonSet", "daemonsets"), ns("Deployment", "deployments"), ns("ReplicaSet", "replicasets"), ns("StatefulSet", "statefulsets")],
    },
    {
        group: "authentication.k8s.io",
        version: "v1",
        resources: [cluster("SelfSubjectReview", "selfsubjectreviews", { createOnly: true }), cluster("TokenReview", "tokenreviews", { createOnly: true })],
    },
    {
        group: "authorization.k8s.io",
        version: "v1",
        resources: [
            ns("LocalSubjectAccessReview", "localsubjectaccessreviews", { createOnly: true }),
            cluster("SelfSubjectAccessReview", "selfsubjectaccessreviews", { createOnly: true }),
            cluster("SelfSubjectRulesReview", "selfsubjectrulesreviews", { createOnly: true }),
            cluster("SubjectAccessReview", "subjectaccessreviews", { createOnly: true }),
        ],
    },
    { group: "autoscaling", version: "v2", resources: [ns("HorizontalPodAutoscaler", "horizontalpodautoscalers")] },
    { group: "autoscaling", version: "v1", resources: [ns("HorizontalPodAutoscaler", "horizontalpodautoscalers")] },
    { group: "batch", version: "v1", resources: [ns("CronJob", "cronjobs"), ns("Job", "jobs")] },
    { group: "certificates.k8s.io", version: "v1", resources: [cluster("CertificateSigningRequest", "certificatesigningrequests")] },
    { group: "coordination.k8s.io", version: "v1", resources: [ns("Lease", "leases")] },
    { group: "discovery.k8s.io", version: "v1", resources: [ns("EndpointSlice", "endpointslices")] },
    { group: "events.k8s.io", version: "v1", resources: [ns("Event", "events")] },
    { group: "flowcontrol.apiserver.k8s.io", version: "v1", resources: [cluster("FlowSchema", "flowschemas"), cluster("PriorityLevelConfiguration", "prioritylevelconfigurations")] },
    {
        group: "networking.k8s.io",
        version: "v1",
        resources: [
            cluster("IngressClass", "ingressclasses"),
            ns("Ingress", "ingresses"),
            ns("NetworkPolicy", "networkpolicies"),
            // GA in 1.33 (KEP-1880, multiple Service CIDRs).
            cluster("IPAddress", "ipaddresses", { since: 33 }),
            cluster("ServiceCIDR", "servicecidrs", { since: 33 }),
        ],
    },
    { group: "node.k8s.io", version: "v1", resources: [cluster("RuntimeClass", "runtimeclasses")] },
    { group: "policy", version: "v1", resources: [ns("PodDisruptionBudget", "poddisruptionbudgets")] },
    {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resources: [cluster("ClusterRoleBinding", "clusterrolebindings"), cluster("ClusterRole", "clusterroles"), ns("RoleBinding", "rolebindings"), ns("Role", "roles")],
    },
    {
        // Dynamic resource allocation, GA in 1.34.
        group: "resource.k8s.io",
        version: "v1",
        resources: [
            cluster("DeviceClass", "deviceclasses", { since: 34 }),
            ns("ResourceClaim", "resourceclaims", { since: 34 }),
            ns("ResourceClaimTemplate", "resourceclaimtemplates", { since: 34 }),
            cluster("ResourceSlice", "resourceslices", { since: 34 }),
        ],
    },
    { group: "scheduling.k8s.io", version: "v1", resources: [cluster("PriorityClass", "priorityclasses")] },
    {
        group: "storage.k8s.io",
        version: "v1",
        resources: [
            cluster("CSIDriver", "csidrivers"),
            cluster("CSINode", "csinodes"),
            ns("CSIStorageCapacity", "csistoragecapacities"),
            cluster("StorageClass", "storageclasses"),
            cluster("VolumeAttachment", "volumeattachments"),
            // GA in 1.34 (KEP-3751).
            cluster("VolumeAttributesClass", "volumeattributesclasses", { since: 34 }),
        ],
    },
];

/** Namespaces every new cluster has. */
export const BUILTIN_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"] as const;

/** The built-in group/versions a new cluster of `1.<minor>` serves, each with only the resources it has at that minor. */
export function builtinApis(minor: number): ApiGroupVersion[] {
    return BUILTIN.map((gv) => ({ ...gv, resources: gv.resources.filter((r) => (r.since ?? 0) <= minor) })).filter((gv) => gv.resources.length > 0);
}
