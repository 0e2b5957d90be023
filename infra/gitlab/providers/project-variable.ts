import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { clientFor, configureToken, deleteIfPresent, diffResult, getIfPresent, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, readGone, rest, TokenHolder } from "./common";

type Api = ReturnType<typeof clientFor>;

/** Where a CI/CD variable lives: GitLab keys project variables by key and environment scope (lib/api/ci/variables.rb). */
export interface VariableTarget {
    readonly projectId: number;
    readonly key: string;
    readonly environmentScope: string;
}

/** Settings of a variable that holds a secret. */
export interface SecretVariableSettings extends VariableTarget {
    /** Only pipelines of protected branches and tags get it. */
    readonly protected: boolean;
    /** Shown beside the variable in Settings > CI/CD (at most 255 characters). */
    readonly description: string;
}

/** A value's SHA-256, hex: tells whether a variable still holds a value without keeping the value in state. */
export function sha256(value: string): string {
    return createHash("sha256").update(value, "utf8").digest("hex");
}

/** HasVariable's key rule: letters, digits and `_`, at most 255. */
export const VARIABLE_KEY = /^[A-Za-z0-9_]{1,255}$/;

/**
 * What GitLab will mask: a masked raw variable needs at least 8 characters and no whitespace
 * (Ci::Maskable::MASK_AND_RAW_REGEX). Checked here so the error can name the rule without
 * GitLab's generic "is invalid", and never shows the value.
 */
function secretValueProblem(key: string, value: string): string | undefined {
    if (!VARIABLE_KEY.test(key)) return `CI/CD variable key '${key}' is not valid: use letters, digits and '_' (at most 255)`;
    if (!/^\S{8,}$/.test(value)) return `the value for CI/CD variable ${key} cannot be masked: GitLab masks only values of at least 8 characters with no spaces or line breaks (the value itself is not shown)`;
    return undefined;
}

const scopeFilter = (t: VariableTarget) => ({ filter: { environment_scope: t.environmentScope } });
const variablePath = (t: VariableTarget) => `projects/${projectRef(t.projectId)}/variables/${encodeURIComponent(t.key)}`;

/**
 * Writes `value` into a masked, raw (never `$`-expanded), env-var variable: creates it, or
 * replaces the value of the one with that key and scope. Masked keeps it out of job logs; not
 * hidden, so the provider can read it back to tell whether it still holds its value.
 */
export async function writeSecretVariable(api: Api, s: SecretVariableSettings, value: string): Promise<void> {
    const problem = secretValueProblem(s.key, value);
    if (problem) throw new Error(problem);
    const fields = { value, masked: true, raw: true, protected: s.protected, variable_type: "env_var", description: s.description };
    try {
        await rest(api, "post", `projects/${projectRef(s.projectId)}/variables`, { key: s.key, environment_scope: s.environmentScope, ...fields });
    } catch (e) {
        // Ci::Variable's key uniqueness per scope: "(KEY) has already been taken" is a 400 validation error.
        if (!(hasStatus(e, 400) && /has already been taken/.test((e as Error).message))) throw e;
        await rest(api, "put", variablePath(s), { ...fields, ...scopeFilter(s) });
    }
}

/** The SHA-256 of the variable's value; undefined when it is gone (or hidden, so unreadable). */
export async function variableDigest(api: Api, t: VariableTarget): Promise<string | undefined> {
    const live = await getIfPresent<{ value: string | null }>(api, variablePath(t), { "filter[environment_scope]": t.environmentScope });
    return typeof live?.value === "string" ? sha256(live.value) : undefined;
}

/**
 * Deletes the variable only while it still holds the value whose digest is `digest`: a
 * replacement that already wrote its own value into the same key keeps it.
 */
export async function deleteVariableIfHolding(api: Api, t: VariableTarget, digest: string): Promise<void> {
    if ((await variableDigest(api, t)) === digest) await deleteIfPresent(api, variablePath(t), { "filter[environment_scope]": t.environmentScope });
}

export interface ProjectVariableInputs extends GitLabResourceInputs, SecretVariableSettings {
    /** The secret; a Pulumi secret input, never an output. */
    readonly value: string;
}

export interface ProjectVariableOutputs extends Omit<ProjectVariableInputs, "value"> {
    /** SHA-256 of the value GitLab holds: how a change or drift shows without the value in the outputs. */
    readonly valueSha256: string;
}

const settingsOf = (i: ProjectVariableInputs): Omit<ProjectVariableOutputs, "valueSha256"> => {
    const { value: _value, ...rest } = i;
    void _value;
    return rest;
};

/**
 * A masked project CI/CD variable holding a secret the stack provides (e.g. the bot token a
 * GitLab.com Free team creates by hand, where project access tokens are not available).
 */
export const projectVariableProvider: pulumi.dynamic.ResourceProvider<ProjectVariableInputs, ProjectVariableOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async check(_olds, news) {
        const problem = secretValueProblem(news.key, news.value);
        return problem ? { failures: [{ property: "value", reason: problem }] } : { inputs: news };
    },
    async diff(_id, olds, news) {
        const result = diffResult(olds, { ...settingsOf(news), valueSha256: sha256(news.value) }, ["projectId", "gitlabUrl", "key", "environmentScope"], ["valueSha256", "protected", "description", "providerVersion"], { createBeforeDelete: true });
        return result;
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        await writeSecretVariable(api, inputs, inputs.value);
        return { id: `${inputs.projectId}:${inputs.key}:${inputs.environmentScope}`, outs: { ...settingsOf(inputs), valueSha256: sha256(inputs.value) } };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const digest = await variableDigest(api, props!);
        // Gone: the next `up` writes it again. A changed value shows as a diff on valueSha256, which `up` puts back.
        return digest === undefined ? readGone<ProjectVariableOutputs>() : { id, props: { ...props!, valueSha256: digest } };
    },
    async update(_id, _olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await writeSecretVariable(api, news, news.value);
        return { outs: { ...settingsOf(news), valueSha256: sha256(news.value) } };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteVariableIfHolding(api, props, props.valueSha256);
    },
};

export type ProjectVariableArgs = { [K in keyof Omit<ProjectVariableInputs, "kind" | "providerVersion">]: pulumi.Input<ProjectVariableInputs[K]> };

/** A masked CI/CD variable whose value is a Pulumi secret; the outputs carry only its SHA-256. */
export class ProjectVariable extends pulumi.dynamic.Resource {
    declare readonly valueSha256: pulumi.Output<string>;

    constructor(name: string, args: ProjectVariableArgs, opts?: pulumi.CustomResourceOptions) {
        super(projectVariableProvider, name, { kind: "gitlab:ProjectVariable", providerVersion: PROVIDER_VERSION, valueSha256: undefined, ...args, value: pulumi.secret(args.value) }, opts);
    }
}
