/**
 * The NVIDIA device plugin's config file (API version v1) as a strict schema, transcribed from
 * NVIDIA/k8s-device-plugin api/config/v1 at v0.20.0 (commit 1b826acc): each key is the Go
 * struct's `json` tag (config.go `Config`, flags.go `CommandLineFlags`, sharing.go `Sharing`,
 * replicas.go `ReplicatedResources`/`ReplicatedResource`, imex.go `Imex`), each rule one its
 * `UnmarshalJSON` enforces. Strict where the plugin is lenient (sigs.k8s.io/yaml drops unknown
 * fields), and refusing what the plugin accepts but then ignores (`DisableResourceNamingInConfig`,
 * config.go: `resources`, a `rename` and a device selection under `sharing`), so a config that
 * would not do what it says fails here instead of on a node.
 *
 * The chart (templates/configmap.yml) puts each named config into a ConfigMap; its
 * config-manager picks the one a node's `nvidia.com/device-plugin.config` label names
 * (templates/daemonset-device-plugin.yml, NODE_LABEL), else `config.default`.
 */
import { parse, stringify } from "yaml";
import { z } from "zod";
import { NVIDIA_GPU_RESOURCE } from "./gpu-placement";

/** The node label the chart's config-manager reads to pick a node's config. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";

/** The config of nodes whose GPUs are whole (the chart's `config.default`). */
export const EXCLUSIVE_CONFIG = "exclusive";
/** The config of nodes whose GPUs are time-sliced. */
export const TIME_SLICED_CONFIG = "time-sliced";

/** `ResourceName` (resources.go `NewResourceName`): `nvidia.com/` and a DNS subdomain. */
const resourceName = z.string().regex(/^nvidia\.com\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be nvidia.com/<name>, the name a DNS subdomain" });

/** `ReplicatedResource` (replicas.go): `name` and `replicas` required, replicas ≥ 2, devices default "all". */
const replicatedResource = z.strictObject({
    name: resourceName,
    /** Only the default rename (`<name>.shared`, via renameByDefault) is honoured; any other is dropped with a warning. */
    rename: z.never({ error: "is ignored by the plugin (DisableResourceNamingInConfig); use renameByDefault" }).optional(),
    /** A count or list is reset to "all" by the plugin (DisableResourceNamingInConfig). */
    devices: z.literal("all", { error: "must be 'all': the plugin resets a count or list of devices to all" }).optional(),
    replicas: z.number().int().min(2, { error: "must be >= 2 (replicas.go: number of replicas must be >= 2)" }),
});

/** `ReplicatedResources` (replicas.go): at least one resource ("no resources specified"). */
const replicatedResources = z.strictObject({
    renameByDefault: z.boolean().optional(),
    failRequestsGreaterThanOne: z.boolean().optional(),
    resources: z.array(replicatedResource).min(1, { error: "no resources specified (replicas.go)" }),
});

/** `CommandLineFlags` (flags.go); `plugin` and `gfd` are their own structs, kept open here. */
const flags = z.strictObject({
    migStrategy: z.enum(["none", "single", "mixed"]).optional(),
    failOnInitError: z.boolean().optional(),
    mpsRoot: z.string().optional(),
    nvidiaDriverRoot: z.string().optional(),
    nvidiaDevRoot: z.string().optional(),
    gdrcopyEnabled: z.boolean().optional(),
    gdsEnabled: z.boolean().optional(),
    mofedEnabled: z.boolean().optional(),
    useNodeFeatureAPI: z.boolean().optional(),
    deviceDiscoveryStrategy: z.string().optional(),
    plugin: z.record(z.string(), z.unknown()).optional(),
    gfd: z.record(z.string(), z.unknown()).optional(),
});

/** `Config` (config.go): version "v1" (an empty one reads as v1; any other is refused). */
export const devicePluginConfigSchema = z.strictObject({
    version: z.literal("v1", { error: "must be v1 (config.go: unknown version)" }),
    flags: flags.optional(),
    resources: z.never({ error: "is ignored by the plugin (DisableResourceNamingInConfig)" }).optional(),
    sharing: z.strictObject({ timeSlicing: replicatedResources.optional(), mps: replicatedResources.optional() }).optional(),
    imex: z.strictObject({ channelIDs: z.array(z.number().int()).optional(), required: z.boolean().optional() }).optional(),
});

export type DevicePluginConfig = z.output<typeof devicePluginConfigSchema>;

/** A config checked against the plugin's types; throws with every problem, each at its key. */
export function checkedDevicePluginConfig(config: unknown): DevicePluginConfig {
    const parsed = devicePluginConfigSchema.safeParse(config);
    if (!parsed.success) throw new Error(`device plugin config does not match api/config/v1: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    return parsed.data;
}

/**
 * The configs a cluster's GPU nodes choose from: whole GPUs, and, where a pool shares its GPUs,
 * each GPU time-sliced `replicasPerGpu` times under the same `nvidia.com/gpu` name (not renamed:
 * the cluster autoscaler's GPU handling knows only `nvidia.com/gpu`, and takes a node with the
 * GPU label but none of it allocatable for one whose driver is not up, cluster-autoscaler
 * processors/customresources/gpu_processor.go). A pod asking for more than one shared GPU is
 * refused by the plugin (`failRequestsGreaterThanOne`): two replicas of one GPU are no faster.
 */
export function devicePluginConfigs(replicasPerGpu: number | undefined): Record<string, DevicePluginConfig> {
    const exclusive: DevicePluginConfig = { version: "v1", flags: { migStrategy: "none" } };
    if (replicasPerGpu === undefined) return { [EXCLUSIVE_CONFIG]: exclusive };
    const timeSliced: DevicePluginConfig = {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: { timeSlicing: { failRequestsGreaterThanOne: true, resources: [{ name: NVIDIA_GPU_RESOURCE, replicas: replicasPerGpu }] } },
    };
    return { [EXCLUSIVE_CONFIG]: exclusive, [TIME_SLICED_CONFIG]: timeSliced };
}

/** The chart's `config.map`: each config as the YAML file the plugin reads, checked first. */
export function devicePluginConfigMap(configs: Readonly<Record<string, DevicePluginConfig>>): Record<string, string> {
    return Object.fromEntries(Object.entries(configs).map(([name, c]) => [name, stringify(checkedDevicePluginConfig(c)).trimEnd()]));
}

/** A config file's text as the plugin reads it (YAML), checked against the types. */
export function parseDevicePluginConfig(text: string): DevicePluginConfig {
    return checkedDevicePluginConfig(parse(text));
}

/** How many `nvidia.com/gpu` a node with `gpus` GPUs advertises under a config. */
export function advertisedGpus(config: DevicePluginConfig, gpus: number): number {
    const sliced = config.sharing?.timeSlicing?.resources.find((r) => r.name === NVIDIA_GPU_RESOURCE);
    return sliced && !config.sharing?.timeSlicing?.renameByDefault ? gpus * sliced.replicas : gpus;
}
