/**
 * The network paths a member's notebook needs, checked against every NetworkPolicy that will
 * exist: the chart's (rendered from its effective values) and the package's own in each
 * member namespace. A notebook reaches the hub API and DNS and the internet; the hub and proxy
 * reach it; another member's notebook cannot, either way.
 */
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { hubConnectUrl } from "../../infra/workspaces/hub-values";
import { userNamespace } from "../../infra/workspaces/kubespawner-slug";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runComponents } from "../harness";
import { chartDefaults, effectiveValues } from "../support/helm-values";
import { allowed, Endpoint, Policy } from "../support/network-policy";
import { chartNetworkPolicies, chartPods, notebookPod } from "../support/z2jh-network-policies";
import { hubFor } from "./fixtures";

const defaults = chartDefaults("z2jh", "network paths under the chart's own policies");

(defaults ? describe : describe.skip)("network paths of a member's notebook (dev stack)", () => {
    const config = stackConfig("dev");
    let resources: RecordedResource[];
    let values: Record<string, any>;
    let policies: Policy[];
    const [alice, bob] = config.team.members;
    const memberNs = (username: string) => {
        const ns = userNamespace("jupyterhub", username);
        return { ns, labels: resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === ns)!.inputs.metadata.labels as Record<string, string> };
    };
    let pods: { hub: Endpoint; proxy: Endpoint; alice: Endpoint; bob: Endpoint };
    const dns: Endpoint = { name: "coredns", namespace: "kube-system", namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" }, labels: { "k8s-app": "kube-dns" }, ip: "10.0.0.10" };
    const internet: Endpoint = { name: "pypi.org", ip: "151.101.0.223" };
    const metadata: Endpoint = { name: "instance metadata", ip: "169.254.169.254" };
    const node: Endpoint = { name: "a node", ip: "10.0.1.200" };

    beforeAll(async () => {
        resources = (await runComponents(() => hubFor(config))).resources;
        values = effectiveValues(defaults!, one(resources, "kubernetes:helm.sh/v3:Release").inputs.values);
        const own: Policy[] = ofType(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => ({ name: `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`, namespace: r.inputs.metadata.namespace, spec: r.inputs.spec }));
        policies = [...chartNetworkPolicies(values, "jupyterhub"), ...own];
        const a = memberNs(alice!.username);
        const b = memberNs(bob!.username);
        const extra = values.singleuser.extraLabels as Record<string, string>;
        pods = { ...chartPods("jupyterhub"), alice: notebookPod("alice's notebook", a.ns, { ...a.labels, "kubernetes.io/metadata.name": a.ns }, extra, "10.0.1.5"), bob: notebookPod("bob's notebook", b.ns, { ...b.labels, "kubernetes.io/metadata.name": b.ns }, extra, "10.0.2.7") };
    });

    it("the notebook reaches the hub API at its cluster-internal name, on 8081", () => {
        expect(values.hub.config.KubeSpawner.hub_connect_url).toBe(hubConnectUrl("jupyterhub"));
        expect(new URL(hubConnectUrl("jupyterhub")).host).toBe("hub.jupyterhub.svc.cluster.local:8081");
        expect(allowed(policies, pods.alice, pods.hub, 8081)).toEqual({ ok: true, why: "allowed" });
    });

    it("the chart's policies alone would block it: that is what the package's hub rules fix", () => {
        const chartOnly = chartNetworkPolicies(effectiveValues(defaults!, { ...one(resources, "kubernetes:helm.sh/v3:Release").inputs.values, hub: { ...values.hub, networkPolicy: {} } }), "jupyterhub");
        const own = policies.filter((p) => !p.name.startsWith("chart:"));
        expect(allowed([...chartOnly, ...own], pods.alice, pods.hub, 8081)).toMatchObject({ ok: false, why: expect.stringMatching(/ingress of hub denied by chart:hub/) });
    });

    it("the proxy and the hub reach the notebook on 8888", () => {
        expect(allowed(policies, pods.proxy, pods.alice, 8888).ok).toBe(true);
        expect(allowed(policies, pods.hub, pods.alice, 8888).ok).toBe(true);
    });

    it("another member's notebook cannot reach it, in either direction, on any port", () => {
        for (const port of [8888, 22, 6006]) {
            expect(allowed(policies, pods.bob, pods.alice, port).ok).toBe(false);
            expect(allowed(policies, pods.alice, pods.bob, port).ok).toBe(false);
        }
    });

    it("the notebook resolves names and reaches the internet, but not nodes or the metadata service", () => {
        expect(allowed(policies, pods.alice, dns, 53, "UDP").ok).toBe(true);
        expect(allowed(policies, pods.alice, internet, 443).ok).toBe(true);
        expect(allowed(policies, pods.alice, metadata, 80).ok).toBe(false);
        expect(allowed(policies, pods.alice, node, 10250).ok).toBe(false);
    });

    it("the evaluator can deny: without the member policy's ingress rule the proxy could not reach the notebook", () => {
        const open: Policy[] = policies.map((p) => (p.namespace === pods.alice.namespace ? { ...p, spec: { ...p.spec, ingress: [] } } : p));
        expect(allowed(open, pods.proxy, pods.alice, 8888).ok).toBe(false);
    });
});
