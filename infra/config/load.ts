/**
 * Reads the `ml-team-env:*` namespace from the Pulumi runtime's config and validates it.
 * The only place the program touches config; secrets come back as Pulumi secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { namespaceConfig } from "./namespace";
import { PROJECT, SECRET_KEYS, SecretKey } from "./schema";
import { ConfigError, formatConfigErrors, TeamConfig, validateStackConfig } from "./validate";

// Kept importable from here (tests and older callers); it lives in a module without the Pulumi SDK.
export { namespaceConfig } from "./namespace";

/** Secret config values, as Pulumi secrets. */
export interface TeamSecrets {
    /** GitLab token from config; when absent the GitLab providers read `GITLAB_TOKEN`. */
    readonly gitlabToken?: pulumi.Output<string>;
    /** kubeconfig of an existing cluster (`cluster.mode: existing`). */
    readonly kubeconfig?: pulumi.Output<string>;
    /** GitLab OAuth application secret for the hub's login (absent in `cluster.mode: none`, which has no hub). */
    readonly jupyterhubOAuthClientSecret?: pulumi.Output<string>;
    /** `.dockerconfigjson` for a private environment-image registry. */
    readonly registryDockerConfigJson?: pulumi.Output<string>;
    /** The pipeline's bot token, with `ci.tracking.botToken: stack-secret`. */
    readonly ciBotToken?: pulumi.Output<string>;
}

/** Placeholder for a secret a preview or plan runs without; `pulumi up` refuses to run without it. */
export function placeholderSecret(key: SecretKey): pulumi.Output<string> {
    return pulumi.secret(`<placeholder: ${PROJECT}:${key} is not set>`);
}

/**
 * Thrown by the program when the stack config is invalid; carries every problem. A
 * `RunError`, so Pulumi prints the message alone, without a stack trace or program source.
 */
export class ConfigValidationError extends pulumi.RunError {
    constructor(
        readonly stackName: string,
        readonly errors: readonly ConfigError[],
    ) {
        super(formatConfigErrors(stackName, errors));
        this.name = "ConfigValidationError";
    }
}

export interface LoadOptions {
    /** "Today" for EKS support windows. @default the current date (the offline plan and tests fix it) */
    readonly today?: Date;
}

/**
 * Validates the stack config before any resource is registered. Throws a
 * `ConfigValidationError` listing every problem; logs warnings.
 */
export function loadTeamConfig(options: LoadOptions = {}): { config: TeamConfig; secrets: TeamSecrets } {
    const stack = pulumi.getStack();
    // Which keys the stack file holds under `secure:`: the SDK's own record (exported, but not in its typings).
    const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(fullKey: string): boolean };
    const { raw, secretsPresent, plaintextSecrets, foreignKeys } = namespaceConfig(pulumi.runtime.allConfig(), isConfigSecret);
    const result = validateStackConfig(raw, {
        stack,
        secretsPresent,
        plaintextSecrets,
        foreignKeys,
        gitlabTokenInEnv: Boolean(process.env.GITLAB_TOKEN),
        deploying: !pulumi.runtime.isDryRun(),
        today: options.today,
    });
    for (const w of result.warnings) pulumi.log.warn(w);
    if (!result.ok) throw new ConfigValidationError(stack, result.errors);
    const cfg = new pulumi.Config(PROJECT);
    const optional = (key: SecretKey) => (secretsPresent.has(key) ? cfg.requireSecret(key) : undefined);
    // Validation has already refused a real deployment without the required ones.
    const required = (key: SecretKey) => optional(key) ?? placeholderSecret(key);
    return {
        config: result.config,
        secrets: {
            gitlabToken: optional(SECRET_KEYS.gitlabToken),
            kubeconfig: result.config.cluster.mode === "existing" ? required(SECRET_KEYS.kubeconfig) : undefined,
            jupyterhubOAuthClientSecret: result.config.jupyterhub ? required(SECRET_KEYS.jupyterhubOAuthClientSecret) : undefined,
            registryDockerConfigJson: optional(SECRET_KEYS.registryDockerConfigJson),
            ciBotToken: optional(SECRET_KEYS.ciBotToken),
        },
    };
}
