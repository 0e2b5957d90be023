/**
 * Reads a stack file the way the Pulumi CLI hands it to a program: every key fully
 * qualified, objects as JSON strings. `secure:` values cannot be decrypted without the
 * CLI, so they become clearly-labelled placeholders that stay Pulumi secrets.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { namespaceConfig, NamespacedConfig } from "../config/namespace";
import { PROJECT } from "../config/schema";
import { ConfigResult, validateStackConfig, ValidateOptions } from "../config/validate";

export interface StackFileConfig {
    /** Config as `pulumi.runtime.allConfig()` would return it. */
    readonly config: Record<string, string>;
    /** Keys set with `secure:` in the file (fully qualified). */
    readonly secretKeys: readonly string[];
}

/** Path of a stack's file under `stacks/`. */
export function stackFilePath(stack: string, root = process.cwd()): string {
    return path.join(root, "stacks", `Pulumi.${stack}.yaml`);
}

/**
 * Parses a stack file's text as the Pulumi CLI does: it reads stack files with gopkg.in/yaml.v2
 * (pulumi/pulumi sdk/go/common/encoding/marshal.go), which applies YAML merge keys (`<<: *anchor`);
 * the `yaml` package leaves them as a literal `<<` key unless asked.
 */
export function parseStackYaml(text: string): unknown {
    return parse(text, { merge: true });
}

/** Turns a parsed stack file into runtime config. Pure. */
export function stackFileToConfig(doc: unknown, project = PROJECT): StackFileConfig {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const entries = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [key, value] of Object.entries(entries)) {
        // Pulumi reads a key without a namespace as the project's own.
        const full = key.includes(":") ? key : `${project}:${key}`;
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            config[full] = `<placeholder: ${full} is encrypted; only the Pulumi CLI can decrypt it>`;
            secretKeys.push(full);
        } else {
            config[full] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return { config, secretKeys };
}

/** Reads `stacks/Pulumi.<stack>.yaml`; throws a one-line error when it is missing or not YAML. */
export function readStackFile(stack: string, root = process.cwd()): StackFileConfig {
    const file = stackFilePath(stack, root);
    if (!fs.existsSync(file)) {
        const known = fs.existsSync(path.dirname(file))
            ? fs.readdirSync(path.dirname(file)).filter((f) => /^Pulumi\..+\.yaml$/.test(f)).map((f) => f.slice(7, -5))
            : [];
        throw new Error(`no stack file ${path.relative(root, file)}; stacks here: ${known.join(", ") || "none"}`);
    }
    let doc: unknown;
    try {
        doc = parseStackYaml(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`${path.relative(root, file)} is not valid YAML: ${(e as Error).message}`);
    }
    return stackFileToConfig(doc);
}

/** What `validateStackFile` adds to the validator's options: they come from the file. */
export type StackFileValidateOptions = Omit<ValidateOptions, "stack" | "secretsPresent" | "plaintextSecrets" | "foreignKeys">;

/** The validator's result, with the namespace it read (the plan shows the stack's config from it). */
export type StackFileValidation = ConfigResult & { readonly namespace: NamespacedConfig };

/**
 * Validates a stack file's config as `pulumi up` would: its `secure:` keys are its secrets,
 * any other secret key is one written in plain text. Pure: no Pulumi runtime.
 */
export function validateStackFile(stack: string, file: StackFileConfig, options: StackFileValidateOptions = {}): StackFileValidation {
    const namespace = namespaceConfig(file.config, (k) => file.secretKeys.includes(k));
    const { raw, secretsPresent, plaintextSecrets, foreignKeys } = namespace;
    return { ...validateStackConfig(raw, { ...options, stack, secretsPresent, plaintextSecrets, foreignKeys }), namespace };
}

/** The stack file with `gitlab.url` and `gitlab.project.path` replaced where given, as `pulumi config set` would leave it. */
export function withGitLabTarget(file: StackFileConfig, o: { url?: string; project?: string }): StackFileConfig {
    if (o.url === undefined && o.project === undefined) return file;
    const key = `${PROJECT}:gitlab`;
    const gitlab = JSON.parse(file.config[key] ?? "{}") as Record<string, any>;
    const next = { ...gitlab, ...(o.url !== undefined ? { url: o.url } : {}), ...(o.project !== undefined ? { project: { ...(gitlab.project ?? {}), path: o.project } } : {}) };
    return { ...file, config: { ...file.config, [key]: JSON.stringify(next) } };
}
