/**
 * KubeSpawner's "safe" slug scheme (KubeSpawner 7, the z2jh 4.x default), reimplemented so
 * Pulumi creates each member's namespace under exactly the name the hub will look for.
 * Valid DNS labels pass through unchanged; anything else is lowercased, stripped to
 * [a-z0-9-], and suffixed with `---` and 8 hex characters of its SHA-256.
 */
import { createHash } from "crypto";

const OBJECT_NAME = /^[a-z0-9-]+$/;

/** The strictest Kubernetes object-name rule: RFC 1035 label, at most 63 characters. */
export function isValidObjectName(s: string): boolean {
    return s.length >= 1 && s.length <= 63 && /^[a-z]/.test(s) && /[a-z0-9]$/.test(s) && OBJECT_NAME.test(s);
}

function extractSafeName(name: string, maxLength: number): string {
    let safe = name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
    safe = safe.replace(/^-+/, "").slice(0, maxLength).replace(/-+$/, "");
    if (safe && !/^[a-z]/.test(safe)) safe = "x-" + safe.slice(0, maxLength - 2);
    return safe || "x";
}

function stripAndHash(name: string, maxLength = 32): string {
    const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
    return `${extractSafeName(name, maxLength - 11)}---${hash}`;
}

/** KubeSpawner's `safe_slug(name)` with its default validity check. */
export function safeSlug(name: string): string {
    if (name.includes("--")) return stripAndHash(name);
    return isValidObjectName(name) ? name : stripAndHash(name);
}

/** Namespace KubeSpawner uses for a user with template `{hubnamespace}-{username}`. */
export function userNamespace(hubNamespace: string, username: string): string {
    return `${hubNamespace}-${safeSlug(username)}`;
}
