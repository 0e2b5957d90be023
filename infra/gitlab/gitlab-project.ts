import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AccessLevel, BranchModel, branchNameRegex, enforcementReport, GitLabTier, PACKAGE_PROPOSAL_PREFIX, RuleEnforcement, tierAtLeast } from "../branch-model/branch-model";
import { gitlabBaseUrl } from "../config/gitlab-url";
import { TeamMember } from "../config/schema";
import { RetryPolicy } from "./client";
import { ApprovalRule } from "./providers/approval-rule";
import { Branch } from "./providers/branch";
import { GitLabProjectResource } from "./providers/project";
import { ProjectMember } from "./providers/project-member";
import { ProtectedBranch } from "./providers/protected-branch";
import { ProtectedTag } from "./providers/protected-tag";
import { PipelineSchedule } from "./providers/pipeline-schedule";
import { PushRules } from "./providers/push-rules";
import { RepositoryFiles } from "./providers/repository-files";
import { BOT_TOKEN_DEFAULTS, ProjectBotToken } from "./providers/project-bot-token";
import { ProjectVariable } from "./providers/project-variable";

/** A file the project's long-lived branches must hold. */
export interface ProjectFile {
    readonly path: string;
    readonly content: string;
    /**
     * `managed`: kept as generated (`.gitlab-ci.yml`); a change is proposed whenever a branch's
     * copy differs. `seed`: offered once where absent (the starter project, the image
     * definition); the team's from then on, never changed or offered again.
     */
    readonly ownership: "managed" | "seed";
}

/** A scheduled pipeline (e.g. the stale-branch clean-up). */
export interface ProjectSchedule {
    /** Unique per project. */
    readonly description: string;
    readonly cron: string;
    /** @default the default branch */
    readonly ref?: string;
    /** @default "UTC" */
    readonly cronTimezone?: string;
    /** @default {} */
    readonly variables?: Record<string, string>;
}

export interface GitLabProjectArgs {
    /** GitLab base URL. */
    readonly url: string;
    /** Subscription tier: Premium-only rules are created only where the tier has them. */
    readonly tier: GitLabTier;
    /** Full project path `group[/subgroup]/name`. */
    readonly path: string;
    /** `create` the project or `adopt` an existing one. @default "create" */
    readonly mode?: "create" | "adopt";
    /** @default "private" */
    readonly visibility?: string;
    /** @default "" */
    readonly description?: string;
    /** Delete the repository on destroy. @default false */
    readonly deleteOnDestroy?: boolean;
    /** The branch model everything is derived from. */
    readonly branchModel: BranchModel;
    /** The team; each member is one `ProjectMember`. */
    readonly members: readonly TeamMember[];
    /** Files the default and integration branches must hold, landed in one commit per branch. @default [] */
    readonly files?: readonly ProjectFile[];
    /** Message of that commit (and title of its merge requests). @default "ml-team-env: the team's pipeline and starter project" */
    readonly filesCommitMessage?: string;
    /** How files land: committed on each branch, or by one merge request per branch. @default "merge-request" */
    readonly fileCommit?: "direct" | "merge-request";
    /** Scheduled pipelines. @default [] */
    readonly schedules?: readonly ProjectSchedule[];
    /**
     * Let CI jobs push with their job token (GitLab ≥ 18.4 "Allow Git push requests to the
     * repository"), which the scheduled stale-branch clean-up needs. @default false
     */
    readonly jobTokenPush?: boolean;
    /**
     * Whether the team pipeline with its rule-enforcing jobs (branch names, stale branches) is
     * committed: the enforcement report then credits CI with those rules. @default false
     */
    readonly ciJobsDeployed?: boolean;
    /**
     * The pipeline's bot: the credential jobs use where GitLab takes no job token (its MLflow
     * API, opening merge requests), kept in the masked CI/CD variable `ML_TEAM_ENV_BOT_TOKEN`.
     * `project-access-token`: made and rotated here (a Developer of this project only).
     * `stack-secret`: a token the stack provides. @default none
     */
    readonly botToken?:
        | { readonly mode: "project-access-token"; readonly expiresInDays: number; readonly rotation: string }
        | { readonly mode: "stack-secret"; readonly value: pulumi.Input<string> };
    /**
     * The stack recorded in the project as its manager (a project another stack manages is
     * refused). @default `<organization>/<project>/<stack>#<8 random hex digits kept in the stack's state>`
     */
    readonly owner?: pulumi.Input<string>;
    /** Take the project over from this recorded owner (a stack that is gone). @default none */
    readonly takeOverFrom?: string;
    /** The stack's name in the names of what the project holds for it (proposal branches). @default pulumi.getStack() */
    readonly stack?: string;
    /** Client retry policy (tests shorten it). @default DEFAULT_RETRY */
    readonly retry?: Partial<RetryPolicy>;
}

/** `organization/project/stack`: the stack, as the Pulumi CLI names it. */
export function stackPath(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/** A branch name part: lowercase letters, digits, '.', '_' and '-' (the naming rule's slug). */
function slug(s: string): string {
    return s.replace(/[^a-z0-9._-]+/gi, "-").replace(/^[-.]+|-+$/g, "").toLowerCase();
}

/**
 * The branch a stack proposes `what` on: `feature/ml-team-env-<stack>-<what>`. The naming rule
 * accepts it, the audit recognises the package's merge requests by the `feature/ml-team-env-`
 * prefix, and two stacks never share (and so never replace) one.
 */
export function proposalBranchName(stack: string, what: string): string {
    return `${PACKAGE_PROPOSAL_PREFIX}${slug(stack)}-${slug(what)}`;
}

/** A schedule's description with the stack's record in it: a stack adopts only its own schedule by description. */
export function scheduleDescription(description: string, owner: string): string {
    return `${description} [${owner}]`;
}

/** The branch a stack proposes the team's files for the long-lived branch `target` on. */
export function filesProposalBranch(stack: string, target: string): string {
    return proposalBranchName(stack, `setup-${target}`);
}

/** GitLab access level of a team role. */
export function accessLevelFor(role: TeamMember["role"]): number {
    return role === "maintainer" ? AccessLevel.Maintainer : AccessLevel.Developer;
}

/** Which Premium resources a tier gets. */
export function premiumResources(tier: GitLabTier, model: BranchModel): { pushRules: boolean; approvalRule: boolean } {
    const premium = tierAtLeast(tier, "premium");
    return { pushRules: premium, approvalRule: premium && model.mergeRequests.approvalsOnDefaultBranch > 0 };
}

/**
 * The team's GitLab project with the branch model as code: merge settings, `develop`,
 * protected branches and tags, and on Premium push rules and the approval rule on `main`;
 * plus one membership per team member.
 */
export class GitLabProject extends pulumi.ComponentResource {
    readonly projectId: pulumi.Output<number>;
    readonly webUrl: pulumi.Output<string>;
    /** The stack recorded in the project as its manager. */
    readonly owner: pulumi.Output<string>;
    /** Each rule of the model with who enforces it on this tier (GitLab, CI or nobody). */
    readonly enforcement: pulumi.Output<RuleEnforcement[]>;

    constructor(name: string, args: GitLabProjectArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:gitlab:GitLabProject", name, {}, opts);
        const model = args.branchModel;
        const stack = args.stack ?? pulumi.getStack();
        // Kept in state: two stacks of the same name (two backends) still differ.
        const owner = args.owner ?? pulumi.interpolate`${stackPath()}#${new random.RandomId(`${name}-owner-id`, { byteLength: 4 }, { parent: this }).hex}`;
        const common = { gitlabUrl: gitlabBaseUrl(args.url, "GitLabProject url"), ...(args.retry ? { retry: args.retry } : {}) };

        const project = new GitLabProjectResource(
            `${name}-project`,
            {
                ...common,
                path: args.path,
                mode: args.mode ?? "create",
                visibility: args.visibility ?? "private",
                description: args.description ?? "",
                defaultBranch: model.defaultBranch,
                pipelineMustSucceed: model.mergeRequests.pipelineMustSucceed,
                allDiscussionsResolved: model.mergeRequests.allDiscussionsResolved,
                deleteSourceBranch: model.mergeRequests.deleteSourceBranch,
                jobTokenPush: args.jobTokenPush ?? false,
                deleteOnDestroy: args.deleteOnDestroy ?? false,
                owner,
                ...(args.takeOverFrom ? { takeOverFrom: args.takeOverFrom } : {}),
            },
            { parent: this },
        );
        const projectId = project.projectId;
        const onProject = { ...common, projectId };
        // Everything below lives in the project. `deletedWith`: when the project itself goes
        // (`destroy`, or a replacement), Pulumi does not delete these one by one. A kept project
        // therefore keeps its protections and members after `pulumi destroy` (nobody is locked
        // out, main is not left unprotected); a deleted project takes them with it. Removing one
        // rule or member from the stack still deletes just that (offboarding works).
        const child = { parent: this, deletedWith: project };
        const develop = new Branch(`${name}-${model.integrationBranch}`, { ...onProject, branch: model.integrationBranch, ref: model.defaultBranch }, child);
        const protections = new Map(
            model.protectedBranches.map((rule) => [
                rule.name,
                new ProtectedBranch(
                    `${name}-protect-${rule.name}`,
                    {
                        ...onProject,
                        name: rule.name,
                        pushAccessLevel: rule.pushAccessLevel,
                        mergeAccessLevel: rule.mergeAccessLevel,
                        unprotectAccessLevel: rule.unprotectAccessLevel,
                        allowForcePush: rule.allowForcePush,
                        // Code-owner approval is Premium; elsewhere send false so nothing is reset by surprise.
                        codeOwnerApprovalRequired: tierAtLeast(args.tier, "premium") && rule.codeOwnerApprovalRequired,
                    },
                    { ...child, dependsOn: [develop] },
                ),
            ]),
        );
        for (const tag of model.protectedTags) {
            new ProtectedTag(`${name}-tag-${tag.name}`, { ...onProject, name: tag.name, createAccessLevel: tag.createAccessLevel }, child);
        }

        const premium = premiumResources(args.tier, model);
        if (premium.pushRules) {
            new PushRules(
                `${name}-push-rules`,
                { ...onProject, branchNameRegex: branchNameRegex(model), preventSecrets: model.pushRules.preventSecrets, denyDeleteTag: model.pushRules.denyDeleteTag },
                child,
            );
        }
        const mainProtection = protections.get(model.defaultBranch);
        if (premium.approvalRule && mainProtection) {
            new ApprovalRule(
                `${name}-approval-${model.defaultBranch}`,
                { ...onProject, name: `${model.defaultBranch} approvals`, approvalsRequired: model.mergeRequests.approvalsOnDefaultBranch, protectedBranchId: mainProtection.protectedBranchId },
                child,
            );
        }

        const files = args.files ?? [];
        if (files.length > 0) {
            // Both long-lived branches get the files, each by its own merge request: a merge
            // request's pipeline runs the CI file of its source branch, so features cut from
            // `develop` have a pipeline only once `develop` holds it.
            const branches = [model.defaultBranch, model.integrationBranch];
            new RepositoryFiles(
                `${name}-files`,
                {
                    ...onProject,
                    managed: files.filter((f) => f.ownership === "managed").map(({ path, content }) => ({ path, content })),
                    seeds: files.filter((f) => f.ownership === "seed").map(({ path, content }) => ({ path, content })),
                    branches,
                    mode: args.fileCommit ?? "merge-request",
                    proposalBranches: Object.fromEntries(branches.map((b) => [b, filesProposalBranch(stack, b)])),
                    commitMessage: args.filesCommitMessage ?? "ml-team-env: the team's pipeline and starter project",
                },
                { ...child, dependsOn: [develop, ...protections.values()] },
            );
        }
        // Not deletedWith the project: when the stack goes, its bot's token is revoked even if the project stays.
        const bot = args.botToken;
        if (bot?.mode === "project-access-token") {
            new ProjectBotToken(`${name}-bot-token`, { ...onProject, ...BOT_TOKEN_DEFAULTS, scopes: [...BOT_TOKEN_DEFAULTS.scopes], expiresInDays: bot.expiresInDays, rotation: bot.rotation }, { parent: this });
        } else if (bot?.mode === "stack-secret") {
            new ProjectVariable(
                `${name}-bot-token`,
                { ...onProject, key: BOT_TOKEN_DEFAULTS.variableKey, value: bot.value, protected: false, environmentScope: BOT_TOKEN_DEFAULTS.environmentScope, description: "ml-team-env: the pipeline's bot token (stack secret ciBotToken)" },
                { parent: this },
            );
        }
        for (const sched of args.schedules ?? []) {
            // A readable name, short enough for a plan line; the earlier, whole-description name is an alias, so no stack replaces its schedule.
            const longName = `${name}-schedule-${sched.description.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
            new PipelineSchedule(
                `${name}-schedule-${slug(sched.description.replace(/^ml-team-env:\s*/, "")).slice(0, 34).replace(/[-.]+$/, "")}`,
                { ...onProject, description: pulumi.output(owner).apply((o) => scheduleDescription(sched.description, o)), ref: sched.ref ?? model.defaultBranch, cron: sched.cron, cronTimezone: sched.cronTimezone ?? "UTC", active: true, variables: sched.variables ?? {} },
                { ...child, aliases: [{ name: longName }] },
            );
        }

        for (const m of args.members) {
            // The group path is known before the project is: the member's inherited role is checked during the preview.
            new ProjectMember(`${name}-member-${m.username}`, { ...onProject, username: m.username, accessLevel: accessLevelFor(m.role), namespacePath: args.path.slice(0, args.path.lastIndexOf("/")) }, child);
        }

        this.projectId = projectId;
        this.owner = pulumi.output(owner);
        this.webUrl = project.webUrl;
        this.enforcement = pulumi.output(enforcementReport(model, args.tier, { ciJobsDeployed: args.ciJobsDeployed ?? false }));
        this.registerOutputs({ projectId: this.projectId, webUrl: this.webUrl, owner: this.owner, enforcement: this.enforcement });
    }
}
