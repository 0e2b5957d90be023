import * as pulumi from "@pulumi/pulumi";
import { ownershipRefusal, readOwner, releaseOwner, writeOwner } from "./project-owner";
import { clientFor, configureToken, diffResult, getIfPresent, GitLabResourceInputs, hasStatus, isNotFound, known, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface ProjectInputs extends GitLabResourceInputs {
    /** Full path `group[/subgroup]/name`. */
    readonly path: string;
    /** `create` a project, or `adopt` the one at `path`. */
    readonly mode: "create" | "adopt";
    readonly visibility: string;
    readonly description: string;
    readonly defaultBranch: string;
    readonly pipelineMustSucceed: boolean;
    readonly allDiscussionsResolved: boolean;
    readonly deleteSourceBranch: boolean;
    /** Let CI jobs push with their job token (the scheduled stale-branch clean-up needs it; GitLab ≥ 18.4). */
    readonly jobTokenPush: boolean;
    /** Delete the repository when the resource is deleted. Off: the repository is the team's. */
    readonly deleteOnDestroy: boolean;
    /**
     * The stack that manages the project, recorded in it (project-owner.ts). A project recorded
     * as another stack's is refused. `GitLabProject` always sets it; without it nothing is recorded.
     */
    readonly owner?: string;
    /** Take the project over from this recorded owner (a stack that is gone). */
    readonly takeOverFrom?: string;
}

export interface ProjectOutputs extends ProjectInputs {
    readonly projectId: number;
    readonly webUrl: string;
}

interface ProjectJson {
    id: number;
    web_url: string;
    default_branch: string | null;
    visibility: string;
    description: string | null;
    only_allow_merge_if_pipeline_succeeds: boolean;
    only_allow_merge_if_all_discussions_are_resolved: boolean;
    remove_source_branch_after_merge: boolean;
    allow_merge_on_skipped_pipeline?: boolean;
    ci_push_repository_for_job_token_allowed?: boolean;
}

/**
 * The project settings the branch model decides, as GitLab's fields, without `visibility`:
 * GitLab checks Owner whenever `visibility` is present in a PUT, even unchanged
 * (lib/api/projects.rb `put ':id'`), so it is sent only when it must change.
 */
export function projectSettings(i: ProjectInputs): Record<string, unknown> {
    return {
        default_branch: i.defaultBranch,
        description: i.description,
        only_allow_merge_if_pipeline_succeeds: i.pipelineMustSucceed,
        only_allow_merge_if_all_discussions_are_resolved: i.allDiscussionsResolved,
        remove_source_branch_after_merge: i.deleteSourceBranch,
        // A skipped pipeline must not count as a passing one.
        allow_merge_on_skipped_pipeline: false,
        ci_push_repository_for_job_token_allowed: i.jobTokenPush,
    };
}

/** The PUT body that brings `live` to `want`: only what differs; `visibility` only when it changes. */
function settingsUpdate(want: ProjectInputs, live: ProjectJson): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    const liveValues = live as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(projectSettings(want))) {
        // A field this GitLab does not return (an older version) is sent, and read back as wanted.
        if (liveValues[k] === undefined || (liveValues[k] ?? "") !== v) body[k] = v;
    }
    if (live.visibility !== want.visibility) body.visibility = want.visibility;
    return body;
}

/** Live settings back in input terms, so a refresh shows drift as a diff. */
function fromLive(i: ProjectInputs, p: ProjectJson): ProjectOutputs {
    return {
        ...i,
        defaultBranch: p.default_branch ?? "",
        visibility: p.visibility,
        description: p.description ?? "",
        pipelineMustSucceed: p.only_allow_merge_if_pipeline_succeeds,
        allDiscussionsResolved: p.only_allow_merge_if_all_discussions_are_resolved,
        deleteSourceBranch: p.remove_source_branch_after_merge,
        jobTokenPush: p.ci_push_repository_for_job_token_allowed ?? i.jobTokenPush,
        projectId: p.id,
        webUrl: p.web_url,
    };
}

/** Applies what differs; GitLab needs at least one parameter, so an in-sync project is left alone. */
async function converge(api: ReturnType<typeof clientFor>, want: ProjectInputs, live: ProjectJson): Promise<ProjectJson> {
    const body = settingsUpdate(want, live);
    return Object.keys(body).length === 0 ? live : rest<ProjectJson>(api, "put", `projects/${live.id}`, body);
}

const UPDATABLE = ["visibility", "description", "defaultBranch", "pipelineMustSucceed", "allDiscussionsResolved", "deleteSourceBranch", "jobTokenPush", "deleteOnDestroy", "providerVersion", "mode", "owner", "takeOverFrom"] as const;

/** Why this stack may not manage the project (its record names another stack), or undefined. */
function refusalFor(want: ProjectInputs, recorded: string | undefined, previousOwner?: string): string | undefined {
    if (want.owner === undefined) return undefined;
    return ownershipRefusal({ path: want.path, recorded, owner: want.owner, ...(previousOwner ? { previousOwner } : {}), ...(want.takeOverFrom ? { takeOverFrom: want.takeOverFrom } : {}) });
}

/** Refuses a project another stack manages; records this stack as its manager. */
async function claim(api: ReturnType<typeof clientFor>, want: ProjectInputs, projectId: number, previousOwner?: string): Promise<void> {
    if (want.owner === undefined) return;
    const recorded = await readOwner(api, projectId);
    const refusal = refusalFor(want, recorded, previousOwner);
    if (refusal) throw new Error(refusal);
    await writeOwner(api, projectId, want.owner, recorded);
}

/** Creates or adopts a project and keeps its merge settings; never deletes it unless told to. */
export const projectProvider: pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    /**
     * Refuses a project another stack manages during the preview, before anything is changed (in
     * eks mode the cluster would otherwise be half made when create refused). When GitLab cannot
     * be asked here (no token yet, unreachable), create and update still refuse.
     */
    async check(olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (known(news.owner) && known(news.path) && known(news.gitlabUrl)) {
            try {
                const api = clientFor(news, this as TokenHolder);
                const project = await getIfPresent<{ id: number }>(api, `projects/${projectRef(news.path)}`);
                const refusal = project && refusalFor(news, await readOwner(api, project.id), olds?.owner);
                if (refusal) failures.push({ property: "owner", reason: refusal });
            } catch {
                // Not asked: create and update read the record again and refuse there.
            }
        }
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["path", "gitlabUrl"], UPDATABLE);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        // Read before create: an earlier attempt may have created it already.
        let project = await getIfPresent<ProjectJson>(api, `projects/${projectRef(inputs.path)}`);
        const existed = project !== undefined;
        // An existing project is checked (and claimed) before anything in it is changed.
        if (project) await claim(api, inputs, project.id);
        else {
            if (inputs.mode === "adopt") throw new Error(`gitlab.project.mode is 'adopt' but there is no project at ${inputs.path}; create it, fix the path, or use mode 'create'`);
            const group = inputs.path.slice(0, inputs.path.lastIndexOf("/"));
            const name = inputs.path.slice(inputs.path.lastIndexOf("/") + 1);
            const namespace = await rest<{ id: number }>(api, "get", `namespaces/${projectRef(group)}`);
            try {
                // Creating sets visibility as the creator: no Owner check at create time.
                project = await rest<ProjectJson>(api, "post", "projects", { name, path: name, namespace_id: namespace.id, initialize_with_readme: true, visibility: inputs.visibility, ...projectSettings(inputs) });
            } catch (e) {
                // A retried POST whose first answer was lost finds the project taken: it is ours.
                project = await rest<ProjectJson>(api, "get", `projects/${projectRef(inputs.path)}`).catch(() => {
                    throw e;
                });
            }
        }
        project = await converge(api, inputs, project);
        if (!existed) await claim(api, inputs, project.id);
        return { id: String(project.id), outs: fromLive(inputs, project) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        // Not `readGone` on a 404: GitLab answers 404 alike for a deleted project and for one the
        // token's user can no longer see (lib/api/helpers.rb find_project!), and dropping the
        // project from the state would make the next `up` create a new, empty one beside the
        // team's. The error names gitlab.project.path and the token's access instead.
        const project = await rest<ProjectJson>(api, "get", `projects/${id}`);
        // The live record, so a refresh shows a project another stack has taken.
        const { owner: _kept, ...live } = fromLive(props!, project);
        const owner = props!.owner === undefined ? undefined : await readOwner(api, id);
        return { id, props: owner === undefined ? live : { ...live, owner } };
    },
    async update(id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        const live = await rest<ProjectJson>(api, "get", `projects/${id}`);
        await claim(api, news, live.id, olds.owner);
        return { outs: fromLive(news, await converge(api, news, live)) };
    },
    async delete(id, props) {
        const api = clientFor(props, this as TokenHolder);
        // The repository is the team's work: only an explicit opt-in deletes it. A kept one is handed back.
        if (!props.deleteOnDestroy) {
            if (props.owner !== undefined) await releaseOwner(api, id, props.owner);
            return;
        }
        try {
            // Since GitLab 18.0 this marks the project for deletion (restorable for a retention
            // period) and frees its path; an already-marked project answers 400.
            await rest(api, "delete", `projects/${id}`);
        } catch (e) {
            if (!isNotFound(e) && !(hasStatus(e, 400) && /already marked for deletion/.test((e as Error).message))) throw e;
        }
    },
};

export type ProjectArgs = { [K in keyof Omit<ProjectInputs, "kind" | "providerVersion">]: pulumi.Input<ProjectInputs[K]> };

/** A GitLab project (created or adopted) with the branch model's merge settings. */
export class GitLabProjectResource extends pulumi.dynamic.Resource {
    declare readonly projectId: pulumi.Output<number>;
    declare readonly webUrl: pulumi.Output<string>;

    constructor(name: string, args: ProjectArgs, opts?: pulumi.CustomResourceOptions) {
        super(projectProvider, name, { kind: "gitlab:Project", providerVersion: PROVIDER_VERSION, projectId: undefined, webUrl: undefined, ...args }, opts);
    }
}
