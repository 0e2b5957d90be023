import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, isConflict, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface ProtectedBranchInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Branch name or wildcard (`hotfix/*`). */
    readonly name: string;
    readonly pushAccessLevel: number;
    readonly mergeAccessLevel: number;
    readonly unprotectAccessLevel: number;
    readonly allowForcePush: boolean;
    readonly codeOwnerApprovalRequired: boolean;
}

export interface ProtectedBranchOutputs extends ProtectedBranchInputs {
    /** GitLab's id of the protection (approval rules refer to it). */
    readonly protectedBranchId: number;
}

interface AccessJson {
    id: number;
    access_level: number;
    user_id: number | null;
    group_id: number | null;
}
export interface ProtectedBranchJson {
    id: number;
    name: string;
    push_access_levels: AccessJson[];
    merge_access_levels: AccessJson[];
    unprotect_access_levels: AccessJson[];
    allow_force_push: boolean;
    code_owner_approval_required: boolean;
}

/** The role-based level of an access list (user/group entries are Premium extras we do not manage). */
function roleLevel(list: AccessJson[]): number | undefined {
    return list.find((a) => a.user_id === null && a.group_id === null)?.access_level;
}

/** Live protection in input terms, so a refresh shows drift as a diff. */
export function protectionFromLive(i: ProtectedBranchInputs, pb: ProtectedBranchJson): ProtectedBranchOutputs {
    return {
        ...i,
        pushAccessLevel: roleLevel(pb.push_access_levels) ?? -1,
        mergeAccessLevel: roleLevel(pb.merge_access_levels) ?? -1,
        unprotectAccessLevel: roleLevel(pb.unprotect_access_levels) ?? -1,
        allowForcePush: pb.allow_force_push,
        codeOwnerApprovalRequired: pb.code_owner_approval_required,
        protectedBranchId: pb.id,
    };
}

/**
 * The PATCH body that turns the live protection into the wanted one in place: for each
 * access list, add the wanted role level and destroy the other role entries. It always
 * sends code_owner_approval_required, since omitting it has been seen to reset it.
 */
export function protectionPatch(want: ProtectedBranchInputs, live: ProtectedBranchJson): Record<string, unknown> {
    const changes = (list: AccessJson[], level: number) => {
        const roles = list.filter((a) => a.user_id === null && a.group_id === null);
        if (roles.length === 1 && roles[0]!.access_level === level) return [];
        return [{ access_level: level }, ...roles.map((a) => ({ id: a.id, _destroy: true }))];
    };
    return {
        allow_force_push: want.allowForcePush,
        code_owner_approval_required: want.codeOwnerApprovalRequired,
        allowed_to_push: changes(live.push_access_levels, want.pushAccessLevel),
        allowed_to_merge: changes(live.merge_access_levels, want.mergeAccessLevel),
        allowed_to_unprotect: changes(live.unprotect_access_levels, want.unprotectAccessLevel),
    };
}

const path = (i: { projectId: number; name: string }) => `projects/${projectRef(i.projectId)}/protected_branches/${encodeURIComponent(i.name)}`;

/** Branch protection, updated in place with PATCH: no window in which the branch is unprotected. */
export const protectedBranchProvider: pulumi.dynamic.ResourceProvider<ProtectedBranchInputs, ProtectedBranchOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "name", "gitlabUrl"], ["pushAccessLevel", "mergeAccessLevel", "unprotectAccessLevel", "allowForcePush", "codeOwnerApprovalRequired", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        let live: ProtectedBranchJson;
        try {
            live = await rest<ProtectedBranchJson>(api, "post", `projects/${projectRef(inputs.projectId)}/protected_branches`, {
                name: inputs.name,
                push_access_level: inputs.pushAccessLevel,
                merge_access_level: inputs.mergeAccessLevel,
                unprotect_access_level: inputs.unprotectAccessLevel,
                allow_force_push: inputs.allowForcePush,
                code_owner_approval_required: inputs.codeOwnerApprovalRequired,
            });
        } catch (e) {
            // Already protected (by hand, or by an attempt whose answer was lost): converge in place.
            if (!isConflict(e)) throw e;
            const existing = await rest<ProtectedBranchJson>(api, "get", path(inputs));
            live = await rest<ProtectedBranchJson>(api, "patch", path(inputs), protectionPatch(inputs, existing));
        }
        return { id: `${inputs.projectId}:${inputs.name}`, outs: protectionFromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await rest<ProtectedBranchJson>(api, "get", path(props!));
        return { id, props: protectionFromLive(props!, live) };
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        const live = await rest<ProtectedBranchJson>(api, "get", path(news));
        const updated = await rest<ProtectedBranchJson>(api, "patch", path(news), protectionPatch(news, live));
        return { outs: protectionFromLive(news, updated) };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, path(props));
    },
};

export type ProtectedBranchArgs = { [K in keyof Omit<ProtectedBranchInputs, "kind" | "providerVersion">]: pulumi.Input<ProtectedBranchInputs[K]> };

/** A protected branch or wildcard. */
export class ProtectedBranch extends pulumi.dynamic.Resource {
    declare readonly protectedBranchId: pulumi.Output<number>;

    constructor(name: string, args: ProtectedBranchArgs, opts?: pulumi.CustomResourceOptions) {
        super(protectedBranchProvider, name, { kind: "gitlab:ProtectedBranch", providerVersion: PROVIDER_VERSION, protectedBranchId: undefined, ...args }, opts);
    }
}
