/**
 * Kubernetes NetworkPolicy semantics, small enough to read: whether a connection from one pod
 * (or address) to a pod's port is allowed by the policies that exist. A connection needs both
 * sides: the source's egress (if any policy selecting the source has Egress) and the
 * destination's ingress (if any selecting policy has Ingress). Policies are additive.
 * `ipBlock` is matched against pod addresses too, as Calico (the engine this package installs
 * on EKS) does; the NetworkPolicy spec leaves that to the implementation.
 */
import { cidrWithin } from "../../infra/network/ipv4";
import { matchesRequirement } from "../../infra/scheduling/fit";

export interface Endpoint {
    readonly name: string;
    /** Undefined for addresses outside the cluster. */
    readonly namespace?: string;
    readonly namespaceLabels?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
    readonly ip: string;
    /** Named container ports (`http` → 8081). */
    readonly ports?: Readonly<Record<string, number>>;
}

interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
}
interface Peer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
interface Port {
    readonly protocol?: string;
    readonly port?: number | string;
}
interface Rule {
    readonly from?: readonly Peer[];
    readonly to?: readonly Peer[];
    readonly ports?: readonly Port[];
}
export interface Policy {
    readonly name: string;
    readonly namespace: string;
    readonly spec: { readonly podSelector: LabelSelector; readonly policyTypes?: readonly string[]; readonly ingress?: readonly Rule[]; readonly egress?: readonly Rule[] };
}

/** A label selector (metav1.LabelSelector): every matchLabels entry and every expression holds. */
export function matches(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> = {}): boolean {
    return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && (selector?.matchExpressions ?? []).every((e) => matchesRequirement(labels, e));
}

export function inCidr(ip: string, cidr: string): boolean {
    return cidrWithin(`${ip}/32`, cidr);
}

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
    if (peer.ipBlock) return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
    if (other.namespace === undefined) return false;
    // A podSelector without namespaceSelector means the policy's own namespace.
    if (!peer.namespaceSelector) return other.namespace === policyNamespace && matches(peer.podSelector, other.labels);
    return matches(peer.namespaceSelector, other.namespaceLabels) && matches(peer.podSelector, other.labels);
}

function portMatches(ports: readonly Port[] | undefined, target: Endpoint, port: number, protocol: string): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port || (typeof p.port === "string" && target.ports?.[p.port] === port)));
}

function selecting(policies: readonly Policy[], ep: Endpoint, type: "Ingress" | "Egress"): Policy[] {
    return policies.filter((p) => p.namespace === ep.namespace && matches(p.spec.podSelector, ep.labels) && (p.spec.policyTypes ?? ["Ingress"]).includes(type));
}

/** Whether `from` may open `port`/`protocol` on `to` under `policies`, with the reason when not. */
export function allowed(policies: readonly Policy[], from: Endpoint, to: Endpoint, port: number, protocol = "TCP"): { ok: boolean; why: string } {
    const egress = from.namespace === undefined ? [] : selecting(policies, from, "Egress");
    if (egress.length > 0 && !egress.some((p) => (p.spec.egress ?? []).some((r) => (r.to ?? [{}]).some((peer) => Object.keys(peer).length === 0 || peerMatches(peer, p.namespace, to)) && portMatches(r.ports, to, port, protocol)))) {
        return { ok: false, why: `egress of ${from.name} denied by ${egress.map((p) => p.name).join(", ")}` };
    }
    const ingress = to.namespace === undefined ? [] : selecting(policies, to, "Ingress");
    if (ingress.length > 0 && !ingress.some((p) => (p.spec.ingress ?? []).some((r) => (r.from ?? [{}]).some((peer) => Object.keys(peer).length === 0 || peerMatches(peer, p.namespace, from)) && portMatches(r.ports, to, port, protocol)))) {
        return { ok: false, why: `ingress of ${to.name} denied by ${ingress.map((p) => p.name).join(", ")}` };
    }
    return { ok: true, why: "allowed" };
}

/** The NetworkPolicies a program run registered (in the namespaces `keep` picks), as the evaluator reads them. */
export function recordedPolicies(resources: readonly { readonly type: string; readonly inputs: any }[], keep: (namespace: string) => boolean = () => true): Policy[] {
    return resources
        .filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && keep(String(r.inputs.metadata.namespace)))
        .map((r) => ({ name: `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`, namespace: r.inputs.metadata.namespace, spec: r.inputs.spec }));
}

/** The cluster's DNS pods, as EKS labels them. */
export const COREDNS: Endpoint = { name: "coredns", namespace: "kube-system", namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" }, labels: { "k8s-app": "kube-dns" }, ip: "10.0.0.10" };
