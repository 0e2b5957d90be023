import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, isConflict, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface ProjectMemberInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly username: string;
    /** 30 developer, 40 maintainer. */
    readonly accessLevel: number;
}

export interface ProjectMemberOutputs extends ProjectMemberInputs {
    readonly userId: number;
}

async function userId(api: ReturnType<typeof clientFor>, inputs: ProjectMemberInputs): Promise<number> {
    const users = await rest<{ id: number; username: string }[]>(api, "get", "users", { username: inputs.username });
    const user = users.find((u) => u.username.toLowerCase() === inputs.username.toLowerCase());
    if (!user) throw new Error(`no GitLab user '${inputs.username}' on ${inputs.gitlabUrl}: check ml-team-env:team.members (usernames, not emails or display names)`);
    return user.id;
}

/**
 * A member of the project. Offboarding deletes the membership only; the user's account and
 * everything they pushed stay.
 */
export const projectMemberProvider: pulumi.dynamic.ResourceProvider<ProjectMemberInputs, ProjectMemberOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "username", "gitlabUrl"], ["accessLevel", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        const uid = await userId(api, inputs);
        const members = `projects/${projectRef(inputs.projectId)}/members`;
        try {
            await rest(api, "post", members, { user_id: uid, access_level: inputs.accessLevel });
        } catch (e) {
            // Already a member (added by hand or by a lost earlier attempt): set the level.
            if (!isConflict(e)) throw e;
            await rest(api, "put", `${members}/${uid}`, { access_level: inputs.accessLevel });
        }
        return { id: `${inputs.projectId}:${uid}`, outs: { ...inputs, userId: uid } };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await rest<{ access_level: number }>(api, "get", `projects/${projectRef(props!.projectId)}/members/${props!.userId}`);
        return { id, props: { ...props!, accessLevel: live.access_level } };
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await rest(api, "put", `projects/${projectRef(news.projectId)}/members/${olds.userId}`, { access_level: news.accessLevel });
        return { outs: { ...news, userId: olds.userId } };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, `projects/${projectRef(props.projectId)}/members/${props.userId}`);
    },
};

export type ProjectMemberArgs = { [K in keyof Omit<ProjectMemberInputs, "kind" | "providerVersion">]: pulumi.Input<ProjectMemberInputs[K]> };

export class ProjectMember extends pulumi.dynamic.Resource {
    declare readonly userId: pulumi.Output<number>;

    constructor(name: string, args: ProjectMemberArgs, opts?: pulumi.CustomResourceOptions) {
        super(projectMemberProvider, name, { kind: "gitlab:ProjectMember", providerVersion: PROVIDER_VERSION, userId: undefined, ...args }, opts);
    }
}
