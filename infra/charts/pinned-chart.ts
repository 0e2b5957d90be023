/** A Helm chart at an exact version (each constant says where its pin came from; docs/versions.md lists them). */
export interface PinnedChart {
    readonly chart: string;
    readonly version: string;
    readonly repo: string;
}

/** The chart, version and repository arguments of a `helm.v3.Release` for a pinned chart. */
export function chartSource(c: PinnedChart): { chart: string; version: string; repositoryOpts: { repo: string } } {
    return { chart: c.chart, version: c.version, repositoryOpts: { repo: c.repo } };
}
