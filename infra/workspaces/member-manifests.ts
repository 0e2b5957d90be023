/**
 * What one developer's workspace namespace holds, as pure functions: quota, defaults, network
 * isolation, the hub's rights there, and which notebook profiles the member may start.
 */
import type * as k8s from "@pulumi/kubernetes";
import { NVIDIA_GPU_RESOURCE } from "../cluster/gpu-placement";
import { NotebookProfile, TeamMember } from "../config/schema";
import { HUB_API_PORT } from "./hub-values";
import { MEMBER_CONFIG_MAP, NOTEBOOK_PORT, SINGLEUSER_ACCESS_LABEL } from "./hub-objects";
import { CLUSTER_DNS_EGRESS, EgressDestination, egressRules, PUBLIC_EGRESS } from "./private-egress";

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * Quota for a member: GPUs as configured (0 means no GPU pod can start), and bounds on
 * CPU, memory and volumes so one namespace cannot starve the cluster. A time-sliced GPU is one
 * `nvidia.com/gpu` of a sharing node, so the quota counts whole GPUs and slices together
 * (`gpus + sharedGpus`); which of them a member's notebooks take is the profiles the hub offers
 * them (`memberProfiles`), and the hub is what makes their pods. Memory-backed /dev/shm is
 * inside each pod's memory limit, so `limits.memory` already counts it.
 */
export function memberQuota(gpus: number, storageGiB: number, sharedGpus = 0): Record<string, string> {
    return {
        [`requests.${NVIDIA_GPU_RESOURCE}`]: String(gpus + sharedGpus),
        "limits.cpu": "32",
        "limits.memory": "256Gi",
        persistentvolumeclaims: "4",
        "requests.storage": `${storageGiB * 4}Gi`,
        pods: "10",
    };
}

/** Container defaults for pods that do not say (the hub always does; `kubectl run` might not). */
export function memberLimitRange(): k8s.types.input.core.v1.LimitRangeItem[] {
    return [{ type: "Container", default: { cpu: "1", memory: "2Gi" }, defaultRequest: { cpu: "250m", memory: "512Mi" } }];
}

/**
 * The member namespace's NetworkPolicy. Ingress: only the hub and proxy pods (labelled by the
 * chart for notebook access), on the notebook port — so another member's pod cannot connect.
 * Egress: the hub API, cluster DNS, and the internet (pip, datasets), but no private address
 * (other members' pods, nodes) and not the metadata service — except the private destinations
 * the team lists (a self-managed GitLab, a package mirror), on their ports only.
 */
export function memberNetworkPolicy(hubNamespace: string, privateEgress: readonly EgressDestination[] = []): NetworkPolicySpec {
    return {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": hubNamespace } }, podSelector: { matchLabels: { [SINGLEUSER_ACCESS_LABEL]: "true" } } }],
                ports: [{ protocol: "TCP", port: NOTEBOOK_PORT }],
            },
        ],
        egress: [
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": hubNamespace } }, podSelector: { matchLabels: { component: "hub" } } }], ports: [{ protocol: "TCP", port: HUB_API_PORT }] },
            CLUSTER_DNS_EGRESS,
            PUBLIC_EGRESS,
            ...egressRules(privateEgress),
        ],
    };
}

/**
 * What KubeSpawner 7.0.0 calls in a user's namespace (spawner.py): create and delete the server
 * pod; create the home claim (it exists — Pulumi made it — and 409 is fine; on a 403 it reads it).
 * No pod get/patch (pod state comes from its cluster-wide reflector), no PVC list/watch or delete
 * (`delete_pvc: false`), no services (`services_enabled` is off). Plus reading the member's own
 * profile ConfigMap, by name.
 */
export function hubRoleRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create", "get"] },
        { apiGroups: [""], resources: ["configmaps"], resourceNames: [MEMBER_CONFIG_MAP], verbs: ["get"] },
    ];
}

/**
 * Cluster-wide rights KubeSpawner needs with `enable_user_namespaces`: its pod and event
 * reflectors list and watch across all namespaces (`list_*_for_all_namespaces`), and it calls
 * `create_namespace` at every spawn, taking only 409 as success (a 403 fails the spawn even
 * when Pulumi made the namespace). Kubernetes cannot scope `create` by name.
 */
export function hubClusterRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods", "events"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["namespaces"], verbs: ["create"] },
    ];
}

/**
 * The profiles a member may start: those their entry lists, or, without a list, every profile
 * their GPU quotas allow: whole-GPU profiles within `gpus`, time-sliced ones within
 * `sharedGpus` (a member with neither is never offered a GPU server).
 */
export function memberProfiles(member: Pick<TeamMember, "gpus" | "sharedGpus" | "profiles">, profiles: readonly NotebookProfile[]): string[] {
    const allowed = member.profiles ? new Set(member.profiles) : undefined;
    const within = (p: NotebookProfile) => p.gpus <= (p.sharedGpu ? (member.sharedGpus ?? 0) : member.gpus);
    return profiles.filter((p) => (allowed ? allowed.has(p.name) : within(p))).map((p) => p.name);
}

/** The member ConfigMap's data, as the hub's profile hook reads it. */
export function memberConfigMapData(member: Pick<TeamMember, "gpus" | "sharedGpus" | "profiles">, profiles: readonly NotebookProfile[]): Record<string, string> {
    return { profiles: JSON.stringify(memberProfiles(member, profiles)), gpus: String(member.gpus), ...(member.sharedGpus ? { sharedGpus: String(member.sharedGpus) } : {}) };
}
