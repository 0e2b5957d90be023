/**
 * The Helm charts a program installs, exactly as the mock runtime recorded them, and the
 * packaged chart each one names: its releases (`kubernetes:helm.sh/v3:Release`, which Helm
 * installs) and its `helm.v4.Chart`s (which the provider renders and applies as objects). Tests
 * render or install these with the real Helm (test/support/helm-binary.ts), so the oracle is the
 * chart itself.
 */
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../../infra/plan/mock-runtime";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/** Chart packages built from each chart's source tag (../shared/reference/README.md). */
export const CHARTS_DIR = path.join(__dirname, "../../../shared/reference/charts");

export interface RegisteredRelease {
    /**
     * How the program installs it: `Release`, Helm installs it (hooks run, test hooks never);
     * `Chart`, a helm.v4.Chart, rendered with no hook at all and its objects applied by the
     * provider (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go: `DisableHooks`).
     */
    readonly installedAs: "Release" | "Chart";
    /** The Pulumi resource name (`dev-jupyterhub`). */
    readonly resourceName: string;
    readonly urn: string;
    /** Helm's release name (`jupyterhub`); a Chart without one takes its resource name (chart.go). */
    readonly releaseName: string;
    readonly namespace: string;
    readonly chart: string;
    readonly version: string;
    readonly repo: string | undefined;
    /** Values as registered (secrets revealed: for rendering only, never print them). */
    readonly values: Record<string, unknown>;
    /** `skipCrds`: the chart's crds/ are not installed. */
    readonly skipCrds: boolean;
    /** URNs the release waits for (its `dependsOn`, and the resources its inputs come from). */
    readonly dependencies: readonly string[];
}

/**
 * Inputs that change what Helm renders beyond chart, version, name, namespace, values and
 * skipCrds: a render that ignored them would check something else than what is installed.
 */
const UNREPRODUCED_INPUTS: Readonly<Record<RegisteredRelease["installedAs"], readonly string[]>> = {
    Release: ["valueYamlFiles", "postrender", "devel", "allowNullValues", "disableCRDHooks", "disableWebhooks"],
    Chart: ["valueYamlFiles", "postRenderer", "devel", "includeHooks"],
};

/** The recorded resources of `type`, as charts to render; throws for one whose inputs a render cannot reproduce. */
function registered(resources: readonly RecordedResource[], type: string, installedAs: RegisteredRelease["installedAs"]): RegisteredRelease[] {
    return resources
        .filter((r) => r.type === type)
        .map((r) => {
            const i = r.inputs;
            const unreproduced = UNREPRODUCED_INPUTS[installedAs].filter((k) => i[k] !== undefined && i[k] !== false && !(Array.isArray(i[k]) && i[k].length === 0));
            if (unreproduced.length > 0) throw new Error(`${r.name}: ${unreproduced.join(", ")} set; teach test/support/helm-render.ts to pass them to helm template`);
            return {
                installedAs,
                resourceName: r.name,
                urn: r.urn,
                releaseName: String(i.name ?? r.name),
                namespace: String(i.namespace ?? "default"),
                chart: String(i.chart),
                version: String(i.version),
                repo: i.repositoryOpts?.repo,
                values: (i.values ?? {}) as Record<string, unknown>,
                skipCrds: i.skipCrds === true,
                dependencies: r.dependencies,
            };
        });
}

/** Every Helm release among `resources` (what Helm installs). */
export function registeredReleases(resources: readonly RecordedResource[]): RegisteredRelease[] {
    return registered(resources, RELEASE_TYPE, "Release");
}

/** Every helm.v4.Chart among `resources` (rendered, then applied by the provider). */
export function registeredCharts(resources: readonly RecordedResource[]): RegisteredRelease[] {
    return registered(resources, CHART_TYPE, "Chart");
}

/** The packaged chart `<chart>-<version>.tgz` under CHARTS_DIR, or undefined when it is not there. */
export function chartPackage(chart: string, version: string): string | undefined {
    const file = path.join(CHARTS_DIR, `${chart}-${version}.tgz`);
    return fs.existsSync(file) ? file : undefined;
}
