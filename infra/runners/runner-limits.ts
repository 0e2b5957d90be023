/** Longest a job may run on each runner (its maximum_timeout): CI checks an hour, GPU training four. Config validation reads it too, so no Pulumi here. */
export const RUNNER_MAX_TIMEOUT_SECONDS = { cpu: 3600, gpu: 4 * 3600 } as const;
