import * as pulumi from "@pulumi/pulumi";
import {
    AccessEntryJson,
    clientFor,
    configureToken,
    deleteIfPresent,
    diffResult,
    effectiveLevel,
    getIfPresent,
    GitLabResourceInputs,
    hasStatus,
    onlyRole,
    projectRef,
    PROVIDER_VERSION,
    readGone,
    readOwn,
    rest,
    swapProtection,
    TokenHolder,
} from "./common";

export interface ProtectedTagInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Tag name or wildcard (`v*`). */
    readonly name: string;
    readonly createAccessLevel: number;
}

/** lib/api/entities/protected_tag.rb: a name and its create levels; no id. */
export interface ProtectedTagJson {
    readonly name: string;
    readonly create_access_levels: readonly AccessEntryJson[];
}

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/protected_tags`;
const path = (i: { projectId: number; name: string }) => `${collection(i)}/${encodeURIComponent(i.name)}`;
const fromLive = (i: ProtectedTagInputs, t: ProtectedTagJson): ProtectedTagInputs => ({ ...i, createAccessLevel: effectiveLevel(t.create_access_levels) });
const matches = (i: ProtectedTagInputs, t: ProtectedTagJson) => onlyRole(t.create_access_levels, i.createAccessLevel);
/** The POST body protecting `name` for creation by `level`. */
const tagBody = (name: string, level: number) => ({ name, create_access_level: level });

/**
 * GitLab has no update for protected tags (no PATCH/PUT in lib/api/protected_tags.rb), so a
 * change of who may create them swaps the rule under a strictest temporary one: the pattern is
 * never open.
 */
async function converge(api: ReturnType<typeof clientFor>, want: ProtectedTagInputs, live: ProtectedTagJson): Promise<ProtectedTagJson> {
    if (matches(want, live)) return live;
    return swapProtection<ProtectedTagJson>(api, {
        collection: collection(want),
        name: want.name,
        protect: (name, strictest) => tagBody(name, strictest ? 0 : want.createAccessLevel),
    });
}

/** A protected tag pattern: only the allowed role may create matching tags. */
export const protectedTagProvider: pulumi.dynamic.ResourceProvider<ProtectedTagInputs, ProtectedTagInputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "name", "gitlabUrl"], ["createAccessLevel", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        let live: ProtectedTagJson;
        try {
            live = await rest<ProtectedTagJson>(api, "post", collection(inputs), tagBody(inputs.name, inputs.createAccessLevel));
        } catch (e) {
            // A duplicate is a 422 "Name has already been taken" here, not a 409 (the model's
            // uniqueness validation): protected already, by hand or by a lost earlier answer.
            if (!hasStatus(e, 422, 409)) throw e;
            live = await converge(api, inputs, await rest<ProtectedTagJson>(api, "get", path(inputs)));
        }
        return { id: `${inputs.projectId}:${inputs.name}`, outs: fromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await readOwn<ProtectedTagJson>(api, props!.projectId, path(props!));
        return live ? { id, props: fromLive(props!, live) } : readGone<ProtectedTagInputs>();
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        const live = await getIfPresent<ProtectedTagJson>(api, path(news));
        const result = live ? await converge(api, news, live) : await rest<ProtectedTagJson>(api, "post", collection(news), tagBody(news.name, news.createAccessLevel));
        return { outs: fromLive(news, result) };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, path(props));
    },
};

export type ProtectedTagArgs = { [K in keyof Omit<ProtectedTagInputs, "kind" | "providerVersion">]: pulumi.Input<ProtectedTagInputs[K]> };

export class ProtectedTag extends pulumi.dynamic.Resource {
    constructor(name: string, args: ProtectedTagArgs, opts?: pulumi.CustomResourceOptions) {
        super(protectedTagProvider, name, { kind: "gitlab:ProtectedTag", providerVersion: PROVIDER_VERSION, ...args }, opts);
    }
}
