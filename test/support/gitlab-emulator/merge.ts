/**
 * Merging a merge request (`PUT /projects/:id/merge_requests/:merge_request_iid/merge`) and the
 * merge checks it runs, with the head pipeline those checks read.
 *
 * Sources, GitLab's own code as its mirrors hold it:
 * - lib/api/merge_requests.rb at skratsch-solutions/gitlabhq@0156b022: the `put
 *   ':id/merge_requests/:merge_request_iid/merge'` route, and its helpers `execute_merge`
 *   (lines 146-163), `execute_immediate_merge!` (165-175), `build_merge_params` (177-188).
 * - app/models/merge_request.rb at skratsch-solutions/gitlabhq@24552040: `mergeable?`,
 *   `mergeable_state?`, `mergeable_state_checks_by_tier`, `can_be_merged_by?`,
 *   `can_remove_source_branch?`.
 * - app/services/merge_requests/mergeability/check_ci_status_service.rb at
 *   gitlabhq/gitlabhq@8ea46daa, lines 30-37 (`mergeable_ci_state?`) and 45-48
 *   (`can_skip_diff_head_pipeline?`); the newest version answers alike.
 *
 * Pipelines: this emulator runs none. A merge request has a head pipeline when its source
 * branch holds `.gitlab-ci.yml` (a merge request pipeline reads the CI file of the source
 * branch, Gitlab::Ci::Pipeline::Chain::Config::Content; without one it stops at "Missing CI
 * config file" and no pipeline is attached), one per head commit, `success` unless a test sets
 * another status with `setPipelineStatus`. Workflow rules that create no pipeline, CI config
 * paths other than the default, and pipelines still being created are not modelled.
 */
import { commitId } from "./commits";
import type { EmulatorCore } from "./index";
import { badRequest, bool, HttpError, ProjectState, projectByRef, recordNotFound, Role } from "./model";
import { canPushTo, isProtected, refMatches } from "./repository";

/** Ci::Pipeline's statuses (app/models/concerns/ci/has_status.rb AVAILABLE_STATUSES). */
export type PipelineStatus = "created" | "waiting_for_resource" | "preparing" | "pending" | "running" | "success" | "failed" | "canceled" | "skipped" | "manual" | "scheduled";

/** Ci::HasStatus::ACTIVE_STATUSES: a pipeline still going (`active?`). */
const ACTIVE: readonly PipelineStatus[] = ["waiting_for_resource", "preparing", "pending", "running"];

/** The path GitLab reads CI config from when the project sets no other (Ci::Pipeline::DEFAULT_CONFIG_PATH). */
export const CI_CONFIG_PATH = ".gitlab-ci.yml";

export interface PipelineView {
    readonly id: number;
    readonly sha: string;
    readonly ref: string;
    readonly status: PipelineStatus;
}

export interface MergeHelpers {
    /** The pipeline of `branch`'s head commit, or null when the branch holds no `.gitlab-ci.yml` (or does not exist). */
    headPipeline(project: string | number, branch: string): PipelineView | null;
    /** Sets the status of the pipeline of `branch`'s head commit; a later commit gets a new pipeline (`success`). */
    setPipelineStatus(project: string | number, branch: string, status: PipelineStatus): void;
}

type MergeRequestState = ProjectState["mergeRequests"][number];

/**
 * The identifiers of the merge checks modelled here, in the order MergeRequest.mergeable_state_checks_by_tier
 * runs them, then the git checks (mergeable_git_state_checks). EE's approval check is put before
 * CI here (its place in EE's tiers only decides which reason shows first). Not modelled: unresolved
 * discussions (the emulator has none), merge_after, locked LFS files, external status checks.
 */
type CheckId = "not_open" | "draft_status" | "not_approved" | "ci_must_pass" | "ci_still_running" | "commits_status" | "conflict";

/** Gitlab::Regex.merge_request_draft (lib/gitlab/regex/merge_requests.rb at gitlabhq/gitlabhq@db384e6b, lines 10-12), read by MergeRequest.draft?. */
const DRAFT = /^(\[draft\]|\(draft\)|draft:)/i;

export function registerMergeRoutes(core: EmulatorCore): MergeHelpers {
    const pipelines = new Map<number, Map<string, { id: number; status: PipelineStatus }>>();

    const pipelineFor = (p: ProjectState, branch: string): PipelineView | null => {
        const head = p.branches.get(branch);
        if (!head || !p.files.get(branch)?.has(CI_CONFIG_PATH)) return null;
        const byCommit = pipelines.get(p.id) ?? new Map<string, { id: number; status: PipelineStatus }>();
        pipelines.set(p.id, byCommit);
        const known = byCommit.get(head.commit) ?? { id: core.nextId(), status: "success" as const };
        byCommit.set(head.commit, known);
        return { id: known.id, sha: head.commit, ref: branch, status: known.status };
    };

    /**
     * Approvals a merge into `target` still needs (EE, licensed: CheckApprovedService is inactive
     * unless approval_feature_available?, ee/app/services/merge_requests/mergeability/check_approved_service.rb).
     * A project rule applies to every branch when it names no protected branch, else to the
     * branches its protected branches (or, with applies_to_all_protected_branches, all of them)
     * match (ApprovalProjectRule#applies_to_branch?, ee/app/models/approval_project_rule.rb).
     * Approving is not emulated, so a rule that requires any approval blocks the merge.
     */
    const approvalsMissing = (p: ProjectState, target: string): boolean => {
        if (!core.edition.premium) return false;
        const protectedNames = (ids: number[]) => [...p.protectedBranches.values()].filter((pb) => ids.includes(pb.id)).map((pb) => pb.name);
        return [...p.approvalRules.values()].some((r) => {
            if (r.approvals_required <= 0) return false;
            if (r.applies_to_all_protected_branches) return isProtected(p, target);
            const names = protectedNames(r.protected_branch_ids);
            return names.length === 0 || names.some((n) => refMatches(n, target));
        });
    };

    const failingChecks = (p: ProjectState, mr: MergeRequestState): CheckId[] => {
        const failing: CheckId[] = [];
        // CheckOpenStatusService, CheckDraftStatusService.
        if (mr.state !== "opened") failing.push("not_open");
        if (DRAFT.test(mr.title)) failing.push("draft_status");
        if (approvalsMissing(p, mr.target_branch)) failing.push("not_approved");
        // CheckCiStatusService#mergeable_ci_state? (check_ci_status_service.rb lines 30-37): with
        // "pipelines must succeed" no head pipeline fails the check (line 32); a skipped one passes
        // only with allow_merge_on_skipped_pipeline (lines 45-48); otherwise it must be `success`.
        // An active pipeline reports `ci_still_running` (DetailedMergeStatusService#ci_status).
        if (p.only_allow_merge_if_pipeline_succeeds) {
            const pipeline = pipelineFor(p, mr.source_branch);
            const passes = pipeline !== null && (pipeline.status === "success" || (pipeline.status === "skipped" && p.allow_merge_on_skipped_pipeline));
            if (!passes) failing.push(pipeline && ACTIVE.includes(pipeline.status) ? "ci_still_running" : "ci_must_pass");
        }
        // CheckCommitsStatusService: a merge request without commits (the source head is the target's) cannot merge.
        const source = p.branches.get(mr.source_branch);
        const target = p.branches.get(mr.target_branch);
        if (source && target && source.commit === target.commit) failing.push("commits_status");
        // A missing branch makes the merge request `broken?`, which check_mergeability marks
        // cannot_be_merged: CheckConflictStatusService fails. Real conflicts are not modelled
        // (no commit graph here), nor is CheckRebaseStatusService for fast-forward projects.
        if (!source || !target) failing.push("conflict");
        return failing;
    };

    const findMergeRequest = (p: ProjectState, iid: string, userId: number): MergeRequestState => {
        // find_project_merge_request: MergeRequestsFinder(...).find_by!(iid:): ActiveRecord's "404 Not found"
        // for an unknown iid, and for a Guest of a private project, who may not read merge requests
        // (doc/user/permissions.md; gitlab-org/gitlab-foss#53858).
        const mr = p.mergeRequests.find((m) => String(m.iid) === iid);
        if (!mr || (p.visibility === "private" && core.accessLevel(p, userId) < Role.Reporter)) throw recordNotFound();
        return mr;
    };

    const mergeRequestJson = (p: ProjectState, mr: MergeRequestState) => {
        const failing = failingChecks(p, mr);
        const pipeline = pipelineFor(p, mr.source_branch);
        // Entities::MergeRequest: detailed_merge_status is the first unsuccessful check's identifier
        // (MergeRequests::Mergeability::DetailedMergeStatusService), `mergeable` when none fails.
        return { ...mr, detailed_merge_status: failing[0] ?? "mergeable", head_pipeline: pipeline, sha: p.branches.get(mr.source_branch)?.commit ?? null };
    };

    core.route("GET", "/projects/:id/merge_requests/:iid", ({ params, userId }) => {
        const p = core.findProject(params[0]!, userId);
        return [200, mergeRequestJson(p, findMergeRequest(p, params[1]!, userId))];
    });

    core.route("PUT", "/projects/:id/merge_requests/:iid/merge", ({ params, body, userId }) => {
        const p = core.findProject(params[0]!, userId);
        const mr = findMergeRequest(p, params[1]!, userId);
        // `unauthorized! unless merge_request.can_be_merged_by?(current_user)`: Gitlab::UserAccess#can_update_branch?
        // on the target, push OR merge (lib/gitlab/user_access.rb), so a protected branch's "allowed to
        // merge" decides; helpers.rb renders it as 401 "401 Unauthorized", not 403.
        if (!canPushTo(core, p, mr.target_branch, userId) && !canPushTo(core, p, mr.target_branch, userId, "merge")) throw new HttpError(401, { message: "401 Unauthorized" });
        // Auto-merge (AutoMergeService strategies) is not emulated: say so rather than pretend.
        if (bool(body.merge_when_pipeline_succeeds) || bool(body.auto_merge)) throw badRequest("auto-merge (merge_when_pipeline_succeeds, auto_merge) is not emulated");
        // build_merge_params → check_sha_param! (lib/api/helpers.rb): 409 when `sha` is not the source head.
        const head = p.branches.get(mr.source_branch)?.commit;
        if (body.sha !== undefined && body.sha !== head) throw new HttpError(409, { message: `SHA does not match HEAD of source branch: ${head}` });
        // execute_merge: `elsif merge_request.mergeable?` … `else not_allowed!` (lines 158-162): any failing
        // check, the pipeline among them, is a 405 "405 Method Not Allowed"; GitLab names no reason.
        if (failingChecks(p, mr).length > 0) throw new HttpError(405, { message: "405 Method Not Allowed" });
        mergeInto(p, mr, userId, body.should_remove_source_branch);
        return [200, mergeRequestJson(p, mr)];
    });

    /**
     * MergeRequests::MergeService: the target branch gets the source's tree (no commit graph here:
     * the source's files are the merged result) and a merge commit, except fast-forward projects,
     * whose target moves to the source head with no merge commit.
     */
    const mergeInto = (p: ProjectState, mr: MergeRequestState, userId: number, shouldRemove: unknown) => {
        const source = p.branches.get(mr.source_branch)!;
        const now = new Date().toISOString();
        const ff = p.merge_method === "ff";
        const commit = ff ? source.commit : commitId();
        p.files.set(mr.target_branch, new Map(p.files.get(mr.source_branch) ?? []));
        p.branches.set(mr.target_branch, { commit, committed_date: now });
        Object.assign(mr, { state: "merged", merge_commit_sha: ff ? null : commit, merged_at: now, merge_user: core.user(userId) });
        // MergeService#delete_source_branch?: `should_remove_source_branch` when the merge sends it, else
        // the merge request's force_remove_source_branch; and can_remove_source_branch?(current_user):
        // never a protected branch nor the default branch, and only by someone with push_code (Developer).
        const asked = shouldRemove === undefined ? mr.force_remove_source_branch === true : bool(shouldRemove);
        const removable = !isProtected(p, mr.source_branch) && mr.source_branch !== p.default_branch && core.accessLevel(p, userId) >= Role.Developer;
        // MergeService#merge_request_merge_param records the choice only when the branch could go.
        if (removable && shouldRemove !== undefined) mr.should_remove_source_branch = bool(shouldRemove);
        // GitLab deletes it afterwards (DeleteSourceBranchWorker); here at once.
        if (asked && removable) {
            p.branches.delete(mr.source_branch);
            p.files.delete(mr.source_branch);
        }
    };

    return {
        headPipeline: (project, branch) => pipelineFor(projectByRef(core.state, project), branch),
        setPipelineStatus(project, branch, status) {
            const p = projectByRef(core.state, project);
            const pipeline = pipelineFor(p, branch);
            if (!pipeline) throw new Error(`${p.path_with_namespace}: ${branch} holds no ${CI_CONFIG_PATH}, so it has no pipeline`);
            pipelines.get(p.id)!.set(pipeline.sha, { id: pipeline.id, status });
        },
    };
}
