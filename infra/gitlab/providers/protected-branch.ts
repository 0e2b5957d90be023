import * as pulumi from "@pulumi/pulumi";
import {
    AccessEntryJson,
    clientFor,
    configureToken,
    deleteIfPresent,
    diffResult,
    effectiveLevel,
    GitLabResourceInputs,
    isConflict,
    onlyRole,
    projectRef,
    PROVIDER_VERSION,
    readGone,
    readOwn,
    rest,
    roleEntries,
    swapProtection,
    TokenHolder,
} from "./common";

export interface ProtectedBranchInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Branch name or wildcard (`hotfix/*`). */
    readonly name: string;
    readonly pushAccessLevel: number;
    readonly mergeAccessLevel: number;
    /** Who may unprotect (EE codebase only; Community Edition has no such setting). */
    readonly unprotectAccessLevel: number;
    readonly allowForcePush: boolean;
    readonly codeOwnerApprovalRequired: boolean;
}

export interface ProtectedBranchOutputs extends ProtectedBranchInputs {
    /** GitLab's id of the protection (approval rules refer to it). */
    readonly protectedBranchId: number;
}

/**
 * A protected branch as GitLab returns it. Community Edition omits `unprotect_access_levels` and
 * `code_owner_approval_required`, and `user_id`/`group_id` in the entries (lib/api/entities/
 * protected_branch.rb vs ee/lib/ee/api/entities/protected_branch.rb).
 */
export interface ProtectedBranchJson {
    id: number;
    name: string;
    push_access_levels: AccessEntryJson[];
    merge_access_levels: AccessEntryJson[];
    unprotect_access_levels?: AccessEntryJson[];
    allow_force_push: boolean;
    code_owner_approval_required?: boolean;
}

/**
 * Live protection in input terms, so a refresh shows drift as a diff. A setting the edition
 * does not have (CE: unprotect level, code-owner approval) reads as wanted: there is nothing
 * to drift, and the audit reports that nobody enforces it.
 */
function protectionFromLive(i: ProtectedBranchInputs, pb: ProtectedBranchJson): ProtectedBranchOutputs {
    return {
        ...i,
        pushAccessLevel: effectiveLevel(pb.push_access_levels),
        mergeAccessLevel: effectiveLevel(pb.merge_access_levels),
        unprotectAccessLevel: pb.unprotect_access_levels === undefined ? i.unprotectAccessLevel : effectiveLevel(pb.unprotect_access_levels),
        allowForcePush: pb.allow_force_push,
        codeOwnerApprovalRequired: pb.code_owner_approval_required ?? i.codeOwnerApprovalRequired,
        protectedBranchId: pb.id,
    };
}

/** Whether the live protection already is the wanted one (role entries exactly the wanted level). */
function protectionMatches(want: ProtectedBranchInputs, live: ProtectedBranchJson): boolean {
    return (
        onlyRole(live.push_access_levels, want.pushAccessLevel) &&
        onlyRole(live.merge_access_levels, want.mergeAccessLevel) &&
        (live.unprotect_access_levels === undefined || onlyRole(live.unprotect_access_levels, want.unprotectAccessLevel)) &&
        live.allow_force_push === want.allowForcePush &&
        (live.code_owner_approval_required === undefined || live.code_owner_approval_required === want.codeOwnerApprovalRequired)
    );
}

/**
 * The PATCH body that turns the live protection into the wanted one in place: for each
 * access list, add the wanted role level and destroy the other role entries (GitLab adds
 * `{access_level}` entries beside existing ones). It always sends code_owner_approval_required:
 * older EE reset it to false when omitted.
 */
function protectionPatch(want: ProtectedBranchInputs, live: ProtectedBranchJson): Record<string, unknown> {
    const changes = (list: AccessEntryJson[] | undefined, level: number) => {
        if (onlyRole(list, level)) return [];
        const roles = roleEntries(list);
        const keep = roles.some((a) => a.access_level === level);
        return [...(keep ? [] : [{ access_level: level }]), ...roles.filter((a) => a.access_level !== level).map((a) => ({ id: a.id, _destroy: true }))];
    };
    return {
        allow_force_push: want.allowForcePush,
        code_owner_approval_required: want.codeOwnerApprovalRequired,
        allowed_to_push: changes(live.push_access_levels, want.pushAccessLevel),
        allowed_to_merge: changes(live.merge_access_levels, want.mergeAccessLevel),
        allowed_to_unprotect: live.unprotect_access_levels === undefined ? [] : changes(live.unprotect_access_levels, want.unprotectAccessLevel),
    };
}

/** POST body: the scalars every edition accepts on create (CE drops the EE-only ones). */
function protectionCreateBody(want: ProtectedBranchInputs, name = want.name): Record<string, unknown> {
    return {
        name,
        push_access_level: want.pushAccessLevel,
        merge_access_level: want.mergeAccessLevel,
        unprotect_access_level: want.unprotectAccessLevel,
        allow_force_push: want.allowForcePush,
        code_owner_approval_required: want.codeOwnerApprovalRequired,
    };
}

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/protected_branches`;
const path = (i: { projectId: number; name: string }) => `${collection(i)}/${encodeURIComponent(i.name)}`;

/**
 * Converges an existing protection on the wanted one: PATCH in place (no unprotect/re-protect,
 * which floods the audit log and breaks running pipelines), then read back. Where the edition
 * ignored the change (Community Edition drops PATCH `allowed_to_*` and answers 200), swap the
 * rule without a gap instead.
 */
async function converge(api: ReturnType<typeof clientFor>, want: ProtectedBranchInputs, live: ProtectedBranchJson): Promise<ProtectedBranchJson> {
    if (protectionMatches(want, live)) return live;
    await rest<ProtectedBranchJson>(api, "patch", path(want), protectionPatch(want, live));
    const after = await rest<ProtectedBranchJson>(api, "get", path(want));
    if (protectionMatches(want, after)) return after;
    return swapProtection<ProtectedBranchJson>(api, {
        collection: collection(want),
        name: want.name,
        // Strictest: no one pushes or merges, Maintainers unprotect, no force push.
        protect: (name, strictest) => protectionCreateBody(strictest ? { ...want, pushAccessLevel: 0, mergeAccessLevel: 0, unprotectAccessLevel: 40, allowForcePush: false } : want, name),
    });
}

/** Branch protection, updated in place where GitLab allows it, never with a window in which the branch is unprotected. */
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
            live = await rest<ProtectedBranchJson>(api, "post", collection(inputs), protectionCreateBody(inputs));
        } catch (e) {
            // Already protected (by hand, or by an attempt whose answer was lost): converge in place.
            if (!isConflict(e)) throw e;
            live = await rest<ProtectedBranchJson>(api, "get", path(inputs));
        }
        // Create may have been given less than asked (CE: no unprotect level), or found a looser rule.
        live = await converge(api, inputs, live);
        return { id: `${inputs.projectId}:${inputs.name}`, outs: protectionFromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await readOwn<ProtectedBranchJson>(api, props!.projectId, path(props!));
        // Unprotected behind Pulumi's back: gone, so the next `up` protects it again.
        return live ? { id, props: protectionFromLive(props!, live) } : readGone<ProtectedBranchOutputs>();
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        const live = await rest<ProtectedBranchJson>(api, "get", path(news));
        return { outs: protectionFromLive(news, await converge(api, news, live)) };
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
