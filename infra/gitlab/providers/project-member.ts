import * as pulumi from "@pulumi/pulumi";
import { gitLabApiError, GitLabApiError } from "../client";
import { clientFor, configureToken, deleteIfPresent, diffResult, getIfPresent, GitLabResourceInputs, hasStatus, isConflict, known, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

export interface ProjectMemberInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly username: string;
    /** 30 developer, 40 maintainer. */
    readonly accessLevel: number;
    /**
     * The project's group path (`ml-team`, `ml-team/vision`), known before the project is: the
     * group chain whose memberships the project inherits, checked during a preview.
     */
    readonly namespacePath?: string;
}

export interface ProjectMemberOutputs extends ProjectMemberInputs {
    readonly userId: number;
}

/** Role names as GitLab writes them (Gitlab::Access.human_access). */
const ROLE_NAMES: Readonly<Record<number, string>> = { 10: "Guest", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner" };
const roleOf = (level: number) => ROLE_NAMES[level] ?? `access level ${level}`;

/** The GitLab user of a username (case-insensitive, as GitLab looks them up), or undefined. */
export async function findUser(api: ReturnType<typeof clientFor>, username: string): Promise<{ id: number; username: string } | undefined> {
    const users = await rest<{ id: number; username: string }[]>(api, "get", "users", { username });
    return users.find((u) => u.username.toLowerCase() === username.toLowerCase());
}

async function userId(api: ReturnType<typeof clientFor>, inputs: ProjectMemberInputs): Promise<number> {
    const user = await findUser(api, inputs.username);
    if (!user) throw new Error(`no GitLab user '${inputs.username}' on ${inputs.gitlabUrl}: check ml-team-env:team.members (usernames, not emails or display names)`);
    return user.id;
}

/**
 * The highest role a user holds in a group and its ancestors, which every project in it
 * inherits (`GET /groups/:id/members/all/:user_id`, lib/api/members.rb; 404 when none): 0 when
 * none, undefined when the namespace is not a group (a personal project inherits nothing).
 */
export async function inheritedRole(api: ReturnType<typeof clientFor>, namespacePath: string, uid: number): Promise<number | undefined> {
    if ((await getIfPresent(api, `groups/${projectRef(namespacePath)}`)) === undefined) return undefined;
    const m = await getIfPresent<{ access_level: number }>(api, `groups/${projectRef(namespacePath)}/members/all/${uid}`);
    return m?.access_level ?? 0;
}

/**
 * Why a stack role below the inherited one cannot be set, and the fix. GitLab refuses a
 * project membership below the user's role in the project's group chain with a 400 "should be
 * greater than or equal to <role> inherited membership from group <name>" (app/models/member.rb
 * `higher_access_level_than_group`).
 */
export function inheritedRoleProblem(username: string, wanted: number, inherited: number, group: string): string {
    const fix =
        inherited <= 40
            ? `set role: ${roleOf(inherited).toLowerCase()} for ${username} in ml-team-env:team.members, or lower their role in group ${group}`
            : `remove ${username} from ml-team-env:team.members (they have ${roleOf(inherited)} on the project through group ${group}), or lower their role in the group`;
    const role = roleOf(inherited);
    return `team member '${username}' is listed as ${roleOf(wanted).toLowerCase()}, but is ${/^[AEIOU]/.test(role) ? "an" : "a"} ${role} of group ${group}, which the project inherits: GitLab keeps no project role below an inherited one (it answers 400). Fix: ${fix}.`;
}

/** Passes GitLab's 400 for a role below the inherited one on with the fix. */
function withFix(e: unknown, inputs: ProjectMemberInputs): never {
    const m = /should be greater than or equal to (\w+) inherited membership from group ([^"\]}]+)/.exec((e as Error)?.message ?? "");
    if (!hasStatus(e, 400) || !m) throw e;
    const inherited = Number(Object.entries(ROLE_NAMES).find(([, n]) => n === m[1])?.[0] ?? 0);
    const err = e as GitLabApiError;
    throw gitLabApiError(`${err.message}. ${inheritedRoleProblem(inputs.username, inputs.accessLevel, inherited, m[2]!.trim())}`, err.status, err.ambiguous);
}

/**
 * A member of the project. Offboarding deletes the membership only; the user's account and
 * everything they pushed stay. `read` gives the member's effective role (the highest of the
 * direct and the inherited one), so a role raised through the group shows as drift.
 */
export const projectMemberProvider: pulumi.dynamic.ResourceProvider<ProjectMemberInputs, ProjectMemberOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    /**
     * Refuses, during the preview and before anything is changed, a new member's (or a changed)
     * role below the one the member inherits from the project's group. When GitLab cannot be
     * asked here, create and update still pass GitLab's own refusal on with the fix.
     */
    async check(olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        // Asked for a new member or a changed role only: a role raised in the group later is drift that read shows.
        const changed = olds.username !== news.username || olds.accessLevel !== news.accessLevel || olds.namespacePath !== news.namespacePath;
        if (changed && known(news.namespacePath) && known(news.username) && typeof news.accessLevel === "number" && known(news.gitlabUrl)) {
            try {
                const api = clientFor(news, this as TokenHolder);
                const user = await findUser(api, news.username);
                const inherited = user ? await inheritedRole(api, news.namespacePath!, user.id) : undefined;
                if (inherited !== undefined && inherited > news.accessLevel) failures.push({ property: "accessLevel", reason: inheritedRoleProblem(news.username, news.accessLevel, inherited, news.namespacePath!) });
            } catch {
                // No token yet, or GitLab unreachable during a preview: create says what GitLab says.
            }
        }
        return { inputs: news, failures };
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
            if (!isConflict(e)) withFix(e, inputs);
            await rest(api, "put", `${members}/${uid}`, { access_level: inputs.accessLevel }).catch((e2: unknown) => withFix(e2, inputs));
        }
        return { id: `${inputs.projectId}:${uid}`, outs: { ...inputs, userId: uid } };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const members = `projects/${projectRef(props!.projectId)}/members`;
        // The direct membership is this resource: removed by hand, it is gone and `up` adds it again.
        const direct = await readOwn<{ access_level: number }>(api, props!.projectId, `${members}/${props!.userId}`);
        if (!direct) return readGone<ProjectMemberOutputs>();
        // What the member can really do: the highest of the direct and the inherited role (doc/api/members.md).
        const effective = await getIfPresent<{ access_level: number }>(api, `${members}/all/${props!.userId}`);
        return { id, props: { ...props!, accessLevel: Math.max(direct.access_level, effective?.access_level ?? 0) } };
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await rest(api, "put", `projects/${projectRef(news.projectId)}/members/${olds.userId}`, { access_level: news.accessLevel }).catch((e: unknown) => withFix(e, news));
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
