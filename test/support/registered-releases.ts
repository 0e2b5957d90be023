/**
 * The Helm releases a program registers (`kubernetes:helm.sh/v3:Release`), exactly as the
 * mock runtime recorded them, and the packaged chart each one names. Tests render or install
 * these with the real Helm (test/support/helm-binary.ts), so the oracle is the chart itself.
 */
import * as fs from "fs";
import * as path from "path";
import { RecordedResource } from "../../infra/plan/mock-runtime";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** Chart packages built from each chart's source tag (../shared/reference/README.md). */
export const CHARTS_DIR = path.join(__dirname, "../../../shared/reference/charts");

export interface RegisteredRelease {
    /** The Pulumi resource name (`dev-jupyterhub`). */
    readonly resourceName: string;
    readonly urn: string;
    /** Helm's release name (`jupyterhub`). */
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
 * Release inputs that change what Helm installs beyond chart, version, name, namespace, values
 * and skipCrds: a render that ignored them would check something else than what is installed.
 */
const UNREPRODUCED_INPUTS = ["valueYamlFiles", "postrender", "devel", "allowNullValues", "disableCRDHooks", "disableWebhooks"] as const;

/** Every Helm release among `resources`; throws for one whose inputs a render cannot reproduce. */
export function registeredReleases(resources: readonly RecordedResource[]): RegisteredRelease[] {
    return resources
        .filter((r) => r.type === RELEASE_TYPE)
        .map((r) => {
            const i = r.inputs;
            const unreproduced = UNREPRODUCED_INPUTS.filter((k) => i[k] !== undefined && i[k] !== false && !(Array.isArray(i[k]) && i[k].length === 0));
            if (unreproduced.length > 0) throw new Error(`${r.name}: ${unreproduced.join(", ")} set; teach test/support/helm-render.ts to pass them to helm template`);
            return {
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

/** The packaged chart `<chart>-<version>.tgz` under CHARTS_DIR, or undefined when it is not there. */
export function chartPackage(chart: string, version: string): string | undefined {
    const file = path.join(CHARTS_DIR, `${chart}-${version}.tgz`);
    return fs.existsSync(file) ? file : undefined;
}
