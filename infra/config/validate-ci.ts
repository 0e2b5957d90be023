/**
 * Checks of the team layer that span keys: the pipeline's commands, timeouts and credentials
 * against the runners and the GitLab that will run them.
 */
import { RUNNER_MAX_TIMEOUT_SECONDS } from "../runners/runner-limits";
import { CiConfig, GitLabConfig, RunnersConfig } from "./schema";

type Err = (path: readonly PropertyKey[], message: string) => void;

/** A GitLab duration ("1d 2h 30m") in seconds. */
export function durationSeconds(text: string): number {
    const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
    return text.split(" ").reduce((sum, part) => sum + Number(part.slice(0, -1)) * unit[part.slice(-1)]!, 0);
}

/** Whether the GitLab is GitLab.com, where project access tokens need a paid namespace. */
function isGitLabCom(url: string): boolean {
    try {
        return new URL(url).hostname === "gitlab.com";
    } catch {
        return false;
    }
}

export function checkCi(ci: CiConfig, gitlab: GitLabConfig | undefined, runners: RunnersConfig | undefined, err: Err, needBotSecret: () => void): void {
    if (!ci.pipeline) return;
    if (runners?.enabled) {
        const max = RUNNER_MAX_TIMEOUT_SECONDS.gpu;
        for (const [key, value] of Object.entries(ci.timeouts)) {
            if (durationSeconds(value) > max) err(["ci", "timeouts", key], `is longer than the GPU runner lets a job run (${max / 3600}h, its maximum_timeout); shorten it or train in steps that resume from a checkpoint`);
        }
    }
    if (!ci.tracking.enabled) return;
    if (ci.tracking.botToken === "project-access-token" && gitlab && noProjectAccessTokens(gitlab)) {
        err(
            ["ci", "tracking", "botToken"],
            "is project-access-token, but GitLab.com creates project access tokens only in paid namespaces (ee/app/policies/ee/project_policy.rb). " +
                "Use botToken: stack-secret with `pulumi config set --secret ciBotToken <a token of a Developer with api scope>`, or set ci.tracking.enabled: false",
        );
    }
    if (botTokenMode(ci, gitlab) === "stack-secret") needBotSecret();
}

/** GitLab.com Free: no project access tokens (paid namespaces only). */
function noProjectAccessTokens(gitlab: GitLabConfig): boolean {
    return isGitLabCom(gitlab.url) && gitlab.tier === "free";
}

/** How the bot token is had: as configured, else a stack secret where project access tokens cannot be made. */
export function botTokenMode(ci: CiConfig, gitlab: GitLabConfig | undefined): "project-access-token" | "stack-secret" {
    return ci.tracking.botToken ?? (gitlab && noProjectAccessTokens(gitlab) ? "stack-secret" : "project-access-token");
}
