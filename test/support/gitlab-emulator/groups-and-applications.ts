/**
 * A group member by user id, inherited memberships included, and the instance-wide OAuth
 * applications: what `npm run doctor` reads to tell the token's role on a group and whether
 * the hub's OAuth application is set up.
 */
import { randomBytes } from "crypto";
import type { EmulatorCore } from "./index";
import { bool, forbidden, paramError, recordNotFound } from "./model";

interface ApplicationState {
    id: number;
    uid: string;
    secret: string;
    name: string;
    redirect_uri: string;
    scopes: string[];
    confidential: boolean;
}

export function registerGroupAndApplicationRoutes(core: EmulatorCore): void {
    const { state } = core;
    const applications: ApplicationState[] = [];

    // lib/api/members.rb `get ":id/members/all/:user_id"` (source_type group): find_all_members
    // then `find_by!(user_id:)`, so a non-member is ActiveRecord's 404 "Not found". With a direct
    // and an inherited membership the highest access level is returned (doc/api/members.md
    // "Get a member of a group or project, including inherited and invited members"). An admin
    // who is not a member is not found either: being an admin is not a membership.
    core.route("GET", "/groups/:id/members/all/:user_id", ({ params }) => {
        const group = core.findGroup(params[0]!);
        const uid = Number(params[1]);
        const level = core.inheritedLevel(group.full_path, uid);
        if (level === 0 || !state.users.has(uid)) throw recordNotFound();
        return [200, { ...core.user(uid), access_level: level }];
    });

    // lib/api/applications.rb: `before { authenticated_as_admin! }` (403 for everyone else).
    // GET lists instance-wide applications only (ApplicationsFinder: owner_id IS NULL), never
    // a group's or a user's, as Entities::Application (lib/api/entities/application.rb).
    const applicationJson = (a: ApplicationState) => ({ id: a.id, application_id: a.uid, application_name: a.name, callback_url: a.redirect_uri, confidential: a.confidential, scopes: a.scopes });
    const requireAdmin = (userId: number) => {
        if (!core.user(userId).is_admin) throw forbidden();
    };
    core.route("GET", "/applications", ({ userId }) => {
        requireAdmin(userId);
        return [200, applications.map(applicationJson)];
    });
    // POST requires name, redirect_uri and scopes (space-separated, not blank); confidential
    // defaults to true; the answer is Entities::ApplicationWithSecret, the one time the secret is
    // shown, with Grape's default status for a POST that presents an entity (201).
    core.route("POST", "/applications", ({ body, userId }) => {
        requireAdmin(userId);
        const missing = ["name", "redirect_uri", "scopes"].filter((k) => body[k] === undefined || String(body[k]).trim() === "");
        if (missing.length > 0) throw paramError(`${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing`);
        const app: ApplicationState = {
            id: core.nextId(),
            uid: randomBytes(32).toString("hex"),
            secret: `gloas-${randomBytes(32).toString("hex")}`,
            name: String(body.name),
            redirect_uri: String(body.redirect_uri),
            scopes: String(body.scopes).split(/\s+/).filter(Boolean),
            confidential: body.confidential === undefined ? true : bool(body.confidential),
        };
        applications.push(app);
        return [201, { ...applicationJson(app), secret: app.secret }];
    });
}
