/**
 * Strict schema checks of Kubernetes objects: built-in kinds against the OpenAPI schema that
 * `kubernetes-models` compiles into validators, custom resources against their CRD's
 * `openAPIV3Schema`. Strict means an unknown field fails, as `kubectl apply --validate=strict`
 * and server-side field validation do (a typo such as `nodeSelectors` would otherwise be
 * dropped without a word and the pod land anywhere).
 *
 * kubernetes-models 4.5.1 is the newest release that runs on Node 20 (5.x needs Node 22); its
 * schema is Kubernetes v1.33.0 (its CHANGELOG, 4.5.0: "Update schema version to v1.33.0").
 * A field added after 1.33 would read as unknown: name it here when a chart starts using one.
 *
 * The compiled validators check types, required fields and enums but accept unknown fields.
 * Strictness comes from watching them: each validator reads every property its schema declares
 * (present or not) and every key of a map, so a key of an object that no validator read is a
 * field the schema does not have. Objects whose schema takes any value (a validator never
 * looks inside them) are not walked.
 */
import { ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { KubeObject } from "./helm-render";

/** The schema package and the Kubernetes version of its schema (see above). */
export const SCHEMA_PACKAGE = { name: "kubernetes-models", version: "4.5.1", kubernetesVersion: "1.33.0" } as const;

/** A validator: problems with `data`, each naming its path; empty when it is valid. */
type Check = (data: unknown) => string[];

interface Watched {
    readonly path: string;
    readonly keys: readonly string[];
    readonly reads: Set<string>;
}

/**
 * Where kubernetes-models' compiled validators read fewer keys than its own typings declare, so
 * the watch cannot judge them. Its generator drops every property named `description` (with
 * the schemas' own descriptions), though PriorityClass, CRD printer columns and JSON schemas
 * have one: that name is taken as known wherever it appears. And its JSONSchemaProps also lacks
 * the `x-kubernetes-*` extensions, so the keys of a CRD's `openAPIV3Schema` are not judged
 * (their values are still type-checked); the rest of a CRD is checked as everything else.
 */
const UNREAD_FIELDS: ReadonlySet<string> = new Set(["description"]);
const UNWATCHED: Readonly<Record<string, RegExp>> = {
    CustomResourceDefinition: /^spec\.versions\[\d+\]\.schema\.openAPIV3Schema$/,
};

/** A deep copy of `value` whose objects record which keys are read (except under `unwatched` paths). */
function watch(value: unknown, path: string, nodes: Watched[], unwatched?: RegExp): unknown {
    if (unwatched?.test(path)) return value;
    if (Array.isArray(value)) return value.map((v, i) => watch(v, `${path}[${i}]`, nodes, unwatched));
    if (value === null || typeof value !== "object") return value;
    const node: Watched = { path, keys: Object.keys(value), reads: new Set() };
    nodes.push(node);
    const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, watch(v, path ? `${path}.${k}` : k, nodes, unwatched)]));
    return new Proxy(copy, {
        get(target, key, receiver) {
            if (typeof key === "string") node.reads.add(key);
            return Reflect.get(target, key, receiver);
        },
    });
}

/** Runs a validator that only reports type errors, and reports unread keys as unknown fields. */
function strictly(validate: (data: unknown) => string[], unwatched?: RegExp): Check {
    return (data) => {
        const nodes: Watched[] = [];
        const problems = validate(watch(data, "", nodes, unwatched));
        for (const n of nodes) {
            if (n.reads.size === 0) continue;
            for (const k of n.keys) if (!n.reads.has(k) && !UNREAD_FIELDS.has(k)) problems.push(`${n.path ? `${n.path}.` : ""}${k}: unknown field`);
        }
        return problems;
    };
}

interface ModelClass {
    readonly apiVersion: string;
    readonly kind: string;
    readonly prototype: { validate(this: unknown): void };
}

/** The JSON-pointer path of an ajv error as a dotted path. */
function dotted(instancePath: string): string {
    return instancePath.slice(1).replace(/\//g, ".") || "(root)";
}

/** A model's own validate, run on `data` itself (a model instance would be a copy, unwatched). */
function modelProblems(model: ModelClass, data: unknown): string[] {
    try {
        model.prototype.validate.call(data);
        return [];
    } catch (e) {
        const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
        if (!errors) throw e;
        return errors.map((err) => `${dotted(err.instancePath)}: ${err.message}`);
    }
}

const builtIns = new Map<string, Check | undefined>();

/** The built-in kind's validator, or undefined when kubernetes-models has no such kind. */
function builtInCheck(apiVersion: string, kind: string): Check | undefined {
    const key = `${apiVersion}/${kind}`;
    if (builtIns.has(key)) return builtIns.get(key);
    let model: ModelClass | undefined;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        model = (require(`${SCHEMA_PACKAGE.name}/${apiVersion}/${kind}`) as Record<string, ModelClass>)[kind];
    } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "MODULE_NOT_FOUND" && code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
    }
    const check = model && model.apiVersion === apiVersion && model.kind === kind ? strictly((data) => modelProblems(model!, data), UNWATCHED[kind]) : undefined;
    builtIns.set(key, check);
    return check;
}

/** A structural schema (CRD `openAPIV3Schema`), the keywords the walk below reads. */
interface Structural {
    readonly type?: string;
    readonly nullable?: boolean;
    readonly enum?: readonly unknown[];
    readonly required?: readonly string[];
    readonly properties?: Readonly<Record<string, Structural>>;
    readonly additionalProperties?: Structural | boolean;
    readonly items?: Structural;
    readonly anyOf?: readonly Structural[];
    readonly allOf?: readonly Structural[];
    readonly pattern?: string;
    readonly minimum?: number;
    readonly maximum?: number;
    readonly minLength?: number;
    readonly maxLength?: number;
    readonly minItems?: number;
    readonly maxItems?: number;
    readonly minProperties?: number;
    readonly maxProperties?: number;
    readonly "x-kubernetes-int-or-string"?: boolean;
    readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/** CRD patterns are Go (RE2) expressions; the only RE2-only syntax in the packaged CRDs is a leading `(?i)`. */
function re2(pattern: string): RegExp {
    return pattern.startsWith("(?i)") ? new RegExp(pattern.slice(4), "iu") : new RegExp(pattern, "u");
}

function typeOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
    return typeof v;
}

/**
 * Problems of `value` under a structural schema, as the API server checks a custom resource:
 * types, enums, required fields, bounds and patterns, and (pruning, made strict) no field the
 * schema does not declare unless it preserves unknown fields. Walks only the value, so a
 * megabyte schema costs nothing. Not evaluated: `format` and CEL `x-kubernetes-validations`.
 */
export function structuralProblems(value: unknown, schema: Structural, path = ""): string[] {
    const at = path || "(root)";
    const t = typeOf(value);
    if (value === null) return schema.nullable ? [] : [`${at}: must not be null`];
    if (schema["x-kubernetes-int-or-string"]) {
        if (t !== "integer" && t !== "string") return [`${at}: must be an integer or a string`];
    } else if (schema.type && !(schema.type === t || (schema.type === "number" && t === "integer"))) {
        return [`${at}: must be ${schema.type}`];
    }
    const problems: string[] = [];
    if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
    if (typeof value === "string") {
        if (schema.pattern && !re2(schema.pattern).test(value)) problems.push(`${at}: must match ${schema.pattern}`);
        if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
        if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
        if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${at}: more than ${schema.maxItems} items`);
        if (schema.items) value.forEach((v, i) => problems.push(...structuralProblems(v, schema.items!, `${path}[${i}]`)));
    }
    if (t === "object") {
        const o = value as Record<string, unknown>;
        const keys = Object.keys(o);
        for (const r of schema.required ?? []) if (!(r in o)) problems.push(`${path ? `${path}.` : ""}${r}: required`);
        if (schema.minProperties !== undefined && keys.length < schema.minProperties) problems.push(`${at}: fewer than ${schema.minProperties} fields`);
        if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) problems.push(`${at}: more than ${schema.maxProperties} fields`);
        for (const k of keys) {
            const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
            const child = path ? `${path}.${k}` : k;
            if (sub) problems.push(...structuralProblems(o[k], sub, child));
            else if (schema.properties && schema.additionalProperties !== true && !schema["x-kubernetes-preserve-unknown-fields"]) problems.push(`${child}: unknown field`);
        }
    }
    for (const s of schema.allOf ?? []) problems.push(...structuralProblems(value, s, path));
    if (schema.anyOf && !schema.anyOf.some((s) => structuralProblems(value, s, path).length === 0)) problems.push(`${at}: matches none of its anyOf schemas`);
    return problems;
}

/** Validators for the custom resources the given CRDs define, by `group/version/Kind`. */
export function crdChecks(crds: readonly KubeObject[]): Map<string, Check> {
    const checks = new Map<string, Check>();
    for (const crd of crds) {
        for (const v of crd.spec.versions ?? []) {
            const schema = v.schema?.openAPIV3Schema as Structural | undefined;
            if (!schema) continue;
            // metadata is the API server's ObjectMeta, whatever the CRD says of it.
            const { metadata: _metadata, ...properties } = schema.properties ?? {};
            checks.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, (data) => {
                const { metadata, ...rest } = data as KubeObject;
                return [...structuralProblems(rest, { ...schema, properties }), ...objectMetaCheck(metadata).map((p) => `metadata.${p}`)];
            });
        }
    }
    return checks;
}

/** ObjectMeta, for custom resources' metadata. */
const objectMetaCheck: Check = strictly((data) => modelProblems(ObjectMeta as unknown as ModelClass, data));

/** The CRDs among rendered objects. */
export function crdsAmong(objects: readonly KubeObject[]): KubeObject[] {
    return objects.filter((o) => o.apiVersion === "apiextensions.k8s.io/v1" && o.kind === "CustomResourceDefinition");
}

/**
 * Problems of one object, each `Kind/name path: message`: built-in kinds against
 * kubernetes-models, custom resources against `crds`; a kind known to neither is a problem.
 */
export function schemaProblems(o: KubeObject, crds: ReadonlyMap<string, Check>): string[] {
    const label = `${o.kind}/${o.metadata?.name}`;
    const check = builtInCheck(o.apiVersion, o.kind) ?? crds.get(`${o.apiVersion}/${o.kind}`);
    if (!check) return [`${label}: no schema for ${o.apiVersion} ${o.kind} (not a Kubernetes ${SCHEMA_PACKAGE.kubernetesVersion} kind, and no CRD given defines it)`];
    return check(o).map((p) => `${label} ${p}`);
}
