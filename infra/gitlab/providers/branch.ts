import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, diffResult, GitLabResourceInputs, isNotFound, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

export interface BranchInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly branch: string;
    /** Where to branch from when it does not exist yet. */
    readonly ref: string;
}

/**
 * A long-lived branch (`develop`). Created from `ref` if missing; an existing branch is
 * adopted as it is. Deleting the resource keeps the branch: it holds the team's work.
 */
export const branchProvider: pulumi.dynamic.ResourceProvider<BranchInputs, BranchInputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "branch", "gitlabUrl"], ["ref", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        const base = `projects/${projectRef(inputs.projectId)}/repository/branches`;
        try {
            await rest(api, "get", `${base}/${encodeURIComponent(inputs.branch)}`);
        } catch (e) {
            if (!isNotFound(e)) throw e;
            await rest(api, "post", base, { branch: inputs.branch, ref: inputs.ref });
        }
        return { id: `${inputs.projectId}:${inputs.branch}`, outs: inputs };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await readOwn(api, props!.projectId, `projects/${projectRef(props!.projectId)}/repository/branches/${encodeURIComponent(props!.branch)}`);
        // Deleted by hand: gone, so the next `up` creates it again from `ref`.
        return live !== undefined ? { id, props: props! } : readGone<BranchInputs>();
    },
    async update(_id, _olds, news) {
        return { outs: news };
    },
    async delete() {
        // Never delete a branch: it holds the team's work.
    },
};

export type BranchArgs = { [K in keyof Omit<BranchInputs, "kind" | "providerVersion">]: pulumi.Input<BranchInputs[K]> };

export class Branch extends pulumi.dynamic.Resource {
    constructor(name: string, args: BranchArgs, opts?: pulumi.CustomResourceOptions) {
        super(branchProvider, name, { kind: "gitlab:Branch", providerVersion: PROVIDER_VERSION, ...args }, opts);
    }
}
