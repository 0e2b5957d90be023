/**
 * The Helm values the JupyterHub component produces, as Helm applies them: merged over the
 * chart's defaults (maps merge, lists and scalars replace, null deletes). They must pass the
 * chart's schema, and the effective settings (not only the ones set) must be what the
 * component means.
 */
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { chartDefaults, effectiveValues, helmMerge, REFERENCE_DIR } from "../support/helm-values";
import { valuesFor } from "./fixtures";

const SCHEMA = path.join(REFERENCE_DIR, "z2jh-values.schema.yaml");
const defaults = chartDefaults("z2jh", "z2jh effective values and schema check");
const present = defaults !== undefined && fs.existsSync(SCHEMA);

(present ? describe : describe.skip)("z2jh 4.4.0 values, effective", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = present ? ajv.compile(parse(fs.readFileSync(SCHEMA, "utf8"))) : undefined;

    it.each(["dev", "onprem"])("the %s stack's values validate against the chart's schema", (stack) => {
        const ok = validate!(helmMerge(defaults, valuesFor(stack)));
        expect((validate!.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([]);
        expect(ok).toBe(true);
    });

    it("catches a value the chart does not accept (the check can fail)", () => {
        const values = valuesFor("dev") as any;
        values.cull.timeout = "one hour";
        expect(validate!(helmMerge(defaults, values))).toBe(false);
        expect((validate!.errors ?? []).map((e) => e.instancePath)).toContain("/cull/timeout");
    });

    it("keeps the chart's own defaults that matter, and overrides the ones that would break per-user namespaces", () => {
        const v = effectiveValues(defaults!, valuesFor("dev"));
        // The chart's label that lets notebook pods reach the hub is still on them (extraLabels merged, not replaced).
        expect(v.singleuser.extraLabels).toEqual({ "hub.jupyter.org/network-access-hub": "true" });
        // The hub's netpol stays on, still ignores access labels from other namespaces, and gains our rules.
        expect(v.hub.networkPolicy).toMatchObject({ enabled: true, interNamespaceAccessLabels: "ignore" });
        expect(v.hub.networkPolicy.ingress).toHaveLength(1);
        // Defaults our values would otherwise inherit: 300 s start timeout, a user scheduler, the pre-pullers.
        expect(v.singleuser.startTimeout).toBe(1200);
        expect(v.scheduling.userScheduler.enabled).toBe(false);
        expect([v.prePuller.hook.enabled, v.prePuller.continuous.enabled]).toEqual([false, false]);
        // The chart's default user tolerations remain (CPU profiles repeat the user-pool one explicitly).
        expect(v.scheduling.userPods.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: "hub.jupyter.org/dedicated", value: "user" })]));
        // Nothing secret is set anywhere in the effective values.
        expect(v.proxy.secretToken ?? "").toBe("");
        expect(v.hub.cookieSecret ?? "").toBe("");
        expect(v.singleuser.cloudMetadata.blockWithIptables).toBe(false);
    });
});

describe("helmMerge", () => {
    it("merges maps, replaces lists and scalars, deletes on null", () => {
        expect(helmMerge({ a: { b: 1, c: [1, 2] }, d: 1, e: 2 }, { a: { c: [3] }, d: null, f: 4 })).toEqual({ a: { b: 1, c: [3] }, e: 2, f: 4 });
    });
});
