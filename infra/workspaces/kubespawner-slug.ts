/**
 * KubeSpawner 7.0.0's "safe" slug scheme (`kubespawner/slugs.py`, the z2jh 4.4.0 default),
 * reimplemented so Pulumi creates each member's namespace and volume claim under exactly the
 * names the hub will use. Valid names pass through unchanged; anything else is lowercased,
 * stripped to [a-z0-9-], and suffixed with `---` and 8 hex characters of its SHA-256.
 */
import { createHash } from "crypto";

/**
 * KubeSpawner's template for per-user namespaces (`user_namespace_template`). The hub gets this
 * string and `userNamespace()` expands it, so the names Pulumi makes are the hub's by construction.
 */
export const USER_NAMESPACE_TEMPLATE = "{hubnamespace}-{username}";
/** The home volume claim's template (`pvc_name_template`); `userClaimName()` expands it. */
export const PVC_NAME_TEMPLATE = "claim-{username}";

/** KubeSpawner expands `{username}` with `safe_slug(name, max_length=48)` (spawner.py `_slug_max_length`). */
export const KUBESPAWNER_SLUG_MAX_LENGTH = 48;

/** `is_valid_object_name`: an RFC 1035 label of at most 63 characters. */
export function isValidObjectName(s: string): boolean {
    return s.length >= 1 && s.length <= 63 && /^[a-z]/.test(s) && /[a-z0-9]$/.test(s) && /^[a-z0-9-]+$/.test(s);
}

/** `is_valid_label`: empty, or at most 63 of [A-Za-z0-9._-] starting and ending alphanumeric. */
export function isValidLabel(s: string): boolean {
    if (s === "") return true;
    return s.length <= 63 && /^[a-z0-9]/i.test(s) && /[a-z0-9]$/i.test(s) && /^[a-z0-9._-]+$/i.test(s);
}

function extractSafeName(name: string, maxLength: number): string {
    let safe = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    safe = safe.replace(/^-+/, "").slice(0, maxLength).replace(/-+$/, "");
    if (safe && !/^[a-z]/.test(safe)) safe = "x-" + safe.slice(0, maxLength - 2);
    return safe || "x";
}

/** `strip_and_hash`: a safe prefix, `---`, and the first 8 hex characters of SHA-256. */
export function stripAndHash(name: string, maxLength = 32): string {
    const nameLength = maxLength - 11;
    if (nameLength < 1) throw new Error("Cannot make safe names shorter than 12");
    const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
    return `${extractSafeName(name, nameLength)}---${hash}`;
}

/** `safe_slug(name, is_valid, max_length)`. */
export function safeSlug(name: string, options: { isValid?: (s: string) => boolean; maxLength?: number } = {}): string {
    const isValid = options.isValid ?? isValidObjectName;
    const maxLength = options.maxLength;
    if (name.includes("--")) return stripAndHash(name, maxLength ?? 32);
    if (isValid(name) && (maxLength === undefined || name.length <= maxLength)) return name;
    return stripAndHash(name, maxLength ?? 32);
}

/** The hub username of a GitLab user: JupyterHub's default `normalize_username` lowercases it. */
export function hubUsername(gitlabUsername: string): string {
    return gitlabUsername.toLowerCase();
}

/** `{username}` as KubeSpawner expands it in templates. */
export function usernameSlug(gitlabUsername: string): string {
    return safeSlug(hubUsername(gitlabUsername), { maxLength: KUBESPAWNER_SLUG_MAX_LENGTH });
}

/** A template's `{field}`s replaced, as KubeSpawner's `_expand_user_properties` does; an unknown field throws. */
function expandTemplate(template: string, fields: Readonly<Record<string, string>>): string {
    return template.replace(/\{(\w+)\}/g, (_, field: string) => {
        const value = fields[field];
        if (value === undefined) throw new Error(`template '${template}' names {${field}}, which is not expanded here`);
        return value;
    });
}

/**
 * Namespace KubeSpawner uses for a user with `USER_NAMESPACE_TEMPLATE`. KubeSpawner does not
 * check the 63-character limit of the whole name; this does, so a hub namespace long enough
 * to break it fails here and not at a member's first spawn.
 */
export function userNamespace(hubNamespace: string, gitlabUsername: string): string {
    const ns = expandTemplate(USER_NAMESPACE_TEMPLATE, { hubnamespace: hubNamespace, username: usernameSlug(gitlabUsername) });
    if (!isValidObjectName(ns)) throw new Error(`namespace '${ns}' for '${gitlabUsername}' is not a valid Kubernetes namespace name (at most 63 of [a-z0-9-]): use a shorter hub namespace`);
    return ns;
}

/** The home volume claim KubeSpawner mounts with `PVC_NAME_TEMPLATE`. */
export function userClaimName(gitlabUsername: string): string {
    return expandTemplate(PVC_NAME_TEMPLATE, { username: usernameSlug(gitlabUsername) });
}
