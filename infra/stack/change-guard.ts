/**
 * Changes `pulumi up` must refuse although the plan would show them as harmless updates. A
 * Pulumi program sees only the new config; the guard is a small dynamic resource whose inputs
 * are the values that matter, so the engine keeps the previous ones in the stack's state and
 * hands both to the provider's `check` (the engine's Check call: failures are shown per
 * property, in `pulumi preview` too, before anything is changed).
 *
 * - `jupyterhub.storageGiB` smaller: Kubernetes refuses to shrink a claim (the API server's
 *   claim update validation, pkg/apis/core/validation/validation.go, answers "spec.resources.
 *   requests.storage: Forbidden: field can not be less than previous value"), so every member's
 *   home claim would fail to update; refused unless `jupyterhub.confirmStorageShrinkFrom` names
 *   the old size (the user has deleted the claims, which `pulumi up --refresh` then makes anew).
 * - `cluster.mode` changed: the members' home volumes stay in the old cluster, and the new one
 *   starts with empty homes; refused unless `cluster.confirmModeChangeFrom` names the old mode.
 *   Leaving `none` is not refused: that stack had no cluster, so no homes.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROVIDER_VERSION } from "../gitlab/providers/common";

/** The guard's `kind` input, by which the plan finds it. */
export const CHANGE_GUARD_KIND = "ml-team-env:ChangeGuard";

/** What the guard remembers between deployments. */
export interface ChangeGuardInputs {
    readonly kind: string;
    readonly providerVersion: string;
    /** `cluster.mode`. */
    readonly clusterMode: string;
    /** `cluster.confirmModeChangeFrom`: the mode the user confirms leaving, homes moved. */
    readonly confirmModeChangeFrom?: string;
    /** `jupyterhub.storageGiB`; absent without a hub. */
    readonly storageGiB?: number;
    /** `jupyterhub.confirmStorageShrinkFrom`: the size the user confirms shrinking from, claims deleted. */
    readonly confirmStorageShrinkFrom?: number;
}

/** One refused change, as the engine's check failure: the input and why. */
export interface GuardFailure {
    readonly property: string;
    readonly reason: string;
}

/** The changes from `olds` (the last deployment's values; empty on a first one) to `news` that `pulumi up` must refuse. */
export function guardFailures(olds: Partial<ChangeGuardInputs>, news: ChangeGuardInputs): GuardFailure[] {
    const failures: GuardFailure[] = [];
    const shrinks = olds.storageGiB !== undefined && news.storageGiB !== undefined && news.storageGiB < olds.storageGiB;
    if (shrinks && news.confirmStorageShrinkFrom !== olds.storageGiB) {
        const wrong = news.confirmStorageShrinkFrom === undefined ? "" : ` (jupyterhub.confirmStorageShrinkFrom is ${news.confirmStorageShrinkFrom}, not the size last deployed)`;
        failures.push({
            property: "storageGiB",
            reason:
                `jupyterhub.storageGiB went from ${olds.storageGiB} to ${news.storageGiB}${wrong}: Kubernetes cannot shrink a volume claim (its storage request may only grow), ` +
                `so every member's home claim would fail to update. Set it back to ${olds.storageGiB} or more. To give homes less room, copy each home out and delete ` +
                `each member's claim, then confirm with jupyterhub.confirmStorageShrinkFrom: ${olds.storageGiB} and run \`pulumi up --refresh\`, which makes the claims ` +
                `anew at the new size (docs/notebooks.md "Home volumes").`,
        });
    }
    // Leaving `none` loses nothing: that stack had no cluster, so no homes to move.
    const leavesCluster = olds.clusterMode !== undefined && olds.clusterMode !== "none" && olds.clusterMode !== news.clusterMode;
    if (leavesCluster && news.confirmModeChangeFrom !== olds.clusterMode) {
        failures.push({
            property: "clusterMode",
            reason:
                `cluster.mode changes from ${olds.clusterMode} to ${news.clusterMode}: the members' home volumes stay in the ${olds.clusterMode} cluster` +
                `${news.clusterMode === "none" ? " and the hub goes" : " and the new cluster starts with empty homes"}. Copy the homes out first, then confirm with ` +
                `cluster.confirmModeChangeFrom: ${olds.clusterMode} (docs/cluster.md "Changing the cluster mode").`,
        });
    }
    return failures;
}

/** The guard's provider: `check` refuses; everything else only keeps the values. */
export const changeGuardProvider: pulumi.dynamic.ResourceProvider<ChangeGuardInputs, ChangeGuardInputs> = {
    async check(olds, news) {
        return { inputs: news, failures: guardFailures(olds ?? {}, news) };
    },
    async diff(_id, olds, news) {
        const keys = ["clusterMode", "confirmModeChangeFrom", "storageGiB", "confirmStorageShrinkFrom", "providerVersion"] as const;
        return { changes: keys.some((k) => olds[k] !== news[k]) };
    },
    async create(inputs) {
        return { id: "change-guard", outs: inputs };
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
};

export type ChangeGuardArgs = { [K in keyof Omit<ChangeGuardInputs, "kind" | "providerVersion">]: pulumi.Input<ChangeGuardInputs[K]> };

/** Keeps the values of risky settings in the stack's state and refuses the changes `guardFailures` names. */
export class ChangeGuard extends pulumi.dynamic.Resource {
    constructor(name: string, args: ChangeGuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(changeGuardProvider, name, { kind: CHANGE_GUARD_KIND, providerVersion: PROVIDER_VERSION, ...args }, opts);
    }
}
