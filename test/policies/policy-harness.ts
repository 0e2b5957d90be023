/**
 * Runs the pack's policies over the resources of a mock run of the real program, the way the
 * engine and @pulumi/policy 1.21.0's analyzer server (server.js) run them, without a server:
 *
 * - per resource, in registration order: the remediation pass (policies at `remediate` only),
 *   whose result replaces the inputs, then the analysis pass (`validateResource`);
 * - at the end, one stack pass (`validateStack`) over every resource.
 *
 * Properties reach the policies in the engine's wire form, rebuilt from the recording: every
 * input the SDK marked secret (`secretPaths`) becomes a secret marker, an unknown value the
 * unknown sentinel. They then go through the SDK's own `deserializeProperties`, with secrets
 * unwrapped for validations (`false`) and kept as `Secret` for remediations (`true`), and its
 * `unknownCheckingProxy`, as server.js does; a remediation's result goes back through the SDK's
 * `serializeProperties`. Internal keys (`__provider`, ...) are dropped for analysis only
 * (the engine's `SkipInternalKeys`). Enforcement levels resolve as server.js resolves them
 * (pack config, else the policy's, else the pack's default `advisory`; `remediate` reports as
 * `mandatory`), and messages are the SDK's (`description` + newline + message).
 *
 * What the recording cannot give: the engine's stack pass sees resources' outputs, here their
 * inputs (for these properties the providers' outputs carry the inputs through), and the
 * Stack resource's props are its outputs (redacted); `propertyDependencies` are not recorded
 * (empty here; policies fall back to `dependencies`); options other than `parent` are defaults.
 */
import { EnforcementLevel, Policies, Policy, PolicyPackConfig, PolicyProviderResource, PolicyResource, PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy, unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { DYNAMIC_RESOURCE_TYPE, POLICIES } from "../../infra/policies";
import { RecordedResource, REDACTED, UNKNOWN } from "../../infra/plan/mock-runtime";

/** @pulumi/policy's (de)serializer, internal to the SDK: loaded as its server loads it. */
const sdkWire = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets: boolean): Record<string, any>;
    serializeProperties(props: unknown): Promise<Record<string, unknown>>;
};

/** What a policy reported. */
export interface Violation {
    readonly policy: string;
    readonly level: EnforcementLevel;
    /** The policy's own message (the SDK shows `description` + newline + this). */
    readonly message: string;
    readonly urn: string | undefined;
}

export interface PackRun {
    readonly violations: Violation[];
    readonly notApplicable: { readonly policy: string; readonly reason: string | undefined; readonly urn?: string }[];
    /** Remediations that changed a resource's inputs (the new inputs in wire form). */
    readonly remediations: { readonly policy: string; readonly urn: string; readonly props: Record<string, unknown> }[];
    /** Only `mandatory` violations: what fails a preview. */
    readonly mandatory: Violation[];
    /** Violations of one policy. */
    of(policy: string): Violation[];
}

class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason ?? "not applicable");
    }
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** The inputs of a recorded resource as the engine sends them: secret markers where the SDK marked secrets. */
export function wireProps(r: RecordedResource): Record<string, unknown> {
    const secret = new Set(r.secretPaths);
    const walk = (value: unknown, redacted: unknown, path: string): unknown => {
        if (redacted === REDACTED && secret.has(path || "(root)")) return { [rpc.specialSigKey]: rpc.specialSecretSig, value: walk(value, undefined, path) };
        if (value === UNKNOWN) return rpc.unknownValue;
        if (Array.isArray(value)) return value.map((v, i) => walk(v, Array.isArray(redacted) ? redacted[i] : undefined, `${path}[${i}]`));
        if (value !== null && typeof value === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(value)) {
                if (v === undefined) continue;
                out[k] = walk(v, redacted !== null && typeof redacted === "object" ? (redacted as Record<string, unknown>)[k] : undefined, path ? `${path}.${k}` : k);
            }
            return out;
        }
        return value;
    };
    return walk(r.inputs, r.redactedInputs, "") as Record<string, unknown>;
}

/** The engine's `SkipInternalKeys`: no `__`-prefixed key, at any depth. */
export function withoutInternalKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutInternalKeys);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => !k.startsWith("__")).map(([k, v]) => [k, withoutInternalKeys(v)]));
    }
    return value;
}

/** Deserializes wire props as server.js does: through a protobuf Struct, the SDK's deserializer and its unknown-checking proxy. */
export function sdkProps(wire: Record<string, unknown>, proxySecrets: boolean): Record<string, any> {
    return unknownCheckingProxy(sdkWire.deserializeProperties(Struct.fromJavaScript(wire as Record<string, any>), proxySecrets));
}

function levelOf(p: Policy, config: PolicyPackConfig): EnforcementLevel {
    const c = config[p.name];
    const configured = typeof c === "string" ? c : c?.enforcementLevel;
    return configured ?? p.enforcementLevel ?? "advisory";
}

function configOf(p: Policy, config: PolicyPackConfig): object {
    const c = config[p.name];
    if (c === undefined || typeof c === "string") return {};
    const { enforcementLevel: _, ...rest } = c;
    return rest;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

const urnOfRef = (ref: string | undefined) => (ref ? ref.slice(0, ref.lastIndexOf("::")) : undefined);

/**
 * Runs `policies` (default: the pack's) over a mock run's resources, with a pack config as
 * `--policy-pack-config` would give it.
 */
export async function runPolicies(resources: readonly RecordedResource[], options: { policies?: Policies; config?: PolicyPackConfig } = {}): Promise<PackRun> {
    const policies = options.policies ?? POLICIES;
    const config = options.config ?? {};
    const violations: Violation[] = [];
    const notApplicableList: PackRun["notApplicable"] = [];
    const remediations: PackRun["remediations"] = [];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const finalWire = new Map<string, Record<string, unknown>>();
    const stackTags: ReadonlyMap<string, string> = new Map();

    const providers = new Map<string, PolicyProviderResource>();
    const providerOf = (r: RecordedResource): PolicyProviderResource | undefined => {
        const p = byUrn.get(urnOfRef(r.provider) ?? "");
        if (!p) return undefined;
        if (!providers.has(p.urn)) providers.set(p.urn, { type: p.type, name: p.name, urn: p.urn, props: sdkProps(withoutInternalKeys(wireProps(p)) as Record<string, unknown>, false) });
        return providers.get(p.urn);
    };
    const optsOf = (r: RecordedResource): PolicyResourceOptions => ({
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    });
    const reporter = (p: Policy, level: EnforcementLevel, fallbackUrn: string | undefined) => (message: string, urn?: string) => {
        violations.push({ policy: p.name, level, message, urn: urn ?? fallbackUrn });
    };
    const caught = async (p: Policy, urn: string | undefined, run: () => unknown): Promise<unknown> => {
        try {
            return await run();
        } catch (e) {
            if (e instanceof NotApplicable) {
                notApplicableList.push({ policy: p.name, reason: e.reason, ...(urn ? { urn } : {}) });
                return undefined;
            }
            if (e instanceof UnknownValueError) {
                violations.push({ policy: p.name, level: "advisory", message: `can't run policy '${p.name}' during preview: ${(e as Error).message}`, urn });
                return undefined;
            }
            throw e;
        }
    };
    const resourceArgs = (r: RecordedResource, props: Record<string, any>, p: Policy): ResourceValidationArgs => {
        const provider = providerOf(r);
        return {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optsOf(r),
            stackTags,
            isType: (c) => isTypeOf(r.type, c),
            asType: ((c: unknown) => (isTypeOf(r.type, c) ? props : undefined)) as ResourceValidationArgs["asType"],
            getConfig: <T extends object>() => configOf(p, config) as T,
            notApplicable,
            ...(provider ? { provider } : {}),
        };
    };

    for (const r of resources) {
        let wire = wireProps(r);
        // Remediation pass: only policies at `remediate` run theirs; each sees the previous one's result.
        for (const p of policies as ResourceValidationPolicy[]) {
            if (levelOf(p, config) !== "remediate" || typeof p.remediateResource !== "function") continue;
            const result = await caught(p, r.urn, () => p.remediateResource!(resourceArgs(r, sdkProps(wire, true), p)));
            if (result) {
                wire = await sdkWire.serializeProperties(result);
                remediations.push({ policy: p.name, urn: r.urn, props: wire });
            }
        }
        finalWire.set(r.urn, wire);
        // Analysis pass. The SDK deserializes afresh for each validation; validations only read,
        // so one deserialization per resource is the same to them (and keeps the suite fast).
        const analyzed = sdkProps(withoutInternalKeys(wire) as Record<string, unknown>, false);
        for (const p of policies as ResourceValidationPolicy[]) {
            const configured = levelOf(p, config);
            if (configured === "disabled" || p.validateResource === undefined) continue;
            const level = configured === "remediate" ? "mandatory" : configured;
            for (const validate of Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource]) {
                await caught(p, r.urn, () => validate(resourceArgs(r, analyzed, p), reporter(p, level, r.urn)));
            }
        }
    }

    // Stack pass: PolicyResources linked to their parents and dependencies, as server.js builds them.
    const policyResources = resources.map((r): PolicyResource => {
        const wire = r.type === "pulumi:pulumi:Stack" ? ((r.outputs ?? {}) as Record<string, unknown>) : finalWire.get(r.urn)!;
        const props = sdkProps(withoutInternalKeys(wire) as Record<string, unknown>, false);
        const provider = providerOf(r);
        return {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (c) => isTypeOf(r.type, c),
            asType: ((c: unknown) => (isTypeOf(r.type, c) ? props : undefined)) as PolicyResource["asType"],
            ...(provider ? { provider } : {}),
        };
    });
    const resourceByUrn = new Map(policyResources.map((p) => [p.urn, p]));
    resources.forEach((r, i) => {
        const p = policyResources[i]!;
        const parent = r.parent ? resourceByUrn.get(r.parent) : undefined;
        if (parent) p.parent = parent;
        p.dependencies = r.dependencies.map((d) => resourceByUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
    });
    for (const p of policies as StackValidationPolicy[]) {
        const configured = levelOf(p, config);
        if (configured === "disabled" || typeof p.validateStack !== "function") continue;
        const level = configured === "remediate" ? "mandatory" : configured;
        const args: StackValidationArgs = { resources: policyResources, stackTags, getConfig: <T extends object>() => configOf(p, config) as T, notApplicable };
        await caught(p, undefined, () => p.validateStack(args, reporter(p, level, undefined)));
    }

    return {
        violations,
        notApplicable: notApplicableList,
        remediations,
        mandatory: violations.filter((v) => v.level === "mandatory"),
        of: (policy) => violations.filter((v) => v.policy === policy),
    };
}

/** A copy of `resources` with the matching resources changed (for rules config cannot break: the program never would). */
export function mutate(resources: readonly RecordedResource[], match: (r: RecordedResource) => boolean, change: (r: RecordedResource) => RecordedResource): RecordedResource[] {
    let hits = 0;
    const out = resources.map((r) => {
        if (!match(r)) return r;
        hits++;
        return change(structuredClone(r));
    });
    if (hits === 0) throw new Error("mutate: no resource matched");
    return out;
}

/** A copy of a recorded resource whose input `key` is no longer a secret (what a program that forgot pulumi.secret sends). */
export function withoutSecret(r: RecordedResource, key: string): RecordedResource {
    return { ...r, secretPaths: r.secretPaths.filter((p) => p !== key) };
}

/** The GitLab dynamic resource of a kind (and name input), from a mock run. */
export function isGitLab(kind: string, name?: string): (r: RecordedResource) => boolean {
    return (r) => r.type === DYNAMIC_RESOURCE_TYPE && r.inputs.kind === kind && (name === undefined || r.inputs.name === name);
}
