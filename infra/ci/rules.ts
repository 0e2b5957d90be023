/** The `rules:` and `workflow:rules` expressions of the team pipeline, from the branch model. */
import { BranchModel, BranchType } from "../branch-model/branch-model";

export type Rule = { readonly if?: string; readonly when?: "never" | "manual" | "always" | "on_success"; readonly changes?: unknown; readonly variables?: Record<string, string>; readonly allow_failure?: boolean };

export const MR_EVENT = `$CI_PIPELINE_SOURCE == "merge_request_event"`;
export const SCHEDULE = `$CI_PIPELINE_SOURCE == "schedule"`;
/** "Run pipeline" in GitLab's UI (or the API's pipeline create). */
export const WEB = `$CI_PIPELINE_SOURCE == "web"`;

/** Branch names written into rules as string literals; the model's long-lived branches are plain words. */
const RULE_LITERAL = /^[A-Za-z0-9._/-]+$/;

/**
 * The anchored regex (`=~ /.../` in a rule) that matches the same tags as a GitLab
 * protected-tag wildcard such as `v*`: `*` is any run of characters, the rest is literal.
 */
export function tagGlobToRegex(glob: string): string {
    const body = glob
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
        .join(".*");
    return `^${body}$`;
}

/** The model's release tag wildcard (its first protected tag, e.g. `v*`). */
function releaseTagGlob(model: BranchModel): string {
    const release = model.protectedTags[0];
    if (!release) throw new Error("the branch model has no protected tag: the release pipeline needs one (e.g. v*)");
    return release.name;
}

/** What comes before the version in a release tag: `v` for `v*`. */
export function releaseTagPrefix(model: BranchModel): string {
    const glob = releaseTagGlob(model);
    if (!glob.endsWith("*") || glob.indexOf("*") !== glob.length - 1) throw new Error(`release tag pattern ${glob} must be a prefix followed by a single * (e.g. v*)`);
    return glob.slice(0, -1);
}

/** The rule expression that matches release tags. */
export function releaseTag(model: BranchModel): string {
    return `$CI_COMMIT_TAG =~ /${tagGlobToRegex(releaseTagGlob(model))}/`;
}

export function branchIs(branch: string): string {
    if (!RULE_LITERAL.test(branch)) throw new Error(`branch '${branch}' cannot be written into a CI rule as a literal`);
    return `$CI_COMMIT_BRANCH == "${branch}"`;
}

function branchIsNot(branch: string): string {
    return branchIs(branch).replace(" == ", " != ");
}

/** A push or "Run pipeline" on a branch type's branches (`experiment/*`). */
export function branchTypeIs(prefix: string): string {
    if (!/^[a-z][a-z0-9-]*$/.test(prefix)) throw new Error(`branch type '${prefix}' cannot be written into a CI rule`);
    return `$CI_COMMIT_BRANCH =~ /^${prefix}\\//`;
}

/** Branch types whose untouched branches the weekly job archives and deletes. */
export function staleBranchTypes(model: BranchModel): BranchType[] {
    return model.branchTypes.filter((t) => t.staleAfterDays !== undefined);
}

/** Branch types whose pushes offer manual GPU training. */
export function trainingBranchTypes(model: BranchModel): string[] {
    return model.branchTypes.filter((t) => t.manualTraining).map((t) => t.prefix);
}

/**
 * The workflow rules: a pipeline for every merge request, for pushes to the default and
 * integration branches and to branch types that offer manual training, for release tags, for
 * schedules and for "Run pipeline"; never a branch pipeline beside a merge request pipeline
 * for the same push (GitLab's documented "switch between branch and merge request pipelines"
 * pattern, limited to pushes so schedules and manual runs are not blocked, and to short-lived
 * branches). A push to any other
 * branch gets no pipeline: its checks (and GPU time) start when the merge request is opened.
 */
export function workflowRules(model: BranchModel): readonly Rule[] {
    return [
        { if: MR_EVENT },
        // Not for the long-lived branches: their push pipelines publish the image and open the
        // hotfix back-merge, and `main` has a merge request open while it merges back into develop.
        { if: `$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS && $CI_PIPELINE_SOURCE == "push" && ${branchIsNot(model.defaultBranch)} && ${branchIsNot(model.integrationBranch)}`, when: "never" },
        { if: SCHEDULE },
        { if: WEB },
        { if: releaseTag(model) },
        { if: branchIs(model.defaultBranch) },
        { if: branchIs(model.integrationBranch) },
        ...trainingBranchTypes(model).map((p) => ({ if: branchTypeIs(p) })),
    ];
}

/** Checks run in merge requests and on the long-lived branches, never in a schedule or on a tag. */
export function mainlineRules(model: BranchModel): Rule[] {
    return [{ if: SCHEDULE, when: "never" }, { if: MR_EVENT }, { if: branchIs(model.defaultBranch) }, { if: branchIs(model.integrationBranch) }];
}
