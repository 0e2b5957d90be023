/**
 * The preflight before a stack's first `pulumi up`: the config validates, the secrets
 * `pulumi up` needs are set, the GitLab token can do what the stack does, and the AWS
 * account can hold the cluster. Reads only; changes nothing anywhere.
 */
import { SECRET_KEYS } from "../config/schema";
import { ConfigError, MissingSecret, TeamConfig } from "../config/validate";
import { RetryPolicy } from "../gitlab/client";
import { StackFileConfig, validateStackFile } from "../plan/stack-file";
import { AwsApiFactory } from "./aws-api";
import { runAwsChecks } from "./aws-preflight";
import { gitlabChecks, noTokenChecks } from "./gitlab-checks";
import { GitLabUnreachableError, readGitLabFacts } from "./gitlab-facts";
import { checkInheritedRoles, readInheritedRoles } from "./inherited-roles";
import { CheckResult, DoctorReport } from "./report";
import { imageCheck } from "./image-check";
import { ReadManifestOptions } from "../environment/image-manifest";

export interface DoctorInput {
    readonly stack: string;
    readonly file: StackFileConfig;
    /** The stack file's path as shown to the user. */
    readonly stackFile: string;
    /** Where GITLAB_TOKEN is read from. */
    readonly env: Readonly<Record<string, string | undefined>>;
}

export interface DoctorDeps {
    /** Builds the AWS API for the stack's region (tests pass fakes). */
    readonly aws: AwsApiFactory;
    /** Retries of the GitLab calls. @default DOCTOR_RETRY */
    readonly gitlabRetry?: Partial<RetryPolicy>;
    /** Today, for token expiry and EKS support windows. @default now */
    readonly today?: Date;
    /** Progress lines (stderr in the CLI). */
    readonly progress?: (line: string) => void;
    /** How the image registry is reached (tests point it at a local registry). @default HTTPS to the image's registry */
    readonly registry?: Omit<ReadManifestOptions, "dockerConfigJson">;
}

function configError(e: ConfigError): string {
    return `${e.key}${e.value === undefined ? "" : ` = ${JSON.stringify(e.value)}`}: ${e.message}`;
}

/** Runs every check and returns the report; stops after the config check when the config is invalid. */
export async function runDoctor(input: DoctorInput, deps: DoctorDeps): Promise<DoctorReport> {
    const { stack, file, stackFile, env } = input;
    const progress = deps.progress ?? (() => undefined);
    const today = deps.today ?? new Date();
    const preview = validateStackFile(stack, file, { gitlabTokenInEnv: Boolean(env.GITLAB_TOKEN), today, deploying: false });
    const report = (checks: CheckResult[], extra: Partial<DoctorReport> = {}): DoctorReport => ({ stack, stackFile, targets: {}, checks, ...extra });
    if (!preview.ok) {
        return report([
            {
                id: "config.valid",
                group: "config",
                title: "config",
                status: "problem",
                summary: `${stackFile} has ${preview.errors.length} config error${preview.errors.length === 1 ? "" : "s"}; nothing else was checked`,
                details: preview.errors.map(configError),
                fix: `fix these in the stack file (\`npm run plan -- --stack ${stack}\` shows them too), then run doctor again`,
            },
        ]);
    }
    const config = preview.config;
    // The preview's warnings about missing secrets are the secrets check's problems below.
    const secretWarnings = new Set(preview.missingSecrets.map((s) => s.warning));
    const warnings = preview.warnings.filter((w) => !secretWarnings.has(w));
    const checks: CheckResult[] = [{ id: "config.valid", group: "config", title: "config", status: "ok", summary: `${stackFile} is valid`, ...(warnings.length > 0 ? { details: warnings.map((w) => `warning: ${w}`) } : {}) }];
    checks.push(secretsCheck(preview.missingSecrets, config, env));
    // What only `pulumi up` refuses besides secrets (a placeholder left in the stack file).
    const atDeploy = validateStackFile(stack, file, { gitlabTokenInEnv: Boolean(env.GITLAB_TOKEN), today, deploying: true });
    const deployOnly = atDeploy.ok ? [] : atDeploy.errors.filter((e) => !preview.missingSecrets.some((m) => m.key === e.key));
    if (deployOnly.length > 0) {
        checks.push({ id: "config.deploy", group: "config", title: "pulumi up", status: "problem", summary: `\`pulumi up\` would refuse ${stackFile}: ${deployOnly.map((e) => e.key).join(", ")}`, details: deployOnly.map(configError), fix: "change what the lines marked CHANGE in the stack file still hold" });
    }

    progress(`reading the manifest of ${config.image.reference}...`);
    checks.push(await imageCheck(config, env, deps.registry));

    const targets: DoctorReport["targets"] = { gitlab: config.gitlab.url, ...(config.cluster.mode === "eks" ? { aws: config.cluster.region } : {}) };
    let gitlabUnreachable: string | undefined;
    const token = env.GITLAB_TOKEN;
    if (!token) {
        checks.push(
            ...(config.secretsPresent.has(SECRET_KEYS.gitlabToken)
                ? noTokenChecks("GITLAB_TOKEN is not set, and the stack's gitlabToken is encrypted: only the Pulumi CLI can decrypt it", "export it from the stack for this shell, then run doctor again", `export GITLAB_TOKEN="$(pulumi config get gitlabToken --stack ${stack})"`)
                : noTokenChecks("GITLAB_TOKEN is not set", "export GITLAB_TOKEN=<a token with the api scope> (Edit profile → Access tokens) and run doctor again")),
        );
    } else {
        progress(`checking GitLab at ${config.gitlab.url}...`);
        try {
            const facts = await readGitLabFacts({ url: config.gitlab.url, token, projectPath: config.gitlab.project.path, mode: config.gitlab.project.mode, ...(deps.gitlabRetry ? { retry: deps.gitlabRetry } : {}) });
            checks.push(...gitlabChecks(facts, config.gitlab, config.jupyterhub, today));
            if (facts.user.ok) {
                const projectPath = config.gitlab.project.path;
                const roles = await readInheritedRoles({ url: config.gitlab.url, token, namespacePath: projectPath.slice(0, projectPath.lastIndexOf("/")), members: config.team.members, ...(deps.gitlabRetry ? { retry: deps.gitlabRetry } : {}) });
                checks.push(checkInheritedRoles(roles, config.team.members));
            }
        } catch (e) {
            if (!(e instanceof GitLabUnreachableError)) throw e;
            gitlabUnreachable = e.message;
            checks.push({ id: "gitlab.reachable", group: "gitlab", title: "reachable", status: "problem", summary: e.message, fix: `check gitlab.url (${config.gitlab.url}), the network and any proxy; then run doctor again` });
        }
    }

    checks.push(...(await runAwsChecks(config.cluster, deps.aws, progress)));
    return report(checks, { targets, ...(gitlabUnreachable !== undefined ? { gitlabUnreachable } : {}) });
}

/**
 * The secrets `pulumi up` refuses to run without (a preview only warns). With the config
 * valid, the missing secrets are exactly the errors a deployment would report.
 */
function secretsCheck(missing: readonly MissingSecret[], config: TeamConfig, env: DoctorInput["env"]): CheckResult {
    const base = { id: "config.secrets", group: "config" as const, title: "secrets" };
    if (missing.length > 0) {
        return {
            ...base,
            status: "problem",
            summary: `\`pulumi up\` would refuse to run: ${missing.map((e) => e.key).join(", ")} ${missing.length === 1 ? "is" : "are"} not set`,
            details: missing.map(configError),
        };
    }
    const set = [...config.secretsPresent].sort().map((k) => `${k} (in the stack, encrypted)`);
    if (!config.secretsPresent.has(SECRET_KEYS.gitlabToken) && env.GITLAB_TOKEN) set.push("the GitLab token (GITLAB_TOKEN)");
    return { ...base, status: "ok", summary: `every secret \`pulumi up\` needs is set: ${set.join(", ")}` };
}
