/**
 * Reads a project's live state for the audit, read-only, through the package's GitLab client
 * (its retry policy included). The project itself and the token must be readable, or nothing
 * can be audited (`AuditAccessError`); every other part is read on its own and may fail alone.
 */
import { createGitLabClient, GitLabApi, RetryPolicy } from "../gitlab/client";
import { branchExists, fetched, hasStatus, projectRef, readRepositoryFile, rest, restPages, statusOf } from "../gitlab/providers/common";
import { ProtectedBranchJson } from "../gitlab/providers/protected-branch";
import { ProtectedTagJson } from "../gitlab/providers/protected-tag";
import { PushRuleJson } from "../gitlab/providers/push-rules";
import { ApprovalRuleJson, CiFile, Fetched, LicenseJson, LiveProject, MemberJson, MergeRequestJson, MetadataJson, NamespaceJson, ProjectJson, Proposal, ScheduleJson, UserJson } from "./snapshot";
import { PACKAGE_PROPOSAL_PREFIX } from "../branch-model/branch-model";

/**
 * The audit cannot run: GitLab is unreachable, the token is rejected, or the project cannot
 * be seen. The CLI exits 2 on it (a usage or connection error, not a finding).
 */
export class AuditAccessError extends Error {
    constructor(
        message: string,
        /** HTTP status, or undefined when GitLab never answered. */
        readonly status: number | undefined,
    ) {
        super(message);
        this.name = "AuditAccessError";
    }
}

/** Where and as whom to read. */
export interface ReadOptions {
    /** GitLab base URL. */
    readonly url: string;
    /** Token with `read_api` (or `api`) scope. Never logged. */
    readonly token: string;
    /** Full project path `group[/subgroup]/name`, or its numeric id. */
    readonly project: string;
    readonly retry?: Partial<RetryPolicy>;
    /** The long-lived branches whose CI file is read. @default the project's default branch */
    readonly branches?: readonly string[];
}

/** Pages followed at most per list (100 items each): enough for any team project. */
const MAX_PAGES = 20;

/** Every page of a list endpoint, up to `MAX_PAGES`. */
const getAll = <T>(api: GitLabApi, endpoint: string, query?: Record<string, string>) => restPages<T>(api, endpoint, MAX_PAGES, query);

/** The CI file on `ref`; a 404 means there is none (GitLab says "File Not Found", or "Commit Not Found" for no such branch). */
async function readCiFile(api: GitLabApi, project: ProjectJson, ref: string): Promise<CiFile> {
    const configured = project.ci_config_path ?? "";
    // A path with '@' names another project's file and a URL a remote one: only local files are read.
    const path = configured && !configured.includes("@") && !/^https?:/.test(configured) ? configured : ".gitlab-ci.yml";
    const exists = await branchExists(api, project.id, ref);
    const content = exists ? await readRepositoryFile(api, project.id, path, ref) : undefined;
    return { path, ref, branchExists: exists, content: content ?? null };
}

/** The package's open merge requests (`PACKAGE_PROPOSAL_PREFIX`) with the CI file each proposes. */
async function readProposals(api: GitLabApi, project: ProjectJson): Promise<Proposal[]> {
    const open = await getAll<MergeRequestJson>(api, `projects/${project.id}/merge_requests`, { state: "opened" });
    const ours = open.filter((mr) => mr.source_branch.startsWith(PACKAGE_PROPOSAL_PREFIX));
    return Promise.all(ours.map(async (mr) => ({ iid: mr.iid, webUrl: mr.web_url, sourceBranch: mr.source_branch, targetBranch: mr.target_branch, ciFile: await readCiFile(api, project, mr.source_branch) })));
}

/** A failure that means the audit as a whole cannot run, with what to do about it. */
function accessError(e: unknown, what: string, options: ReadOptions): AuditAccessError {
    const status = statusOf(e);
    const message = (e as Error)?.message ?? String(e);
    if (status === undefined) return new AuditAccessError(`cannot reach GitLab at ${options.url}: ${message}`, status);
    if (status === 401) return new AuditAccessError(message, status);
    if (status === 404 || status === 403) {
        return new AuditAccessError(`no project '${options.project}' at ${options.url}, or the token's user cannot see it (${status} on ${what}): check the path and that the user is a member (Reporter or above; Maintainer to read push rules)`, status);
    }
    return new AuditAccessError(`GitLab answered ${status} on ${what}: ${message}`, status);
}

/**
 * Reads everything the audit compares. Throws `AuditAccessError` when GitLab is unreachable,
 * rejects the token, or the project cannot be read; any other part that fails is returned as
 * a failed `Fetched` value.
 */
export async function readLiveProject(options: ReadOptions): Promise<LiveProject> {
    const api = createGitLabClient({ url: options.url, token: options.token, ...(options.retry ? { retry: options.retry } : {}) });
    const ref = projectRef(options.project);
    let project: ProjectJson;
    try {
        project = await rest<ProjectJson>(api, "get", `projects/${ref}`);
    } catch (e) {
        throw accessError(e, `GET /projects/${ref}`, options);
    }
    const pid = project.id;
    const branches = [...new Set(options.branches ?? [project.default_branch ?? ""])].filter(Boolean);
    const [tokenUser, metadata, namespace, license, protectedBranches, protectedTags, pushRule, approvalRules, proposals, schedules, members, directMembers, ...files] = await Promise.all([
        fetched(() => rest<UserJson>(api, "get", "user")),
        // /metadata is GitLab 15.2+; /version is its older alias with the same fields.
        fetched(() => rest<MetadataJson>(api, "get", "metadata").catch((e: unknown) => (hasStatus(e, 404) ? rest<MetadataJson>(api, "get", "version") : Promise.reject(e)))),
        fetched(() => rest<NamespaceJson>(api, "get", `namespaces/${project.namespace.id}`)),
        fetched(() => rest<LicenseJson>(api, "get", "license")),
        fetched(() => getAll<ProtectedBranchJson>(api, `projects/${pid}/protected_branches`)),
        fetched(() => getAll<ProtectedTagJson>(api, `projects/${pid}/protected_tags`)),
        fetched(() => rest<PushRuleJson | null>(api, "get", `projects/${pid}/push_rule`).then((r) => (r && typeof r === "object" ? r : null))),
        fetched(() => getAll<ApprovalRuleJson>(api, `projects/${pid}/approval_rules`)),
        fetched(() => readProposals(api, project)),
        fetched(() => getAll<ScheduleJson>(api, `projects/${pid}/pipeline_schedules`)),
        fetched(() => getAll<MemberJson>(api, `projects/${pid}/members/all`)),
        fetched(() => getAll<MemberJson>(api, `projects/${pid}/members`)),
        ...branches.map((b) => fetched(() => readCiFile(api, project, b))),
    ]);
    const ciFiles = Object.fromEntries(branches.map((b, i) => [b, files[i] as Fetched<CiFile>]));
    // The token was good enough for the project; a 401 now would be a revoked token mid-run.
    if (!tokenUser.ok && (tokenUser.status === 401 || tokenUser.status === undefined)) throw accessError({ status: tokenUser.status, message: tokenUser.message }, "GET /user", options);
    return { gitlabUrl: options.url, project, tokenUser, metadata, namespace, license, protectedBranches, protectedTags, pushRule, approvalRules, ciFiles, proposals, schedules, members, directMembers };
}
