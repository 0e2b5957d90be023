/**
 * Runs dynamic providers the way `pulumi up` does: each provider is closure-serialized by the
 * SDK (the `__provider` string that lands in state), and the SDK's own dynamic-provider host
 * (`@pulumi/pulumi/cmd/dynamic-provider`) is started as a separate Node process and driven
 * over gRPC with the engine's requests. What the host sends back, errors included, is what
 * the Pulumi CLI shows a user.
 */
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import * as providerGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { ChildProcess, spawn } from "child_process";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const HOST = path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js");

const serialized = new WeakMap<object, Promise<string>>();

/** The `__provider` string the SDK stores for a provider object (once per provider, as the SDK caches it). */
export function serializeProvider(provider: object): Promise<string> {
    let text = serialized.get(provider);
    if (!text) {
        text = pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true }).then((f) => f.text);
        serialized.set(provider, text);
    }
    return text;
}

/** What a failed call returned: the gRPC status and the message the CLI would print. */
export interface HostFailure {
    readonly code: number;
    readonly message: string;
}

type Props = Record<string, unknown>;

export interface ProviderHost {
    /** Sends the engine's Configure: stack config, keys fully qualified. */
    configure(config: Record<string, string>): Promise<void>;
    /** The engine's Check: the inputs it will use and the failures it shows per property. */
    check(provider: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
    create(provider: string, inputs: Props): Promise<{ id: string; outs: Props }>;
    read(provider: string, id: string, props: Props): Promise<{ id: string; props: Props }>;
    diff(provider: string, id: string, olds: Props, news: Props): Promise<{ changes: number; replaces: string[] }>;
    update(provider: string, id: string, olds: Props, news: Props): Promise<Props>;
    delete(provider: string, id: string, props: Props): Promise<void>;
    /** Everything the host wrote to stderr (it logs failures there). */
    readonly stderr: () => string;
    close(): Promise<void>;
}

/** Runs `call`, returning its failure as the CLI would see it, or throwing if it succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<HostFailure> {
    try {
        await call;
    } catch (e) {
        const err = e as grpc.ServiceError;
        return { code: err.code, message: err.details };
    }
    throw new Error("expected the provider call to fail, and it succeeded");
}

/**
 * Starts the SDK's dynamic-provider host in a fresh `node` process (no ts-node, no jest), with
 * `env` as its whole environment apart from PATH, so nothing leaks in from the test process.
 */
export async function startProviderHost(env: Record<string, string> = {}): Promise<ProviderHost> {
    const child: ChildProcess = spawn(process.execPath, [HOST, "127.0.0.1:1"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const line = out.split("\n")[0]!.trim();
            if (out.includes("\n") && /^\d+$/.test(line)) resolve(line);
        });
        child.on("exit", (code) => reject(new Error(`provider host exited with ${code}: ${stderr}`)));
    });
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const unary = <Req, Res>(method: string, req: Req): Promise<Res> =>
        new Promise((resolve, reject) =>
            (client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => void>)[method]!.call(client, req, (e, res) => (e ? reject(e) : resolve(res))),
        );
    const struct = (p: Props) => Struct.fromJavaScript(p as Parameters<typeof Struct.fromJavaScript>[0]);
    const withProvider = (provider: string, p: Props) => ({ ...p, __provider: provider });
    const urn = "urn:pulumi:test::ml-team-env::pulumi-nodejs:dynamic:Resource::under-test";

    return {
        async configure(config) {
            const req = new providerProto.ConfigureRequest();
            req.setArgs(struct(config));
            await unary("configure", req);
        },
        async check(provider, olds, news) {
            const req = new providerProto.CheckRequest();
            req.setUrn(urn);
            req.setOlds(struct(Object.keys(olds).length > 0 ? withProvider(provider, olds) : {}));
            req.setNews(struct(withProvider(provider, news)));
            const res = await unary<providerProto.CheckRequest, providerProto.CheckResponse>("check", req);
            return { inputs: res.getInputs()!.toJavaScript() as Props, failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })) };
        },
        async create(provider, inputs) {
            const req = new providerProto.CreateRequest();
            req.setUrn(urn);
            req.setProperties(struct(withProvider(provider, inputs)));
            const res = await unary<providerProto.CreateRequest, providerProto.CreateResponse>("create", req);
            return { id: res.getId(), outs: res.getProperties()!.toJavaScript() as Props };
        },
        async read(provider, id, props) {
            const req = new providerProto.ReadRequest();
            req.setId(id);
            req.setUrn(urn);
            req.setProperties(struct(withProvider(provider, props)));
            const res = await unary<providerProto.ReadRequest, providerProto.ReadResponse>("read", req);
            return { id: res.getId(), props: res.getProperties()!.toJavaScript() as Props };
        },
        async diff(provider, id, olds, news) {
            const req = new providerProto.DiffRequest();
            req.setId(id);
            req.setUrn(urn);
            req.setOlds(struct(withProvider(provider, olds)));
            req.setNews(struct(withProvider(provider, news)));
            const res = await unary<providerProto.DiffRequest, providerProto.DiffResponse>("diff", req);
            return { changes: res.getChanges(), replaces: res.getReplacesList() };
        },
        async update(provider, id, olds, news) {
            const req = new providerProto.UpdateRequest();
            req.setId(id);
            req.setUrn(urn);
            req.setOlds(struct(withProvider(provider, olds)));
            req.setNews(struct(withProvider(provider, news)));
            const res = await unary<providerProto.UpdateRequest, providerProto.UpdateResponse>("update", req);
            return res.getProperties()!.toJavaScript() as Props;
        },
        async delete(provider, id, props) {
            const req = new providerProto.DeleteRequest();
            req.setId(id);
            req.setUrn(urn);
            req.setProperties(struct(withProvider(provider, props)));
            await unary("delete", req);
        },
        stderr: () => stderr,
        close: () =>
            new Promise<void>((resolve) => {
                client.close();
                if (child.exitCode !== null) return resolve();
                child.once("exit", () => resolve());
                child.kill();
            }),
    };
}
