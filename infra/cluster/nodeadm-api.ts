/**
 * nodeadm's `NodeConfig` (API group node.eks.aws, version v1alpha1) as a strict schema,
 * transcribed field by field from amazon-eks-ami nodeadm/api/v1alpha1/nodeconfig_types.go at
 * v20260724 (commit 81fec2e8): each key is the struct field's `json` tag; enums are the
 * `+kubebuilder:validation:Enum` markers. Strict where nodeadm is lenient (its
 * `UniversalDecoder` drops unknown fields), so a misspelt key fails here instead of being
 * ignored on the node.
 */
import { z } from "zod";

/** `Feature` (nodeconfig_types.go: `+kubebuilder:validation:Enum={InstanceIdNodeName,FastImagePull}`). */
export const NODEADM_FEATURES = ["InstanceIdNodeName", "FastImagePull"] as const;

/** `ClusterDetails`: the cluster's coordinates (EKS's own NodeConfig part fills them on managed node groups). */
const clusterDetails = z.strictObject({
    name: z.string().optional(),
    apiServerEndpoint: z.string().optional(),
    /** `[]byte`: base64 in JSON/YAML. */
    certificateAuthority: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).optional(),
    cidr: z.string().optional(),
    enableOutpost: z.boolean().optional(),
    id: z.string().optional(),
});

/** `KubeletOptions`. */
const kubeletOptions = z.strictObject({
    /** `map[string]runtime.RawExtension`: a KubeletConfiguration merged with the defaults. */
    config: z.record(z.string(), z.unknown()).optional(),
    flags: z.array(z.string()).optional(),
    maxPodsExpression: z.string().optional(),
});

/** `ContainerdOptions`. */
const containerdOptions = z.strictObject({
    /** Inline containerd TOML merged with the defaults. */
    config: z.string().optional(),
    baseRuntimeSpec: z.record(z.string(), z.unknown()).optional(),
});

/** `InstanceOptions` with `LocalStorageOptions`, `EnvironmentOptions`, `NetworkOptions`. */
const instanceOptions = z.strictObject({
    localStorage: z
        .strictObject({
            strategy: z.enum(["RAID0", "RAID10", "Mount"]).optional(),
            mountPath: z.string().optional(),
            disabledMounts: z.array(z.enum(["Containerd", "PodLogs", "SOCI"])).optional(),
        })
        .optional(),
    environment: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    network: z.strictObject({ nameservers: z.array(z.string()).optional(), domains: z.array(z.string()).optional() }).optional(),
});

/** `NodeConfigSpec`. */
const nodeConfigSpec = z.strictObject({
    cluster: clusterDetails.optional(),
    containerd: containerdOptions.optional(),
    instance: instanceOptions.optional(),
    kubelet: kubeletOptions.optional(),
    /** `map[Feature]bool`. */
    featureGates: z.partialRecord(z.enum(NODEADM_FEATURES), z.boolean()).optional(),
});

/** `NodeConfig` with its TypeMeta (nodeadm's decoder checks group and kind: internal/api/bridge/decode.go). */
export const nodeConfigSchema = z.strictObject({
    apiVersion: z.literal("node.eks.aws/v1alpha1"),
    kind: z.literal("NodeConfig"),
    metadata: z.record(z.string(), z.unknown()).optional(),
    spec: nodeConfigSpec.optional(),
});

export type NodeConfig = z.input<typeof nodeConfigSchema>;
