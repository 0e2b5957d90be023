/**
 * The scheduling check on the real program: every pod meant for a pool lands on a node of that
 * pool, with its labels, taints and allocatable (after kube-reserved, the eviction threshold and
 * DaemonSets), and lands nowhere else. The nodes are read from the node groups the run recorded
 * (`recorded-nodes.ts`), not from the model that made them; the charts' pods are what the real
 * Helm renders from the registered releases (test/support/helm-render.ts), every pod template
 * of every release, for the dev stack as it is (`https: acm`, no autohttps) and with
 * `https: letsencrypt` (Traefik's autohttps pod on the system nodes too).
 */
import * as fs from "fs";
import * as path from "path";
import { EksClusterConfig } from "../../infra/config/schema";
import { clusterPools } from "../../infra/config/validate-cluster";
import { devicePluginValues } from "../../infra/cluster/nvidia-device-plugin";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { addResources, checkFit, NO_RESOURCES, NodeShape, PodShape, podFromSpec } from "../../infra/scheduling/fit";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runStack, runStackYaml } from "../harness";
import { HelmTools } from "../support/helm-binary";
import { releaseOf, renderedObject, renderKubeVersion, renderRelease, renderReleases, renderToolsOrSkip, StackRender } from "../support/helm-render";
import { notebookPodShape, renderedHubValues } from "../support/kubespawner-pod";
import { registeredReleases } from "../support/registered-releases";
import { POD_KINDS, RenderedPod, renderedPod, renderedPods } from "../support/rendered-pods";
import { withLetsEncrypt } from "../workspaces/fixtures";
import { landsOnlyOn, MEANT, notMeantFor, Pool, podsOf } from "./meant-pools";
import { nodeOfGroup, nodesOfPool, recordedDaemonSets, recordedNodeGroups, recordedNodes, RecordedNode, smallestNodeOfPool } from "./recorded-nodes";

const config = stackConfig("dev");
const cluster = config.cluster as EksClusterConfig;
const tools = renderToolsOrSkip("placement of the charts' pods, rendered by Helm");

/** Traefik's pod, which z2jh runs for `https: letsencrypt` only. */
const AUTOHTTPS = "jupyterhub/Deployment/autohttps";

/** The charts' pods this package sizes: each container requests CPU and memory (none runs BestEffort). */
const SIZED = ["jupyterhub/Deployment/hub", "jupyterhub/Deployment/proxy", AUTOHTTPS, "cluster-autoscaler/Deployment/cluster-autoscaler-aws-cluster-autoscaler"];

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
    /** The dev stack with `https: letsencrypt`: its pods. */
    let letsencrypt: { pods: Map<string, RenderedPod> };
    /** Each HTTPS variant's pods, by name. */
    const variants = () => ({ "https: acm": pods, "https: letsencrypt": letsencrypt.pods });
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
        const leResources = (await runStackYaml("dev", withLetsEncrypt(fs.readFileSync(path.join(__dirname, "../../stacks/Pulumi.dev.yaml"), "utf8")))).resources;
        letsencrypt = { pods: podsOf(renderReleases(helm, leResources, cluster)) };
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

    it("every pod template of every rendered release lands on the pools it is meant for, and nowhere else, with either HTTPS", () => {
        // acm runs no autohttps; letsencrypt adds it and changes no other workload's set.
        expect(pods.has(AUTOHTTPS)).toBe(false);
        expect([...letsencrypt.pods.keys()].sort()).toEqual([...pods.keys(), AUTOHTTPS].sort());
        expect([...letsencrypt.pods.keys()].filter((k) => !MEANT[k])).toEqual([]);
        expect([...letsencrypt.pods.keys()]).toEqual(expect.arrayContaining(Object.keys(MEANT)));
        for (const [variant, rendered] of Object.entries(variants())) {
            for (const [key, pod] of rendered) {
                landsOnlyOn({ ...pod.shape, name: `${key} (${variant})` }, MEANT[key]!.on.flatMap(pool), notMeantFor(key).flatMap(pool), pod.daemonSet);
            }
        }
    });

    it("the check fails for the Calico operator with only the chart's Linux selector: it tolerates every taint and lands on GPU and user nodes too", () => {
        const release = registeredReleases(resources).find((r) => r.chart === "tigera-operator")!;
        const rendered = renderRelease(helm, { ...release, values: { ...release.values, nodeSelector: { "kubernetes.io/os": "linux" } } }, renderKubeVersion(cluster));
        const operator = renderedPod(renderedPods(rendered.ofKinds(POD_KINDS)), "Deployment/tigera-operator").shape;
        for (const n of [...pool("user"), ...gpuNodes]) expect({ node: n.name, ...checkFit(operator, n) }).toEqual({ node: n.name, fits: true, reasons: [] });
    });

    it("Calico's kube-controllers, which the operator makes from the rendered Installation, land on system nodes only", () => {
        // The chart's operator (tigera/operator v1.42.3) gives calico-kube-controllers the Installation's
        // controlPlaneNodeSelector, and its controlPlaneTolerations plus control-plane and
        // CriticalAddonsOnly ones (pkg/render/kubecontrollers/kube-controllers.go, podSpec). Typha
        // takes neither (pkg/render/typha.go: every taint tolerated); it only prefers system nodes
        // (test/cluster/gpu-cluster.test.ts), which a fit check cannot show.
        const installation = renderedObject(releaseOf(render, "calico").objects, "Installation", "default");
        expect(installation.spec.controlPlaneNodeSelector).toEqual({ "ml-team-env/pool": "system" });
        const tolerations = [
            ...(installation.spec.controlPlaneTolerations ?? []),
            { key: "node-role.kubernetes.io/master", effect: "NoSchedule" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
            { key: "CriticalAddonsOnly", operator: "Exists" },
        ];
        const kubeControllers = podFromSpec("calico-kube-controllers", { nodeSelector: installation.spec.controlPlaneNodeSelector, tolerations, containers: [{}] });
        landsOnlyOn(kubeControllers, pool("system"), [...pool("user"), ...gpuNodes]);
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

    it("the hub, proxy, autohttps (Traefik and secret-sync) and autoscaler request CPU and memory in every container (none runs BestEffort)", () => {
        for (const [variant, rendered] of Object.entries(variants())) {
            for (const key of SIZED.filter((k) => rendered.has(k))) {
                for (const c of rendered.get(key)!.spec.containers as { name: string; resources?: { requests?: Record<string, string> } }[]) {
                    expect({ variant, pod: key, container: c.name, cpu: Boolean(c.resources?.requests?.cpu), memory: Boolean(c.resources?.requests?.memory) }).toEqual({ variant, pod: key, container: c.name, cpu: true, memory: true });
                }
            }
        }
        expect((letsencrypt.pods.get(AUTOHTTPS)!.spec.containers as { name: string }[]).map((c) => c.name).sort()).toEqual(["secret-sync", "traefik"]);
        expect(pods.get("jupyterhub/Deployment/hub")!.shape.requests).toMatchObject({ cpuMillis: 200, memoryBytes: 512 * 2 ** 20 });
    });

    /** The system pool's workloads of a variant (every replica, no DaemonSet or Job) and the runner managers. */
    const systemWorkloads = (variant: keyof ReturnType<typeof variants>): PodShape[] => {
        const onSystem = [...variants()[variant]].filter(([key, p]) => MEANT[key]!.on.includes("system") && !p.daemonSet && p.kind !== "Job");
        const managers = ["cpu", "gpu"].map((k) => runnerManager(resources, k));
        for (const m of managers) landsOnlyOn(m, pool("system"), [...pool("user"), ...gpuNodes]);
        return [...onSystem.map(([key, p]) => ({ ...p.shape, name: key, requests: Array.from({ length: p.replicas ?? 1 }, () => p.shape.requests).reduce(addResources, NO_RESOURCES) })), ...managers];
    };
    const together = (variant: keyof ReturnType<typeof variants>): PodShape => {
        const all = systemWorkloads(variant);
        return { ...all[0]!, name: `the system workloads together (${variant})`, requests: all.map((p) => p.requests).reduce(addResources, NO_RESOURCES) };
    };

    it.each([
        ["https: acm", "hub, proxy, autoscaler, Calico's operator, runner managers", 6],
        ["https: letsencrypt", "the same and autohttps", 7],
    ] as const)("with %s, the system pool's workloads (%s) fit one system node together, with their requests", (variant, _names, count) => {
        expect(systemWorkloads(variant).length).toBe(count);
        // All of them on one system node (a zone's last one), after its DaemonSets.
        const all = together(variant);
        expect(all.requests.cpuMillis).toBeGreaterThanOrEqual(400);
        for (const n of pool("system")) expect(checkFit(all, n)).toEqual({ fits: true, reasons: [] });
    });

    it("letsencrypt's system workloads are acm's and autohttps's requests more", () => {
        expect(together("https: letsencrypt").requests).toEqual(addResources(together("https: acm").requests, letsencrypt.pods.get(AUTOHTTPS)!.shape.requests));
        expect(letsencrypt.pods.get(AUTOHTTPS)!.shape.requests.cpuMillis).toBeGreaterThan(0);
    });
});
