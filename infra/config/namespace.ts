/**
 * Splits a stack's runtime config into this project's plain values and its secret keys.
 * Pure (no Pulumi runtime), so the CLIs and the offline plan validate a stack file without
 * loading the SDK; `load.ts` uses it on the runtime's own config.
 */
import { PROJECT, SECRET_KEYS, SecretKey, stackConfigSchema } from "./schema";

/** The `ml-team-env:*` namespace of a config, as `validateStackConfig` takes it. */
export interface NamespacedConfig {
    /** Plain values by key without the namespace (objects parsed from their JSON strings). */
    readonly raw: Record<string, unknown>;
    /** Secret keys present (their values are not read). */
    readonly secretsPresent: Set<SecretKey>;
    /** Secret keys written in plain text, not as secrets. */
    readonly plaintextSecrets: Set<SecretKey>;
    /** This project's keys under another namespace. */
    readonly foreignKeys: string[];
}

/**
 * Splits the runtime's config into the plain `ml-team-env:*` values (objects are stored
 * as JSON strings) and the set of secret keys present. Secret values are not read here.
 */
export function namespaceConfig(all: Record<string, string>, isSecret: (fullKey: string) => boolean = () => true): NamespacedConfig {
    const raw: Record<string, unknown> = {};
    const ours = new Set<string>([...Object.keys(stackConfigSchema.shape), ...Object.values(SECRET_KEYS)]);
    // A key of this project written under another namespace (a copied stack file, a renamed project).
    const foreignKeys = Object.keys(all).filter((k) => !k.startsWith(`${PROJECT}:`) && ours.has(k.slice(k.indexOf(":") + 1)));
    const secretsPresent = new Set<SecretKey>();
    const plaintextSecrets = new Set<SecretKey>();
    const secretNames = new Set<string>(Object.values(SECRET_KEYS));
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        if (secretNames.has(key)) {
            secretsPresent.add(key as SecretKey);
            if (!isSecret(fullKey)) plaintextSecrets.add(key as SecretKey);
            continue;
        }
        try {
            raw[key] = JSON.parse(value);
        } catch {
            raw[key] = value;
        }
    }
    return { raw, secretsPresent, plaintextSecrets, foreignKeys };
}
