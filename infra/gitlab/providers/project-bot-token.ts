import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, diffResult, getIfPresent, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, readGone, rest, restPages, TokenHolder } from "./common";
import { deleteVariableIfHolding, sha256, VARIABLE_KEY, variableDigest, writeSecretVariable } from "./project-variable";

type Api = ReturnType<typeof clientFor>;

export interface ProjectBotTokenInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** The token's name, which is also the bot user's display name. */
    readonly tokenName: string;
    /** The bot's role in this project: 30 (Developer) writes experiments, runs and model versions. */
    readonly accessLevel: number;
    /** Token scopes: `api` (the MLflow API takes `read_api` for reads only). */
    readonly scopes: readonly string[];
    /** Days from creation or rotation until the token expires: 1 to 365 (GitLab's maximum lifetime). */
    readonly expiresInDays: number;
    /** The CI/CD variable that holds the token, e.g. `ML_TEAM_ENV_BOT_TOKEN`. */
    readonly variableKey: string;
    /** The variable's environment scope; `*` for every job. */
    readonly environmentScope: string;
    /** Change it to rotate: a new token is made and stored, then the old one is revoked. */
    readonly rotation: string;
}

export interface ProjectBotTokenOutputs extends ProjectBotTokenInputs {
    readonly tokenId: number;
    /** The bot user: a member of this project only, at `accessLevel`. */
    readonly botUserId: number;
    readonly botUsername: string;
    /** When the token stops working, `YYYY-MM-DD`. */
    readonly expiresAt: string;
    /** SHA-256 of the token: whether the variable still holds it, without the token in state. */
    readonly tokenSha256: string;
}

interface AccessTokenJson {
    id: number;
    name: string;
    description?: string | null;
    active: boolean;
    user_id: number;
    expires_at: string | null;
    token?: string;
}

/** PersonalAccessToken::MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS (app/models/personal_access_token.rb). */
const MAX_TOKEN_LIFETIME_DAYS = 365;

/**
 * The bot as the package makes it: one place for the variable's key, which the generated
 * pipeline reads (`MLFLOW_TRACKING_TOKEN: $ML_TEAM_ENV_BOT_TOKEN`).
 */
export const BOT_TOKEN_DEFAULTS = {
    tokenName: "ml-team-env-bot",
    /** Developer: the least role that writes experiments, runs, models and versions (ProjectPolicy write_model_experiments, write_model_registry). */
    accessLevel: 30,
    scopes: ["api"],
    variableKey: "ML_TEAM_ENV_BOT_TOKEN",
    environmentScope: "*",
} as const;

/** Marks the tokens this resource makes, so one whose create answer was lost is recognised and revoked. */
const marker = (i: ProjectBotTokenInputs) => `Managed by ml-team-env; stored in the CI/CD variable ${i.variableKey}.`;
const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/access_tokens`;
const variableOf = (i: ProjectBotTokenInputs) => ({
    projectId: i.projectId,
    key: i.variableKey,
    environmentScope: i.environmentScope,
    // Not protected: tracked runs happen on feature and experiment branches too.
    protected: false,
    description: `Project access token of the ml-team-env bot (${i.tokenName}); written by Pulumi, rotated by changing its rotation input.`,
});

/** The input errors GitLab would answer less clearly, as [input, reason]. */
function checkInputs(i: ProjectBotTokenInputs): [keyof ProjectBotTokenInputs, string][] {
    const problems: [keyof ProjectBotTokenInputs, string][] = [];
    if (!Number.isInteger(i.expiresInDays) || i.expiresInDays < 1 || i.expiresInDays > MAX_TOKEN_LIFETIME_DAYS) problems.push(["expiresInDays", `must be a whole number of days from 1 to ${MAX_TOKEN_LIFETIME_DAYS} (GitLab's longest token lifetime), not ${i.expiresInDays}`]);
    if (i.scopes.length === 0) problems.push(["scopes", "must name at least one token scope, e.g. api"]);
    if (!VARIABLE_KEY.test(i.variableKey)) problems.push(["variableKey", `'${i.variableKey}' is not a CI/CD variable key: use letters, digits and '_'`]);
    return problems;
}

function assertInputs(i: ProjectBotTokenInputs): void {
    const problems = checkInputs(i);
    if (problems.length > 0) throw new Error(problems.map(([k, reason]) => `${k} ${reason}`).join("; "));
}

/** Why GitLab refused to make or list project access tokens, and what to do instead. */
function refusal(i: ProjectBotTokenInputs, e: unknown): Error {
    return new Error(
        `GitLab did not let ml-team-env create a project access token for project ${i.projectId} (${(e as Error).message}). ` +
            "Project access tokens need the deploying token's user to be a Maintainer of the project; on GitLab.com the top-level group must be on a paid plan " +
            "(Premium or Ultimate, not a trial); and a group Owner can turn their creation off ('Users can create project access tokens'). " +
            "Without them, give the bot credential as a stack secret instead (a token with the api scope of a user who is a Developer of this project only): " +
            "the package stores it in the same masked variable (docs/gitlab.md, 'The bot token').",
    );
}

/** Revokes a token; already gone (404) or its bot already removed from the project (400) is done. */
async function revoke(api: Api, i: { projectId: number }, tokenId: number): Promise<void> {
    try {
        await rest(api, "delete", `${collection(i)}/${tokenId}`);
    } catch (e) {
        if (!(hasStatus(e, 404) || (hasStatus(e, 400) && /Failed to find bot user/.test((e as Error).message)))) throw e;
    }
}

/**
 * Makes a token and stores it in the variable; the token value goes nowhere else. If the
 * variable cannot be written the new token is revoked, so no live token is left unrecorded.
 */
async function mintAndStore(api: Api, i: ProjectBotTokenInputs): Promise<ProjectBotTokenOutputs> {
    const expiresAt = new Date(Date.now() + i.expiresInDays * 86_400_000).toISOString().slice(0, 10);
    let created: AccessTokenJson;
    try {
        created = await rest<AccessTokenJson>(api, "post", collection(i), { name: i.tokenName, description: marker(i), scopes: [...i.scopes], access_level: i.accessLevel, expires_at: expiresAt });
    } catch (e) {
        // ResourceAccessTokens::CreateService answers a refused permission with a 400.
        if (hasStatus(e, 400) && /permission to create/.test((e as Error).message)) throw refusal(i, e);
        if (hasStatus(e, 403)) throw refusal(i, e);
        throw e;
    }
    const token = created.token!;
    try {
        await writeSecretVariable(api, variableOf(i), token);
    } catch (e) {
        await revoke(api, i, created.id).catch(() => undefined);
        throw e;
    }
    const bot = await rest<{ id: number; username: string }>(api, "get", `projects/${projectRef(i.projectId)}/members/${created.user_id}`);
    return { ...i, tokenId: created.id, botUserId: bot.id, botUsername: bot.username, expiresAt: created.expires_at ?? expiresAt, tokenSha256: sha256(token) };
}

/** Active tokens this resource made earlier but never recorded (a lost answer, a refresh that dropped it), `except` the current one. */
async function revokeStray(api: Api, i: ProjectBotTokenInputs, except: number): Promise<void> {
    let tokens: AccessTokenJson[];
    try {
        tokens = await restPages<AccessTokenJson>(api, collection(i), 20);
    } catch (e) {
        // `unauthorized!` (401) when the user cannot read the project's access tokens.
        if (hasStatus(e, 401, 403)) throw refusal(i, e);
        throw e;
    }
    // An older GitLab without token descriptions omits the field: then the name alone says it is ours.
    const ours = (t: AccessTokenJson) => t.name === i.tokenName && (t.description === marker(i) || !("description" in t));
    for (const t of tokens) if (t.active && t.id !== except && ours(t)) await revoke(api, i, t.id);
}

const TOKEN_KEYS = ["tokenName", "accessLevel", "scopes", "expiresInDays", "rotation"] as const;

/**
 * The ml-team-env bot: a project access token (its own bot user, a member of this project
 * only) kept in a masked CI/CD variable, so CI jobs can use GitLab's MLflow API, which takes
 * no CI job token. The token value is written to the variable the moment GitLab returns it and
 * is never an output: state keeps its id and SHA-256 only.
 */
export const projectBotTokenProvider: pulumi.dynamic.ResourceProvider<ProjectBotTokenInputs, ProjectBotTokenOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async check(_olds, news) {
        return { inputs: news, failures: checkInputs(news).map(([property, reason]) => ({ property, reason })) };
    },
    async diff(_id, olds, news) {
        return diffResult({ ...olds, scopes: [...olds.scopes].sort() }, { ...news, scopes: [...news.scopes].sort() }, ["projectId", "gitlabUrl", "variableKey", "environmentScope"], [...TOKEN_KEYS, "providerVersion"], { createBeforeDelete: true });
    },
    async create(inputs) {
        assertInputs(inputs);
        const api = clientFor(inputs, this as TokenHolder);
        const outs = await mintAndStore(api, inputs);
        await revokeStray(api, inputs, outs.tokenId);
        return { id: `${inputs.projectId}:${inputs.variableKey}:${inputs.environmentScope}`, outs };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await getIfPresent<AccessTokenJson>(api, `${collection(props!)}/${props!.tokenId}`);
        // Revoked, expired or deleted, or the variable gone or changed: gone, so `up` makes a new one.
        if (!live?.active) return readGone<ProjectBotTokenOutputs>();
        if ((await variableDigest(api, variableOf(props!))) !== props!.tokenSha256) return readGone<ProjectBotTokenOutputs>();
        return { id, props: { ...props!, expiresAt: live.expires_at ?? props!.expiresAt } };
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        assertInputs(news);
        if (!TOKEN_KEYS.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]))) {
            return { outs: { ...news, tokenId: olds.tokenId, botUserId: olds.botUserId, botUsername: olds.botUsername, expiresAt: olds.expiresAt, tokenSha256: olds.tokenSha256 } };
        }
        // Rotation: the new token is stored before the old one stops working, so no job sees a dead token.
        const outs = await mintAndStore(api, news);
        await revoke(api, olds, olds.tokenId);
        return { outs };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await revoke(api, props, props.tokenId);
        await deleteVariableIfHolding(api, variableOf(props), props.tokenSha256);
    },
};

export type ProjectBotTokenArgs = { [K in keyof Omit<ProjectBotTokenInputs, "kind" | "providerVersion">]: pulumi.Input<ProjectBotTokenInputs[K]> };

/** The bot's project access token, stored in a masked CI/CD variable; no output holds the token. */
export class ProjectBotToken extends pulumi.dynamic.Resource {
    declare readonly tokenId: pulumi.Output<number>;
    declare readonly botUserId: pulumi.Output<number>;
    declare readonly botUsername: pulumi.Output<string>;
    declare readonly expiresAt: pulumi.Output<string>;

    constructor(name: string, args: ProjectBotTokenArgs, opts?: pulumi.CustomResourceOptions) {
        super(projectBotTokenProvider, name, { kind: "gitlab:ProjectBotToken", providerVersion: PROVIDER_VERSION, tokenId: undefined, botUserId: undefined, botUsername: undefined, expiresAt: undefined, tokenSha256: undefined, ...args }, opts);
    }
}
