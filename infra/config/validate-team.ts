/**
 * The hub's profiles and the team's members, checked against each other and the GPU pools: unique
 * names, one default, GPUs a node can give, time-sliced GPUs only where a pool offers them, and
 * every profile a member is offered within their quotas.
 */
import { memberSchema, NotebookProfile, TeamMember } from "./schema";
import { GpuCapacity } from "./validate-cluster";

type Path = readonly PropertyKey[];
type Err = (path: Path, message: string) => void;
type ClusterMode = "eks" | "existing" | "none" | undefined;

/** Checks the profiles; returns each profile's index by name (the first of a duplicated name). */
export function checkProfiles(profiles: readonly NotebookProfile[], mode: ClusterMode, capacity: GpuCapacity | undefined, err: Err): Map<string, number> {
    const names = new Map<string, number>();
    profiles.forEach((p, i) => {
        if (names.has(p.name)) err(["jupyterhub", "profiles", i, "name"], `duplicates profile ${names.get(p.name)}: profile names must be unique`);
        else names.set(p.name, i);
        if (p.sharedGpu) checkSharedGpuProfile(p, i, mode, capacity, err);
        else if (capacity && capacity.gpusPerNode > 0 && p.gpus > capacity.gpusPerNode) {
            err(["jupyterhub", "profiles", i, "gpus"], `asks for ${p.gpus} GPUs but a GPU node has ${capacity.gpusPerNode}: a notebook server cannot span nodes`);
        }
    });
    if (profiles.filter((p) => p.default).length > 1) err(["jupyterhub", "profiles"], "marks more than one profile as default; keep one");
    return names;
}

/** A profile that asks for a time-sliced GPU: one slice, on a cluster with a pool that offers them. */
function checkSharedGpuProfile(p: NotebookProfile, i: number, mode: ClusterMode, capacity: GpuCapacity | undefined, err: Err): void {
    if (p.gpus !== 1) err(["jupyterhub", "profiles", i, "gpus"], "must be 1 with sharedGpu: the device plugin refuses a pod more than one time-sliced GPU (failRequestsGreaterThanOne), and two slices of one GPU are no faster than one");
    if (mode === "existing") err(["jupyterhub", "profiles", i, "sharedGpu"], "needs a pool that time-slices its GPUs, which this package makes on EKS only (cluster.sharedGpuNodePool); on your own cluster, set it to false");
    else if (capacity && !capacity.shared) err(["jupyterhub", "profiles", i, "sharedGpu"], 'needs a pool that time-slices its GPUs: add cluster.sharedGpuNodePool (README "Pods PyTorch can train in"), or set it to false');
}

/** What the members are checked against: the hub's profiles (none without a hub) and the GPU pools. */
export interface MemberContext {
    readonly profiles: readonly NotebookProfile[] | undefined;
    readonly profileNames: ReadonlyMap<string, number>;
    readonly capacity: GpuCapacity | undefined;
    readonly clusterMode: ClusterMode;
}

/** Checks each member that parsed: unique usernames, quotas the pools can give, profiles within the quotas. */
export function checkMembers(members: readonly { member: TeamMember; index: number }[], c: MemberContext, err: Err): void {
    const seen = new Map<string, number>();
    const { capacity } = c;
    members.forEach(({ member: m, index: i }) => {
        const lower = m.username.toLowerCase();
        // GitLab usernames are case-insensitive.
        if (seen.has(lower)) err(["team", "members", i, "username"], `duplicates team.members[${seen.get(lower)}]: each member appears once`);
        else seen.set(lower, i);
        // Without a cluster a member's GPUs are never used: no check.
        if (capacity && c.clusterMode !== "none" && m.gpus > capacity.maxGpus) {
            err(["team", "members", i, "gpus"], `is more than the GPU pool can ever offer one member (${capacity.maxGpus} = ${capacity.maxNodes} node(s) × ${capacity.gpusPerNode} GPU(s) in the zone of their volume); lower it or grow the pool`);
        }
        const sharedGpus = m.sharedGpus ?? 0;
        if (sharedGpus > 0 && capacity && !capacity.shared) {
            err(["team", "members", i, "sharedGpus"], "needs a pool that time-slices its GPUs: add cluster.sharedGpuNodePool (EKS), or set it to 0");
        } else if (capacity?.shared && sharedGpus > capacity.shared.maxSlices) {
            const s = capacity.shared;
            err(["team", "members", i, "sharedGpus"], `is more than the shared GPU pool can ever offer one member (${s.maxSlices} = ${s.maxSlices / (s.gpusPerNode * s.replicasPerGpu)} node(s) × ${s.gpusPerNode} GPU(s) × ${s.replicasPerGpu} replicas in the zone of their volume); lower it or grow the pool`);
        }
        const profiles = c.profiles;
        if (!profiles) return;
        m.profiles?.forEach((name, j) => {
            const idx = c.profileNames.get(name);
            const path = ["team", "members", i, "profiles", j];
            if (idx === undefined) err(path, `is not a profile in jupyterhub.profiles (${[...c.profileNames.keys()].join(", ")})`);
            else if (profiles[idx]!.sharedGpu && profiles[idx]!.gpus > sharedGpus) err(path, `needs a shared GPU but this member's quota of shared GPUs (sharedGpus) is ${sharedGpus}`);
            else if (!profiles[idx]!.sharedGpu && profiles[idx]!.gpus > m.gpus) err(path, `needs ${profiles[idx]!.gpus} GPU(s) but this member's quota (gpus) is ${m.gpus}`);
        });
    });
}

/** The `team.members` entries that parse, with their indices (for checks across members when others do not). */
export function membersThatParse(team: unknown): { member: TeamMember; index: number }[] {
    const list = (team as { members?: unknown } | undefined)?.members;
    if (!Array.isArray(list)) return [];
    return list.flatMap((m, index) => {
        const parsed = memberSchema.safeParse(m);
        return parsed.success ? [{ member: parsed.data, index }] : [];
    });
}
