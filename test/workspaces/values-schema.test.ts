/**
 * The Helm values the JupyterHub component produces must pass the chart's own schema, as
 * Helm applies it: to the chart's defaults merged with ours (maps merge, lists and scalars
 * replace, null deletes).
 */
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { existingGpuPlacement } from "../../infra/cluster/existing-cluster";
import { hubValues } from "../../infra/workspaces/hub-values";
import { stackConfig } from "../cluster/fixtures";
import { testCluster } from "./fixtures";

const REFERENCE = path.join(__dirname, "../../../shared/reference");
const SCHEMA = path.join(REFERENCE, "z2jh-values.schema.yaml");
const DEFAULTS = path.join(REFERENCE, "z2jh-values.yaml");
const present = fs.existsSync(SCHEMA) && fs.existsSync(DEFAULTS);
if (!present) {
    console.warn(`SKIPPED: z2jh values schema check — ${SCHEMA} or ${DEFAULTS} is absent (a plain clone has no ../shared/reference).`);
}

/** Helm's coalescing of user values over chart defaults. */
export function helmMerge(defaults: unknown, overrides: unknown): unknown {
    if (overrides === null) return undefined;
    if (isMap(defaults) && isMap(overrides)) {
        const out: Record<string, unknown> = { ...defaults };
        for (const [k, v] of Object.entries(overrides)) {
            const merged = helmMerge(defaults[k], v);
            if (merged === undefined) delete out[k];
            else out[k] = merged;
        }
        return out;
    }
    return overrides === undefined ? defaults : overrides;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function valuesFor(stack: string) {
    const config = stackConfig(stack);
    const cluster = testCluster();
    const placement = config.cluster.mode === "existing" ? existingGpuPlacement(config.cluster) : cluster.gpuPlacement;
    return hubValues({
        host: config.jupyterhub.host,
        ingressClassName: config.jupyterhub.ingressClassName,
        tlsSecretName: config.jupyterhub.tlsSecretName,
        gitlabUrl: config.gitlab.url,
        gitlabProjectId: 4242,
        oauthClientId: config.jupyterhub.oauthClientId,
        oauthClientSecret: "x",
        proxySecretToken: "a".repeat(64),
        cookieSecret: "b".repeat(64),
        idleTimeoutMinutes: config.jupyterhub.idleTimeoutMinutes,
        storageGiB: config.jupyterhub.storageGiB,
        storageClassName: "gp3-encrypted-retain",
        profiles: config.jupyterhub.profiles,
        image: config.image,
        gpuPlacement: placement,
        systemPlacement: cluster.systemPlacement,
    });
}

(present ? describe : describe.skip)("z2jh values against the chart's schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = present ? ajv.compile(parse(fs.readFileSync(SCHEMA, "utf8"))) : undefined;
    const defaults = present ? parse(fs.readFileSync(DEFAULTS, "utf8")) : undefined;

    it.each(["dev", "onprem"])("the %s stack's values validate", (stack) => {
        const merged = helmMerge(defaults, valuesFor(stack));
        const ok = validate!(merged);
        const failures = (validate!.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
        expect(failures).toEqual([]);
        expect(ok).toBe(true);
    });

    it("catches a value the chart does not accept (the check can fail)", () => {
        const values = valuesFor("dev") as any;
        values.cull.timeout = "one hour";
        values.singleuser.notAKey = true;
        expect(validate!(helmMerge(defaults, values))).toBe(false);
        const paths = (validate!.errors ?? []).map((e) => e.instancePath);
        expect(paths).toContain("/cull/timeout");
    });
});

describe("helmMerge", () => {
    it("merges maps, replaces lists and scalars, deletes on null", () => {
        expect(helmMerge({ a: { b: 1, c: [1, 2] }, d: 1, e: 2 }, { a: { c: [3] }, d: null, f: 4 })).toEqual({ a: { b: 1, c: [3] }, e: 2, f: 4 });
    });
});
