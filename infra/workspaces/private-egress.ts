/**
 * Private destinations a notebook may reach. The member namespace's NetworkPolicy lets a notebook
 * out to the internet but to no private address (other members' pods, nodes), so a self-managed
 * GitLab on 10.x / 172.16–31.x / 192.168.x — the usual on-prem case — would be unreachable for
 * `git clone` and `git push`, as would an internal package mirror or registry. Each destination
 * the team lists (`jupyterhub.privateEgress`) opens those ports to that range and nothing else;
 * GitLab's own address is added when `gitlab.url` names a private address.
 */
import { isIP } from "net";

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

function toInt(ip: string): number {
    return ip.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

/** The first and last address of an IPv4 CIDR. */
export function cidrRange(cidr: string): { first: number; last: number } {
    const [base, bits] = cidr.split("/") as [string, string];
    const size = 2 ** (32 - Number(bits));
    const first = Math.floor(toInt(base) / size) * size;
    return { first, last: first + size - 1 };
}

/** Whether `inner` lies inside `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    const i = cidrRange(inner);
    const o = cidrRange(outer);
    return i.first >= o.first && i.last <= o.last;
}

/** Whether two ranges share an address. */
export function cidrOverlaps(a: string, b: string): boolean {
    const x = cidrRange(a);
    const y = cidrRange(b);
    return x.first <= y.last && y.first <= x.last;
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

/** The NetworkPolicy egress rules for the destinations: each range, on its ports only. */
export function egressRules(destinations: readonly EgressDestination[]): { to: { ipBlock: { cidr: string } }[]; ports: { protocol: string; port: number }[] }[] {
    return destinations.map((d) => ({ to: [{ ipBlock: { cidr: d.cidr } }], ports: d.ports.map((port) => ({ protocol: d.protocol ?? "TCP", port })) }));
}
