import * as pulumi from "@pulumi/pulumi";
import { gitLabApiError, GitLabApiError } from "../client";
import { clientFor, configureToken, diffResult, getIfPresent, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, rest, TokenHolder } from "./common";

export interface RepositoryFileInputs extends GitLabResourceInputs {
    readonly projectId: number;
    readonly filePath: string;
    readonly content: string;
    /** The branch the file belongs on (the default branch). */
    readonly branch: string;
    readonly commitMessage: string;
    /**
     * `merge-request`: commit on `proposalBranch` and open a merge request into `branch`, so
     * the change goes through the same review and pipeline as everyone's. `direct`: commit on
     * `branch`, which works only where the token's user may push to it (not a protected `main`).
     */
    readonly mode: "direct" | "merge-request";
    /** Branch for the proposal; it must satisfy the naming rule (e.g. `feature/ml-team-env-ci`). */
    readonly proposalBranch: string;
}

export interface RepositoryFileOutputs extends RepositoryFileInputs {
    /** The merge request proposing the file, in `merge-request` mode. */
    readonly mergeRequestUrl: string;
}

interface FileJson {
    content: string;
}
interface MergeRequestJson {
    iid: number;
    web_url: string;
}

const fileEndpoint = (i: RepositoryFileInputs) => `projects/${projectRef(i.projectId)}/repository/files/${encodeURIComponent(i.filePath)}`;

async function readContent(api: ReturnType<typeof clientFor>, i: RepositoryFileInputs, branch: string): Promise<string | undefined> {
    const f = await getIfPresent<FileJson>(api, fileEndpoint(i), { ref: branch });
    return f === undefined ? undefined : Buffer.from(f.content, "base64").toString("utf8");
}

/** Commits `content` on `branch` (create or update), unless it is already there. */
async function commit(api: ReturnType<typeof clientFor>, i: RepositoryFileInputs, branch: string): Promise<void> {
    const current = await readContent(api, i, branch);
    if (current === i.content) return;
    const body = { branch, content: i.content, commit_message: i.commitMessage };
    try {
        await rest(api, current === undefined ? "post" : "put", fileEndpoint(i), body);
    } catch (e) {
        // The Files API refuses a commit to a protected branch with a 400 (lib/api/files.rb): say what to do instead.
        if (!(hasStatus(e, 400) && /not allowed to push/.test((e as Error).message))) throw e;
        const err = e as GitLabApiError;
        throw gitLabApiError(`${err.message}. The token's user may not push to that branch; let the file land by merge request (gitlab.ciFileCommit: merge-request).`, err.status, err.ambiguous);
    }
}

/** Lands the file: directly, or on the proposal branch with an open merge request (reused if one is open). */
async function land(api: ReturnType<typeof clientFor>, i: RepositoryFileInputs): Promise<RepositoryFileOutputs> {
    if (i.mode === "direct") {
        await commit(api, i, i.branch);
        return { ...i, mergeRequestUrl: "" };
    }
    const branches = `projects/${projectRef(i.projectId)}/repository/branches`;
    if ((await getIfPresent(api, `${branches}/${encodeURIComponent(i.proposalBranch)}`)) === undefined) {
        await rest(api, "post", branches, { branch: i.proposalBranch, ref: i.branch });
    }
    await commit(api, i, i.proposalBranch);
    const mrs = `projects/${projectRef(i.projectId)}/merge_requests`;
    const open = await rest<MergeRequestJson[]>(api, "get", mrs, { source_branch: i.proposalBranch, state: "opened" });
    const mr =
        open[0] ??
        (await rest<MergeRequestJson>(api, "post", mrs, {
            source_branch: i.proposalBranch,
            target_branch: i.branch,
            title: i.commitMessage,
            description: `Proposed by ml-team-env: ${i.filePath} as the stack declares it.`,
            remove_source_branch: true,
        }));
    return { ...i, mergeRequestUrl: mr.web_url };
}

/** A file in the repository, such as `.gitlab-ci.yml`, kept as the stack declares it. */
export const repositoryFileProvider: pulumi.dynamic.ResourceProvider<RepositoryFileInputs, RepositoryFileOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "filePath", "gitlabUrl"], ["content", "branch", "commitMessage", "mode", "proposalBranch", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        return { id: `${inputs.projectId}:${inputs.filePath}`, outs: await land(api, inputs) };
    },
    async read(id, props) {
        // The content on the target branch is the truth: an unmerged proposal is still a difference.
        const api = clientFor(props!, this as TokenHolder);
        const live = await readContent(api, props!, props!.branch);
        return { id, props: { ...props!, content: live ?? "" } };
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        return { outs: await land(api, news) };
    },
    async delete() {
        // The file is part of the team's history; removing it is a change to review, not a side effect.
    },
};

export type RepositoryFileArgs = { [K in keyof Omit<RepositoryFileInputs, "kind" | "providerVersion">]: pulumi.Input<RepositoryFileInputs[K]> };

export class RepositoryFile extends pulumi.dynamic.Resource {
    declare readonly mergeRequestUrl: pulumi.Output<string>;

    constructor(name: string, args: RepositoryFileArgs, opts?: pulumi.CustomResourceOptions) {
        super(repositoryFileProvider, name, { kind: "gitlab:RepositoryFile", providerVersion: PROVIDER_VERSION, mergeRequestUrl: undefined, ...args }, opts);
    }
}
