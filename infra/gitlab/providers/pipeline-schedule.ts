import * as pulumi from "@pulumi/pulumi";
import { clientFor, configureToken, deleteIfPresent, diffResult, GitLabResourceInputs, hasStatus, projectRef, PROVIDER_VERSION, readGone, readOwn, rest, TokenHolder } from "./common";

export interface PipelineScheduleInputs extends GitLabResourceInputs {
    readonly projectId: number;
    /** Unique per project: an existing schedule with this description is adopted. */
    readonly description: string;
    readonly ref: string;
    /** Cron expression, e.g. `0 3 * * 1`. */
    readonly cron: string;
    /** @default "UTC" */
    readonly cronTimezone: string;
    readonly active: boolean;
    /** Variables the scheduled pipeline gets. */
    readonly variables: Record<string, string>;
}

export interface PipelineScheduleOutputs extends PipelineScheduleInputs {
    readonly scheduleId: number;
}

interface ScheduleJson {
    id: number;
    description: string;
    ref: string;
    cron: string;
    cron_timezone: string;
    active: boolean;
    variables?: { key: string; value: string }[];
}

const collection = (i: { projectId: number }) => `projects/${projectRef(i.projectId)}/pipeline_schedules`;
const body = (i: PipelineScheduleInputs) => ({ description: i.description, ref: i.ref, cron: i.cron, cron_timezone: i.cronTimezone, active: i.active });

/**
 * GitLab stores a short branch ref expanded (`main` → `refs/heads/main`,
 * Ci::PipelineSchedule#expand_short_ref); compare in the form the stack wrote, or every `up`
 * shows an update.
 */
export function normalizeRef(live: string, wanted: string): string {
    if (live === `refs/heads/${wanted}` || live === `refs/tags/${wanted}`) return wanted;
    return live;
}

const fromLive = (i: PipelineScheduleInputs, s: ScheduleJson): PipelineScheduleOutputs => ({
    ...i,
    description: s.description,
    ref: normalizeRef(s.ref, i.ref),
    cron: s.cron,
    cronTimezone: s.cron_timezone,
    active: s.active,
    variables: Object.fromEntries((s.variables ?? []).map((v) => [v.key, v.value])),
    scheduleId: s.id,
});

/**
 * PUT a schedule. Only its owner may edit it, whatever their role (PipelineSchedulePolicy
 * `update_pipeline_schedule`): a Maintainer token takes ownership first, as GitLab's UI offers.
 */
async function edit(api: ReturnType<typeof clientFor>, endpoint: string, fields: Record<string, unknown>): Promise<ScheduleJson> {
    try {
        return await rest<ScheduleJson>(api, "put", endpoint, fields);
    } catch (e) {
        if (!hasStatus(e, 403)) throw e;
        await rest(api, "post", `${endpoint}/take_ownership`);
        return rest<ScheduleJson>(api, "put", endpoint, fields);
    }
}

/** Makes the schedule's variables exactly `want`: add, change, remove. */
async function syncVariables(api: ReturnType<typeof clientFor>, i: PipelineScheduleInputs, id: number): Promise<ScheduleJson> {
    const base = `${collection(i)}/${id}`;
    const live = await rest<ScheduleJson>(api, "get", base);
    const have = Object.fromEntries((live.variables ?? []).map((v) => [v.key, v.value]));
    for (const [key, value] of Object.entries(i.variables)) {
        if (!(key in have)) await rest(api, "post", `${base}/variables`, { key, value });
        else if (have[key] !== value) await rest(api, "put", `${base}/variables/${encodeURIComponent(key)}`, { value });
    }
    for (const key of Object.keys(have)) if (!(key in i.variables)) await rest(api, "delete", `${base}/variables/${encodeURIComponent(key)}`);
    return rest<ScheduleJson>(api, "get", base);
}

/** A scheduled pipeline (e.g. the weekly stale-experiment clean-up). */
export const pipelineScheduleProvider: pulumi.dynamic.ResourceProvider<PipelineScheduleInputs, PipelineScheduleOutputs> & TokenHolder = {
    async configure(req) {
        await configureToken(this as TokenHolder, req);
    },
    async diff(_id, olds, news) {
        return diffResult(olds, news, ["projectId", "gitlabUrl"], ["description", "ref", "cron", "cronTimezone", "active", "variables", "providerVersion"]);
    },
    async create(inputs) {
        const api = clientFor(inputs, this as TokenHolder);
        const existing = (await rest<ScheduleJson[]>(api, "get", collection(inputs), { per_page: 100 })).find((s) => s.description === inputs.description);
        const schedule = existing ? await edit(api, `${collection(inputs)}/${existing.id}`, body(inputs)) : await rest<ScheduleJson>(api, "post", collection(inputs), body(inputs));
        return { id: `${inputs.projectId}:${schedule.id}`, outs: fromLive(inputs, await syncVariables(api, inputs, schedule.id)) };
    },
    async read(id, props) {
        const api = clientFor(props!, this as TokenHolder);
        const live = await readOwn<ScheduleJson>(api, props!.projectId, `${collection(props!)}/${props!.scheduleId}`);
        // Deleted by hand: gone, so the next `up` schedules it again.
        return live ? { id, props: fromLive(props!, live) } : readGone<PipelineScheduleOutputs>();
    },
    async update(_id, olds, news) {
        const api = clientFor(news, this as TokenHolder);
        await edit(api, `${collection(news)}/${olds.scheduleId}`, body(news));
        return { outs: fromLive(news, await syncVariables(api, news, olds.scheduleId)) };
    },
    async delete(_id, props) {
        const api = clientFor(props, this as TokenHolder);
        await deleteIfPresent(api, `${collection(props)}/${props.scheduleId}`);
    },
};

export type PipelineScheduleArgs = { [K in keyof Omit<PipelineScheduleInputs, "kind" | "providerVersion">]: pulumi.Input<PipelineScheduleInputs[K]> };

export class PipelineSchedule extends pulumi.dynamic.Resource {
    declare readonly scheduleId: pulumi.Output<number>;

    constructor(name: string, args: PipelineScheduleArgs, opts?: pulumi.CustomResourceOptions) {
        super(pipelineScheduleProvider, name, { kind: "gitlab:PipelineSchedule", providerVersion: PROVIDER_VERSION, scheduleId: undefined, ...args }, opts);
    }
}
