/**
 * Applies the GitLab part of a stack without the Pulumi CLI: the real program runs under the
 * SDK's mock runtime, and each resource it registers is answered by its real dynamic provider
 * (check, diff, create, update, delete, as the engine calls them), against a real GitLab or the
 * emulator. What the engine keeps in its state is kept in a JSON file, so a second run updates
 * what changed and deletes what left the program. For trying the package on `cluster.mode: none`
 * stacks (README "Trying it without the Pulumi CLI"): anything but GitLab resources, the change
 * guard and the owner id needs the Pulumi CLI.
 */
import type * as pulumi from "@pulumi/pulumi";
import { randomBytes } from "crypto";
import { PROJECT } from "../config/schema";
import { kindOf } from "../plan/key-settings";
import { runWithMocks } from "../plan/mock-runtime";
import { DYNAMIC_RESOURCE_TYPE } from "../plan/resource-types";
import { StackFileConfig } from "../plan/stack-file";
import { providerFor, SECRET_INPUTS } from "./providers";

/** One resource as the engine's state keeps it. */
export interface StateEntry {
    readonly type: string;
    readonly name: string;
    readonly id: string;
    readonly inputs: Record<string, unknown>;
    readonly outputs: Record<string, unknown>;
    /** The key of the resource whose deletion takes this one with it (Pulumi then skips its delete). */
    readonly deletedWith?: string;
}

/** The state file: resources by key, in the order they were first created. */
export interface LocalState {
    readonly formatVersion: 1;
    readonly stack: string;
    readonly resources: Record<string, StateEntry>;
}

/** What one run did to each resource. */
export type Operation = "create" | "update" | "replace" | "same" | "delete";

export interface ApplyResult {
    readonly state: LocalState;
    readonly operations: readonly { readonly op: Operation; readonly key: string; readonly kind: string }[];
}

const RANDOM_ID = "random:index/randomId:RandomId";

/** A run that failed part way: what it did is in `state` (with what it did not reach as it was), so the next run goes on from there. */
export class LocalApplyError extends Error {
    constructor(
        message: string,
        readonly state: LocalState,
    ) {
        super(message);
        this.name = "LocalApplyError";
    }
}

/** A resource's key in the state: type and name (unique in this program, as Pulumi's URNs are). */
const keyOf = (type: string, name: string) => `${type}::${name}`;

/** The kind the plan names a resource by: a dynamic resource's `kind` input, else its type. */

/** The inputs a provider sees: without the serialized provider the SDK adds. */
function providerInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    const { __provider: _code, ...rest } = inputs;
    return rest;
}

/** What the state file may keep of a resource's inputs or outputs: no secret input. */
function withoutSecrets(props: Record<string, unknown>): Record<string, unknown> {
    const secret = new Set(SECRET_INPUTS[String(props.kind)] ?? []);
    return Object.fromEntries(Object.entries(props).filter(([k]) => !secret.has(k)));
}

/** Runs the stack's program and applies each registered resource; `destroy` deletes everything in the state instead. */
export async function applyLocally(o: { stack: string; file: StackFileConfig; state?: LocalState; destroy?: boolean; progress?: (line: string) => void }): Promise<ApplyResult> {
    const before = o.state?.resources ?? {};
    const after: Record<string, StateEntry> = {};
    const operations: { op: Operation; key: string; kind: string }[] = [];
    const note = (op: Operation, key: string, entry: { type: string; inputs: Record<string, unknown> }) => {
        operations.push({ op, key, kind: kindOf(entry) });
        if (op !== "same") o.progress?.(`${{ create: "+", update: "~", replace: "±", delete: "-" }[op]} ${kindOf(entry)}  ${key.split("::")[1]}`);
    };

    const failures: string[] = [];
    const apply = async (args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> => {
        const key = keyOf(args.type, args.name);
        const inputs = providerInputs(args.inputs);
        if (!args.custom) return { id: "", state: inputs };
        const old = before[key];
        if (args.type === RANDOM_ID) {
            const entry = old ?? randomIdEntry(args.type, args.name, inputs);
            after[key] = entry;
            note(old ? "same" : "create", key, entry);
            return { id: entry.id, state: entry.outputs };
        }
        if (args.type !== DYNAMIC_RESOURCE_TYPE) throw new Error(`${args.type} '${args.name}' is not a GitLab resource: applying it needs the Pulumi CLI (the local apply takes cluster.mode: none stacks)`);
        const provider = providerFor(String(inputs.kind));
        let news = inputs;
        if (provider.check) {
            const checked = await provider.check(old?.inputs ?? {}, inputs);
            if (checked.failures && checked.failures.length > 0) throw new Error(checked.failures.map((f) => `${args.name}: ${f.property}: ${f.reason}`).join("\n"));
            news = (checked.inputs as Record<string, unknown>) ?? inputs;
        }
        const record = (op: Operation, id: string, outputs: Record<string, unknown> | undefined) => {
            const entry: StateEntry = { type: args.type, name: args.name, id, inputs: withoutSecrets(news), outputs: withoutSecrets(outputs ?? news) };
            after[key] = entry;
            note(op, key, entry);
            return { id, state: entry.outputs };
        };
        if (!old) {
            const created = await provider.create(news);
            return record("create", created.id, created.outs);
        }
        const diff = provider.diff ? await provider.diff(old.id, old.outputs, news) : { changes: true, replaces: [] as string[] };
        if (diff.changes === false) {
            after[key] = { ...old, inputs: withoutSecrets(news) };
            note("same", key, old);
            return { id: old.id, state: old.outputs };
        }
        if ((diff.replaces ?? []).length > 0) {
            // GitLab keys these objects by name: delete first unless the provider says otherwise.
            if (diff.deleteBeforeReplace !== false) await provider.delete?.(old.id, old.outputs);
            const created = await provider.create(news);
            if (diff.deleteBeforeReplace === false) await provider.delete?.(old.id, old.outputs);
            return record("replace", created.id, created.outs);
        }
        const updated = provider.update ? await provider.update(old.id, old.outputs, news) : { outs: news };
        return record("update", old.id, { ...old.outputs, ...(updated.outs ?? news) });
    };

    // The first failure halts the run, as it halts `pulumi up`: nothing registered after it is
    // applied, and the failed resource answers with its inputs (a failed registration would reach
    // the program as rejected outputs it does not handle).
    const newResource = async (args: pulumi.runtime.MockResourceArgs) => {
        if (failures.length > 0) return { id: "", state: providerInputs(args.inputs) };
        try {
            return await apply(args);
        } catch (e) {
            failures.push(`${args.name}: ${(e as Error)?.message ?? String(e)}`);
            return { id: "", state: providerInputs(args.inputs) };
        }
    };

    let recordedDeletedWith = new Map<string, string>();
    if (!o.destroy) {
        const run = await runWithMocks(async () => (await import("../program")).teamEnvironmentProgram(), {
            project: PROJECT,
            stack: o.stack,
            config: o.file.config,
            secretConfigKeys: o.file.secretKeys,
            preview: false,
            cloud: { newResource, call: (args) => args.inputs },
        });
        const byUrn = new Map(run.resources.map((r) => [r.urn, keyOf(r.type, r.name)]));
        recordedDeletedWith = new Map(run.resources.filter((r) => r.deletedWith && byUrn.has(r.deletedWith)).map((r) => [keyOf(r.type, r.name), byUrn.get(r.deletedWith!)!]));
    }
    for (const [key, with_] of recordedDeletedWith) if (after[key]) after[key] = { ...after[key]!, deletedWith: with_ };
    if (failures.length > 0) throw new LocalApplyError(failures.join("\n"), { formatVersion: 1, stack: o.stack, resources: { ...before, ...after } });

    // What left the program goes, newest first; what goes with a deleted resource is not deleted on its own.
    const gone = Object.keys(before).filter((k) => !(k in after)).reverse();
    for (const [i, key] of gone.entries()) {
        const entry = before[key]!;
        note("delete", key, entry);
        if (entry.deletedWith && gone.includes(entry.deletedWith)) continue;
        if (entry.type !== DYNAMIC_RESOURCE_TYPE) continue;
        try {
            await providerFor(String(entry.inputs.kind)).delete?.(entry.id, entry.outputs);
        } catch (e) {
            const left = Object.fromEntries(gone.slice(i).map((k) => [k, before[k]!]));
            throw new LocalApplyError(`${entry.name}: ${(e as Error)?.message ?? String(e)}`, { formatVersion: 1, stack: o.stack, resources: { ...after, ...left } });
        }
    }
    return { state: { formatVersion: 1, stack: o.stack, resources: after }, operations };
}

/** A `random.RandomId`: bytes from the system's random source, in the forms the provider outputs. */
function randomIdEntry(type: string, name: string, inputs: Record<string, unknown>): StateEntry {
    const bytes = randomBytes(Number(inputs.byteLength ?? 8));
    const hex = bytes.toString("hex");
    return { type, name, id: bytes.toString("base64url"), inputs, outputs: { ...inputs, hex, b64Url: bytes.toString("base64url"), b64Std: bytes.toString("base64"), dec: BigInt(`0x${hex}`).toString() } };
}
