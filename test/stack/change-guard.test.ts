/**
 * Surprise 3 of issue 22: risky changes looked harmless in the plan. A smaller
 * `jupyterhub.storageGiB` showed as an in-place update that Kubernetes then refuses (a claim may
 * only grow), and `cluster.mode` existing → eks showed as updates while the homes stayed in the old
 * cluster. The change guard keeps those values in the stack's state and refuses such a change in
 * the engine's Check, run here in the SDK's own dynamic-provider host as `pulumi preview` runs it.
 */
// The guard is checked in the serialized form the engine runs: the real serializer (see test/setup.ts).
jest.unmock("@pulumi/pulumi/runtime/closure/serializeClosure");
import { CHANGE_GUARD_KIND, changeGuardProvider } from "../../infra/stack/change-guard";
import { ProviderHost, serializeProvider, startProviderHost } from "../support/provider-host";

const guard = (o: { clusterMode: string; storageGiB?: number; confirmModeChangeFrom?: string }) => ({ kind: CHANGE_GUARD_KIND, providerVersion: "1", ...o });

describe("the change guard in the engine's Check (the SDK's dynamic-provider host)", () => {
    let host: ProviderHost;
    let provider: string;
    beforeAll(async () => {
        host = await startProviderHost();
        provider = await serializeProvider(changeGuardProvider);
    });
    afterAll(() => host?.close());

    it("refuses a smaller jupyterhub.storageGiB with the reason and the way out", async () => {
        const { failures } = await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 40 }));
        expect(failures).toEqual([
            {
                property: "storageGiB",
                reason: expect.stringMatching(/jupyterhub\.storageGiB went from 50 to 40: Kubernetes cannot shrink a volume claim .*Set it back to 50 or more\. To give homes less room, .*docs\/notebooks\.md "Home volumes"/),
            },
        ]);
    });

    it("lets a claim grow, and lets a first deployment (no earlier values) through", async () => {
        expect((await host.check(provider, guard({ clusterMode: "eks", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 80 }))).failures).toEqual([]);
        expect((await host.check(provider, {}, guard({ clusterMode: "eks", storageGiB: 10 }))).failures).toEqual([]);
    });

    it("refuses a change of cluster.mode unless cluster.confirmModeChangeFrom names the mode left", async () => {
        const refused = await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(refused.failures).toEqual([{ property: "clusterMode", reason: expect.stringMatching(/cluster\.mode changes from existing to eks: the members' home volumes stay in the existing cluster .*cluster\.confirmModeChangeFrom: existing \(docs\/cluster\.md "Changing the cluster mode"\)/) }]);
        const wrong = await host.check(provider, guard({ clusterMode: "existing" }), guard({ clusterMode: "eks", confirmModeChangeFrom: "none" }));
        expect(wrong.failures.map((f) => f.property)).toEqual(["clusterMode"]);
        const confirmed = await host.check(provider, guard({ clusterMode: "existing", storageGiB: 50 }), guard({ clusterMode: "eks", storageGiB: 50, confirmModeChangeFrom: "existing" }));
        expect(confirmed.failures).toEqual([]);
    });

    it("keeps the values a later Check compares with (create and update return them)", async () => {
        const created = await host.create(provider, guard({ clusterMode: "eks", storageGiB: 50 }));
        expect(created.outs).toMatchObject({ clusterMode: "eks", storageGiB: 50 });
        const diff = await host.diff(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }));
        expect(diff).toEqual({ changes: 2, replaces: [] });
        expect(await host.update(provider, created.id, created.outs, guard({ clusterMode: "eks", storageGiB: 60 }))).toMatchObject({ storageGiB: 60 });
    });
});
