/**
 * The network paths of a member's notebook, checked against every NetworkPolicy that will
 * exist: the ones the real Helm renders from the hub release (test/support/helm-render.ts) and
 * the package's own in each member namespace. The chart's pods carry the labels and named ports
 * their rendered templates give them. A notebook reaches the hub API, DNS and the internet; the
 * hub and proxy reach it; the internet reaches the proxy (with `https: acm` through the network
 * load balancer, which ends TLS; with `letsencrypt` through autohttps); another member's notebook
 * cannot reach it, either way.
 */
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { hubConnectUrl } from "../../infra/workspaces/hub-values";
import { userNamespace } from "../../infra/workspaces/kubespawner-slug";
import { stackConfig } from "../cluster/fixtures";
import { runComponents } from "../harness";
import { KubeObject, renderedObject, renderKubeVersion, renderRelease, renderToolsOrSkip } from "../support/helm-render";
import { notebookPodLabels, renderedHubValues } from "../support/kubespawner-pod";
import { allowed, COREDNS, Endpoint, Policy, recordedPolicies } from "../support/network-policy";
import { RegisteredRelease, registeredReleases } from "../support/registered-releases";
import { namedPorts, renderedPod, renderedPods } from "../support/rendered-pods";
import { hubFor, withLetsEncrypt } from "./fixtures";

const tools = renderToolsOrSkip("network paths under the chart's rendered NetworkPolicies");
/** What the paths need of the render: the policies, the pods' templates, the hub's values, the Services. */
const KINDS = ["NetworkPolicy", "Deployment", "Secret", "Service"];

/** The NetworkPolicies among rendered objects, in the release's namespace (z2jh's templates name none). */
function renderedPolicies(objects: readonly KubeObject[], namespace: string): Policy[] {
    return objects.filter((o) => o.kind === "NetworkPolicy").map((o) => ({ name: `${o.metadata.namespace ?? namespace}/${o.metadata.name}`, namespace: o.metadata.namespace ?? namespace, spec: o.spec }));
}

/** Whether a Service's selector picks a pod with these labels. */
function selects(service: KubeObject, labels: Readonly<Record<string, string>> = {}): boolean {
    return Object.entries(service.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v);
}

/** Connections from one member's notebook to another's that the policies allow (none should be). */
function crossMemberPaths(policies: readonly Policy[], notebooks: readonly Endpoint[]): string[] {
    return notebooks.flatMap((from) => notebooks.filter((to) => to !== from).flatMap((to) => [8888, 22, 6006].filter((port) => allowed(policies, from, to, port).ok).map((port) => `${from.name} → ${to.name}:${port}`)));
}

(tools ? describe : describe.skip)("network paths of a member's notebook (dev stack)", () => {
    const config = stackConfig("dev");
    const kubeVersion = renderKubeVersion(config.cluster);
    let resources: RecordedResource[];
    let release: RegisteredRelease;
    let objects: KubeObject[];
    let values: Record<string, any>;
    let own: Policy[];
    let policies: Policy[];
    const [alice, bob] = config.team.members;
    let pods: { hub: Endpoint; proxy: Endpoint; alice: Endpoint; bob: Endpoint };
    /** The same hub with `https: letsencrypt`: its render, every policy, and its autohttps and proxy pods. */
    let letsencrypt: { objects: KubeObject[]; policies: Policy[]; autohttps: Endpoint; proxy: Endpoint };
    const dns = COREDNS;
    const internet: Endpoint = { name: "pypi.org", ip: "151.101.0.223" };
    const browser: Endpoint = { name: "a browser", ip: "203.0.113.7" };
    const metadata: Endpoint = { name: "instance metadata", ip: "169.254.169.254" };
    const node: Endpoint = { name: "a node", ip: "10.0.1.200" };

    /** The pod of a rendered chart workload as an endpoint: its template's labels and named ports. */
    const chartPod = (rendered: readonly KubeObject[], workload: string, ip: string): Endpoint => {
        const pod = renderedPod(renderedPods(rendered), workload);
        const ns = release.namespace;
        return { name: pod.name, namespace: ns, namespaceLabels: { "kubernetes.io/metadata.name": ns }, labels: pod.labels, ports: namedPorts(pod), ip };
    };
    const notebook = (username: string, ip: string): Endpoint => {
        const ns = userNamespace(release.namespace, username);
        const labels = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === ns)!.inputs.metadata.labels as Record<string, string>;
        return { name: `${username}'s notebook`, namespace: ns, namespaceLabels: { ...labels, "kubernetes.io/metadata.name": ns }, labels: notebookPodLabels(values), ports: { "notebook-port": 8888 }, ip };
    };

    beforeAll(async () => {
        resources = (await runComponents(() => hubFor(config))).resources;
        [release] = registeredReleases(resources) as [RegisteredRelease];
        objects = renderRelease(tools!, release, kubeVersion).ofKinds(KINDS);
        values = renderedHubValues(objects);
        own = recordedPolicies(resources);
        policies = [...renderedPolicies(objects, release.namespace), ...own];
        pods = {
            hub: chartPod(objects, "Deployment/hub", "10.0.3.10"),
            proxy: chartPod(objects, "Deployment/proxy", "10.0.3.11"),
            alice: notebook(alice!.username, "10.0.1.5"),
            bob: notebook(bob!.username, "10.0.2.7"),
        };
        const leResources = (await runComponents(() => hubFor(stackConfig("dev", withLetsEncrypt)))).resources;
        const [leRelease] = registeredReleases(leResources) as [RegisteredRelease];
        const leObjects = renderRelease(tools!, leRelease, kubeVersion).ofKinds(KINDS);
        letsencrypt = {
            objects: leObjects,
            policies: [...renderedPolicies(leObjects, leRelease.namespace), ...recordedPolicies(leResources)],
            autohttps: chartPod(leObjects, "Deployment/autohttps", "10.0.3.12"),
            proxy: chartPod(leObjects, "Deployment/proxy", "10.0.3.11"),
        };
    });

    it("evaluates the chart's own policies as rendered: hub, proxy and singleuser (with https: letsencrypt, autohttps too)", () => {
        expect(renderedPolicies(objects, release.namespace).map((p) => p.name)).toEqual(["jupyterhub/hub", "jupyterhub/proxy", "jupyterhub/singleuser"]);
        expect(renderedPolicies(letsencrypt.objects, release.namespace).map((p) => p.name)).toEqual(["jupyterhub/hub", "jupyterhub/autohttps", "jupyterhub/proxy", "jupyterhub/singleuser"]);
    });

    it("the notebook reaches the hub API at its cluster-internal name, on 8081", () => {
        expect(values.hub.config.KubeSpawner.hub_connect_url).toBe(hubConnectUrl("jupyterhub"));
        expect(new URL(hubConnectUrl("jupyterhub")).host).toBe("hub.jupyterhub.svc.cluster.local:8081");
        expect(pods.hub.ports).toEqual({ http: 8081 });
        expect(allowed(policies, pods.alice, pods.hub, 8081)).toEqual({ ok: true, why: "allowed" });
    });

    it("the chart's policies alone would block it: that is what the package's hub rules fix", () => {
        const withoutOurRules = { ...release, values: { ...release.values, hub: { ...(release.values.hub as object), networkPolicy: {} } } };
        const chartOnly = renderedPolicies(renderRelease(tools!, withoutOurRules, kubeVersion).ofKinds(KINDS), release.namespace);
        expect(allowed([...chartOnly, ...own], pods.alice, pods.hub, 8081)).toMatchObject({ ok: false, why: expect.stringMatching(/ingress of hub denied by jupyterhub\/hub/) });
    });

    it("the proxy and the hub reach the notebook on 8888", () => {
        expect(allowed(policies, pods.proxy, pods.alice, 8888).ok).toBe(true);
        expect(allowed(policies, pods.hub, pods.alice, 8888).ok).toBe(true);
    });

    it("with https: acm, the load balancer's TLS port reaches the proxy's plain-HTTP port, and no plain-HTTP port is open", () => {
        expect(renderedPods(objects).map((p) => p.workload)).not.toContain("Deployment/autohttps");
        // The service controller makes the load balancer's TLS listener on the Service port named https.
        const service = renderedObject(objects, "Service", "proxy-public");
        expect([service.spec.type, service.metadata.annotations?.["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"]]).toEqual(["LoadBalancer", "https"]);
        expect(service.spec.ports).toEqual([{ name: "https", port: 443, targetPort: "http" }]);
        expect(selects(service, pods.proxy.labels)).toBe(true);
        const target = pods.proxy.ports![service.spec.ports[0].targetPort]!;
        expect(target).toBe(8000);
        // The NLB keeps the browser's address to the node port; kube-proxy (externalTrafficPolicy
        // Cluster) may forward it from the node's address instead: the proxy admits both.
        expect(allowed(policies, browser, pods.proxy, target)).toEqual({ ok: true, why: "allowed" });
        expect(allowed(policies, node, pods.proxy, target)).toEqual({ ok: true, why: "allowed" });
        // It is the chart's rule opening those ports to every source (proxy.chp.networkPolicy.allowedIngressPorts) that admits them.
        const withoutOpenPorts = policies.map((p) => (p.name === "jupyterhub/proxy" ? { ...p, spec: { ...p.spec, ingress: p.spec.ingress!.filter((r) => r.from !== undefined) } } : p));
        expect(allowed(withoutOpenPorts, browser, pods.proxy, target)).toEqual({ ok: false, why: "ingress of proxy denied by jupyterhub/proxy" });
    });

    it("with https: letsencrypt, a browser reaches autohttps on HTTPS (and HTTP, for the ACME challenge), and autohttps reaches the proxy", () => {
        const { autohttps, proxy } = letsencrypt;
        const service = renderedObject(letsencrypt.objects, "Service", "proxy-public");
        expect(service.spec.ports).toEqual([
            { name: "https", port: 443, targetPort: "https" },
            { name: "http", port: 80, targetPort: "http" },
        ]);
        expect([selects(service, autohttps.labels), selects(service, proxy.labels)]).toEqual([true, false]);
        expect(allowed(letsencrypt.policies, browser, autohttps, autohttps.ports!.https!)).toEqual({ ok: true, why: "allowed" });
        expect(allowed(letsencrypt.policies, browser, autohttps, autohttps.ports!.http!)).toEqual({ ok: true, why: "allowed" });
        expect(allowed(letsencrypt.policies, autohttps, proxy, proxy.ports!.http!)).toEqual({ ok: true, why: "allowed" });
    });

    it("another member's notebook cannot reach it, in either direction, on any port", () => {
        expect(crossMemberPaths(policies, [pods.alice, pods.bob])).toEqual([]);
    });

    it("the check fails for a policy that admits notebook-to-notebook traffic", () => {
        const teamNotebooks = { namespaceSelector: { matchLabels: { "ml-team-env/workspace": "true" } }, podSelector: { matchLabels: { component: "singleuser-server" } } };
        const open = [pods.alice, pods.bob].map((p): Policy => ({ name: `${p.namespace}/allow-team-notebooks`, namespace: p.namespace!, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [teamNotebooks] }], egress: [{ to: [teamNotebooks] }] } }));
        expect(crossMemberPaths([...policies, ...open], [pods.alice, pods.bob])).toEqual(expect.arrayContaining(["bob's notebook → alice's notebook:8888", "alice's notebook → bob's notebook:22"]));
    });

    it("the notebook resolves names and reaches the internet, but not nodes or the metadata service", () => {
        expect(allowed(policies, pods.alice, dns, 53, "UDP").ok).toBe(true);
        expect(allowed(policies, pods.alice, internet, 443).ok).toBe(true);
        expect(allowed(policies, pods.alice, metadata, 80).ok).toBe(false);
        expect(allowed(policies, pods.alice, node, 10250).ok).toBe(false);
    });

    it("the evaluator can deny: without the member policy's ingress rule the proxy could not reach the notebook", () => {
        const closed: Policy[] = policies.map((p) => (p.namespace === pods.alice.namespace ? { ...p, spec: { ...p.spec, ingress: [] } } : p));
        expect(allowed(closed, pods.proxy, pods.alice, 8888).ok).toBe(false);
    });
});
