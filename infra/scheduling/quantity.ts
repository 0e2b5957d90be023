/**
 * Kubernetes resource quantities (`500m`, `2`, `16Gi`, `8G`), parsed the way the API server
 * reads them, so requests written for Helm values and pod specs can be compared with what a
 * node can allocate.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A quantity as a plain number of base units (cores, bytes, devices). Throws on a malformed one. */
export function parseQuantity(q: string | number): number {
    if (typeof q === "number") return q;
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkKMGTPE])?$/.exec(q.trim());
    if (!m) throw new Error(`'${q}' is not a Kubernetes quantity (e.g. 500m, 2, 512Mi, 16Gi)`);
    const value = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
    const suffix = m[3] ?? "";
    return value * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/** CPU in millicores. */
export function cpuMillis(q: string | number): number {
    return Math.round(parseQuantity(q) * 1000);
}

/** Memory in bytes. */
export function memoryBytes(q: string | number): number {
    return Math.round(parseQuantity(q));
}

const MIB = 2 ** 20;

/** Bytes as a short human reading in GiB or MiB. */
export function formatBytes(bytes: number): string {
    return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2).replace(/\.?0+$/, "")} GiB` : `${Math.round(bytes / MIB)} MiB`;
}

/** Millicores as cores. */
export function formatCpu(millis: number): string {
    return `${(millis / 1000).toFixed(3).replace(/\.?0+$/, "")} CPU`;
}
