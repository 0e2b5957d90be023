/**
 * The scheduling check on the real program: every workload meant for a pool lands on a node of
 * that pool, with its labels, taints and allocatable (after kube-reserved, the eviction
 * threshold and DaemonSets), and lands nowhere else. Chart values are taken as Helm applies
 * them, merged over the chart's defaults.
 */
import { eksNodeShape, NodePoolShape, PoolRole } from "../../infra/cluster/node-pools";
import { clusterPools, packageDaemonSets } from "../../infra/config/validate-cluster";
import { EksClusterConfig } from "../../infra/config/schema";
import { devicePluginValues } from "../../infra/cluster/nvidia-device-plugin";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { checkFit, NodeShape, PodShape, podFromSpec } from "../../infra/scheduling/fit";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runStack } from "../harness";
import { chartDefaults, effectiveValues } from "../support/helm-values";
import { notebookPodShape } from "../support/kubespawner-pod";

const config = stackConfig("dev");
const cluster = config.cluster as EksClusterConfig;
const pools = clusterPools(cluster, config.environment);
const node = (role: PoolRole) => pools.find((p: NodePoolShape) => p.role === role)!.node;
/** A GPU node of every configured GPU type. */
const gpuNodes: NodeShape[] = cluster.gpuNodePool.instanceTypes.map((t) => eksNodeShape("gpu", [t], { daemonSets: packageDaemonSets(config.environment) })!);

const devicePluginDefaults = chartDefaults("devicePlugin", "device plugin placement with the chart's default affinity");
const z2jhDefaults = chartDefaults("z2jh", "notebook profile placement with the chart's defaults");

function landsOnlyOn(pod: PodShape, on: readonly NodeShape[], notOn: readonly NodeShape[], asDaemonSet = false) {
    for (const n of on) expect({ node: n.name, ...checkFit(pod, n, { asDaemonSet }) }).toEqual({ node: n.name, fits: true, reasons: [] });
    for (const n of notOn) expect({ node: n.name, fits: checkFit(pod, n, { asDaemonSet }).fits }).toEqual({ node: n.name, fits: false });
}

/** The DaemonSet pod of a device plugin release's effective values (templates/daemonset-device-plugin.yml). */
function devicePluginPod(values: Record<string, unknown>): PodShape {
    const v = effectiveValues(devicePluginDefaults!, values);
    return podFromSpec("device plugin", { nodeSelector: v.nodeSelector, affinity: v.affinity, tolerations: v.tolerations, containers: [{ resources: v.resources }] });
}

describe("where workloads land (dev stack)", () => {
    let resources: RecordedResource[];
    beforeAll(async () => {
        resources = (await runStack("dev")).resources;
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
        const small = eksNodeShape("user", ["m6i.large"], { daemonSets: packageDaemonSets(config.environment) })!;
        const result = checkFit(notebookPodShape(cpu, values), small);
        expect(result.fits).toBe(false);
        expect(result.reasons.join()).toMatch(/requests 8 GiB memory but only 7\.0\d GiB is allocatable after DaemonSets/);
    });
});
