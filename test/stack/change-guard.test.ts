/**
 * The change guard's rules (change-guard.ts), as the engine's Check applies them: a smaller home
 * size and a change of cluster mode are refused unless the stack file confirms the value left.
 */
import { ChangeGuardInputs, guardFailures } from "../../infra/stack/change-guard";

const guard = (o: Partial<ChangeGuardInputs>): ChangeGuardInputs => ({ kind: "k", providerVersion: "1", clusterMode: "eks", ...o });
const refusedOf = (olds: Partial<ChangeGuardInputs>, news: Partial<ChangeGuardInputs>) => guardFailures(guard(olds), guard(news));

describe("a smaller jupyterhub.storageGiB", () => {
    it("is refused without jupyterhub.confirmStorageShrinkFrom, saying how to shrink", () => {
        expect(refusedOf({ storageGiB: 50 }, { storageGiB: 40 })).toEqual([
            {
                property: "storageGiB",
                reason: expect.stringMatching(
                    /^jupyterhub\.storageGiB went from 50 to 40: .*delete each member's claim, then confirm with jupyterhub\.confirmStorageShrinkFrom: 50 and run `pulumi up --refresh`.*docs\/notebooks\.md "Home volumes"/,
                ),
            },
        ]);
    });

    it("passes with confirmStorageShrinkFrom equal to the size last deployed", () => {
        expect(refusedOf({ storageGiB: 50 }, { storageGiB: 40, confirmStorageShrinkFrom: 50 })).toEqual([]);
    });

    it("is refused with a confirmStorageShrinkFrom that is not the size last deployed, naming it", () => {
        expect(refusedOf({ storageGiB: 50 }, { storageGiB: 40, confirmStorageShrinkFrom: 60 })).toEqual([
            { property: "storageGiB", reason: expect.stringMatching(/^jupyterhub\.storageGiB went from 50 to 40 \(jupyterhub\.confirmStorageShrinkFrom is 60, not the size last deployed\): .*confirmStorageShrinkFrom: 50/) },
        ]);
    });

    it("a later deployment at the new size passes with the confirmation left in the file", () => {
        expect(refusedOf({ storageGiB: 40, confirmStorageShrinkFrom: 50 }, { storageGiB: 40, confirmStorageShrinkFrom: 50 })).toEqual([]);
        expect(refusedOf({ storageGiB: 40 }, { storageGiB: 30, confirmStorageShrinkFrom: 50 }).map((f) => f.property)).toEqual(["storageGiB"]);
    });
});

describe("a change of cluster.mode", () => {
    it("from a cluster is refused unless cluster.confirmModeChangeFrom names the mode left", () => {
        expect(refusedOf({ clusterMode: "existing" }, { clusterMode: "eks" })).toEqual([{ property: "clusterMode", reason: expect.stringMatching(/^cluster\.mode changes from existing to eks: the members' home volumes stay/) }]);
        expect(refusedOf({ clusterMode: "eks" }, { clusterMode: "none" }).map((f) => f.property)).toEqual(["clusterMode"]);
        expect(refusedOf({ clusterMode: "existing" }, { clusterMode: "eks", confirmModeChangeFrom: "existing" })).toEqual([]);
    });

    it.each(["eks", "existing"])("from none to %s passes without a confirmation: a GitLab-only stack has no homes", (mode) => {
        expect(refusedOf({ clusterMode: "none" }, { clusterMode: mode, storageGiB: 50 })).toEqual([]);
    });
});
