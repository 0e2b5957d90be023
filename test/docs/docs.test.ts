/**
 * Docs a person can look at (issue 22, surprise 9), kept true by tests: the README's architecture
 * diagram names only components that exist; every reference from the stack files, the CLIs and
 * the code to a README or docs section resolves, as do the docs' own links; every line a team must
 * change in a stack file says CHANGE; the README says which tests need ../shared and how long the
 * suite takes on what machine; the runnable example (it had no README, no stack file, no package
 * entry and imported ../../infra/lib) is a Pulumi project of its own that runs from its stack file.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, isPair, isScalar, isSeq, parse, parseDocument } from "yaml";
import { gitlabAndHubProgram } from "../../examples/gitlab-and-hub/program";
import { runWithMocks } from "../../infra/plan/mock-runtime";
import { stackFileToConfig } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** Every file under `dir` (relative to the root) whose name matches, node_modules aside. */
function files(dir: string, match: RegExp): string[] {
    const full = path.join(ROOT, dir);
    if (!fs.existsSync(full)) return [];
    return fs.readdirSync(full, { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : files(rel, match);
        return match.test(e.name) ? [rel] : [];
    });
}

// --- the diagram ---------------------------------------------------------------------------------

/** Product names a diagram may use that are not this package's components. */
const PRODUCTS = new Set(["GitLab"]);

/** What infra/lib.ts exports by name (read as text: loading it would load every cloud SDK). */
const LIB_EXPORTS = new Set(
    [...fs.readFileSync(path.join(ROOT, "infra", "lib.ts"), "utf8").matchAll(/export \{([^}]+)\} from/g)].flatMap((m) => m[1]!.split(",").map((n) => n.trim()).filter((n) => n && !n.startsWith("type "))),
);

/** The CamelCase names in a Mermaid diagram that are neither exported by infra/lib.ts nor a product name. */
export function unknownComponents(diagram: string): string[] {
    const names = new Set(diagram.match(/\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b/g) ?? []);
    return [...names].filter((n) => !PRODUCTS.has(n) && !LIB_EXPORTS.has(n));
}

describe("the README's architecture diagram", () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";

    it("is a Mermaid flowchart under 'Architecture', with what runs where and a member's request in numbered steps", () => {
        expect(readme).toMatch(/## Architecture\n\n```mermaid\nflowchart/);
        for (const where of ["Your machine or CI", "AWS account", "Kubernetes", "GitLab"]) expect(diagram).toContain(where);
        expect(diagram.match(/"\d: [^"]+"/g)).toEqual(["\"1: opens https://hub-host\"", "\"2: login\"", "\"3: member of the project?\"", "\"4: git clone and push\""]);
    });

    it("names only components that exist (exported by infra/lib.ts)", () => {
        expect(LIB_EXPORTS).toContain("GitLabProject");
        expect(diagram.match(/\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b/g)!.length).toBeGreaterThan(5);
        expect(unknownComponents(diagram)).toEqual([]);
    });

    it("the check fails for a component that does not exist", () => {
        expect(unknownComponents(`${diagram}\n    x["FooCluster"] --> y["GpuCluster"]`)).toEqual(["FooCluster"]);
    });
});

// --- references and links ------------------------------------------------------------------------

/** GitHub's anchor for a heading (lowercase, punctuation dropped, spaces to hyphens). */
function anchor(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}

function headings(file: string): string[] {
    return [...fs.readFileSync(path.join(ROOT, file), "utf8").matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim());
}

/** `README "Section"`, `README: "Section"`, `docs/x.md "Section"` in a text, with the file they name. */
export function sectionReferences(text: string): { file: string; section: string }[] {
    return [...text.matchAll(/\b(README(?:\.md)?|docs\/[a-z-]+\.md):? "([^"]+)"/g)].map((m) => ({ file: m[1]!.startsWith("README") ? "README.md" : m[1]!, section: m[2]! }));
}

/** The references that do not resolve to a heading of their file. */
function unresolved(refs: readonly { file: string; section: string }[]): string[] {
    return refs.filter((r) => !fs.existsSync(path.join(ROOT, r.file)) || !headings(r.file).some((h) => h.toLowerCase() === r.section.toLowerCase())).map((r) => `${r.file} "${r.section}"`);
}

describe("references to README and docs sections", () => {
    const sources = [...files("stacks", /\.yaml$/), ...files("infra", /\.ts$/), ...files("examples", /\.(ts|yaml|md)$/), ...files("policy", /\.(ts|yaml|md)$/), ...files("docs", /\.md$/), "README.md"];

    it("from the stack files, the CLIs and the code all name a heading that exists", () => {
        const refs = sources.flatMap((f) => sectionReferences(fs.readFileSync(path.join(ROOT, f), "utf8")).map((r) => ({ ...r, from: f })));
        expect(refs.length).toBeGreaterThan(8);
        expect(refs.some((r) => r.from.startsWith("stacks/"))).toBe(true);
        expect(refs.some((r) => r.from.startsWith("infra/cli/"))).toBe(true);
        expect(unresolved(refs)).toEqual([]);
    });

    it("the check fails for a section that is not there", () => {
        expect(unresolved(sectionReferences('see README "Branch model" and docs/cluster.md "Picking GPU instance types"'))).toEqual(['README.md "Branch model"']);
    });

    it("the README's and the docs' relative links reach a file, and their anchors a heading", () => {
        const broken: string[] = [];
        for (const f of ["README.md", ...files("docs", /\.md$/), ...files("examples", /\.md$/)]) {
            const text = fs.readFileSync(path.join(ROOT, f), "utf8");
            for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                const link = m[1]!;
                if (/^[a-z]+:/.test(link)) continue;
                const [target, hash] = link.split("#") as [string, string | undefined];
                const file = target ? path.normalize(path.join(path.dirname(f), target)) : f;
                if (!fs.existsSync(path.join(ROOT, file))) broken.push(`${f}: ${link}`);
                else if (hash && !headings(file).map(anchor).includes(hash)) broken.push(`${f}: ${link} (no such heading)`);
            }
        }
        expect(broken).toEqual([]);
    });
});

// --- CHANGE markers --------------------------------------------------------------------------------

/** The stack-file keys (under `ml-team-env:`) a team must change, by what the stack sets up. */
function mustChange(config: Record<string, any>): string[][] {
    const cluster = config["ml-team-env:cluster"] ?? {};
    const hub = config["ml-team-env:jupyterhub"];
    const keys = [["gitlab", "url"], ["gitlab", "tier"], ["gitlab", "project", "path"], ["team", "members"]];
    // Unset, the bootstrap image serves until the team pins the one its pipeline builds.
    if (config["ml-team-env:environment"]?.image !== undefined) keys.push(["environment", "image"]);
    if (cluster.mode === "eks") keys.push(["cluster", "region"], ["cluster", "publicAccessCidrs"]);
    if (cluster.mode === "existing") keys.push(["cluster", "gpuNodeSelector"], ["cluster", "gpusPerNode"], ["cluster", "gpuNodeCount"], ["cluster", "storageClassName"]);
    if (cluster.mode === "none") keys.push(["runners", "cpuTags"], ["runners", "gpuTags"]);
    if (hub) {
        keys.push(["jupyterhub", "host"], ["jupyterhub", "oauthClientId"]);
        if (hub.https === "ingress") keys.push(["jupyterhub", "ingressClassName"]);
        if (hub.https === "letsencrypt") keys.push(["jupyterhub", "letsEncryptEmail"]);
        if (hub.route53Zone !== undefined) keys.push(["jupyterhub", "route53Zone"]);
    }
    return keys;
}

/** Whether the key's line, or the first line of its value, carries a `# CHANGE` comment. */
function marked(text: string, keyPath: readonly string[]): boolean | undefined {
    const doc = parseDocument(text);
    const [section, ...rest] = keyPath;
    let node: unknown = doc.getIn(["config", `ml-team-env:${section}`], true);
    let pair: unknown;
    for (const k of rest) {
        if (!isMap(node)) return undefined;
        pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === k);
        if (!isPair(pair)) return undefined;
        node = pair.value;
    }
    if (!isPair(pair) || !isScalar(pair.key)) return undefined;
    const lineOf = (offset: number) => text.slice(0, offset).split("\n").length - 1;
    const lines = text.split("\n");
    const keyLine = lineOf(pair.key.range![0]);
    const valueNode = isSeq(pair.value) || isMap(pair.value) ? (pair.value.items[0] as { range?: number[]; value?: { range?: number[] } } | undefined) : (pair.value as { range?: number[] });
    const valueStart = (valueNode as { range?: number[] } | undefined)?.range?.[0] ?? (valueNode as { key?: { range?: number[] } } | undefined)?.key?.range?.[0];
    const valueLine = valueStart === undefined ? keyLine : lineOf(valueStart);
    return lines.slice(keyLine, valueLine + 1).some((l) => /#.*\bCHANGE\b/.test(l));
}

describe("CHANGE markers in the stack files", () => {
    it.each(files("stacks", /^Pulumi\..+\.yaml$/).map((f) => [f]))("%s marks every line a team must change", (f) => {
        const text = fs.readFileSync(path.join(ROOT, f), "utf8");
        const config = (parseDocument(text).toJS() as { config: Record<string, any> }).config;
        const missing = mustChange(config).filter((k) => marked(text, k) !== true);
        expect(missing.map((k) => k.join("."))).toEqual([]);
    });

    it("the check fails for an unmarked line", () => {
        const text = "config:\n  ml-team-env:gitlab:\n    url: https://gitlab.com\n    project:\n      path: a/b # CHANGE\n";
        expect(marked(text, ["gitlab", "url"])).toBe(false);
        expect(marked(text, ["gitlab", "project", "path"])).toBe(true);
    });
});

// --- what the README says about the tests --------------------------------------------------------

/** The support modules that read ../shared themselves. */
const SHARED_READERS = ["test/support/registered-releases.ts"];

/**
 * Test files that import one of `readers`, directly or through support modules that do, at any
 * depth: support modules are taken in until none is added (a single pass missed a module that
 * imports one listed after it). `sources` maps each file to its text.
 */
function testsReading(readers: readonly string[], sources: ReadonlyMap<string, string>): string[] {
    const importsOf = (f: string) => [...sources.get(f)!.matchAll(/from "(\.[^"]+)"/g)].map((m) => path.normalize(path.join(path.dirname(f), `${m[1]}.ts`)));
    const reading = new Set(readers);
    const support = [...sources.keys()].filter((f) => !f.endsWith(".test.ts"));
    for (let added = true; added; ) {
        added = false;
        for (const f of support) {
            if (reading.has(f) || !importsOf(f).some((i) => reading.has(i))) continue;
            reading.add(f);
            added = true;
        }
    }
    return [...sources.keys()].filter((f) => f.endsWith(".test.ts") && importsOf(f).some((i) => reading.has(i))).sort();
}

/** Test files that read ../shared, directly or through support modules that do. */
function testsNeedingShared(): string[] {
    const sources = new Map(files("test", /\.ts$/).map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")] as const));
    return testsReading(SHARED_READERS, sources);
}

describe("the README on the tests", () => {
    it("names every test file that skips without ../shared, and only those", () => {
        const section = readme.slice(readme.indexOf("## Development"));
        const named = [...section.matchAll(/test\/[\w/.-]+\.test\.ts/g)].map((m) => m[0]).sort();
        expect(testsNeedingShared().length).toBeGreaterThan(0);
        expect(named).toEqual(testsNeedingShared());
    });

    it("the check names only support modules that exist, and follows a chain of them to any depth", () => {
        for (const f of SHARED_READERS) expect(fs.existsSync(path.join(ROOT, f))).toBe(true);
        // a.ts imports b.ts, which imports the reader: a.ts comes first, so one pass would miss it.
        const sources = new Map([
            ["test/support/a.ts", 'import { b } from "./b";'],
            ["test/support/b.ts", 'import { r } from "./reader";'],
            ["test/support/reader.ts", "export const r = 1;"],
            ["test/x/deep.test.ts", 'import { a } from "../support/a";'],
            ["test/x/other.test.ts", 'import { c } from "../support/c";'],
        ]);
        expect(testsReading(["test/support/reader.ts"], sources)).toEqual(["test/x/deep.test.ts"]);
    });

    it("says how long `npm test` takes, and on what machine", () => {
        const said = readme.slice(readme.indexOf("`npm test` takes"), readme.indexOf("`npm run test:slow`"));
        expect(said).toMatch(/on a \d-core machine/);
        expect(said).toMatch(/\d+ s measured/);
    });
});

// --- the runnable example -------------------------------------------------------------------------

const EXAMPLE = path.join(ROOT, "examples", "gitlab-and-hub");
const read = (f: string) => fs.readFileSync(path.join(EXAMPLE, f), "utf8");

describe("examples/gitlab-and-hub", () => {
    it("is a project of its own: README, Pulumi.yaml, a stack file, and a package entry that depends on ml-team-env", () => {
        for (const f of ["README.md", "Pulumi.yaml", "Pulumi.lab.yaml", "package.json", "tsconfig.json", "index.ts", "program.ts"]) expect(fs.existsSync(path.join(EXAMPLE, f))).toBe(true);
        const pkg = JSON.parse(read("package.json"));
        expect(pkg.dependencies).toEqual({ "ml-team-env": "file:../.." });
        expect((parse(read("Pulumi.yaml")) as { name: string }).name).toBe("team-notebooks");
        // The root package's entry is what `ml-team-env` resolves to.
        expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).main).toBe("infra/lib.ts");
    });

    it("imports the package by its name, never the repository's files", () => {
        for (const f of ["index.ts", "program.ts"]) expect(read(f)).not.toMatch(/from "\.\.\//);
        expect(read("program.ts")).toMatch(/from "ml-team-env"/);
    });

    it("runs from its own stack file: the GitLab project and the hub on the existing cluster, secrets kept secret", async () => {
        const file = stackFileToConfig(parse(read("Pulumi.lab.yaml")), "team-notebooks");
        const config = { ...file.config, "team-notebooks:kubeconfig": "apiVersion: v1", "team-notebooks:oauthClientSecret": "s3cret-oauth" };
        const run = await runWithMocks(() => gitlabAndHubProgram(), { project: "team-notebooks", stack: "lab", config, secretConfigKeys: ["team-notebooks:kubeconfig", "team-notebooks:oauthClientSecret"] });
        const types = new Set(run.resources.map((r) => r.type));
        expect(types.has("ml-team-env:gitlab:GitLabProject")).toBe(true);
        expect(types.has("ml-team-env:workspaces:JupyterHub")).toBe(true);
        expect([...types].filter((t) => t.startsWith("aws:"))).toEqual([]);
        expect(run.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name).sort()).toEqual(["jupyterhub", "jupyterhub-dana", "jupyterhub-eli"]);
        expect(run.resources.find((r) => r.inputs.kind === "gitlab:Project")!.inputs).toMatchObject({ path: "research/speech-models", mode: "adopt", gitlabUrl: "https://gitlab.lab.example.org" });
        expect(JSON.stringify(run.resources.map((r) => r.redactedInputs))).not.toContain("s3cret-oauth");
    });
});
