/**
 * The scheduling check on the real program: every workload meant for a pool lands on a node of
 * that pool, with its labels, taints and allocatable (after kube-reserved, the eviction
 * threshold and DaemonSets), and lands nowhere else. The nodes are read from the node groups the
 * run recorded (`recorded-nodes.ts`), not from the model that made them. Chart values are taken
 * as Helm applies them, merged over the chart's defaults.
 */
import { EksClusterConfig } from "../../infra/config/schema";
import { clusterPools } from "../../infra/config/validate-cluster";
import { devicePluginValues } from "../../infra/cluster/nvidia-device-plugin";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { addResources, checkFit, NO_RESOURCES, NodeShape, PodShape, podFromSpec } from "../../infra/scheduling/fit";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runStack } from "../harness";
import { chartDefaults, effectiveValues } from "../support/helm-values";
import { notebookPodShape } from "../support/kubespawner-pod";
import { nodeOfGroup, nodesOfPool, recordedDaemonSets, recordedNodeGroups, recordedNodes, RecordedNode, smallestNodeOfPool } from "./recorded-nodes";

const config = stackConfig("dev");
const cluster = config.cluster as EksClusterConfig;

const devicePluginDefaults = chartDefaults("devicePlugin", "device plugin placement with the chart's default affinity");
const z2jhDefaults = chartDefaults("z2jh", "notebook profile placement with the chart's defaults");
const autoscalerDefaults = chartDefaults("clusterAutoscaler", "the cluster autoscaler's placement and requests with the chart's defaults");

function landsOnlyOn(pod: PodShape, on: readonly NodeShape[], notOn: readonly NodeShape[], asDaemonSet = false) {
    for (const n of on) expect({ node: n.name, ...checkFit(pod, n, { asDaemonSet }) }).toEqual({ node: n.name, fits: true, reasons: [] });
    for (const n of notOn) expect({ node: n.name, fits: checkFit(pod, n, { asDaemonSet }).fits }).toEqual({ node: n.name, fits: false });
}

/** The DaemonSet pod of a device plugin release's effective values (templates/daemonset-device-plugin.yml). */
function devicePluginPod(values: Record<string, unknown>): PodShape {
    const v = effectiveValues(devicePluginDefaults!, values);
    return podFromSpec("device plugin", { nodeSelector: v.nodeSelector, affinity: v.affinity, tolerations: v.tolerations, containers: [{ resources: v.resources }] });
}

/**
 * A z2jh core pod (hub, proxy, autohttps) from the effective values: its own node selector,
 * `scheduling.corePods.tolerations` before its own, and a required node-purpose affinity only
 * with `matchNodePurpose: require` (templates/_helpers.tpl `jupyterhub.coreAffinity`).
 */
function corePod(name: string, component: Record<string, any>, values: Record<string, any>): PodShape {
    const pod = podFromSpec(name, { nodeSelector: component.nodeSelector, tolerations: [...(values.scheduling.corePods.tolerations ?? []), ...(component.tolerations ?? [])], containers: [{ resources: component.resources }] });
    const required = values.scheduling.corePods.nodeAffinity.matchNodePurpose === "require" ? [[{ key: "hub.jupyter.org/node-purpose", operator: "In" as const, values: ["core"] }]] : [];
    return { ...pod, requiredNodeAffinity: required };
}

describe("where workloads land (dev stack)", () => {
    let resources: RecordedResource[];
    /** One node per recorded node group and instance type. */
    let nodes: RecordedNode[];
    /** A GPU node of every GPU node group and configured type. */
    let gpuNodes: NodeShape[];
    const node = (pool: string) => smallestNodeOfPool(nodes, pool);
    beforeAll(async () => {
        resources = (await runStack("dev")).resources;
        nodes = recordedNodes(resources);
        gpuNodes = nodesOfPool(nodes, "gpu");
    });

    it("reads a node per node group from the run: system, user and GPU pools, every configured GPU type", () => {
        expect(nodes.map((n) => n.pool).sort()).toEqual(["gpu", "gpu", "system", "user", "user"]);
        expect([...new Set(gpuNodes.map((n) => n.name.replace(/^.*\((.*)\)$/, "$1")))]).toEqual([...cluster.gpuNodePool.instanceTypes]);
        for (const n of gpuNodes) expect(n.allocatable.extended).toEqual({ "nvidia.com/gpu": 1 });
    });

    it("config validation's node model agrees with the node groups the program makes: labels, taints, allocatable, DaemonSets", () => {
        for (const pool of clusterPools(cluster, config.environment)) {
            const { name: _model, ...model } = pool.node;
            const { name: _recorded, group: _group, pool: _pool, ...recorded } = node(pool.role);
            expect({ pool: pool.role, ...recorded }).toEqual({ pool: pool.role, ...model });
        }
    });

    (devicePluginDefaults ? it : it.skip)("the device plugin lands on every GPU node type and nowhere else", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-nvidia-device-plugin").inputs;
        landsOnlyOn(devicePluginPod(release.values), gpuNodes, [node("system"), node("user")], true);
    });

    (devicePluginDefaults ? it : it.skip)("the check fails for the device plugin values before the fix: the chart's default affinity needs labels GPU nodes lack", () => {
        const placement = { nodeSelector: { "ml-team-env/pool": "gpu" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Equal" as const, value: "true", effect: "NoSchedule" as const }] };
        const before = { nodeSelector: placement.nodeSelector, tolerations: placement.tolerations, failOnInitError: true };
        // Nodes without the label nodeadm adds only from kubelet 1.35.
        const older = { ...gpuNodes[0]!, labels: Object.fromEntries(Object.entries(gpuNodes[0]!.labels).filter(([k]) => k !== "nvidia.com/gpu.present")) };
        const result = checkFit(devicePluginPod(before), older, { asDaemonSet: true });
        expect(result.fits).toBe(false);
        expect(result.reasons.join()).toMatch(/required node affinity .*feature\.node\.kubernetes\.io\/pci-10de\.present/);
        // The values as generated now hold on such nodes too.
        expect(checkFit(devicePluginPod(devicePluginValues({ ...placement, resourceName: "nvidia.com/gpu", gpusPerNode: 1, maxGpus: 2 })), older, { asDaemonSet: true }).fits).toBe(true);
    });

    it("the image pre-pullers land on GPU and user nodes respectively, never on system nodes", () => {
        const spec = (pool: string) => ofType(resources, "kubernetes:apps/v1:DaemonSet").find((d) => d.inputs.metadata.name === `environment-image-pre-puller-${pool}`)!.inputs.spec.template.spec;
        landsOnlyOn(podFromSpec("gpu pre-puller", spec("gpu")), gpuNodes, [node("system"), node("user")], true);
        landsOnlyOn(podFromSpec("user pre-puller", spec("user")), [node("user")], [node("system"), ...gpuNodes], true);
    });

    (z2jhDefaults ? it : it.skip)("each GPU profile fits a GPU node of every configured type; each CPU profile fits the user pool; neither lands elsewhere", () => {
        const values = effectiveValues(z2jhDefaults!, one(resources, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub").inputs.values);
        const profiles = values.custom.profiles as Record<string, any>[];
        expect(profiles.length).toBeGreaterThan(1);
        for (const p of profiles) {
            const pod = notebookPodShape(p, values);
            if (p.kubespawner_override.extra_resource_limits) landsOnlyOn(pod, gpuNodes, [node("system"), node("user")]);
            else landsOnlyOn(pod, [node("user")], [node("system"), ...gpuNodes]);
        }
    });

    (z2jhDefaults ? it : it.skip)("the check fails for an 8 GiB CPU profile on an m6i.large, which has about 7.3 GiB allocatable", () => {
        const values = effectiveValues(z2jhDefaults!, one(resources, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub").inputs.values);
        const cpu = (values.custom.profiles as Record<string, any>[]).find((p) => p.slug === "cpu")!;
        expect(cpu.kubespawner_override.mem_guarantee).toBe("8G");
        // A node of the recorded user group, as an m6i.large (validation refuses that pool size, so no run records one).
        const userGroup = recordedNodeGroups(resources).find((g) => g.inputs.labels?.["ml-team-env/pool"] === "user")!;
        const small = nodeOfGroup(userGroup, "m6i.large", recordedDaemonSets(resources));
        const result = checkFit(notebookPodShape(cpu, values), small);
        expect(result.fits).toBe(false);
        expect(result.reasons.join()).toMatch(/requests 8 GiB memory but only 7\.0\d GiB is allocatable after DaemonSets/);
    });

    (z2jhDefaults && autoscalerDefaults ? it : it.skip)("the system pool's workloads (hub, proxy, cluster autoscaler, runner managers) land on a system node only, and all fit one together", () => {
        const z2jh = effectiveValues(z2jhDefaults!, one(resources, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub").inputs.values);
        // TLS ends at the load balancer (https: acm): there is no autohttps pod.
        expect(z2jh.proxy.https).toMatchObject({ enabled: true, type: "offload" });
        const autoscaler = effectiveValues(autoscalerDefaults!, one(resources, "kubernetes:helm.sh/v3:Release", "dev-cluster-autoscaler").inputs.values);
        // The gitlab-runner chart's defaults are not in the reference data: its values as given
        // (they set no resources, and the chart's default is none).
        const runner = (kind: string) => {
            const v = one(resources, "kubernetes:helm.sh/v3:Release", `dev-runners-${kind}`).inputs.values;
            return podFromSpec(`${kind} runner manager`, { nodeSelector: v.nodeSelector, tolerations: v.tolerations, affinity: v.affinity, containers: [{ resources: v.resources }] });
        };
        // The Calico operator is left out: its chart's defaults (placement, resources) are not in the reference data.
        const pods = [
            corePod("hub", z2jh.hub, z2jh),
            corePod("proxy", z2jh.proxy.chp, z2jh),
            podFromSpec("cluster autoscaler", { nodeSelector: autoscaler.nodeSelector, tolerations: autoscaler.tolerations, affinity: autoscaler.affinity, containers: [{ resources: autoscaler.resources }] }),
            runner("cpu"),
            runner("gpu"),
        ];
        const system = nodesOfPool(nodes, "system");
        expect(system.length).toBeGreaterThan(0);
        for (const pod of pods) landsOnlyOn(pod, system, [...nodesOfPool(nodes, "user"), ...gpuNodes]);
        // All of them on one system node (a zone's last one), after its DaemonSets.
        const together: PodShape = { ...pods[0]!, name: "the system workloads together", requests: pods.map((p) => p.requests).reduce(addResources, NO_RESOURCES) };
        for (const n of system) expect(checkFit(together, n)).toEqual({ fits: true, reasons: [] });
    });
});
