/**
 * What the live audit reads from GitLab, as plain data: one snapshot of a project and its
 * server. Every part that can fail on its own (a feature the tier lacks, a role the token's
 * user lacks) is a `Fetched` value, so the comparison can say why a rule was not checked
 * instead of failing the whole audit.
 */
import { Fetched } from "../gitlab/providers/common";
import { ProtectedBranchJson } from "../gitlab/providers/protected-branch";
import { ProtectedTagJson } from "../gitlab/providers/protected-tag";
import { PushRuleJson } from "../gitlab/providers/push-rules";

// The audit's other modules take `Fetched` from here, with the shapes it wraps.
export type { Fetched };

/** Why a part of the snapshot is missing, for a row's "not checked": empty when it was read. */
export function unread(f: Fetched<unknown>, what: string): string {
    return f.ok ? "" : `could not read ${what} (${f.status ?? "no answer"}: ${f.message.split("\n")[0]})`;
}

/** `GET /projects/:id` fields the audit reads (doc/api/projects.md "Get a single project"). */
export interface ProjectJson {
    readonly id: number;
    readonly path_with_namespace: string;
    readonly web_url: string;
    readonly default_branch: string | null;
    readonly namespace: { readonly id: number; readonly full_path: string; readonly kind: string };
    readonly only_allow_merge_if_pipeline_succeeds?: boolean;
    readonly only_allow_merge_if_all_discussions_are_resolved?: boolean;
    readonly remove_source_branch_after_merge?: boolean | null;
    readonly allow_merge_on_skipped_pipeline?: boolean | null;
    /** Custom CI configuration path; empty or absent means `.gitlab-ci.yml`. */
    readonly ci_config_path?: string | null;
}

/** `GET /metadata` (lib/api/metadata.rb): `enterprise` is true on the EE codebase, licensed or not. */
export interface MetadataJson {
    readonly version?: string;
    readonly enterprise?: boolean;
}

/** `GET /namespaces/:id`: `plan` is shown only to the namespace's Owners and to admins (ee/lib/ee/api/entities/namespace.rb). */
export interface NamespaceJson {
    readonly id: number;
    readonly full_path: string;
    readonly plan?: string;
}

/** `GET /license` (admins only; EE): `null` when no licence is installed. */
export type LicenseJson = { readonly plan?: string; readonly expired?: boolean } | null;

/** `GET /user`: the token's own user. */
export interface UserJson {
    readonly id: number;
    readonly username: string;
    readonly is_admin?: boolean;
}

/** A project member (`/members` direct, `/members/all` with inherited ones). */
export interface MemberJson {
    readonly id: number;
    readonly username: string;
    /** The display name: a project access token's bot carries the token's name. */
    readonly name?: string;
    readonly access_level: number;
    readonly state?: string;
}

/** `GET /projects/:id/approval_rules` (Premium; ee/lib/ee/api/entities/approval_rule.rb). */
export interface ApprovalRuleJson {
    readonly id: number;
    readonly name: string;
    readonly rule_type: string;
    readonly approvals_required: number;
    /** Users who can approve under this rule, from its users and groups; none for `any_approver`. */
    readonly eligible_approvers?: readonly { readonly id: number; readonly username?: string }[];
    readonly protected_branches?: readonly { readonly id: number; readonly name: string }[];
    readonly applies_to_all_protected_branches?: boolean;
}

/** `GET /projects/:id/pipeline_schedules`. */
export interface ScheduleJson {
    readonly id: number;
    readonly description: string;
    readonly ref: string;
    readonly cron: string;
    readonly active: boolean;
}

/** `GET /projects/:id/merge_requests` fields the audit reads. */
export interface MergeRequestJson {
    readonly iid: number;
    readonly web_url: string;
    readonly source_branch: string;
    readonly target_branch: string;
}

/** The CI configuration file on one branch; `content` is null when there is none (or no such branch). */
export interface CiFile {
    readonly path: string;
    readonly ref: string;
    readonly content: string | null;
    /** False when the branch itself does not exist. */
    readonly branchExists: boolean;
}

/** An open merge request the package proposed (source branch `feature/ml-team-env-…`), with the CI file it proposes. */
export interface Proposal {
    readonly iid: number;
    readonly webUrl: string;
    readonly sourceBranch: string;
    readonly targetBranch: string;
    /** The CI file on its source branch. */
    readonly ciFile: CiFile;
}

/** Everything the audit compares, read in one go. */
export interface LiveProject {
    /** GitLab base URL. */
    readonly gitlabUrl: string;
    readonly project: ProjectJson;
    readonly tokenUser: Fetched<UserJson>;
    readonly metadata: Fetched<MetadataJson>;
    readonly namespace: Fetched<NamespaceJson>;
    readonly license: Fetched<LicenseJson>;
    readonly protectedBranches: Fetched<readonly ProtectedBranchJson[]>;
    readonly protectedTags: Fetched<readonly ProtectedTagJson[]>;
    readonly pushRule: Fetched<PushRuleJson | null>;
    readonly approvalRules: Fetched<readonly ApprovalRuleJson[]>;
    /** The CI file on each long-lived branch of the model, by branch name. */
    readonly ciFiles: Readonly<Record<string, Fetched<CiFile>>>;
    /** The package's open merge requests, whose changes are pending rather than drift. */
    readonly proposals: Fetched<readonly Proposal[]>;
    readonly schedules: Fetched<readonly ScheduleJson[]>;
    /** Direct and inherited members with their effective roles. */
    readonly members: Fetched<readonly MemberJson[]>;
    /** Direct members only, to tell inherited ones apart. */
    readonly directMembers: Fetched<readonly MemberJson[]>;
}
