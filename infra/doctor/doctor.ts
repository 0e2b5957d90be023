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
import * as dns from "dns/promises";
import { gitlabSchema } from "../config/schema";
import { withGitLabTarget } from "../plan/stack-file";
import { checkNotebookReach, Resolve } from "./egress-check";
import { checkRole, checkScopes, checkTier, checkToken, gitlabChecks, noTokenChecks } from "./gitlab-checks";
import { checkMemberAccounts, checkProjectOwner } from "./member-checks";
import { GitLabUnreachableError, readGitLabFacts } from "./gitlab-facts";
import { checkInheritedRoles } from "./inherited-roles";
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
    /** Check this GitLab and project instead of the stack's (`--url`, `--project`). @default the stack's */
    readonly gitlab?: { readonly url?: string; readonly project?: string };
}

/** A GitLab project without a stack (`--url`, `--project`): only what GitLab says is checked. */
export interface DoctorTargetInput {
    readonly url: string;
    readonly project: string;
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
    /** Resolves GitLab's host name for the notebooks' reach. @default the system resolver (IPv4) */
    readonly resolve?: Resolve;
}

const systemResolve: Resolve = async (host) => (await dns.lookup(host, { all: true, family: 4 })).map((a) => a.address);

function configError(e: ConfigError): string {
    return `${e.key}${e.value === undefined ? "" : ` = ${JSON.stringify(e.value)}`}: ${e.message}`;
}

/** Runs every check and returns the report; stops after the config check when the config is invalid. */
export async function runDoctor(input: DoctorInput, deps: DoctorDeps): Promise<DoctorReport> {
    const { stack, stackFile, env } = input;
    const file = withGitLabTarget(input.file, input.gitlab ?? {});
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
            const facts = await readGitLabFacts({
                url: config.gitlab.url,
                token,
                projectPath: config.gitlab.project.path,
                mode: config.gitlab.project.mode,
                usernames: config.team.members.map((m) => m.username),
                ...(deps.gitlabRetry ? { retry: deps.gitlabRetry } : {}),
            });
            checks.push(...gitlabChecks(facts, config.gitlab, config.jupyterhub, today));
            if (facts.user.ok) {
                checks.push(checkMemberAccounts(facts, config.team.members));
                if (facts.inheritedRoles) checks.push(checkInheritedRoles(facts.inheritedRoles, config.team.members));
            }
            const owner = checkProjectOwner(facts, stack, config.gitlab.project.path, config.gitlab.project.takeOverFrom);
            if (owner) checks.push(owner);
        } catch (e) {
            if (!(e instanceof GitLabUnreachableError)) throw e;
            gitlabUnreachable = e.message;
            checks.push({ id: "gitlab.reachable", group: "gitlab", title: "reachable", status: "problem", summary: e.message, fix: `check gitlab.url (${config.gitlab.url}), the network and any proxy; then run doctor again` });
        }
    }

    // Needs no token: where the GitLab host resolves, against what notebooks may reach.
    checks.push(await checkNotebookReach(config.gitlab.url, config.jupyterhub, deps.resolve ?? systemResolve));

    checks.push(...(await runAwsChecks(config.cluster, deps.aws, progress)));
    return report(checks, { targets, ...(gitlabUnreachable !== undefined ? { gitlabUnreachable } : {}) });
}

/**
 * The GitLab checks alone, for a project without a stack: the token, its scopes, the role on the
 * project (or its group), the tier reported (there is no gitlab.tier to compare).
 */
export async function runDoctorOnTarget(input: DoctorTargetInput, deps: Omit<DoctorDeps, "aws">): Promise<DoctorReport> {
    const today = deps.today ?? new Date();
    const gitlab = gitlabSchema.parse({ url: input.url, project: { path: input.project } });
    const report = (checks: CheckResult[], extra: Partial<DoctorReport> = {}): DoctorReport => ({ stack: undefined, stackFile: undefined, project: input.project, targets: { gitlab: gitlab.url }, checks, ...extra });
    const token = input.env.GITLAB_TOKEN;
    if (!token) return report(noTokenChecks("GITLAB_TOKEN is not set", "export GITLAB_TOKEN=<a token with the api scope> (Edit profile → Access tokens) and run doctor again"));
    deps.progress?.(`checking GitLab at ${gitlab.url}...`);
    try {
        const facts = await readGitLabFacts({ url: gitlab.url, token, projectPath: gitlab.project.path, mode: "create", ...(deps.gitlabRetry ? { retry: deps.gitlabRetry } : {}) });
        if (!facts.user.ok) return report([checkToken(facts, today)]);
        return report([checkToken(facts, today), checkScopes(facts), checkRole(facts, gitlab), checkTier(facts, undefined)]);
    } catch (e) {
        if (!(e instanceof GitLabUnreachableError)) throw e;
        return report([{ id: "gitlab.reachable", group: "gitlab", title: "reachable", status: "problem", summary: e.message, fix: `check --url (${gitlab.url}), the network and any proxy; then run doctor again` }], { gitlabUnreachable: e.message });
    }
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
