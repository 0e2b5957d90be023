/**
 * The team's one environment image (pytorch-cuda), parsed once from config and handed
 * to every workload that runs team code: notebook servers, CI jobs, training jobs.
 */

/** A parsed, pinned container image reference. */
export interface EnvironmentImage {
    /** Registry host, e.g. `registry.example.com`; `docker.io` when the reference names none. */
    readonly registry: string;
    /** Repository path inside the registry, e.g. `ml/pytorch-cuda`. */
    readonly repository: string;
    /** Human-readable version tag, e.g. `v2.8`. Never `latest`. */
    readonly tag: string;
    /** Content digest (`sha256:<64 hex>`) when the image is pinned by digest. */
    readonly digest?: string;
    /** The full reference to give a container runtime (`registry/repo:tag[@digest]`). */
    readonly reference: string;
    /** Registry-less name (`registry/repo`) without tag, as JupyterHub's `image.name` wants. */
    readonly name: string;
    /** Tag, or `tag@digest` when pinned, as JupyterHub's `image.tag` wants. */
    readonly pinnedTag: string;
    /** Name of the `kubernetes.io/dockerconfigjson` Secret to pull with, when the registry is private. */
    readonly pullSecretName?: string;
    /** The reference as the stack file writes it, when nodes pull it through an ECR pull-through cache. */
    readonly upstreamReference?: string;
}

/** Result of parsing an image reference: the image, or why it cannot be used. */
export type ImageParseResult =
    | { readonly ok: true; readonly image: EnvironmentImage; readonly warnings: readonly string[] }
    | { readonly ok: false; readonly error: string };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** The repository path as the registry's API names it: Docker Hub keeps its official images under `library/`. */
export function registryRepository(image: Pick<EnvironmentImage, "registry" | "repository">): string {
    return image.registry === "docker.io" && !image.repository.includes("/") ? `library/${image.repository}` : image.repository;
}

/**
 * Parses `[registry/]repository:tag[@sha256:digest]`.
 *
 * Rejects untagged images and `latest`: a moving tag means two developers can run two
 * different environments under one name, which is the problem this package exists to end.
 * A tag without a digest is accepted with a warning, since tags can be re-pushed.
 */
export function parseEnvironmentImage(ref: string, pullSecretName?: string): ImageParseResult {
    const trimmed = ref.trim();
    if (trimmed === "" || /\s/.test(trimmed)) {
        return { ok: false, error: "must be an image reference such as registry.example.com/ml/pytorch-cuda:v2.8" };
    }
    let rest = trimmed;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest)) {
            return { ok: false, error: `digest '${digest}' is not of the form sha256:<64 lowercase hex characters>` };
        }
    }
    // The tag is after the last ':' that follows the last '/' (a ':' before it is a registry port).
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.indexOf(":", lastSlash + 1);
    if (colon < 0) {
        return { ok: false, error: "has no tag: pin a version tag such as ':v2.8' (optionally with '@sha256:<digest>')" };
    }
    const tag = rest.slice(colon + 1);
    const path = rest.slice(0, colon);
    if (tag === "latest") {
        return { ok: false, error: "uses the moving tag 'latest': pin a version tag such as ':v2.8' so everyone runs the same environment" };
    }
    if (!TAG.test(tag)) {
        return { ok: false, error: `tag '${tag}' is not a valid image tag ([A-Za-z0-9_.-], at most 128 characters)` };
    }
    const parts = path.split("/");
    // Same rule as the Docker reference grammar: the first part is a registry when it
    // contains a '.' or ':' or is 'localhost'.
    const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === "localhost");
    const registry = hasRegistry ? parts[0]! : "docker.io";
    const repoParts = hasRegistry ? parts.slice(1) : parts;
    if (repoParts.length === 0 || !repoParts.every((p) => PATH_COMPONENT.test(p))) {
        return { ok: false, error: `repository '${repoParts.join("/")}' is not valid: use lowercase letters, digits and separators (. _ -)` };
    }
    const repository = repoParts.join("/");
    const name = path;
    const pinnedTag = digest ? `${tag}@${digest}` : tag;
    const image: EnvironmentImage = {
        registry,
        repository,
        tag,
        ...(digest ? { digest } : {}),
        reference: `${name}:${pinnedTag}`,
        name,
        pinnedTag,
        ...(pullSecretName ? { pullSecretName } : {}),
    };
    const warnings = digest
        ? []
        : [`image '${trimmed}' is pinned by tag only; tags can be re-pushed. Pin it by digest (…:${tag}@sha256:<digest>) for a reproducible environment.`];
    return { ok: true, image, warnings };
}
