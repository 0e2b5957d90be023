import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

/**
 * A runner's description: the package, the kind and the stack recorded as the project's manager.
 * A runner whose create answer was lost is recognised by it (below), so another stack's never match.
 */
export function runnerDescription(kind: string, owner: string): string {
    return `ml-team-env ${kind} runner (${owner})`;
}

export interface RunnerInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Shown in GitLab's runner list; also how an orphan from a lost answer is recognised. */
    readonly description: string;
    readonly tagList: readonly string[];
    /** Whether it takes jobs without tags. */
    readonly runUntagged: boolean;
    /** Locked to this project. */
    readonly locked: boolean;
    /** `not_protected`, or `ref_protected` to run only jobs of protected branches and tags. */
    readonly accessLevel: "not_protected" | "ref_protected";
    /** Longest a job may run, in seconds. */
    readonly maximumTimeout: number;
    /** Change it to rotate the token: the runner is replaced (new runner first, then the old one goes). */
    readonly rotation: string;
}

export interface RunnerOutputs extends RunnerInputs {
    readonly runnerId: number;
    /** The `glrt-` authentication token: returned once, by the create call, and kept as a secret. */
    readonly token: string;
}

interface RunnerJson {
    id: number;
    description: string;
    status?: string;
    tag_list: string[];
    run_untagged: boolean;
    locked: boolean;
    access_level: "not_protected" | "ref_protected";
    maximum_timeout: number | null;
}

/** lib/api/user_runners.rb params for a project runner. */
const settings = (i: RunnerInputs) => ({
    description: i.description,
    tag_list: [...i.tagList],
    run_untagged: i.runUntagged,
    locked: i.locked,
    access_level: i.accessLevel,
    maximum_timeout: i.maximumTimeout,
});
const fromLive = (i: RunnerInputs, r: RunnerJson): RunnerInputs => ({
    ...i,
    description: r.description,
    tagList: [...r.tag_list].sort(),
    runUntagged: r.run_untagged,
    locked: r.locked,
    accessLevel: r.access_level,
    maximumTimeout: r.maximum_timeout ?? 0,
});
const sorted = (i: RunnerInputs): RunnerInputs => ({ ...i, tagList: [...i.tagList].sort() });

/**
 * A project runner made with the runner-creation flow (`POST /user/runners`; registration
 * tokens are deprecated). Its settings live on the server: with a `glrt-` token the runner
 * manager may not set tags, run-untagged, locked, access level or timeout itself.
 */
export const runnerProvider: pulumi.dynamic.ResourceProvider<RunnerInputs, RunnerOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(sorted(olds), sorted(news), ["projectId", "gitlabUrl", "rotation"], ["description", "tagList", "runUntagged", "locked", "accessLevel", "maximumTimeout", "providerVersion"], { createBeforeDelete: true });
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        // The token is shown once: a runner whose create answer was lost is useless. Such an
        // orphan never contacted GitLab and carries this description; remove it first.
        // Best effort: a token limited to the create_runner scope cannot list runners.
        const existing = await rest<RunnerJson[]>(api, "get", `projects/${projectRef(inputs.projectId)}/runners`, { per_page: 100 }).catch((e: unknown) => {
            if (hasStatus(e, 403, 404)) return [];
            throw e;
        });
        for (const orphan of existing.filter((r) => r.description === inputs.description && r.status === "never_contacted")) {
            await deleteIfPresent(api, `runners/${orphan.id}`);
        }
        const created = await rest<{ id: number; token: string }>(api, "post", "user/runners", { runner_type: "project_type", project_id: inputs.projectId, ...settings(inputs) });
        return { id: String(created.id), outs: { ...sorted(inputs), runnerId: created.id, token: created.token } };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        // A runner is gone with its project too: readOwn tells the two apart.
        const live = await readOwn<RunnerJson>(api, props!.projectId, `runners/${id}`);
        // GitLab never returns the token again: keep the one from create.
        return live ? { id, props: { ...props!, ...fromLive(props!, live) } } : readGone<RunnerOutputs>();
    },
    async update(id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await rest(api, "put", `runners/${id}`, settings(news));
        return { outs: { ...sorted(news), runnerId: olds.runnerId, token: olds.token } };
    },
    async delete(id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, `runners/${id}`);
    },
};

export type RunnerArgs = { [K in keyof Omit<RunnerInputs, "kind" | "providerVersion">]: pulumi.Input<RunnerInputs[K]> };

/** A GitLab project runner; `token` is a Pulumi secret. */
export class Runner extends pulumi.dynamic.Resource {
    declare readonly runnerId: pulumi.Output<number>;
    declare readonly token: pulumi.Output<string>;

    constructor(name: string, args: RunnerArgs, opts?: pulumi.CustomResourceOptions) {
        super(runnerProvider, name, { kind: "gitlab:Runner", providerVersion: PROVIDER_VERSION, runnerId: undefined, token: undefined, ...args }, { ...opts, additionalSecretOutputs: ["token"] });
    }
}
