import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, isNotFound, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

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
    /** Delete the repository when the resource is deleted. Off: the repository is the team's. */
    readonly deleteOnDestroy: boolean;
}

export interface ProjectOutputs extends ProjectInputs {
    readonly projectId: number;
    readonly webUrl: string;
}

interface ProjectJson {
    id: number;
    web_url: string;
    default_branch: string;
    visibility: string;
    description: string;
    only_allow_merge_if_pipeline_succeeds: boolean;
    only_allow_merge_if_all_discussions_are_resolved: boolean;
    remove_source_branch_after_merge: boolean;
}

/** The project settings the branch model decides, as GitLab's fields. */
export function projectSettings(i: ProjectInputs): Record<string, unknown> {
    return {
        default_branch: i.defaultBranch,
        visibility: i.visibility,
        description: i.description,
        only_allow_merge_if_pipeline_succeeds: i.pipelineMustSucceed,
        only_allow_merge_if_all_discussions_are_resolved: i.allDiscussionsResolved,
        remove_source_branch_after_merge: i.deleteSourceBranch,
    };
}

/** Live settings back in input terms, so a refresh shows drift as a diff. */
function fromLive(i: ProjectInputs, p: ProjectJson): ProjectOutputs {
    return {
        ...i,
        defaultBranch: p.default_branch,
        visibility: p.visibility,
        description: p.description ?? "",
        pipelineMustSucceed: p.only_allow_merge_if_pipeline_succeeds,
        allDiscussionsResolved: p.only_allow_merge_if_all_discussions_are_resolved,
        deleteSourceBranch: p.remove_source_branch_after_merge,
        projectId: p.id,
        webUrl: p.web_url,
    };
}

const UPDATABLE = ["visibility", "description", "defaultBranch", "pipelineMustSucceed", "allDiscussionsResolved", "deleteSourceBranch", "deleteOnDestroy", "providerVersion", "mode"] as const;

/** Creates or adopts a project and keeps its merge settings; never deletes it unless told to. */
export const projectProvider: pulumi.dynamic.ResourceProvider<ProjectInputs, ProjectOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["path", "gitlabUrl"], UPDATABLE);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        let project: ProjectJson | undefined;
        try {
            // Read before create: an earlier attempt may have created it already.
            project = await rest<ProjectJson>(api, "get", `projects/${projectRef(inputs.path)}`);
        } catch (e) {
            if (!isNotFound(e)) throw e;
        }
        if (!project) {
            if (inputs.mode === "adopt") throw new Error(`gitlab.project.mode is 'adopt' but there is no project at ${inputs.path}; create it, fix the path, or use mode 'create'`);
            const group = inputs.path.slice(0, inputs.path.lastIndexOf("/"));
            const name = inputs.path.slice(inputs.path.lastIndexOf("/") + 1);
            const namespace = await rest<{ id: number }>(api, "get", `namespaces/${projectRef(group)}`);
            try {
                project = await rest<ProjectJson>(api, "post", "projects", { name, path: name, namespace_id: namespace.id, initialize_with_readme: true, ...projectSettings(inputs) });
            } catch (e) {
                // A retried POST whose first answer was lost finds the project taken: it is ours.
                project = await rest<ProjectJson>(api, "get", `projects/${projectRef(inputs.path)}`).catch(() => {
                    throw e;
                });
            }
        }
        project = await rest<ProjectJson>(api, "put", `projects/${project.id}`, projectSettings(inputs));
        return { id: String(project.id), outs: fromLive(inputs, project) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const project = await rest<ProjectJson>(api, "get", `projects/${id}`);
        return { id, props: fromLive(props!, project) };
    },
    async update(id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        const project = await rest<ProjectJson>(api, "put", `projects/${id}`, projectSettings(news));
        return { outs: fromLive(news, project) };
    },
    async delete(id, props) {
        // The repository is the team's work: only an explicit opt-in deletes it.
        if (!props.deleteOnDestroy) return;
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, `projects/${id}`);
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
