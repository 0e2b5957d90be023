/**
 * Runs a Pulumi program under the SDK's own mock runtime and records every resource it
 * registers, with its real inputs, parent, dependencies and which inputs are secret.
 * The offline plan (`npm run plan`) and the test suite both use it, so tests assert on
 * exactly what a newcomer sees.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { mockCall, mockResourceState } from "./mock-cloud";

/** Shown in place of every secret value. */
export const REDACTED = "[secret]";

/** One resource the program registered. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource (the stack for top-level resources). */
    readonly parent: string | undefined;
    /** Custom resource (true) or component (false). */
    readonly custom: boolean;
    /** Inputs as the provider receives them, secrets revealed: for assertions only. */
    readonly inputs: Record<string, any>;
    /** Inputs with every secret replaced by `[secret]`: safe to print or write. */
    readonly redactedInputs: Record<string, any>;
    /** Dotted paths of the inputs the SDK marked secret. */
    readonly secretPaths: readonly string[];
    /** URNs this resource depends on. */
    readonly dependencies: readonly string[];
    /** Explicit provider reference (`urn::id`), when one was given. */
    readonly provider: string | undefined;
    /** `retainOnDelete`: removing it from the program leaves the object in place. */
    readonly retainOnDelete: boolean;
    /** Outputs a component registered with `registerOutputs`, redacted. */
    outputs?: Record<string, any>;
}

export interface MockRunOptions {
    readonly project: string;
    readonly stack: string;
    /** Stack config, keys fully qualified (`ml-team-env:team`), values as Pulumi stores them. */
    readonly config?: Record<string, string>;
    /** Config keys to treat as secrets. */
    readonly secretConfigKeys?: readonly string[];
    /** Run as a preview (`pulumi preview`) rather than an update. @default true */
    readonly preview?: boolean;
    /** Return a failure of the program in `failure` (with what was registered before it) instead of throwing. @default false */
    readonly captureFailure?: boolean;
}

export interface MockRunResult<T> {
    /** What the program returned (the stack outputs before serialization). */
    readonly result: T;
    readonly resources: RecordedResource[];
    /** Stack outputs with secrets redacted. */
    readonly outputs: Record<string, any>;
    /** What the program threw, with `captureFailure`. */
    readonly failure?: unknown;
}

function isSecretSig(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[rpc.specialSigKey] === rpc.specialSecretSig;
}

/** Replaces SDK-marked secrets by `[secret]`, collecting their paths. */
export function redactSecrets(value: unknown, path = "", found: string[] = []): unknown {
    if (isSecretSig(value)) {
        found.push(path || "(root)");
        return REDACTED;
    }
    if (Array.isArray(value)) return value.map((v, i) => redactSecrets(v, `${path}[${i}]`, found));
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            out[k] = redactSecrets(v, path ? `${path}.${k}` : k, found);
        }
        return out;
    }
    return value;
}

/** The URN the mock monitor gives a resource (same rule as `MockMonitor`'s private `newUrn`). */
function mockUrn(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) qualified = parent.split("::")[2]!.split("$").pop() + "$" + type;
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** Replaces SDK-marked secrets by their values (for assertions only). */
function revealSecrets(value: unknown): unknown {
    if (isSecretSig(value)) return revealSecrets(value.value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, revealSecrets(v)]));
    }
    return value;
}

/** A mock monitor that also records inputs with the SDK's secret markers intact. */
class RecordingMonitor extends MockMonitor {
    readonly recorded = new Map<string, RecordedResource>();
    stackOutputs: Record<string, any> = {};

    override async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
        const raw = req.getObject().toJavaScript();
        const secretPaths: string[] = [];
        const redacted = redactSecrets(raw, "", secretPaths) as Record<string, any>;
        const inputs = revealSecrets(rpc.deserializeProperties(req.getObject())) as Record<string, any>;
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string = req.getParent();
        const urn = mockUrn(parent, type, name);
        this.recorded.set(urn, {
            urn,
            type,
            name,
            parent: parent || undefined,
            custom: req.getCustom(),
            inputs,
            redactedInputs: redacted,
            secretPaths,
            dependencies: req.getDependenciesList(),
            provider: req.getProvider() || undefined,
            retainOnDelete: Boolean(req.getRetainondelete?.()),
        });
        return super.registerResource(req, callback);
    }

    override registerResourceOutputs(req: any, callback: (err: any, response: any) => void): void {
        const urn: string = req.getUrn();
        const outputs = redactSecrets(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, any>;
        const rec = this.recorded.get(urn);
        if (rec) rec.outputs = outputs;
        if (urn.includes("::pulumi:pulumi:Stack::")) this.stackOutputs = outputs;
        super.registerResourceOutputs(req, callback);
    }
}

/**
 * Runs `program` as the body of a stack under mocks. Resources are recorded in
 * registration order; the promise resolves once every registration has completed.
 */
export async function runWithMocks<T>(program: () => T | Promise<T>, options: MockRunOptions): Promise<MockRunResult<T>> {
    const mocks: pulumi.runtime.Mocks = {
        newResource: (args) => mockResourceState(args),
        call: (args) => mockCall(args),
    };
    // setMocks switches on the features mocks support; then our recording monitor replaces its monitor.
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, options.preview ?? true);
    const monitor = new RecordingMonitor(mocks);
    settings.setMockOptions(monitor, options.project, options.stack, options.preview ?? true);
    pulumi.runtime.setAllConfig(options.config ?? {}, [...(options.secretConfigKeys ?? [])]);

    let result: T | undefined;
    // The SDK reports a failing stack body as an unhandled rejection; catch it to rethrow it here.
    let failure: { error: unknown } | undefined;
    await pulumi.runtime.runInPulumiStack(async () => {
        try {
            result = await program();
            return result;
        } catch (error) {
            failure = { error };
            return undefined;
        }
    });
    // Internal to the SDK but exported: resolves once every queued registration is done.
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    if (failure && !options.captureFailure) throw failure.error;
    return {
        result: result as T,
        resources: [...monitor.recorded.values()],
        outputs: monitor.stackOutputs,
        ...(failure ? { failure: failure.error } : {}),
    };
}
