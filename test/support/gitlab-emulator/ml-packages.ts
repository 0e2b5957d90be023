/**
 * A model version's files: PUT and GET /projects/:id/packages/ml_models/:model_version_id/files/(*path/):file_name
 * (lib/api/ml_model_packages.rb). Unlike the MLflow routes, these take a CI job token, and only as
 * `Authorization: Bearer` (`authenticate_with ... :personal_access_token, :job_token ...
 * sent_through(:http_bearer_token)`): a PRIVATE-TOKEN or JOB-TOKEN header is not read at all.
 */
import { AuthenticateWith, requireJobTokenScope } from "./access-tokens";
import type { EmulatorCore, RequestContext } from "./index";
import { mlStateOf } from "./ml-state";
import { forbidden, HttpError, notFound, paramError, Role } from "./model";

const AUTH: AuthenticateWith = { tokenTypes: ["personal_access_token", "job_token"], sentThrough: "http_bearer_token" };
/** `:id/packages/ml_models/:model_version_id/files/(*path/):file_name`, file_name without a slash (NO_SLASH_URL_PART_REGEX). */
const FILE_ROUTE = /^\/projects\/([^/]+)\/packages\/ml_models\/([^/]+)\/files\/(?:(.+)\/)?([^/]+)$/;
/** Gitlab::Regex.ml_model_file_name_regex. */
const FILE_NAME = /^[A-Za-z0-9._\-+ ]+$/;

export function registerMlModelPackageRoutes(core: EmulatorCore): void {
    const { state } = core;

    /** Param validation (file_name's regexp, `file_path: true` on the path), then the after_validation checks, then the version. */
    const locate = (ctx: RequestContext) => {
        const [projectRef, versionId, dir, fileName] = ctx.params as [string, string, string, string];
        if (!FILE_NAME.test(fileName)) throw paramError("file_name is invalid");
        // API::Validations::Validators::FilePath: no traversal.
        if (dir && dir.split("/").some((part) => part === ".." || part === "")) throw paramError("path should be a valid file path");
        // findProject's 404 for a non-member of a private project is also
        // `not_found! unless can?(current_user, :read_model_registry, user_project)` (Guest).
        const p = core.findProject(projectRef, ctx.userId);
        requireJobTokenScope(state, ctx.token, p);
        const ml = mlStateOf(state.ml, p.id);
        return { p, ml, versionId, fileName: dir ? `${dir}/${fileName}` : fileName };
    };
    // find_model_version!: Ml::ModelVersion.by_project_id_and_id, else not_found!. (`candidate:<iid>` packages are not modelled.)
    const versionOf = (ml: ReturnType<typeof mlStateOf>, id: string) => ml.versions.find((v) => String(v.id) === id) ?? (() => {
        throw notFound();
    })();

    core.route(
        "PUT",
        FILE_ROUTE,
        (ctx) => {
            const { p, ml, versionId, fileName } = locate(ctx);
            // `requires :file`: Workhorse turns the request body into the file param; no body, no file.
            if (ctx.raw.length === 0) throw paramError("file is missing");
            // authorize_upload! → authorize_create_package!: create_package is in ProjectPolicy's developer block.
            if (core.accessLevel(p, ctx.userId) < Role.Developer) throw forbidden();
            // `not_found! unless can?(current_user, :write_model_registry, project)`: Developer too.
            const version = versionOf(ml, versionId);
            const jobId = ctx.token.kind === "job" ? ctx.token.jobId! : null;
            version.files.push({ fileName, data: Buffer.from(ctx.raw), jobId });
            version.updatedAt = Math.floor(Date.now() / 1000);
            // `created!` renders {"message":"201 Created"}.
            return [201, { message: "201 Created" }];
        },
        { authenticateWith: AUTH },
    );

    core.route(
        "GET",
        FILE_ROUTE,
        (ctx) => {
            const { p, ml, versionId, fileName } = locate(ctx);
            // authorize_read_package!: read_package is in ProjectPolicy's reporter block.
            if (p.visibility === "private" && core.accessLevel(p, ctx.userId) < Role.Reporter) throw forbidden();
            const version = versionOf(ml, versionId);
            // Packages::PackageFileFinder#execute!: the most recent file of that name, else RecordNotFound.
            const file = [...version.files].reverse().find((f) => f.fileName === fileName);
            if (!file) throw new HttpError(404, { message: "404 Not found" });
            return [200, file.data];
        },
        { authenticateWith: AUTH },
    );
}
