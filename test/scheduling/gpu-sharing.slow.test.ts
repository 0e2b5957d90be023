/**
 * A GPU pool that time-slices its GPUs, on the real program: the dev stack with
 * `cluster.sharedGpuNodePool`, a `sharedGpu` profile and a member's `sharedGpus`. The device
 * plugin and hub releases are rendered by the real Helm; the nodes are read from the recorded
 * node groups, and what a node of each advertises is what the rendered device-plugin config its
 * label selects says (checked against the plugin's api/config/v1 types). The autoscaler's
 * template tags must say the same, or a pool at zero never scales up for a slice.
 */
import { parse, stringify } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { advertisedGpus, DEVICE_PLUGIN_CONFIG_LABEL, DevicePluginConfig, EXCLUSIVE_CONFIG, parseDevicePluginConfig, TIME_SLICED_CONFIG } from "../../infra/cluster/device-plugin-config";
import { INSTANCE_TYPES } from "../../infra/cluster/instance-types";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { checkFit } from "../../infra/scheduling/fit";
import { clusterPools } from "../../infra/config/validate-cluster";
import { stackConfig } from "../cluster/fixtures";
import { ofType, ROOT, runStackYaml } from "../harness";
import { HelmTools } from "../support/helm-binary";
import { KubeObject, renderedObject, renderKubeVersion, renderRelease, renderToolsOrSkip } from "../support/helm-render";
import { notebookPodShape, notebookPodVolumes, renderedHubValues } from "../support/kubespawner-pod";
import { registeredReleases } from "../support/registered-releases";
import { POD_KINDS, renderedPod, renderedPods } from "../support/rendered-pods";
import { landsOnlyOn } from "./meant-pools";
import { nodesOfPool, RecordedNode, recordedNodeGroups, recordedNodes, smallestNodeOfPool } from "./recorded-nodes";

const tools = renderToolsOrSkip("GPU sharing: the device plugin's config and placement as Helm renders them");

/** The dev stack with a sharing pool of g6.xlarge (one L4) at 4 replicas, a profile on it, and bob's one slice. */
export function sharingStackYaml(): string {
    const doc = parse(fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8"));
    doc.config["ml-team-env:cluster"].sharedGpuNodePool = { instanceTypes: ["g6.xlarge"], maxSize: 2, sharing: { replicasPerGpu: 4 } };
    doc.config["ml-team-env:jupyterhub"].profiles.push({ name: "gpu-shared", displayName: "A quarter of an L4", cpu: 0.8, memoryGiB: 3.5, gpus: 1, sharedGpu: true });
    doc.config["ml-team-env:team"].members[1].sharedGpus = 1;
    return stringify(doc);
}

/** The autoscaler's template GPU count of a node group: its ASG's `node-template/resources/nvidia.com/gpu` tag. */
function templateGpus(resources: readonly RecordedResource[], group: string): number | undefined {
    const tag = ofType(resources, "aws:autoscaling/tag:Tag").find((t) => t.name.startsWith(`${group}-`) && t.inputs.tag.key === "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu");
    return tag ? Number(tag.inputs.tag.value) : undefined;
}

/** The `nvidia.com/gpu` a node advertises: its GPUs under the config its label selects (the chart's `config.default` without one). */
function advertised(node: RecordedNode, configs: Readonly<Record<string, DevicePluginConfig>>, defaultConfig: string): number {
    const gpus = INSTANCE_TYPES[node.name.replace(/^.*\((.*)\)$/, "$1")]!.gpus;
    const config = configs[node.labels[DEVICE_PLUGIN_CONFIG_LABEL] ?? defaultConfig];
    if (!config) throw new Error(`${node.name}: label ${DEVICE_PLUGIN_CONFIG_LABEL}=${node.labels[DEVICE_PLUGIN_CONFIG_LABEL]} names no config in the rendered ConfigMap`);
    return advertisedGpus(config, gpus);
}

(tools ? describe : describe.skip)("a GPU pool that time-slices its GPUs (dev stack with sharedGpuNodePool)", () => {
    const helm = tools as HelmTools;
    const config = stackConfig("dev", () => sharingStackYaml());
    let resources: RecordedResource[];
    let plugin: KubeObject[];
    let configs: Record<string, DevicePluginConfig>;
    let nodes: RecordedNode[];
    let hubValues: Record<string, any>;
    beforeAll(async () => {
        resources = (await runStackYaml("dev", sharingStackYaml())).resources;
        const releases = registeredReleases(resources);
        const render = (chart: string) => renderRelease(helm, releases.find((r) => r.chart === chart)!, renderKubeVersion(config.cluster));
        plugin = render("nvidia-device-plugin").objects as KubeObject[];
        const configMap = renderedObject(plugin, "ConfigMap", "nvidia-device-plugin-configs");
        configs = Object.fromEntries(Object.entries(configMap.data as Record<string, string>).map(([name, text]) => [name, parseDevicePluginConfig(text)]));
        hubValues = renderedHubValues(render("jupyterhub").ofKinds(["Secret"]));
        const daemonSets = renderedPods(plugin.filter((o) => (POD_KINDS as readonly string[]).includes(o.kind))).filter((p) => p.daemonSet).map((p) => p.shape);
        // What each node really offers: the device plugin's config, not the instance type's GPU count.
        nodes = recordedNodes(resources, daemonSets).map((n) => {
            const extended: Record<string, number> = Object.keys(n.allocatable.extended).length ? { "nvidia.com/gpu": advertised(n, configs, EXCLUSIVE_CONFIG) } : {};
            return { ...n, allocatable: { ...n.allocatable, extended } };
        });
    });

    it("renders the plugin's configs into its ConfigMap, each valid against api/config/v1: whole GPUs by default, 4 replicas where the label says time-sliced", () => {
        expect(Object.keys(configs).sort()).toEqual([EXCLUSIVE_CONFIG, TIME_SLICED_CONFIG]);
        expect(configs[TIME_SLICED_CONFIG]!.sharing).toEqual({ timeSlicing: { failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas: 4 }] } });
        expect(configs[EXCLUSIVE_CONFIG]!.sharing).toBeUndefined();
        // The chart's config-manager reads the node label, with the exclusive config as default.
        const ds = renderedObject(plugin, "DaemonSet", "nvidia-device-plugin");
        const manager = ds.spec.template.spec.containers.find((c: { name: string }) => c.name === "nvidia-device-plugin-sidecar");
        const env = Object.fromEntries((manager.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
        expect(env).toMatchObject({ NODE_LABEL: DEVICE_PLUGIN_CONFIG_LABEL, DEFAULT_CONFIG: EXCLUSIVE_CONFIG, CONFIG_FILE_DST: "/config/config.yaml" });
        const ctr = ds.spec.template.spec.containers.find((c: { name: string }) => c.name === "nvidia-device-plugin-ctr");
        expect(ctr.env).toContainEqual({ name: "CONFIG_FILE", value: "/config/config.yaml" });
    });

    it("the config check fails for configs the plugin refuses or would ignore", () => {
        const sliced = (resource: Record<string, unknown>) => `version: v1\nsharing:\n  timeSlicing:\n    resources:\n    - ${JSON.stringify(resource)}\n`;
        expect(() => parseDevicePluginConfig(sliced({ name: "nvidia.com/gpu", replicas: 1 }))).toThrow(/replicas: must be >= 2/);
        expect(() => parseDevicePluginConfig(sliced({ name: "nvidia.com/gpu", replicas: 4, rename: "gpu-slice" }))).toThrow(/rename: is ignored by the plugin/);
        expect(() => parseDevicePluginConfig(sliced({ name: "nvidia.com/gpu", replicas: 4, devices: 2 }))).toThrow(/devices: must be 'all'/);
        expect(() => parseDevicePluginConfig("version: v1\nsharing:\n  timeSlicing:\n    resources: []\n")).toThrow(/no resources specified/);
        expect(() => parseDevicePluginConfig("version: v2\n")).toThrow(/version: must be v1/);
        expect(() => parseDevicePluginConfig("version: v1\nsharing:\n  timeslicing: {}\n")).toThrow(/timeslicing/);
    });

    it("a node of the sharing pool offers 4 nvidia.com/gpu per L4, and the autoscaler's template says so (scale from zero); whole-GPU nodes say 1", () => {
        const shared = nodesOfPool(nodes, "gpu-shared");
        expect(shared.length).toBe(2);
        for (const n of shared) expect(n.allocatable.extended).toEqual({ "nvidia.com/gpu": 4 });
        for (const group of recordedNodeGroups(resources).filter((g) => g.inputs.labels?.["nvidia.com/gpu.present"] === "true")) {
            const node = nodes.find((n) => n.group === group.name)!;
            expect({ group: group.name, template: templateGpus(resources, group.name) }).toEqual({ group: group.name, template: node.allocatable.extended["nvidia.com/gpu"] });
        }
        // Without its label the node would take the default config and offer 1: the template would then promise 3 slices too many.
        const unlabelled = { ...shared[0]!, labels: Object.fromEntries(Object.entries(shared[0]!.labels).filter(([k]) => k !== DEVICE_PLUGIN_CONFIG_LABEL)) };
        expect(advertised(unlabelled, configs, EXCLUSIVE_CONFIG)).toBe(1);
        expect(advertised(unlabelled, configs, EXCLUSIVE_CONFIG)).not.toBe(templateGpus(resources, shared[0]!.group));
    });

    it("config validation's model of the sharing pool's node agrees with the node group and the plugin's config", () => {
        const model = clusterPools(config.cluster, config.environment).find((p) => p.role === "gpu-shared")!.node;
        const { name: _n, group: _g, pool: _p, ...recorded } = smallestNodeOfPool(nodes, "gpu-shared");
        const { name: _m, ...modelled } = model;
        // The chart's device plugin DaemonSet is counted on the recorded node, the model budgets the package's own.
        expect({ ...recorded, daemonSetRequests: undefined }).toEqual({ ...modelled, daemonSetRequests: undefined });
    });

    it("the device plugin and the GPU pre-puller run on both GPU pools, nowhere else", () => {
        const gpu = [...nodesOfPool(nodes, "gpu"), ...nodesOfPool(nodes, "gpu-shared")];
        const others = [smallestNodeOfPool(nodes, "system"), smallestNodeOfPool(nodes, "user")];
        landsOnlyOn(renderedPod(renderedPods(plugin.filter((o) => o.kind === "DaemonSet")), "DaemonSet/nvidia-device-plugin").shape, gpu, others, true);
        const prePuller = ofType(resources, "kubernetes:apps/v1:DaemonSet").find((d) => d.inputs.metadata.name === "environment-image-pre-puller-gpu")!;
        landsOnlyOn(renderedPods([{ apiVersion: "apps/v1", kind: "DaemonSet", metadata: prePuller.inputs.metadata, spec: prePuller.inputs.spec }])[0]!.shape, gpu, others, true);
    });

    it("the shared-GPU profile lands on the sharing pool only; the whole-GPU profile never does", () => {
        const profiles = hubValues.custom.profiles as Record<string, any>[];
        const pod = (slug: string) => notebookPodShape(profiles.find((p) => p.slug === slug)!, hubValues);
        const all = ["system", "user", "gpu", "gpu-shared"].flatMap((p) => nodesOfPool(nodes, p));
        const on = (pool: string) => nodesOfPool(nodes, pool);
        landsOnlyOn(pod("gpu-shared"), on("gpu-shared"), all.filter((n) => n.pool !== "gpu-shared"));
        landsOnlyOn(pod("gpu-1"), on("gpu"), all.filter((n) => n.pool !== "gpu"));
        // Placed on a whole-GPU node by hand, the slice would fit by resources: only the pool label keeps it off.
        const misplaced = { ...pod("gpu-shared"), nodeSelector: { "ml-team-env/pool": "gpu" } };
        expect(checkFit(misplaced, on("gpu")[0]!).fits).toBe(true);
        // Its /dev/shm, like every profile's: a quarter of its 3.5 GiB.
        expect(notebookPodVolumes(profiles.find((p) => p.slug === "gpu-shared")!, hubValues).volumes.find((v) => v.name === "shm")).toEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "896Mi" } });
    });

    it("counts a member's slices in their quota and offers them the shared profile; others are not offered it", () => {
        const quota = (user: string) => ofType(resources, "kubernetes:core/v1:ResourceQuota").find((q) => q.inputs.metadata.namespace === `jupyterhub-${user}`)!.inputs.spec.hard;
        const offered = (user: string) => JSON.parse(ofType(resources, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.namespace === `jupyterhub-${user}` && c.inputs.metadata.name === "ml-team-env-member")!.inputs.data.profiles);
        // bob: gpus 1 + sharedGpus 1.
        expect(quota("bob")["requests.nvidia.com/gpu"]).toBe("2");
        expect(offered("bob")).toEqual(["cpu", "gpu-1", "gpu-shared"]);
        expect(quota("alice")["requests.nvidia.com/gpu"]).toBe("2");
        expect(offered("alice")).toEqual(["cpu", "gpu-1"]);
    });
});
