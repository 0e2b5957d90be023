/** "Did you mean": the closest known name to a mistyped one. */

/** Levenshtein distance between two strings. */
export function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length]![b.length]!;
}

/** The candidate nearest to `name` (case-insensitive), when within `maxDistance` edits. */
export function nearest(name: string, candidates: readonly string[], maxDistance = 2): string | undefined {
    const ranked = candidates.map((c) => [c, editDistance(name.toLowerCase(), c.toLowerCase())] as const).sort((a, b) => a[1] - b[1]);
    return ranked[0] && ranked[0][1] <= maxDistance ? ranked[0][0] : undefined;
}
