import * as pulumi from "@pulumi/pulumi";
import { gitLabApiError, GitLabApi, GitLabApiError } from "../client";
import { branchExists, clientFor, configureToken, diffResult, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, readRepositoryFile, rest, TokenHolder } from "./common";

/** A file's path in the repository and its text. */
export interface TeamFileContent {
    readonly path: string;
    readonly content: string;
}

export interface RepositoryFilesInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Kept as generated (`.gitlab-ci.yml`): proposed again whenever a branch's copy differs. */
    readonly managed: readonly TeamFileContent[];
    /** Committed once where absent (the starter project); the team's from then on: never updated, never offered again. */
    readonly seeds: readonly TeamFileContent[];
    /** The long-lived branches that must hold the files, the default branch first. */
    readonly branches: readonly string[];
    /**
     * `merge-request`: one commit on a proposal branch and one merge request per long-lived
     * branch, so the files go through the review and pipeline everyone's changes do.
     * `direct`: one commit on each branch, which works only where the token's user may push.
     */
    readonly mode: "direct" | "merge-request";
    /** The proposal branch for each long-lived branch; each must satisfy the naming rule. */
    readonly proposalBranches: Readonly<Record<string, string>>;
    readonly commitMessage: string;
}

export interface RepositoryFilesOutputs extends RepositoryFilesInputs {
    /** Open merge requests proposing the files, by target branch. */
    readonly mergeRequests: Readonly<Record<string, string>>;
    /** Seed files already committed or proposed, by branch: never offered there again, whatever the team does with them. */
    readonly seeded: Readonly<Record<string, readonly string[]>>;
}

interface MergeRequestJson {
    iid: number;
    web_url: string;
}
type Api = GitLabApi;

const projectPath = (i: RepositoryFilesInputs) => `projects/${projectRef(i.projectId)}`;

/** What `branch` lacks (managed files that differ, seeds absent there and never offered before), and the texts read there. */
async function wanted(api: Api, i: RepositoryFilesInputs, branch: string, offered: readonly string[]): Promise<{ files: TeamFileContent[]; read: Map<string, string | undefined> }> {
    const read = new Map<string, string | undefined>();
    const text = async (path: string) => {
        read.set(path, await readRepositoryFile(api, i.projectId, path, branch));
        return read.get(path);
    };
    const files: TeamFileContent[] = [];
    for (const f of i.managed) if ((await text(f.path)) !== f.content) files.push(f);
    for (const f of i.seeds) if (!offered.includes(f.path) && (await text(f.path)) === undefined) files.push(f);
    return { files, read };
}

/**
 * One commit with `files` on `branch` (started from `start` when the branch is new), each
 * action chosen against the tree it applies to: Files::MultiService refuses `create` of an
 * existing file and `update` of a missing one, and fails the whole commit if one is wrong.
 */
async function commitFiles(api: Api, i: RepositoryFilesInputs, branch: string, start: string | undefined, files: readonly TeamFileContent[], baseTexts?: ReadonlyMap<string, string | undefined>): Promise<void> {
    const base = start ?? branch;
    const actions = [];
    for (const f of files) {
        // The base's texts when the caller has just read them there (`baseTexts`), else read now.
        const current = baseTexts?.has(f.path) ? baseTexts.get(f.path) : await readRepositoryFile(api, i.projectId, f.path, base);
        if (current === f.content) continue;
        actions.push({ action: current === undefined ? "create" : "update", file_path: f.path, content: f.content });
    }
    if (actions.length === 0) return;
    try {
        await rest(api, "post", `${projectPath(i)}/repository/commits`, { branch, ...(start ? { start_branch: start } : {}), commit_message: i.commitMessage, actions });
    } catch (e) {
        if (!(hasStatus(e, 400, 403) && /not allowed to push/.test((e as Error).message))) throw e;
        const err = e as GitLabApiError;
        // GitLab's own words (403 from authorize_push_to_branch!, 400 from Commits::CreateService), without the client's generic token advice.
        const said = /\(\d{3}: (.*?)\)(?::|$)/.exec(err.message)?.[1] ?? err.message;
        throw gitLabApiError(`GitLab refused the commit to ${branch} (${err.status}: ${said}): the token's user may not push to ${branch}; let the files land by merge request (gitlab.ciFileCommit: merge-request).`, err.status, err.ambiguous);
    }
}

/** The open merge request from `source` into `target`, opened if there is none. */
async function proposal(api: Api, i: RepositoryFilesInputs, source: string, target: string, files: readonly TeamFileContent[]): Promise<string> {
    const mrs = `${projectPath(i)}/merge_requests`;
    const open = await rest<MergeRequestJson[]>(api, "get", mrs, { source_branch: source, target_branch: target, state: "opened" });
    if (open[0]) return open[0].web_url;
    const managed = new Set(i.managed.map((f) => f.path));
    const list = files.map((f) => `- \`${f.path}\`${managed.has(f.path) ? " (kept by ml-team-env: change the stack, not the file)" : " (yours once merged: ml-team-env never changes it again)"}`);
    const created = await rest<MergeRequestJson>(api, "post", mrs, {
        source_branch: source,
        target_branch: target,
        title: i.commitMessage,
        description: [`Proposed by ml-team-env so that \`${target}\` holds what the stack declares:`, "", ...list].join("\n"),
        remove_source_branch: true,
    });
    return created.web_url;
}

/** Lands what each long-lived branch lacks, directly or by one merge request per branch. */
async function land(api: Api, i: RepositoryFilesInputs, previouslySeeded: Readonly<Record<string, readonly string[]>>): Promise<RepositoryFilesOutputs> {
    const mergeRequests: Record<string, string> = {};
    const seeded: Record<string, string[]> = {};
    const seedPaths = new Set(i.seeds.map((f) => f.path));
    for (const branch of i.branches) {
        const offered = previouslySeeded[branch] ?? [];
        const { files, read } = await wanted(api, i, branch, offered);
        seeded[branch] = [...new Set([...offered, ...files.filter((f) => seedPaths.has(f.path)).map((f) => f.path)])].sort();
        if (files.length === 0) continue;
        if (i.mode === "direct") {
            await commitFiles(api, i, branch, undefined, files, read);
            continue;
        }
        const source = i.proposalBranches[branch];
        if (!source) throw new Error(`no proposal branch given for ${branch}`);
        // An earlier proposal still open: add to it rather than start over.
        const exists = await branchExists(api, i.projectId, source);
        // A new proposal branch starts from `branch`, whose texts were just read.
        await commitFiles(api, i, source, exists ? undefined : branch, files, exists ? undefined : read);
        mergeRequests[branch] = await proposal(api, i, source, branch, files);
    }
    return { ...i, mergeRequests, seeded };
}

/**
 * Refresh: a managed file is as declared when its branch holds it, or while the package's
 * proposal for that branch is open and holds it (pending is not drift); otherwise the live
 * text comes back, and the next `up` proposes the file again. Seeds are never read back:
 * once offered they are the team's.
 */
async function readManaged(api: Api, props: RepositoryFilesOutputs): Promise<TeamFileContent[]> {
    const out: TeamFileContent[] = [];
    for (const f of props.managed) {
        let seen = f.content;
        for (const branch of props.branches) {
            const live = await readRepositoryFile(api, props.projectId, f.path, branch);
            if (live === f.content) continue;
            const source = props.proposalBranches[branch];
            const proposed = props.mode === "merge-request" && source !== undefined && props.mergeRequests[branch] !== undefined ? await readRepositoryFile(api, props.projectId, f.path, source) : undefined;
            if (proposed !== f.content) seen = live ?? "";
        }
        out.push({ path: f.path, content: seen });
    }
    return out;
}

/** Files the team's repository must hold: the pipeline (kept as generated) and the starter project (offered once). */
export const repositoryFilesProvider: pulumi.dynamic.ResourceProvider<RepositoryFilesInputs, RepositoryFilesOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "gitlabUrl"], ["managed", "seeds", "branches", "mode", "proposalBranches", "commitMessage", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        return { id: `${inputs.projectId}:files`, outs: await land(api, inputs, {}) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        return { id, props: { ...props!, managed: await readManaged(api, props!) } };
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        return { outs: await land(api, news, olds.seeded ?? {}) };
    },
    async delete() {
        // The files are part of the team's history; removing them is a change to review, not a side effect.
    },
};

export type RepositoryFilesArgs = { [K in keyof Omit<RepositoryFilesInputs, "kind" | "providerVersion">]: pulumi.Input<RepositoryFilesInputs[K]> };

export class RepositoryFiles extends pulumi.dynamic.Resource {
    /** Open merge requests proposing the files, by target branch. */
    declare readonly mergeRequests: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: RepositoryFilesArgs, opts?: pulumi.CustomResourceOptions) {
        super(repositoryFilesProvider, name, { kind: "gitlab:RepositoryFiles", providerVersion: PROVIDER_VERSION, mergeRequests: undefined, seeded: undefined, ...args }, opts);
    }
}
