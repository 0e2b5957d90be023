/** IPv4 ranges as numbers: what the config checks, the member policies and the doctor compare. */

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
