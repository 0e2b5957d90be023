/**
 * What the audit expects of a project: the branch model (a stack's, or the default one), the
 * stack's tier and team, and which rules are mandatory. Every expected value comes from the
 * branch model and from the providers' own derivations (`projectSettings`, `accessLevelFor`,
 * `enforcementReport`); nothing here restates a rule.
 */
import { BranchModel, DEFAULT_BRANCH_MODEL, enforcementReport, GitLabTier, RuleEnforcement } from "../branch-model/branch-model";
import { ciSchema, runnersSchema, TeamMember } from "../config/schema";
import { TeamConfig } from "../config/validate";
import { parseEnvironmentImage } from "../environment/environment-image";
import { projectSettings } from "../gitlab/providers/project";
import { teamPipelineFor } from "../team-environment";
import { JOB_FIELDS, JobField } from "./ci-jobs";
import type { EnforcedBy } from "./compare";

/** The pipeline a project's CI file must hold, and which parts of each job are compared. */
export interface ExpectedPipeline {
    /** The `.gitlab-ci.yml` the package generates. */
    readonly text: string;
    /** The parts of each job compared: all of them for a stack's own pipeline. */
    readonly fields: readonly JobField[];
    /** Where it comes from, in words. */
    readonly source: string;
}

/** The team the members are compared with, and where it comes from. */
export interface ExpectedTeam {
    readonly members: readonly TeamMember[];
    /** In words: `stack 'dev'`, `team.yaml`. */
    readonly source: string;
}

/** What a project is audited against. */
export interface AuditTarget {
    readonly model: BranchModel;
    /** Where the model comes from: a stack's file, or the default model when auditing by URL. */
    readonly source: { readonly kind: "stack"; readonly stack: string } | { readonly kind: "default" };
    /** The stack's `gitlab.tier`; undefined without a stack. */
    readonly configuredTier?: GitLabTier;
    /** The team; undefined when none was given (members are then listed, and direct Owners found). */
    readonly team?: ExpectedTeam;
    /** Whether the team pipeline (with its rule-enforcing jobs) is deployed: the stack's `ci.pipeline`; true by default. */
    readonly ciPipeline: boolean;
    /** The generated pipeline for the tier the rules are judged on; undefined when none is deployed. */
    readonly pipeline?: (tier: GitLabTier) => ExpectedPipeline;
}

/** The audit target of a validated stack config. */
export function targetFromConfig(config: TeamConfig): AuditTarget {
    return {
        model: config.branchModel,
        source: { kind: "stack", stack: config.stack },
        configuredTier: config.gitlab.tier,
        team: { members: config.team.members, source: `stack '${config.stack}'` },
        ciPipeline: config.ci.pipeline,
        ...(config.ci.pipeline ? { pipeline: () => ({ text: teamPipelineFor(config).text, fields: JOB_FIELDS, source: `generated for stack '${config.stack}'` }) } : {}),
    };
}

/**
 * Without a stack, the runner tags, commands and image are unknown: the pipeline is generated
 * from the defaults of the stack schema, and only what does not depend on them is compared
 * (each job's stage, rules, `when` and `allow_failure`; the workflow rules).
 */
const DEFAULT_MODE_FIELDS: readonly JobField[] = ["stage", "gates", "when", "allow_failure"];

/** A stand-in image: the default pipeline's image is not compared. */
const PLACEHOLDER_IMAGE = "registry.example.com/ml-team-env/placeholder:v1";

/** The pipeline the package generates for the default model and defaults on `tier` (the branch-name job only below Premium). */
export function defaultPipeline(tier: GitLabTier): ExpectedPipeline {
    const image = parseEnvironmentImage(PLACEHOLDER_IMAGE);
    if (!image.ok) throw new Error(image.error);
    // The parts of a stack config teamPipelineFor reads, with the schema's defaults.
    const config = { branchModel: DEFAULT_BRANCH_MODEL, image: image.image, gitlab: { tier }, runners: runnersSchema.parse({}), ci: ciSchema.parse({}) } as unknown as TeamConfig;
    return { text: teamPipelineFor(config).text, fields: DEFAULT_MODE_FIELDS, source: "generated for the default model (stages, rules, when and allow_failure compared; tags and scripts depend on a stack)" };
}

/** The target of an audit without a stack: the default model, no tier, the team only when given. */
export function defaultTarget(team?: ExpectedTeam): AuditTarget {
    return { model: DEFAULT_BRANCH_MODEL, source: { kind: "default" }, ciPipeline: true, pipeline: defaultPipeline, ...(team ? { team } : {}) };
}

/** Who a row says enforces a rule, from the enforcement report's entry. */
export function enforcerOf(e: RuleEnforcement | undefined): EnforcedBy {
    return e?.enforcedBy === "gitlab" ? "gitlab" : e?.enforcedBy === "ci" ? "ci" : "nobody";
}

/** Each rule of the model with who should enforce it on `tier`, as the package itself reports it. */
export function expectedEnforcement(target: AuditTarget, tier: GitLabTier): RuleEnforcement[] {
    return enforcementReport(target.model, tier, { ciJobsDeployed: target.ciPipeline });
}

/** A project setting the model decides, with the rule id the enforcement report gives it. */
export interface ExpectedSetting {
    readonly id: string;
    readonly field: "only_allow_merge_if_pipeline_succeeds" | "only_allow_merge_if_all_discussions_are_resolved" | "remove_source_branch_after_merge" | "allow_merge_on_skipped_pipeline";
    readonly value: boolean;
    readonly rule: string;
}

/**
 * The merge settings as the project provider sets them (`projectSettings`), keyed by the
 * enforcement report's rule ids. `allow_merge_on_skipped_pipeline` has no id of its own there:
 * it belongs to "pipeline must succeed" (a skipped pipeline must not count as a passing one).
 */
export function expectedMergeSettings(model: BranchModel): ExpectedSetting[] {
    const mr = model.mergeRequests;
    const s = projectSettings({
        kind: "gitlab:Project",
        gitlabUrl: "",
        providerVersion: "",
        path: "",
        mode: "adopt",
        visibility: "",
        description: "",
        defaultBranch: model.defaultBranch,
        pipelineMustSucceed: mr.pipelineMustSucceed,
        allDiscussionsResolved: mr.allDiscussionsResolved,
        deleteSourceBranch: mr.deleteSourceBranch,
        jobTokenPush: false,
        deleteOnDestroy: false,
    });
    const v = (k: ExpectedSetting["field"]) => s[k] as boolean;
    return [
        { id: "merge-request:pipeline-must-succeed", field: "only_allow_merge_if_pipeline_succeeds", value: v("only_allow_merge_if_pipeline_succeeds"), rule: "pipeline must succeed to merge" },
        { id: "merge-request:skipped-pipeline", field: "allow_merge_on_skipped_pipeline", value: v("allow_merge_on_skipped_pipeline"), rule: "skipped pipeline counts as passed" },
        { id: "merge-request:discussions-resolved", field: "only_allow_merge_if_all_discussions_are_resolved", value: v("only_allow_merge_if_all_discussions_are_resolved"), rule: "discussions resolved to merge" },
        { id: "merge-request:delete-source-branch", field: "remove_source_branch_after_merge", value: v("remove_source_branch_after_merge"), rule: "delete source branch on merge" },
    ];
}

/**
 * Which rules fail the audit (exit code 1) and which only warn. Mandatory: whatever keeps
 * unreviewed or untested code out of the long-lived branches and keeps releases immutable
 * (protections, tags, pipeline gate, approvals, push rules, who may push), plus people with
 * more access than the stack grants and a wrong tier. Advisory: conveniences and hygiene
 * (discussions, source-branch deletion, stale-branch clean-up).
 */
export function isMandatory(id: string): boolean {
    if (id === "merge-request:discussions-resolved" || id === "merge-request:delete-source-branch") return false;
    if (id.startsWith("stale-branches:") || id === "server:edition") return false;
    return true;
}

/** A member's role in GitLab's words (lib/gitlab/access.rb). */
export function roleName(level: number): string {
    const names: Record<number, string> = { 5: "minimal access", 10: "guest", 15: "planner", 20: "reporter", 30: "developer", 40: "maintainer", 50: "owner", 60: "admin" };
    return names[level] ?? `level ${level}`;
}
