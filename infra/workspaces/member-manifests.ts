/**
 * What one developer's workspace namespace holds, as pure functions: quota, defaults,
 * network isolation and the hub's rights there. Used by `MemberWorkspace`.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NVIDIA_GPU_RESOURCE } from "../cluster/gpu-placement";

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/** The hub's ServiceAccount as the z2jh chart names it (component name, `fullnameOverride: ""`). */
export const HUB_SERVICE_ACCOUNT = "hub";

/** Label z2jh puts on the hub and proxy pods that may reach notebook servers. */
export const SINGLEUSER_ACCESS_LABEL = "hub.jupyter.org/network-access-singleuser";

/** Notebook server port. */
export const NOTEBOOK_PORT = 8888;

/**
 * Quota for a member: GPUs as configured (0 means no GPU pod can start), and bounds on
 * CPU, memory and volumes so one namespace cannot starve the cluster.
 */
export function memberQuota(gpus: number, storageGiB: number): Record<string, string> {
    return {
        [`requests.${NVIDIA_GPU_RESOURCE}`]: String(gpus),
        "limits.cpu": "32",
        "limits.memory": "256Gi",
        persistentvolumeclaims: "4",
        "requests.storage": `${storageGiB * 4}Gi`,
        pods: "10",
    };
}

/** Container defaults for pods that do not say (the hub always does; `kubectl run` might not). */
export function memberLimitRange(): k8s.types.input.core.v1.LimitRangeItem[] {
    return [
        {
            type: "Container",
            default: { cpu: "1", memory: "2Gi" },
            defaultRequest: { cpu: "250m", memory: "512Mi" },
        },
    ];
}

/** Ingress only from the hub's and proxy's pods in the hub namespace, on the notebook port. */
export function notebookIngressPolicy(hubNamespace: string): k8s.types.input.networking.v1.NetworkPolicySpec {
    return {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
            {
                from: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": hubNamespace } },
                        podSelector: { matchLabels: { [SINGLEUSER_ACCESS_LABEL]: "true" } },
                    },
                ],
                ports: [{ protocol: "TCP", port: NOTEBOOK_PORT }],
            },
        ],
    };
}

/**
 * What KubeSpawner does in a user's namespace: create and delete the server pod (and its
 * service when services are on), create and read the home PVC. No `delete` on PVCs: with
 * `delete_pvc: false` the hub never needs it, so it cannot lose anyone's data.
 */
export function hubRoleRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete", "patch"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "create"] },
        { apiGroups: [""], resources: ["services"], verbs: ["get", "create", "delete"] },
        { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
    ];
}

/**
 * Cluster-wide rights KubeSpawner needs with `enable_user_namespaces`: one pod and one event
 * reflector over all namespaces (read only), and `create` on namespaces because it creates
 * the user's namespace at every spawn and takes "already exists" as success (Pulumi has made
 * it by then). Kubernetes cannot scope `create` by name.
 */
export function hubClusterRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods", "events"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["namespaces"], verbs: ["create"] },
    ];
}
