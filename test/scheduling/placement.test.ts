/**
 * The scheduling check on the real program: every pod meant for a pool lands on a node of that
 * pool, with its labels, taints and allocatable (after kube-reserved, the eviction threshold and
 * DaemonSets), and lands nowhere else. The nodes are read from the node groups the run recorded
 * (`recorded-nodes.ts`), not from the model that made them; the charts' pods are what the real
 * Helm renders from the registered releases (test/support/helm-render.ts), every pod template
 * of every release.
 */
import { EksClusterConfig } from "../../infra/config/schema";
import { clusterPools } from "../../infra/config/validate-cluster";
import { devicePluginValues } from "../../infra/cluster/nvidia-device-plugin";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { addResources, checkFit, NO_RESOURCES, NodeShape, PodShape, podFromSpec } from "../../infra/scheduling/fit";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runStack } from "../harness";
import { HelmTools } from "../support/helm-binary";
import { releaseOf, renderKubeVersion, renderRelease, renderReleases, renderToolsOrSkip, StackRender } from "../support/helm-render";
import { notebookPodShape, renderedHubValues } from "../support/kubespawner-pod";
import { registeredReleases } from "../support/registered-releases";
import { POD_KINDS, RenderedPod, renderedPod, renderedPods } from "../support/rendered-pods";
import { landsOnlyOn, MEANT, notMeantFor, Pool, podsOf } from "./meant-pools";
import { nodeOfGroup, nodesOfPool, recordedDaemonSets, recordedNodeGroups, recordedNodes, RecordedNode, smallestNodeOfPool } from "./recorded-nodes";

const config = stackConfig("dev");
const cluster = config.cluster as EksClusterConfig;
const tools = renderToolsOrSkip("placement of the charts' pods, rendered by Helm");

/** The charts' pods this package sizes: each container requests CPU and memory (none runs BestEffort). */
const SIZED = ["jupyterhub/Deployment/hub", "jupyterhub/Deployment/proxy", "jupyterhub/Deployment/autohttps", "cluster-autoscaler/Deployment/cluster-autoscaler-aws-cluster-autoscaler"];

/** A runner manager's pod from its chart values (the gitlab-runner chart has no package to render). */
function runnerManager(resources: readonly RecordedResource[], kind: string): PodShape {
    const v = one(resources, "kubernetes:helm.sh/v3:Release", `dev-runners-${kind}`).inputs.values;
    // The chart's default resources are none (values.yaml `resources: {}`).
    return podFromSpec(`${kind} runner manager`, { nodeSelector: v.nodeSelector, tolerations: v.tolerations, affinity: v.affinity, containers: [{ resources: v.resources }] });
}

(tools ? describe : describe.skip)("where workloads land (dev stack, charts rendered by Helm)", () => {
    const helm = tools as HelmTools;
    let resources: RecordedResource[];
    let render: StackRender;
    let pods: Map<string, RenderedPod>;
    /** One node per recorded node group and instance type. */
    let nodes: RecordedNode[];
    /** A GPU node of every GPU node group and configured type. */
    let gpuNodes: NodeShape[];
    const node = (pool: string) => smallestNodeOfPool(nodes, pool);
    const pool = (p: Pool) => nodesOfPool(nodes, p);
    beforeAll(async () => {
        resources = (await runStack("dev")).resources;
        render = renderReleases(helm, resources, cluster);
        pods = podsOf(render);
        nodes = recordedNodes(resources, [...pods.values()].filter((p) => p.daemonSet).map((p) => p.shape));
        gpuNodes = pool("gpu");
    });

    it("reads a node per node group from the run: system, user and GPU pools, every configured GPU type", () => {
        expect(nodes.map((n) => n.pool).sort()).toEqual(["gpu", "gpu", "system", "user", "user"]);
        expect([...new Set(gpuNodes.map((n) => n.name.replace(/^.*\((.*)\)$/, "$1")))]).toEqual([...cluster.gpuNodePool.instanceTypes]);
        for (const n of gpuNodes) expect(n.allocatable.extended).toEqual({ "nvidia.com/gpu": 1 });
    });

    it("config validation's node model agrees with the node groups the program makes: labels, taints, allocatable, DaemonSets", () => {
        for (const p of clusterPools(cluster, config.environment)) {
            const { name: _model, ...model } = p.node;
            const { name: _recorded, group: _group, pool: _pool, ...recorded } = node(p.role);
            expect({ pool: p.role, ...recorded }).toEqual({ pool: p.role, ...model });
        }
    });

    it("every pod template of every rendered release lands on the pools it is meant for, and nowhere else", () => {
        expect([...pods.keys()].filter((k) => !MEANT[k])).toEqual([]);
        expect([...pods.keys()]).toEqual(expect.arrayContaining(Object.keys(MEANT)));
        for (const [key, pod] of pods) {
            landsOnlyOn({ ...pod.shape, name: key }, MEANT[key]!.on.flatMap(pool), notMeantFor(key).flatMap(pool), pod.daemonSet);
        }
    });

    it("the MPS control daemon would stay on GPU nodes, were one labelled MPS-capable", () => {
        const mps = pods.get("nvidia-device-plugin/DaemonSet/nvidia-device-plugin-mps-control-daemon")!.shape;
        const capable = (n: NodeShape) => ({ ...n, labels: { ...n.labels, "nvidia.com/mps.capable": "true" } });
        landsOnlyOn(mps, gpuNodes.map(capable), [capable(node("system")), capable(node("user"))], true);
    });

    it("the check fails for the device plugin without its toleration: it lands on no GPU node", () => {
        const release = registeredReleases(resources).find((r) => r.chart === "nvidia-device-plugin")!;
        const broken = renderRelease(helm, { ...release, values: { ...release.values, tolerations: [] } }, renderKubeVersion(cluster));
        const plugin = renderedPod(renderedPods(broken.ofKinds(POD_KINDS)), "DaemonSet/nvidia-device-plugin").shape;
        for (const n of gpuNodes) expect(checkFit(plugin, n, { asDaemonSet: true })).toEqual({ fits: false, reasons: ["untolerated taint nvidia.com/gpu=true:NoSchedule"] });
    });

    it("the check fails for the device plugin values before the fix: the chart's default affinity needs labels GPU nodes lack", () => {
        const release = registeredReleases(resources).find((r) => r.chart === "nvidia-device-plugin")!;
        const placement = { nodeSelector: { "ml-team-env/pool": "gpu" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Equal" as const, value: "true", effect: "NoSchedule" as const }] };
        const pluginWith = (values: Record<string, unknown>) => renderedPod(renderedPods(renderRelease(helm, { ...release, values }, renderKubeVersion(cluster)).ofKinds(POD_KINDS)), "DaemonSet/nvidia-device-plugin").shape;
        // Nodes without the label nodeadm adds only from kubelet 1.35.
        const older = { ...gpuNodes[0]!, labels: Object.fromEntries(Object.entries(gpuNodes[0]!.labels).filter(([k]) => k !== "nvidia.com/gpu.present")) };
        const result = checkFit(pluginWith({ ...placement, failOnInitError: true }), older, { asDaemonSet: true });
        expect(result.fits).toBe(false);
        expect(result.reasons.join()).toMatch(/required node affinity .*feature\.node\.kubernetes\.io\/pci-10de\.present/);
        // The values as generated now hold on such nodes too.
        expect(checkFit(pluginWith(devicePluginValues([{ ...placement, resourceName: "nvidia.com/gpu", gpusPerNode: 1, maxGpus: 2 }])), older, { asDaemonSet: true }).fits).toBe(true);
    });

    it("the image pre-pullers land on GPU and user nodes respectively, never on system nodes", () => {
        const spec = (p: string) => ofType(resources, "kubernetes:apps/v1:DaemonSet").find((d) => d.inputs.metadata.name === `environment-image-pre-puller-${p}`)!.inputs.spec.template.spec;
        landsOnlyOn(podFromSpec("gpu pre-puller", spec("gpu")), gpuNodes, [node("system"), node("user")], true);
        landsOnlyOn(podFromSpec("user pre-puller", spec("user")), [node("user")], [node("system"), ...gpuNodes], true);
    });

    it("each GPU profile fits a GPU node of every configured type; each CPU profile fits the user pool; neither lands elsewhere", () => {
        const values = renderedHubValues(releaseOf(render, "jupyterhub").ofKinds(["Secret"]));
        const profiles = values.custom.profiles as Record<string, any>[];
        expect(profiles.length).toBeGreaterThan(1);
        for (const p of profiles) {
            const pod = notebookPodShape(p, values);
            if (p.kubespawner_override.extra_resource_limits) landsOnlyOn(pod, gpuNodes, [node("system"), node("user")]);
            else landsOnlyOn(pod, [node("user")], [node("system"), ...gpuNodes]);
        }
    });

    it("the check fails for an 8 GiB CPU profile on an m6i.large, which has about 7.3 GiB allocatable", () => {
        const values = renderedHubValues(releaseOf(render, "jupyterhub").ofKinds(["Secret"]));
        const cpu = (values.custom.profiles as Record<string, any>[]).find((p) => p.slug === "cpu")!;
        expect(cpu.kubespawner_override.mem_guarantee).toBe("8G");
        // A node of the recorded user group, as an m6i.large (validation refuses that pool size, so no run records one).
        const userGroup = recordedNodeGroups(resources).find((g) => g.inputs.labels?.["ml-team-env/pool"] === "user")!;
        const small = nodeOfGroup(userGroup, "m6i.large", recordedDaemonSets(resources));
        const result = checkFit(notebookPodShape(cpu, values), small);
        expect(result.fits).toBe(false);
        expect(result.reasons.join()).toMatch(/requests 8 GiB memory but only 7\.0\d GiB is allocatable after DaemonSets/);
    });

    it("the hub, proxy, autohttps and autoscaler request CPU and memory in every container (none runs BestEffort)", () => {
        for (const key of SIZED) {
            const spec = pods.get(key)!.spec;
            for (const c of spec.containers as { name: string; resources?: { requests?: Record<string, string> } }[]) {
                expect({ pod: key, container: c.name, cpu: Boolean(c.resources?.requests?.cpu), memory: Boolean(c.resources?.requests?.memory) }).toEqual({ pod: key, container: c.name, cpu: true, memory: true });
            }
        }
        expect(pods.get("jupyterhub/Deployment/hub")!.shape.requests).toMatchObject({ cpuMillis: 200, memoryBytes: 512 * 2 ** 20 });
    });

    it("the system pool's workloads (hub, proxy, autohttps, autoscaler, Calico's operator, runner managers) fit one system node together, with their requests", () => {
        const onSystem = [...pods].filter(([key, p]) => MEANT[key]!.on.includes("system") && !p.daemonSet && p.kind !== "Job");
        const managers = ["cpu", "gpu"].map((k) => runnerManager(resources, k));
        for (const m of managers) landsOnlyOn(m, pool("system"), [...pool("user"), ...gpuNodes]);
        const all = [...onSystem.map(([, p]) => ({ ...p.shape, requests: Array.from({ length: p.replicas ?? 1 }, () => p.shape.requests).reduce(addResources, NO_RESOURCES) })), ...managers];
        expect(all.length).toBe(7);
        // All of them on one system node (a zone's last one), after its DaemonSets.
        const together: PodShape = { ...all[0]!, name: "the system workloads together", requests: all.map((p) => p.requests).reduce(addResources, NO_RESOURCES) };
        expect(together.requests.cpuMillis).toBeGreaterThanOrEqual(510);
        for (const n of pool("system")) expect(checkFit(together, n)).toEqual({ fits: true, reasons: [] });
    });
});
