/**
 * Runs a Pulumi program under the SDK's own mock runtime and records every resource it
 * registers, with its real inputs, parent, dependencies and which inputs are secret.
 * The offline plan (`npm run plan`) and the test suite both use it, so tests assert on
 * exactly what a newcomer sees.
 */
import * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "@pulumi/pulumi/output";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { MockCloud } from "./mock-cloud";

/** Shown in place of every secret value. */
export const REDACTED = "[secret]";

/** Shown in place of every value only the cloud knows before it is deployed (with `unknownComputed`). */
export const UNKNOWN = "(known after deploy)";

/** One resource the program registered. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource (the stack for top-level resources). */
    readonly parent: string | undefined;
    /** Custom resource (true) or component (false). */
    readonly custom: boolean;
    /** Inputs as the provider receives them, secrets revealed (unknown values are `UNKNOWN`): for assertions only. */
    readonly inputs: Record<string, any>;
    /** Inputs with every secret replaced by `[secret]` (and unknown values by `UNKNOWN`): safe to print or write. */
    readonly redactedInputs: Record<string, any>;
    /** Dotted paths of the inputs the SDK marked secret. */
    readonly secretPaths: readonly string[];
    /** URNs this resource depends on. */
    readonly dependencies: readonly string[];
    /** Explicit provider reference (`urn::id`), when one was given. */
    readonly provider: string | undefined;
    /** `retainOnDelete`: removing it from the program leaves the object in place. */
    readonly retainOnDelete: boolean;
    /** `deletedWith`: the URN whose deletion takes this one with it (Pulumi then skips its own delete). */
    readonly deletedWith: string | undefined;
    /** What the resource's `transforms` make of a child's `retainOnDelete` (see `childRetainOnDelete`); absent without transforms. */
    childRetainOnDelete?: boolean;
    /** Outputs a component registered with `registerOutputs`, redacted. */
    outputs?: Record<string, any>;
}

export interface MockRunOptions {
    readonly project: string;
    readonly stack: string;
    /** The Pulumi organization. @default "organization" (what the CLI reports on a self-managed backend) */
    readonly organization?: string;
    /** Stack config, keys fully qualified (`ml-team-env:team`), values as Pulumi stores them. */
    readonly config?: Record<string, string>;
    /** Config keys to treat as secrets. */
    readonly secretConfigKeys?: readonly string[];
    /** Run as a preview (`pulumi preview`) rather than an update. @default true */
    readonly preview?: boolean;
    /** Return a failure of the program in `failure` (with what was registered before it) instead of throwing. @default false */
    readonly captureFailure?: boolean;
    /**
     * Answer as a preview of a stack that does not exist yet: every value the cloud computes
     * (ids, ARNs, endpoints, GitLab ids, the deploying account) is unknown, so inputs built
     * from them are unknown (recorded as `UNKNOWN`) and `apply` callbacks on them do not run.
     * Needs `preview` (the SDK drops unknowns in an update). @default false: deterministic fake values
     */
    readonly unknownComputed?: boolean;
    /**
     * Answers registrations and data-source calls instead of the mock cloud (the local GitLab
     * apply answers GitLab resources with their real providers). @default a `MockCloud`
     */
    readonly cloud?: pulumi.runtime.Mocks;
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

/** Replaces SDK-marked secrets by `[secret]`, collecting their paths, and unknown values by `UNKNOWN`. */
export function redactSecrets(value: unknown, path = "", found: string[] = []): unknown {
    if (value === rpc.unknownValue) return UNKNOWN;
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
    if (isUnknown(value)) return UNKNOWN;
    if (isSecretSig(value)) return revealSecrets(value.value);
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, revealSecrets(v)]));
    }
    return value;
}

/**
 * What a resource's `transforms` make of a child's `retainOnDelete`. The engine runs them on every
 * child a packaged component's provider registers (a `helm.v4.Chart`'s objects), which mocks never
 * see; so here they run, through the SDK's callback server as the engine would call them, on a
 * probe child that has it off. Undefined when the resource has no transforms.
 */
async function childRetainOnDelete(req: resproto.RegisterResourceRequest, parentUrn: string): Promise<boolean | undefined> {
    const transforms = req.getTransformsList();
    if (transforms.length === 0) return undefined;
    // The SDK's callback server: transforms are registered there by token (runtime/callbacks.js).
    const server = (settings as unknown as { getCallbacks(): { _callbacks: Map<string, (bytes: Uint8Array) => Promise<resproto.TransformResponse>> } }).getCallbacks();
    let options = new resproto.TransformResourceOptions();
    options.setRetainOnDelete(false);
    for (const transform of transforms) {
        const probe = new resproto.TransformRequest();
        probe.setType("ml-team-env:probe:Child");
        probe.setName("child");
        probe.setCustom(true);
        probe.setParent(parentUrn);
        probe.setOptions(options);
        const run = server._callbacks.get(transform.getToken());
        if (!run) throw new Error(`childRetainOnDelete: transform ${transform.getToken()} is not registered`);
        options = (await run(probe.serializeBinary())).getOptions() ?? options;
    }
    return options.getRetainOnDelete();
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
        const rec: RecordedResource = {
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
            deletedWith: req.getDeletedwith?.() || undefined,
        };
        // Recorded before anything is awaited, so the record keeps registration order.
        this.recorded.set(urn, rec);
        if (req.getTransformsList().length > 0) rec.childRetainOnDelete = await childRetainOnDelete(req, urn);
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
    const preview = options.preview ?? true;
    if (options.unknownComputed && !preview) throw new Error("runWithMocks: unknownComputed needs preview (an update has no unknown values)");
    const cloud = new MockCloud({ unknownComputed: options.unknownComputed ?? false });
    const mocks: pulumi.runtime.Mocks = options.cloud ?? {
        newResource: (args) => cloud.newResource(args),
        call: (args) => cloud.call(args),
    };
    // setMocks switches on the features mocks support; then our recording monitor replaces its monitor.
    const organization = options.organization ?? "organization";
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, preview, organization);
    const monitor = new RecordingMonitor(mocks);
    settings.setMockOptions(monitor, options.project, options.stack, preview, organization);
    pulumi.runtime.setAllConfig(options.config ?? {}, [...(options.secretConfigKeys ?? [])]);

    let result: T | undefined;
    // The SDK reports a failing stack body as an unhandled rejection; catch it to rethrow it here.
    let failure: { error: unknown } | undefined;
    // No stack traces during the run (unless ML_TEAM_ENV_STACK_TRACES=1): the SDK captures a stack for every
    // promise and resource it makes, and with source maps installed (ts-node, jest) formatting those is most
    // of a mock run's time (about 4x). Error messages are unchanged.
    const stackTraceLimit = Error.stackTraceLimit;
    if (process.env.ML_TEAM_ENV_STACK_TRACES !== "1") Error.stackTraceLimit = 0;
    try {
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
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
    if (failure && !options.captureFailure) throw failure.error;
    return {
        result: result as T,
        resources: [...monitor.recorded.values()],
        outputs: monitor.stackOutputs,
        ...(failure ? { failure: failure.error } : {}),
    };
}
