/**
 * Private destinations a notebook may reach. The member namespace's NetworkPolicy lets a notebook
 * out to the internet but to no private address (other members' pods, nodes), so a self-managed
 * GitLab on 10.x / 172.16–31.x / 192.168.x — the usual on-prem case — would be unreachable for
 * `git clone` and `git push`, as would an internal package mirror or registry. Each destination
 * the team lists (`jupyterhub.privateEgress`) opens those ports to that range and nothing else;
 * GitLab's own address is added when `gitlab.url` names a private address.
 */
import { isIP } from "net";
import { cidrWithin } from "../network/ipv4";

/** Private address ranges (RFC 1918): pod and node addresses; a notebook reaches none of them but the hub, DNS and the listed destinations. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
/** The cloud metadata address: node credentials live there. */
export const METADATA_ADDRESS = "169.254.169.254/32";

/** A private range notebooks may reach, on these ports. */
export interface EgressDestination {
    /** IPv4 range, e.g. `10.20.0.0/16`, inside a private range. */
    readonly cidr: string;
    /** Destination ports. */
    readonly ports: readonly number[];
    /** @default "TCP" */
    readonly protocol?: "TCP" | "UDP";
    /** What it is, for whoever reads the policy (e.g. "GitLab"). */
    readonly description?: string;
}

/** Whether an IPv4 address is in a private range (RFC 1918). */
export function isPrivateAddress(ip: string): boolean {
    return isIP(ip) === 4 && PRIVATE_RANGES.some((r) => cidrWithin(`${ip}/32`, r));
}

/** The ports GitLab answers a notebook on: its web port (HTTPS clone and push, the API) and SSH. */
export function gitlabPorts(url: string): number[] {
    const u = new URL(url);
    const web = u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
    return [...new Set([web, 22])];
}

/**
 * The destinations in effect: the team's, plus GitLab's address when `gitlab.url` is a private
 * IPv4 literal that no entry covers already. A host name is resolved by `npm run doctor`, which
 * says when it is private and not listed (the program itself never looks names up: a plan must
 * not depend on the DNS of the machine it runs on).
 */
export function effectiveEgress(destinations: readonly EgressDestination[], gitlabUrl: string): EgressDestination[] {
    const host = new URL(gitlabUrl).hostname;
    if (!isPrivateAddress(host) || destinations.some((d) => cidrWithin(`${host}/32`, d.cidr))) return [...destinations];
    return [...destinations, { cidr: `${host}/32`, ports: gitlabPorts(gitlabUrl), description: "GitLab (gitlab.url)" }];
}

/** Egress to the cluster's DNS (CoreDNS in kube-system, UDP and TCP 53). */
export const CLUSTER_DNS_EGRESS = {
    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};

/** Egress to the internet: every address but the private ranges and the metadata service. */
export const PUBLIC_EGRESS = { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES, METADATA_ADDRESS] } }] };

/** The NetworkPolicy egress rules for the destinations: each range, on its ports only. */
export function egressRules(destinations: readonly EgressDestination[]): { to: { ipBlock: { cidr: string } }[]; ports: { protocol: string; port: number }[] }[] {
    return destinations.map((d) => ({ to: [{ ipBlock: { cidr: d.cidr } }], ports: d.ports.map((port) => ({ protocol: d.protocol ?? "TCP", port })) }));
}
