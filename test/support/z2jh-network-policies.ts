/**
 * The NetworkPolicies the z2jh 4.4.0 chart renders, as a function of its effective values, so
 * network paths can be checked against the policies that will exist. Modelled on the chart's
 * templates: templates/hub/netpol.yaml, templates/proxy/netpol.yaml,
 * templates/singleuser/netpol.yaml and templates/_helpers-netpol.tpl (egressAllowRules). All
 * are created in the release namespace only.
 */
import { Endpoint, Policy } from "./network-policy";

const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

type Rules = { to?: unknown[]; from?: unknown[]; ports?: unknown[] }[];

/** _helpers-netpol.tpl: the egress rules each `egressAllowRules` flag renders. */
function egressAllowRules(flags: Record<string, boolean>, metadataIp: string): Rules {
    const dns = [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
    ];
    const rules: Rules = [];
    if (flags.dnsPortsCloudMetadataServer) rules.push({ to: [{ ipBlock: { cidr: `${metadataIp}/32` } }], ports: dns });
    if (flags.dnsPortsKubeSystemNamespace) rules.push({ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: dns });
    if (flags.dnsPortsPrivateIPs) rules.push({ to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })), ports: dns });
    if (flags.nonPrivateIPs) rules.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE, `${metadataIp}/32`] } }] });
    if (flags.privateIPs) rules.push({ to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })) });
    if (flags.cloudMetadataServer) rules.push({ to: [{ ipBlock: { cidr: `${metadataIp}/32` } }] });
    return rules;
}

/** A `from` list for an access label, with the `interNamespaceAccessLabels: accept` additions. */
function accessFrom(label: string, accept: boolean): unknown[] {
    const pods = { podSelector: { matchLabels: { [label]: "true" } } };
    return accept ? [{ ...pods, namespaceSelector: { matchLabels: {} } }, { namespaceSelector: { matchLabels: { [label]: "true" } } }] : [pods];
}

export function chartNetworkPolicies(v: Record<string, any>, namespace: string, release = "jupyterhub"): Policy[] {
    const component = (c: string) => ({ matchLabels: { component: c, app: "jupyterhub", release } });
    const metadataIp: string = v.singleuser.cloudMetadata.ip;
    const policies: Policy[] = [];
    if (v.hub.networkPolicy.enabled) {
        const np = v.hub.networkPolicy;
        policies.push({
            name: "chart:hub",
            namespace,
            spec: {
                podSelector: component("hub"),
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    ...(np.allowedIngressPorts?.length ? [{ ports: np.allowedIngressPorts.map((port: unknown) => ({ port })) }] : []),
                    { ports: [{ port: "http" }], from: accessFrom("hub.jupyter.org/network-access-hub", np.interNamespaceAccessLabels === "accept") },
                    ...(np.ingress ?? []),
                ] as never,
                egress: [
                    { to: [{ podSelector: component("proxy") }], ports: [{ port: 8001 }] },
                    { to: [{ podSelector: component("singleuser-server") }], ports: [{ port: 8888 }] },
                    ...egressAllowRules(np.egressAllowRules, metadataIp),
                    ...(np.egress ?? []),
                ] as never,
            },
        });
    }
    if (v.proxy.chp.networkPolicy.enabled) {
        const np = v.proxy.chp.networkPolicy;
        const accept = np.interNamespaceAccessLabels === "accept";
        policies.push({
            name: "chart:proxy",
            namespace,
            spec: {
                podSelector: component("proxy"),
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    ...(np.allowedIngressPorts?.length ? [{ ports: np.allowedIngressPorts.map((port: unknown) => ({ port })) }] : []),
                    { ports: [{ port: "http" }], from: accessFrom("hub.jupyter.org/network-access-proxy-http", accept) },
                    { ports: [{ port: "api" }], from: accessFrom("hub.jupyter.org/network-access-proxy-api", accept) },
                    ...(np.ingress ?? []),
                ] as never,
                egress: [
                    { to: [{ podSelector: component("hub") }], ports: [{ port: 8081 }] },
                    { to: [{ podSelector: component("singleuser-server") }], ports: [{ port: 8888 }] },
                    ...egressAllowRules(np.egressAllowRules, metadataIp),
                    ...(np.egress ?? []),
                ] as never,
            },
        });
    }
    if (v.singleuser.networkPolicy.enabled) {
        const np = v.singleuser.networkPolicy;
        policies.push({
            name: "chart:singleuser",
            namespace,
            spec: {
                podSelector: component("singleuser-server"),
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ ports: [{ port: "notebook-port" }], from: accessFrom("hub.jupyter.org/network-access-singleuser", np.interNamespaceAccessLabels === "accept") }, ...(np.ingress ?? [])] as never,
                egress: [
                    { to: [{ podSelector: component("hub") }], ports: [{ port: 8081 }] },
                    { to: [{ podSelector: component("proxy") }], ports: [{ port: 8000 }] },
                    ...egressAllowRules(np.egressAllowRules, metadataIp),
                    ...(np.egress ?? []),
                ] as never,
            },
        });
    }
    return policies;
}

/** The chart's hub and proxy pods with the labels their templates give them (hub/deployment.yaml, proxy/deployment.yaml). */
export function chartPods(namespace: string, release = "jupyterhub"): { hub: Endpoint; proxy: Endpoint } {
    const ns = { namespace, namespaceLabels: { "kubernetes.io/metadata.name": namespace } };
    return {
        hub: {
            name: "hub",
            ...ns,
            ip: "10.0.3.10",
            labels: { component: "hub", app: "jupyterhub", release, "hub.jupyter.org/network-access-proxy-api": "true", "hub.jupyter.org/network-access-proxy-http": "true", "hub.jupyter.org/network-access-singleuser": "true" },
            ports: { http: 8081 },
        },
        proxy: {
            name: "proxy",
            ...ns,
            ip: "10.0.3.11",
            labels: { component: "proxy", app: "jupyterhub", release, "hub.jupyter.org/network-access-hub": "true", "hub.jupyter.org/network-access-singleuser": "true" },
            ports: { http: 8000, https: 8443, api: 8001 },
        },
    };
}

/** A notebook pod as KubeSpawner labels it (spawner.py _build_pod_labels) with the chart's extraLabels. */
export function notebookPod(name: string, namespace: string, namespaceLabels: Record<string, string>, extraLabels: Record<string, string>, ip: string, release = "jupyterhub"): Endpoint {
    return { name, namespace, namespaceLabels, ip, labels: { component: "singleuser-server", app: "jupyterhub", release, ...extraLabels }, ports: { "notebook-port": 8888 } };
}
