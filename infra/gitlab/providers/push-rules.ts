import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, isNotFound, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

export interface PushRulesInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Anchored regex every pushed branch name must match (from the branch model). */
    readonly branchNameRegex: string;
    readonly preventSecrets: boolean;
    readonly denyDeleteTag: boolean;
}

/** `GET /projects/:id/push_rule` (Premium); GitLab answers `null` when the project has none. */
export interface PushRuleJson {
    readonly branch_name_regex: string | null;
    readonly prevent_secrets: boolean;
    readonly deny_delete_tag: boolean;
}

const body = (i: PushRulesInputs) => ({ branch_name_regex: i.branchNameRegex, prevent_secrets: i.preventSecrets, deny_delete_tag: i.denyDeleteTag });
const fromLive = (i: PushRulesInputs, r: PushRuleJson): PushRulesInputs => ({
    ...i,
    branchNameRegex: r.branch_name_regex ?? "",
    preventSecrets: r.prevent_secrets,
    denyDeleteTag: r.deny_delete_tag,
});
const path = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/push_rule`;

/** The project's push rule (Premium): branch naming, secret detection, no tag deletion. */
export const pushRulesProvider: pulumi.dynamic.ResourceProvider<PushRulesInputs, PushRulesInputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "gitlabUrl"], ["branchNameRegex", "preventSecrets", "denyDeleteTag", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        // A project has one push rule: edit it when it exists (GET answers 200 with `null` when
        // there is none), else add it.
        const existing = await rest<PushRuleJson | null>(api, "get", path(inputs)).catch((e: unknown) => {
            // Without the licensed feature GitLab answers 404 (ee/lib/api/project_push_rule.rb), and CE has no such route.
            if (isNotFound(e) && !/Project Not Found/.test((e as Error).message)) throw new Error(`GitLab has no push rules for project ${inputs.projectId} (404 on GET ${path(inputs)}): they need GitLab Premium or Ultimate, and this server or group is Free or Community Edition. Set ml-team-env:gitlab.tier to free (the branch-name rule is then enforced by a CI job) or upgrade.`);
            throw e;
        });
        // A POST retried after a lost answer finds the rule there (422): edit it instead.
        const live = existing
            ? await rest<PushRuleJson>(api, "put", path(inputs), body(inputs))
            : await rest<PushRuleJson>(api, "post", path(inputs), body(inputs)).catch(() => rest<PushRuleJson>(api, "put", path(inputs), body(inputs)));
        return { id: `${inputs.projectId}:push_rule`, outs: fromLive(inputs, live) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        // No rule (GitLab answers `null`), or no push rules at all any more (404, the licence
        // lapsed): gone, so the next `up` makes it again, or says the tier lacks it.
        const live = await readOwn<PushRuleJson | null>(api, props!.projectId, path(props!));
        return live && typeof live === "object" ? { id, props: fromLive(props!, live) } : readGone<PushRulesInputs>();
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        return { outs: fromLive(news, await rest<PushRuleJson>(api, "put", path(news), body(news))) };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, path(props));
    },
};

export type PushRulesArgs = { [K in keyof Omit<PushRulesInputs, "kind" | "providerVersion">]: pulumi.Input<PushRulesInputs[K]> };

export class PushRules extends pulumi.dynamic.Resource {
    constructor(name: string, args: PushRulesArgs, opts?: pulumi.CustomResourceOptions) {
        super(pushRulesProvider, name, { kind: "gitlab:PushRules", providerVersion: PROVIDER_VERSION, ...args }, opts);
    }
}
