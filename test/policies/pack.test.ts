/**
 * The pack folder (`policy/`): its entry registers exactly the policies of `infra/policies`,
 * and it is laid out as the Pulumi CLI runs a Node.js policy pack. `PolicyPack` is replaced
 * by a recorder here, since the real constructor starts serving.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { POLICIES, POLICY_PACK_NAME, POLICY_SDK_PATH } from "../../infra/policies";
import { ROOT } from "../harness";

const mockPacks: { name: string; args: { policies: unknown } }[] = [];
jest.mock("@pulumi/policy", () => ({
    ...jest.requireActual("@pulumi/policy"),
    PolicyPack: jest.fn().mockImplementation((name: string, args: { policies: unknown }) => {
        mockPacks.push({ name, args });
    }),
}));

const PACK = path.join(ROOT, "policy");

describe("policy/index.ts", () => {
    it("builds one PolicyPack, with exactly the policies of infra/policies", () => {
        require("../../policy/index");
        expect(mockPacks).toHaveLength(1);
        expect(mockPacks[0]!.name).toBe(POLICY_PACK_NAME);
        expect(mockPacks[0]!.args.policies).toBe(POLICIES);
    });

    it("the policies: each named once, with a description and a deliberate enforcement level", () => {
        expect(POLICIES.map((p) => [p.name, p.enforcementLevel])).toEqual([
            ["protected-branches-locked", "mandatory"],
            ["no-force-push", "mandatory"],
            ["release-tags-protected", "mandatory"],
            ["pipeline-must-succeed", "mandatory"],
            ["approvals-not-below-model", "mandatory"],
            ["gpu-pools-tainted", "advisory"],
            ["environment-image-everywhere", "mandatory"],
            ["users-volumes-retained", "mandatory"],
            ["hub-values-hold-no-secrets", "mandatory"],
            ["environment-image-pinned-by-digest", "advisory"],
            // Remediate only so the SDK shows it secret markers; its stack verdict is mandatory.
            ["tokens-and-kubeconfig-are-secrets", "remediate"],
        ]);
        for (const p of POLICIES) expect(p.description.length).toBeGreaterThan(20);
    });

    it("is the only place a PolicyPack is built (its constructor starts serving)", () => {
        const sources = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "node_modules" ? [] : sources(path.join(dir, e.name))) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
        const building = [...sources(path.join(ROOT, "infra")), ...sources(PACK)].filter((f) => /new\s+PolicyPack\s*\(/.test(fs.readFileSync(f, "utf8")));
        expect(building.map((f) => path.relative(ROOT, f))).toEqual([path.join("policy", "index.ts")]);
    });
});

describe("the policy/ folder, as `pulumi preview --policy-pack policy` runs it", () => {
    it("has the PulumiPolicy.yaml the CLI requires, for the nodejs runtime", () => {
        expect(parse(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
    });

    it("has a package.json with the version PolicyPack reads and the entry, and no dependencies of its own", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
        expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pkg.main).toBe("index.ts");
        expect(pkg.dependencies).toBeUndefined();
        expect(pkg.devDependencies).toBeUndefined();
        // ts-node (started by the CLI's run-policy-pack) compiles the pack with this tsconfig.
        expect(JSON.parse(fs.readFileSync(path.join(PACK, "tsconfig.json"), "utf8")).compilerOptions.types).toEqual(["node"]);
    });

    it("resolves the CLI's pack runner and the one @pulumi/policy from the repository's node_modules", () => {
        expect(require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [PACK] })).toBe(require.resolve("@pulumi/pulumi/cmd/run-policy-pack"));
        expect(require.resolve("@pulumi/policy", { paths: [PACK] })).toBe(POLICY_SDK_PATH);
        expect(fs.existsSync(path.join(PACK, "node_modules"))).toBe(false);
    });
});
