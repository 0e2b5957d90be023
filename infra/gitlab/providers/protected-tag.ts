import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, isConflict, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface ProtectedTagInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Tag name or wildcard (`v*`). */
    readonly name: string;
    readonly createAccessLevel: number;
}

interface ProtectedTagJson {
    name: string;
    create_access_levels: { id: number; access_level: number; user_id: number | null; group_id: number | null }[];
}

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/protected_tags`;
const path = (i: { projectId: number; name: string }) => `${collection(i)}/${encodeURIComponent(i.name)}`;
const fromLive = (i: ProtectedTagInputs, t: ProtectedTagJson): ProtectedTagInputs => ({
    ...i,
    createAccessLevel: t.create_access_levels.find((a) => a.user_id === null && a.group_id === null)?.access_level ?? -1,
});

async function protect(api: ReturnType<typeof clientFor>, i: ProtectedTagInputs): Promise<ProtectedTagJson> {
    return rest<ProtectedTagJson>(api, "post", collection(i), { name: i.name, create_access_level: i.createAccessLevel });
}

/**
 * A protected tag. GitLab has no update for protected tags, so a change of who may create
 * them unprotects and protects again at once, leaving the pattern open for one request.
 */
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
            live = await protect(api, inputs);
        } catch (e) {
            if (!isConflict(e)) throw e;
            live = await rest<ProtectedTagJson>(api, "get", path(inputs));
            if (fromLive(inputs, live).createAccessLevel !== inputs.createAccessLevel) {
                await rest(api, "delete", path(inputs));
                live = await protect(api, inputs);
            }
        }
        return { id: `${inputs.projectId}:${inputs.name}`, outs: fromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        return { id, props: fromLive(props!, await rest<ProtectedTagJson>(api, "get", path(props!))) };
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await deleteIfPresent(api, path(news));
        return { outs: fromLive(news, await protect(api, news)) };
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
