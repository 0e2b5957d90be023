/**
 * Several file changes as one commit: `post ':id/repository/commits'` (lib/api/commits.rb),
 * which hands the actions to Files::MultiService and renders its errors as 400 `{message}`.
 */
import type { EmulatorCore, RequestContext } from "./index";
import { forbidden, HttpError, paramError } from "./model";
import { canPushTo } from "./repository";

const ACTIONS = ["create", "update", "delete", "move", "chmod"] as const;

/** A fresh 40-hex-digit commit id. */
export const commitId = (): string => [0, 1, 2, 3, 4].map(() => Math.random().toString(16).slice(2, 10).padEnd(8, "0")).join("");

export function registerCommitRoutes(core: EmulatorCore): void {
    // `get ':id/repository/commits/:sha/merge_requests'` (lib/api/commits.rb): authorize_read_code!,
    // then the merge requests that contain the commit (MergeRequestsFinder on the commit's sha,
    // which includes the merge commit a merge made); 404 'Commit' for an unknown sha is not
    // modelled (commits here are the branch heads and merge commits tests record).
    core.route("GET", "/projects/:id/repository/commits/:sha/merge_requests", (ctx) => {
        const p = core.findProject(ctx.params[0]!, ctx.userId);
        core.requireReadCode(p, ctx.userId);
        const sha = ctx.params[1]!;
        return [200, core.paginate(ctx, p.mergeRequests.filter((m) => m.merge_commit_sha === sha))];
    });

    core.route("POST", "/projects/:id/repository/commits", ({ params, body, userId }: RequestContext) => {
        // Grape: `requires :branch, :commit_message, :actions` (each action `requires :action, :file_path`).
        for (const f of ["branch", "commit_message"]) if (!body[f]) throw paramError(`${f} is missing`);
        if (!Array.isArray(body.actions) || body.actions.length === 0) throw paramError("actions is missing");
        for (const [i, a] of (body.actions as Record<string, unknown>[]).entries()) {
            if (!ACTIONS.includes(a.action as (typeof ACTIONS)[number])) throw paramError(`actions[${i}][action] does not have a valid value`);
            if (!a.file_path) throw paramError(`actions[${i}][file_path] is missing`);
        }
        const p = core.findProject(params[0]!, userId);
        const branch = String(body.branch);
        // `authorize_push_to_branch!(params[:branch])`: forbidden! unless the user may push there.
        if (!canPushTo(core, p, branch, userId)) throw forbidden("You are not allowed to push into this branch");
        // `attrs[:start_branch] ||= attrs[:branch_name]`, then Commits::CreateService#validate!
        // (app/services/commits/create_service.rb): validate_on_branch! (an empty repository skips
        // it) and validate_branch_existence! (a different, existing branch is refused unless force).
        const start = String(body.start_branch ?? branch);
        const empty = p.branches.size === 0;
        if (!empty && !p.branches.has(start)) throw new HttpError(400, { message: "You can only create or edit files when you are on a branch" });
        if (!empty && start !== branch && p.branches.has(branch) && body.force !== true) {
            throw new HttpError(400, { message: `A branch called '${branch}' already exists. Switch to that branch in order to make changes` });
        }
        // Files::MultiService applies the actions to the start branch's tree in order; Gitaly's
        // UserCommitFiles index errors (ErrFileExists, ErrFileNotFound) fail the whole commit.
        const files = new Map(p.files.get(start) ?? []);
        for (const a of body.actions as Record<string, unknown>[]) {
            const path = String(a.file_path);
            const content = a.encoding === "base64" ? Buffer.from(String(a.content ?? ""), "base64").toString("utf8") : String(a.content ?? "");
            switch (a.action) {
                case "create":
                    if (files.has(path)) throw new HttpError(400, { message: "A file with this name already exists" });
                    files.set(path, content);
                    break;
                case "update":
                    if (!files.has(path)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
                    files.set(path, content);
                    break;
                case "delete":
                    if (!files.delete(path)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
                    break;
                case "move": {
                    const from = String(a.previous_path ?? "");
                    if (!files.has(from)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
                    files.set(path, a.content === undefined ? files.get(from)! : content);
                    files.delete(from);
                    break;
                }
                default: // chmod changes no content
                    if (!files.has(path)) throw new HttpError(400, { message: "A file with this name doesn't exist" });
            }
        }
        const id = commitId();
        const committed = new Date().toISOString();
        p.files.set(branch, files);
        p.branches.set(branch, { commit: id, committed_date: committed });
        // Entities::CommitDetail (the fields ml-team-env reads).
        return [201, { id, short_id: id.slice(0, 8), title: String(body.commit_message).split("\n")[0], message: String(body.commit_message), committed_date: committed, parent_ids: [] }];
    });
}
