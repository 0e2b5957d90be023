/**
 * Which stack manages a project, recorded in the project itself so a second stack pointed at it
 * is refused instead of silently taking it over (and replacing the first one's merge requests,
 * schedules and runners).
 *
 * Where it is kept: a project CI/CD variable. A Maintainer — the role the package already needs
 * — may write one (lib/api/ci/variables.rb authorizes `admin_cicd_variables`, which
 * app/policies/project_policy.rb grants in its `maintainer_access` block); it is scoped to the
 * project and has a description field that says what it is. The alternatives fall short: a topic
 * is an instance-wide record (app/models/projects/topic.rb, unique names across the instance)
 * listed publicly under Explore → Topics, so every stack would publish one; custom attributes
 * are for administrators only; the description is the team's to edit.
 */
import { GitLabApi } from "../client";
import { deleteIfPresent, getIfPresent, projectRef, rest } from "./common";

/** The variable's key. Jobs see it as an environment variable too (harmless: it names the stack). */
export const OWNER_VARIABLE = "ML_TEAM_ENV_STACK";

/** What the variable says about itself in Settings → CI/CD → Variables. */
const OWNER_DESCRIPTION = `The ml-team-env stack that manages this project. Delete it only to hand the project to another stack (README "One stack per project").`;

const endpoint = (projectId: number | string, key = "") => `projects/${projectRef(projectId)}/variables${key ? `/${key}` : ""}`;

/** The recorded owner, or undefined when none is. */
export async function readOwner(api: GitLabApi, projectId: number | string): Promise<string | undefined> {
    const v = await getIfPresent<{ value: string | null }>(api, endpoint(projectId, OWNER_VARIABLE));
    return v?.value ?? undefined;
}

/** Records `owner`: creates the variable, or changes its value. */
export async function writeOwner(api: GitLabApi, projectId: number | string, owner: string, current: string | undefined): Promise<void> {
    if (current === owner) return;
    // `raw`: the value is never expanded in jobs; not protected, not masked: it is no secret.
    const fields = { value: owner, raw: true, protected: false, masked: false, description: OWNER_DESCRIPTION };
    if (current === undefined) await rest(api, "post", endpoint(projectId), { key: OWNER_VARIABLE, environment_scope: "*", ...fields });
    else await rest(api, "put", endpoint(projectId, OWNER_VARIABLE), fields);
}

/** Removes the record when it still names `owner` (a destroy hands the project back; never someone else's record). */
export async function releaseOwner(api: GitLabApi, projectId: number | string, owner: string): Promise<void> {
    if ((await readOwner(api, projectId)) === owner) await deleteIfPresent(api, endpoint(projectId, OWNER_VARIABLE));
}

/**
 * Why `owner` may not manage the project at `path`, or undefined when it may: no record, its own
 * record, the record it had before (a renamed stack), or the record it was told to take over.
 */
export function ownershipRefusal(o: { path: string; recorded: string | undefined; owner: string; previousOwner?: string; takeOverFrom?: string }): string | undefined {
    const { recorded } = o;
    if (recorded === undefined || recorded === o.owner || recorded === o.previousOwner || recorded === o.takeOverFrom) return undefined;
    return (
        `${o.path} is managed by another ml-team-env stack, ${recorded} (its CI/CD variable ${OWNER_VARIABLE}); this stack is ${o.owner}. ` +
        "Two stacks on one project undo each other's settings, protections and members. To hand it over: " +
        `run \`pulumi destroy\` in that stack (the project and its rules stay; the record goes), or, if that stack is gone, set gitlab.project.takeOverFrom: "${recorded}" in this one ` +
        `(or delete the variable in Settings → CI/CD → Variables). See README "One stack per project".`
    );
}
