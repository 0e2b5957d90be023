/**
 * Every package the code imports is declared in package.json: shipped code (`infra/`,
 * `policy/`) in `dependencies`, tests in either. An undeclared import works only while npm
 * happens to hoist it, and breaks an isolated install (and the serialized providers, which
 * `require` their imports in the engine's provider host).
 */
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./harness";

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" ? [] : files(full);
        return /\.ts$/.test(e.name) ? [full] : [];
    });
}

/**
 * Bare package names imported by a file (`@scope/name` or `name`, subpaths stripped). The
 * compiler's own scanner finds them, so an import written in a comment is not counted.
 */
export function importedPackages(source: string): string[] {
    const specs = ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
    return specs
        .filter((s) => !s.startsWith(".") && !s.startsWith("node:") && !builtinModules.includes(s.split("/")[0]!))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!));
}

describe("declared dependencies", () => {
    it("finds scoped and plain imports, and ignores built-ins and relative paths", () => {
        expect(importedPackages(`import * as a from "@pulumi/pulumi/runtime/rpc";\nimport { x } from "./y";\nconst c = require("crypto");\nimport "yaml";\n/** import { A } from "in-a-comment" */\nconst d = await import("zod");`)).toEqual(["@pulumi/pulumi", "yaml", "zod"]);
    });

    it.each([
        ["infra", "dependencies"],
        ["policy", "dependencies"],
        ["test", "dependencies or devDependencies"],
    ])("every package imported under %s/ is in %s", (dir, where) => {
        const allowed = new Set([...Object.keys(pkg.dependencies), ...(where.includes("dev") ? Object.keys(pkg.devDependencies) : [])]);
        const missing = files(path.join(ROOT, dir)).flatMap((f) =>
            importedPackages(fs.readFileSync(f, "utf8"))
                .filter((p) => !allowed.has(p))
                .map((p) => `${path.relative(ROOT, f)} imports ${p}`),
        );
        expect(missing).toEqual([]);
    });
});
