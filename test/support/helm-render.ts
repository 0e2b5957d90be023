/**
 * The Helm releases and v4 Charts a program registers, rendered by the real Helm
 * (test/support/helm-binary.ts) from the packaged charts in ../shared/reference/charts: chart,
 * version, release name, namespace and values exactly as registered, for the cluster's
 * Kubernetes version. The rendered objects are the oracle for placement, network, secret and
 * schema checks: what the chart does with the values, not a model of it.
 *
 * Each render is cached for the test file (Jest gives each file its own module registry), so a
 * chart is rendered once per file and values.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "fflate";
import { parse, parseAllDocuments } from "yaml";
import { ClusterConfig, KUBERNETES_VERSIONS } from "../../infra/config/schema";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { HelmTools, helmToolsOrSkip } from "./helm-binary";
import { CHARTS_DIR, chartPackage, RegisteredRelease, registeredCharts, registeredReleases } from "./registered-releases";

/** A rendered Kubernetes object, as Helm printed it. */
export interface KubeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
    readonly [field: string]: any;
}

export interface RenderedRelease {
    readonly release: RegisteredRelease;
    /** The chart package rendered. */
    readonly chartFile: string;
    /** `--kube-version` given to Helm. */
    readonly kubeVersion: string;
    /** Every rendered object (parsed on first use: a CRD chart renders megabytes). */
    readonly objects: readonly KubeObject[];
    /** The rendered objects of these kinds only, parsing no other document. */
    ofKinds(kinds: readonly string[]): KubeObject[];
}

/**
 * Charts with no package here, and what checks them instead. A release of any other chart
 * without a package is an error: a pin was bumped (or a chart added) without packaging it.
 */
export const UNPACKAGED_CHARTS: Readonly<Record<string, string>> = {
    "gitlab-runner":
        "its source lives on GitLab, which these machines cannot reach (../shared/reference/README.md); its config.toml is checked against GitLab Runner's own source (test/runners/ci-runners.test.ts) and its placement from its values (test/scheduling/placement.slow.test.ts)",
};

/**
 * The Kubernetes version the charts render for (`--kube-version`): the EKS cluster's, from the
 * stack config. An existing cluster's version is not in the config: the oldest the package
 * supports, since charts pick older APIs for older clusters and on-prem clusters tend to lag.
 */
export function renderKubeVersion(cluster: ClusterConfig): string {
    return `${cluster.mode === "eks" ? cluster.kubernetesVersion : KUBERNETES_VERSIONS[0]}.0`;
}

/** The Helm arguments that reproduce a registered release or v4 Chart (`helm template`, not install). */
export function templateArgs(release: RegisteredRelease, chartFile: string, kubeVersion: string, valuesFile: string): string[] {
    return [
        "template",
        release.releaseName,
        chartFile,
        "--namespace",
        release.namespace,
        "--kube-version",
        kubeVersion,
        // Both install the chart's crds/ unless skipCrds. A Release runs hooks but never test
        // hooks; a v4 Chart renders no hook (chart.go: DisableHooks).
        ...(release.skipCrds ? [] : ["--include-crds"]),
        ...(release.installedAs === "Chart" ? ["--no-hooks"] : ["--skip-tests"]),
        "--values",
        valuesFile,
    ];
}

/** Runs `helm template` for a release; throws with Helm's own message when Helm refuses. */
function helmTemplate(tools: HelmTools, release: RegisteredRelease, chartFile: string, kubeVersion: string): string {
    // The values may hold revealed secrets: a private file, removed at once.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-team-env-render-"));
    const valuesFile = path.join(dir, "values.json");
    try {
        fs.writeFileSync(valuesFile, JSON.stringify(release.values), { mode: 0o600 });
        return execFileSync(tools.helm, templateArgs(release, chartFile, kubeVersion, valuesFile), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
    } catch (e) {
        const stderr = String((e as { stderr?: unknown }).stderr ?? e).trim();
        throw new Error(`helm template ${release.releaseName} (${release.chart} ${release.version}) failed: ${stderr}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The objects of YAML text (empty documents dropped). */
function parseYaml(text: string): KubeObject[] {
    return parseAllDocuments(text)
        .map((d) => d.toJSON() as KubeObject | null)
        .filter((o): o is KubeObject => o !== null && typeof o === "object");
}

/** Where large documents' parses are kept between runs, by the text's hash. */
const PARSE_CACHE = path.join(__dirname, "../../node_modules/.cache/ml-team-env/yaml-parse");
/** Larger texts are parsed once per machine: a 1.4 MB CRD takes the YAML parser about a second. */
const PARSE_CACHE_MIN_BYTES = 64 * 1024;

/**
 * The objects of YAML text. A large text's parse is a pure function of its bytes, so it is kept
 * as JSON under its SHA-256 (Helm still renders every time; only the parse is reused).
 */
function parseObjects(text: string): KubeObject[] {
    if (text.length < PARSE_CACHE_MIN_BYTES) return parseYaml(text);
    const file = path.join(PARSE_CACHE, `${createHash("sha256").update(text).digest("hex")}.json`);
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as KubeObject[];
    const objects = parseYaml(text);
    fs.mkdirSync(PARSE_CACHE, { recursive: true });
    // Atomically: Jest workers may race to write the same entry.
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, JSON.stringify(objects));
    fs.renameSync(staging, file);
    return objects;
}

/**
 * Helm's output as documents, each parsed when first asked for. A document's kind is read from
 * its top-level `kind:` line (how every chart's template writes it); a document without one is
 * parsed to be sure.
 */
function lazyObjects(text: string): Pick<RenderedRelease, "objects" | "ofKinds"> {
    const docs = text.split(/^---\s*$/m).map((t) => ({ text: t, kind: /^kind:\s*(\S+)\s*$/m.exec(t)?.[1], parsed: undefined as KubeObject[] | undefined }));
    const parse = (d: (typeof docs)[number]) => (d.parsed ??= parseObjects(d.text));
    let all: KubeObject[] | undefined;
    return {
        get objects() {
            return (all ??= docs.flatMap(parse));
        },
        ofKinds: (kinds) => docs.filter((d) => d.kind === undefined || kinds.includes(d.kind)).flatMap(parse).filter((o) => kinds.includes(o.kind)),
    };
}

const cache = new Map<string, Pick<RenderedRelease, "objects" | "ofKinds">>();

/**
 * Renders one release with the real Helm (cached per test file). Throws with Helm's own
 * message when Helm refuses (a value the chart's schema rejects, a failing template).
 */
export function renderRelease(tools: HelmTools, release: RegisteredRelease, kubeVersion: string): RenderedRelease {
    const chartFile = chartPackage(release.chart, release.version);
    if (!chartFile) throw new Error(`${release.resourceName}: no package ${release.chart}-${release.version}.tgz in ${CHARTS_DIR}`);
    const key = JSON.stringify([release.installedAs, chartFile, release.releaseName, release.namespace, release.skipCrds, kubeVersion, release.values]);
    let lazy = cache.get(key);
    if (!lazy) {
        lazy = lazyObjects(helmTemplate(tools, release, chartFile, kubeVersion));
        cache.set(key, lazy);
    }
    const parsed = lazy;
    return {
        release,
        chartFile,
        kubeVersion,
        get objects() {
            return parsed.objects;
        },
        ofKinds: parsed.ofKinds,
    };
}

/** What a stack's releases render to, and the releases that cannot be rendered here, by name. */
export interface StackRender {
    readonly rendered: readonly RenderedRelease[];
    readonly notRendered: readonly { readonly release: RegisteredRelease; readonly why: string }[];
}

/**
 * Renders every release and v4 Chart among `resources` that has a package; a release of a chart
 * in UNPACKAGED_CHARTS is returned in `notRendered` (and printed by name), any other missing
 * package throws.
 */
export function renderReleases(tools: HelmTools, resources: readonly RecordedResource[], cluster: ClusterConfig): StackRender {
    const kubeVersion = renderKubeVersion(cluster);
    const rendered: RenderedRelease[] = [];
    const notRendered: { release: RegisteredRelease; why: string }[] = [];
    for (const release of [...registeredReleases(resources), ...registeredCharts(resources)]) {
        const unpackaged = UNPACKAGED_CHARTS[release.chart];
        if (unpackaged !== undefined && !chartPackage(release.chart, release.version)) {
            console.warn(`NOT RENDERED: ${release.resourceName} (${release.chart} ${release.version}) — ${unpackaged}.`);
            notRendered.push({ release, why: unpackaged });
        } else {
            rendered.push(renderRelease(tools, release, kubeVersion));
        }
    }
    return { rendered, notRendered };
}

/**
 * Helm, or undefined after printing `SKIPPED: <why> — <reason>` when the binary or the chart
 * packages are absent (a plain clone has no ../shared). A test file calls this once and
 * registers its render tests with `it.skip` when it returns undefined.
 */
export function renderToolsOrSkip(why: string): HelmTools | undefined {
    if (!fs.existsSync(CHARTS_DIR)) {
        console.warn(`SKIPPED: ${why} — ${CHARTS_DIR} is absent (a plain clone has no ../shared/reference).`);
        return undefined;
    }
    return helmToolsOrSkip(why);
}

/** One rendered release, by its Helm release name. */
export function releaseOf(render: StackRender, releaseName: string): RenderedRelease {
    const found = render.rendered.find((r) => r.release.releaseName === releaseName);
    if (!found) throw new Error(`no rendered release named ${releaseName} (rendered: ${render.rendered.map((r) => r.release.releaseName).join(", ")})`);
    return found;
}

/** The one rendered object of a kind and name. */
export function renderedObject(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (found.length !== 1) throw new Error(`expected one rendered ${kind}/${name}, found ${found.length}`);
    return found[0]!;
}

/** The files of a chart package (a gzipped tar), by path. */
function packageFiles(chartFile: string): Map<string, Uint8Array> {
    const tar = gunzipSync(fs.readFileSync(chartFile));
    const files = new Map<string, Uint8Array>();
    const text = (from: number, length: number) => Buffer.from(tar.subarray(from, from + length)).toString("utf8").replace(/\0[^]*$/, "");
    // ustar: a 512-byte header (name at 0, octal size at 124, prefix at 345), the data padded to 512.
    for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
        const size = parseInt(text(at + 124, 12).trim() || "0", 8);
        const prefix = text(at + 345, 155);
        files.set(prefix ? `${prefix}/${text(at, 100)}` : text(at, 100), tar.subarray(at + 512, at + 512 + size));
        at += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
}

/** A chart package's own name and version: its Chart.yaml, as Helm reads it from the archive. */
export function packagedChart(chartFile: string): { name: string; version: string } {
    const chartYaml = [...packageFiles(chartFile)].find(([name]) => /^[^/]+\/Chart\.yaml$/.test(name));
    if (!chartYaml) throw new Error(`${chartFile} has no Chart.yaml`);
    const chart = parse(Buffer.from(chartYaml[1]).toString("utf8")) as { name: string; version: string };
    return { name: chart.name, version: String(chart.version) };
}
