/**
 * `pulumi up` on a new cluster: every Helm release each stack registers is installed with the
 * real Helm (`helm install --dry-run=server`) against an API server that answers as a fresh
 * cluster of the stack's Kubernetes version, holding only what the release waits for
 * (test/support/fresh-cluster-install.ts). Then the check is shown to fail for each reason it
 * exists: a CRD nobody the release waits for installs, an object a dependency already made, a
 * namespace nothing creates first.
 */
import { DEFAULT_KUBERNETES_VERSION, supportStatus, KUBERNETES_VERSIONS } from "../../infra/cluster/kubernetes-versions";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { readStackFile } from "../../infra/plan/stack-file";
import { ROOT, runStack } from "../harness";
import { TODAY } from "../config/fixtures";
import { freshClusterInstall, InstallResult } from "../support/fresh-cluster-install";
import { renderToolsOrSkip } from "../support/helm-render";
import { RELEASE_TYPE } from "../support/registered-releases";

const tools = renderToolsOrSkip("the fresh-cluster install check runs the real Helm on the chart packages");
const withHelm = tools ? it : it.skip;

/** The stack's Kubernetes minor: the EKS config's, or the package default for an existing cluster (its stack file names none). */
function kubernetesVersionOf(stack: string): string {
    const cluster = JSON.parse(readStackFile(stack, ROOT).config["ml-team-env:cluster"] ?? "{}") as { mode?: string; kubernetesVersion?: string };
    return cluster.mode === "eks" ? (cluster.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION) : DEFAULT_KUBERNETES_VERSION;
}

const summary = (results: readonly InstallResult[], status: InstallResult["status"]) => results.filter((r) => r.status === status).map((r) => r.release.resourceName).sort();
const failures = (results: readonly InstallResult[]) => results.filter((r) => r.status === "failed").map((r) => `${r.release.resourceName}: ${r.detail}`);

/** Resources with one resource's dependency list edited. */
function withDependencies(resources: readonly RecordedResource[], name: string, edit: (deps: readonly string[]) => string[]): RecordedResource[] {
    return resources.map((r) => (r.name === name ? { ...r, dependencies: edit(r.dependencies) } : r));
}

function reportNotChecked(stack: string, results: readonly InstallResult[]): void {
    const skipped = results.filter((r) => r.status === "not-checked");
    if (skipped.length > 0) console.warn(`NOT CHECKED (${stack}): ${skipped.map((r) => `${r.release.resourceName} (${r.detail})`).join("; ")}.`);
}

describe("a fresh cluster installs every Helm release the program registers", () => {
    const runs = new Map<string, Promise<RecordedResource[]>>();
    const resourcesOf = (stack: string) => {
        if (!runs.has(stack)) runs.set(stack, runStack(stack).then((r) => r.resources));
        return runs.get(stack)!;
    };

    withHelm("dev: each release installs on a new EKS cluster of the stack's version, Calico's operator after its CRDs", async () => {
        const results = await freshClusterInstall(tools!, await resourcesOf("dev"), kubernetesVersionOf("dev"));
        reportNotChecked("dev", results);
        expect(failures(results)).toEqual([]);
        expect(summary(results, "installed")).toEqual(["dev-cluster-autoscaler", "dev-cluster-calico", "dev-cluster-nvidia-device-plugin", "dev-jupyterhub"]);
        // The gitlab-runner chart is the one not packaged here; nothing else may go unchecked.
        expect(results.filter((r) => r.status === "not-checked").map((r) => r.release.chart)).toEqual(["gitlab-runner", "gitlab-runner"]);
        const calico = results.find((r) => r.release.resourceName === "dev-cluster-calico")!;
        expect(calico.crds).toContain("installations.operator.tigera.io");
        // Releases that wait for no CRD chart find none: the CRDs count only where they are waited for.
        expect(results.find((r) => r.release.resourceName === "dev-jupyterhub")!.crds).toEqual([]);
    });

    withHelm("onprem: each release installs on a new cluster (the package's default version: an existing cluster's is not in the stack)", async () => {
        const results = await freshClusterInstall(tools!, await resourcesOf("onprem"), kubernetesVersionOf("onprem"));
        reportNotChecked("onprem", results);
        expect(failures(results)).toEqual([]);
        expect(summary(results, "installed")).toEqual(["onprem-jupyterhub"]);
    });

    withHelm("dev: installs at every Kubernetes version the config accepts, those in extended support with supportType EXTENDED", async () => {
        const file = readStackFile("dev", ROOT).config;
        const cluster = JSON.parse(file["ml-team-env:cluster"]!) as Record<string, unknown>;
        // The harness runs the program on TODAY too: the versions it accepts do not move with the clock.
        const versions = KUBERNETES_VERSIONS.filter((v) => supportStatus(v, TODAY) !== "ended");
        // On TODAY every minor in the table is accepted: 1.32 and 1.33 only in extended support.
        expect(versions).toEqual(KUBERNETES_VERSIONS);
        for (const version of versions) {
            const supportType = supportStatus(version, TODAY) === "extended" ? { supportType: "EXTENDED" } : {};
            const { resources } = await runStack("dev", { "ml-team-env:cluster": JSON.stringify({ ...cluster, kubernetesVersion: version, ...supportType }) });
            const results = await freshClusterInstall(tools!, resources, version);
            expect({ version, failed: failures(results) }).toEqual({ version, failed: [] });
        }
    });

    withHelm("fails on Calico when its operator does not wait for the CRD chart, even though the program still installs that chart", async () => {
        const resources = await resourcesOf("dev");
        const crds = resources.find((r) => r.name === "dev-cluster-calico-crds")!;
        const edited = withDependencies(resources, "dev-cluster-calico", (deps) => deps.filter((d) => d !== crds.urn));
        expect(edited.some((r) => r.urn === crds.urn)).toBe(true);
        const results = await freshClusterInstall(tools!, edited, kubernetesVersionOf("dev"));
        const calico = results.find((r) => r.release.resourceName === "dev-cluster-calico")!;
        expect(calico.status).toBe("failed");
        expect(calico.detail).toMatch(/no matches for kind "Installation" in version "operator\.tigera\.io\/v1"/);
        expect(calico.crds).toEqual([]);
    });

    withHelm("fails when an object the release renders already exists, made by something it waits for", async () => {
        const resources = await resourcesOf("dev");
        const hub = resources.find((r) => r.type === RELEASE_TYPE && r.name === "dev-jupyterhub")!;
        // The chart renders ConfigMap `hub`; here a dependency made one first.
        const clash: RecordedResource = { ...hub, urn: `${hub.urn}-clash`, type: "kubernetes:core/v1:ConfigMap", name: "clash", custom: true, inputs: { metadata: { name: "hub", namespace: "jupyterhub" } }, dependencies: [] };
        const edited = [...withDependencies(resources, "dev-jupyterhub", (deps) => [...deps, clash.urn]), clash];
        const results = await freshClusterInstall(tools!, edited, kubernetesVersionOf("dev"));
        const result = results.find((r) => r.release.resourceName === "dev-jupyterhub")!;
        expect(result.status).toBe("failed");
        expect(result.detail).toMatch(/ConfigMap "hub" in namespace "jupyterhub" exists and cannot be imported/);
    });

    withHelm("fails when nothing the release waits for creates its namespace", async () => {
        const resources = await resourcesOf("dev");
        const ns = resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata?.name === "jupyterhub")!;
        // Not waited for by anything the release waits for either (its Secret and ConfigMap are in the namespace).
        const edited = resources.map((r) => ({ ...r, dependencies: r.dependencies.filter((d) => d !== ns.urn) }));
        const results = await freshClusterInstall(tools!, edited, kubernetesVersionOf("dev"));
        const result = results.find((r) => r.release.resourceName === "dev-jupyterhub")!;
        expect(result.status).toBe("failed");
        expect(result.detail).toMatch(/namespace jupyterhub does not exist/);
    });
});
