/**
 * The pack as the Pulumi CLI runs it, when ML_TEAM_ENV_POLICY_SERVER=1 (it takes ~10 s: ts-node
 * type-checks the pack at start-up). `policy/` is started from its own folder with
 * `@pulumi/pulumi/cmd/run-policy-pack` (what the CLI's `pulumi-analyzer-policy` runs), and the
 * dev stack's resources are sent to its gRPC analyzer server the way the engine sends them:
 * per resource Remediate (all inputs, secret markers kept) then Analyze (internal keys dropped),
 * then AnalyzeStack. The server's answers must be the in-process harness's: the harness is
 * checked against the real SDK server here.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { ROOT, runStack } from "../harness";
import { mutate, runPolicies, wireProps, withoutInternalKeys, withoutSecret } from "./policy-harness";

const enabled = process.env.ML_TEAM_ENV_POLICY_SERVER === "1";
if (!enabled) console.warn("SKIPPED: policy pack server suite — set ML_TEAM_ENV_POLICY_SERVER=1 to start policy/ as the Pulumi CLI does and check it over gRPC (~10 s).");

const LEVELS: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

type Call<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown;
const call = <Req, Res>(fn: Call<Req, Res>, req: Req) => new Promise<Res>((ok, ko) => fn(req, (err, res) => (err ? ko(err) : ok(res))));

(enabled ? describe : describe.skip)("policy/ served as the Pulumi CLI serves it", () => {
    let pack: ChildProcess;
    let client: analyzerGrpc.AnalyzerClient;
    let dev: RecordedResource[];

    beforeAll(async () => {
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(ROOT, "policy")] });
        pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: path.join(ROOT, "policy") });
        let stderr = "";
        pack.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((ok, ko) => {
            pack.stdout!.once("data", (d) => ok(String(d).trim()));
            pack.once("exit", (code) => ko(new Error(`the pack exited (${code}): ${stderr}`)));
        });
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        dev = (await runStack("dev")).resources;
    }, 60000);

    afterAll(() => {
        client?.close();
        pack?.kill();
    });

    /** The engine's side: Remediate and Analyze per resource, then AnalyzeStack. */
    async function analyze(resources: readonly RecordedResource[]) {
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const options = (r: RecordedResource) => {
            const o = new analyzerPb.AnalyzerResourceOptions();
            if (r.parent) o.setParent(r.parent);
            return o;
        };
        const provider = (r: RecordedResource) => {
            const p = r.provider ? byUrn.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined;
            if (!p) return undefined;
            const m = new analyzerPb.AnalyzerProviderResource();
            m.setType(p.type).setName(p.name).setUrn(p.urn).setProperties(Struct.fromJavaScript(withoutInternalKeys(wireProps(p)) as Record<string, any>));
            return m;
        };
        const request = (r: RecordedResource, props: Record<string, unknown>) => {
            const m = new analyzerPb.AnalyzeRequest();
            m.setUrn(r.urn).setType(r.type).setName(r.name).setProperties(Struct.fromJavaScript(props as Record<string, any>)).setOptions(options(r));
            const p = provider(r);
            if (p) m.setProvider(p);
            return m;
        };
        const found: { policy: string; level: string; message: string; urn: string | undefined }[] = [];
        const diagnose = (ds: analyzerPb.AnalyzeDiagnostic[], urn?: string) => {
            for (const d of ds) found.push({ policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()]!, message: d.getMessage().split("\n").slice(1).join("\n"), urn: d.getUrn() || urn });
        };
        const outputs = new Map<string, Record<string, unknown>>();
        for (const r of resources) {
            let props = wireProps(r);
            const remediated = await call<analyzerPb.AnalyzeRequest, analyzerPb.RemediateResponse>(client.remediate.bind(client), request(r, props));
            for (const rem of remediated.getRemediationsList()) props = rem.getProperties()!.toJavaScript() as Record<string, unknown>;
            outputs.set(r.urn, props);
            diagnose((await call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(client.analyze.bind(client), request(r, withoutInternalKeys(props) as Record<string, unknown>))).getDiagnosticsList(), r.urn);
        }
        const stack = new analyzerPb.AnalyzeStackRequest();
        stack.setResourcesList(
            resources.map((r) => {
                const m = new analyzerPb.AnalyzerResource();
                const props = r.type === "pulumi:pulumi:Stack" ? (r.outputs ?? {}) : outputs.get(r.urn)!;
                m.setUrn(r.urn).setType(r.type).setName(r.name).setProperties(Struct.fromJavaScript(withoutInternalKeys(props) as Record<string, any>)).setOptions(options(r));
                m.setParent(r.parent ?? "").setDependenciesList([...r.dependencies]);
                const p = provider(r);
                if (p) m.setProvider(p);
                return m;
            }),
        );
        diagnose((await call<analyzerPb.AnalyzeStackRequest, analyzerPb.AnalyzeResponse>(client.analyzeStack.bind(client), stack)).getDiagnosticsList());
        return found;
    }

    it("lists the pack's policies with their enforcement levels", async () => {
        const info = await call<Empty, analyzerPb.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        expect(info.getName()).toBe("ml-team-env");
        expect(info.getPoliciesList().map((p) => `${p.getName()}:${LEVELS[p.getEnforcementlevel()]}`)).toContain("tokens-and-kubeconfig-are-secrets:remediate");
    });

    it("answers as the harness does: the dev stack passes", async () => {
        expect(await analyze(dev)).toEqual([]);
    });

    it("answers as the harness does: a plain kubeconfig (mutated) is a mandatory violation, found from the engine's secret markers", async () => {
        const broken = mutate(dev, (r) => r.type === "pulumi:providers:kubernetes", (r) => withoutSecret(r, "kubeconfig"));
        const served = await analyze(broken);
        expect(served).toEqual([expect.objectContaining({ policy: "tokens-and-kubeconfig-are-secrets", level: "mandatory" })]);
        expect(served).toEqual((await runPolicies(broken)).violations);
    });

    it("answers as the harness does: developers may push to main (mutated)", async () => {
        const broken = mutate(dev, (r) => r.inputs.kind === "gitlab:ProtectedBranch" && r.inputs.name === "main", (r) => ({ ...r, inputs: { ...r.inputs, pushAccessLevel: 30 } }));
        const served = await analyze(broken);
        expect(served.map((v) => v.policy)).toEqual(["protected-branches-locked"]);
        expect(served).toEqual((await runPolicies(broken)).violations);
    });
});
