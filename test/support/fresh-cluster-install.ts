/**
 * The fresh-cluster install check: each Helm release a program registers is installed with the
 * real Helm (`helm install --dry-run=server`) against a fake API server (fake-kube-api.ts) that
 * answers as a new cluster of the stack's Kubernetes version, holding exactly what the release's
 * own dependencies (its `dependsOn` and the resources its inputs come from, transitively) put
 * there: their CRDs, namespaces and objects. Something another resource installs, but that the
 * release does not wait for, is not there: `pulumi up` may well run them in the other order.
 *
 * Helm then fails as it would on the real cluster: a kind no CRD serves ("no matches for kind …
 * ensure CRDs are installed first"), or an object a dependency already made ("exists and cannot be
 * imported into the current release"). A release's namespace must exist too: built in, made by a
 * dependency, or `createNamespace`.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { CrdManifest, FakeExistingObject, startFakeKubeApi } from "./fake-kube-api";
import { HelmTools } from "./helm-binary";
import { BUILTIN_NAMESPACES } from "./kube-builtin-apis";
import { KubeObject, renderRelease } from "./helm-render";
import { CHART_TYPE, chartPackage, RegisteredRelease, registeredCharts, registeredReleases, RELEASE_TYPE } from "./registered-releases";

export interface InstallResult {
    readonly release: RegisteredRelease;
    /** `installed`: Helm's dry run went through; `failed`: it (or the namespace check) did not; `not-checked`: no chart package. */
    readonly status: "installed" | "failed" | "not-checked";
    /** Helm's error, the namespace problem, or why the release was not checked. */
    readonly detail: string;
    /** Names of the CRDs the fake cluster had for this release. */
    readonly crds: readonly string[];
}

/** Runs a command without blocking the event loop (the fake API server answers from this process). */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(file, [...args], { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
            resolve({ code: error ? ((error as { code?: unknown }).code as number) ?? 1 : 0, stdout, stderr });
        });
    });
}

/** Helm with its own empty config, cache and data folders: no repositories, no user settings. */
function helmEnv(home: string, kubeconfig?: string): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        HOME: home,
        HELM_CACHE_HOME: path.join(home, "cache"),
        HELM_CONFIG_HOME: path.join(home, "config"),
        HELM_DATA_HOME: path.join(home, "data"),
        ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}),
    };
}

/** Every URN `urn` waits for, directly or through what it waits for. */
export function dependencyClosure(resources: readonly RecordedResource[], urn: string): RecordedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...(byUrn.get(urn)?.dependencies ?? [])];
    while (stack.length > 0) {
        const next = stack.pop()!;
        if (seen.has(next)) continue;
        seen.add(next);
        stack.push(...(byUrn.get(next)?.dependencies ?? []));
    }
    return [...seen].map((u) => byUrn.get(u)).filter((r): r is RecordedResource => r !== undefined);
}

/** `kubernetes:rbac.authorization.k8s.io/v1:ClusterRole` → its apiVersion and kind; undefined for non-object types. */
function typedObjectKind(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(type);
    if (!m || m[1]!.startsWith("helm.sh/") || m[1]!.startsWith("yaml/") || m[1]!.startsWith("kustomize/") || m[2]!.endsWith("Patch")) return undefined;
    const [group, version] = m[1]!.split("/") as [string, string];
    return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: m[2]! };
}

/** Kinds a chart may render without a namespace that are cluster-scoped (built-in kinds and CRDs). */
function isClusterScoped(o: KubeObject): boolean {
    return ["CustomResourceDefinition", "Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService"].includes(o.kind);
}

/** What a resource puts in the cluster: its objects (CRDs and namespaces among them). */
async function objectsOf(tools: HelmTools, r: RecordedResource, kubernetesVersion: string): Promise<{ objects: KubeObject[]; namespaces: string[] }> {
    const typed = typedObjectKind(r.type);
    if (typed && r.custom) {
        const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
        if (!meta.name) return { objects: [], namespaces: [] };
        const object = { ...r.inputs, ...typed, metadata: { ...meta } } as KubeObject;
        return { objects: [object], namespaces: typed.kind === "Namespace" ? [meta.name] : [] };
    }
    if (r.type === CHART_TYPE || r.type === RELEASE_TYPE) {
        const release = [...registeredReleases([r]), ...registeredCharts([r])][0]!;
        if (!chartPackage(release.chart, release.version)) throw new Error(`${r.name} (${r.type}) installs ${release.chart} ${release.version}, which is not packaged under ../shared/reference/charts: what it installs cannot be known`);
        // As an install applies them: namespaced objects the chart leaves without one go to the release's.
        const objects = renderRelease(tools, release, `${kubernetesVersion}.0`).objects.map((o) => (o.metadata.namespace === undefined && !isClusterScoped(o) ? { ...o, metadata: { ...o.metadata, namespace: release.namespace } } : o));
        const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
        if (r.type === RELEASE_TYPE && r.inputs.createNamespace) namespaces.push(release.namespace);
        return { objects, namespaces };
    }
    return { objects: [], namespaces: [] };
}

/**
 * Installs every registered release (`helm install --dry-run=server`) on a fresh cluster of
 * `kubernetesVersion` (`1.35`) holding what the release's dependencies install. Releases whose
 * chart is not packaged come back `not-checked`, by name.
 */
export async function freshClusterInstall(tools: HelmTools, resources: readonly RecordedResource[], kubernetesVersion: string): Promise<InstallResult[]> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-install-"));
    const rendered = new Map<string, Promise<{ objects: KubeObject[]; namespaces: string[] }>>();
    const installed = (r: RecordedResource) => {
        if (!rendered.has(r.urn)) rendered.set(r.urn, objectsOf(tools, r, kubernetesVersion));
        return rendered.get(r.urn)!;
    };
    const results: InstallResult[] = [];
    try {
        for (const release of registeredReleases(resources)) {
            const chartFile = chartPackage(release.chart, release.version);
            if (!chartFile) {
                results.push({ release, status: "not-checked", detail: `chart ${release.chart} ${release.version} is not packaged under ../shared/reference/charts`, crds: [] });
                continue;
            }
            const before = await Promise.all(dependencyClosure(resources, release.urn).map(installed));
            const objects = before.flatMap((b) => b.objects);
            const namespaces = new Set([...BUILTIN_NAMESPACES, ...before.flatMap((b) => b.namespaces)]);
            const crds = objects.filter((o): o is KubeObject & CrdManifest => o.kind === "CustomResourceDefinition");
            const crdNames = crds.map((c) => c.metadata.name).sort();
            const createNamespace = Boolean(resources.find((r) => r.urn === release.urn)?.inputs.createNamespace);
            if (!namespaces.has(release.namespace) && !createNamespace) {
                results.push({ release, status: "failed", detail: `namespace ${release.namespace} does not exist: nothing the release waits for creates it, and createNamespace is off`, crds: crdNames });
                continue;
            }
            const existing: FakeExistingObject[] = objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }));
            const api = await startFakeKubeApi({ kubernetesVersion, crds, namespaces: [...namespaces], objects: existing });
            try {
                const valuesFile = path.join(home, `${release.resourceName}.values.json`);
                fs.writeFileSync(valuesFile, JSON.stringify(release.values));
                const args = ["install", release.releaseName, chartFile, "--namespace", release.namespace, "--values", valuesFile, "--dry-run=server", ...(createNamespace ? ["--create-namespace"] : [])];
                const r = await run(tools.helm, args, helmEnv(home, api.kubeconfig));
                results.push({ release, status: r.code === 0 ? "installed" : "failed", detail: r.code === 0 ? "" : r.stderr.trim(), crds: crdNames });
            } finally {
                await api.close();
            }
        }
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
    return results;
}
