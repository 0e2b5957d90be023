/**
 * Reads an image's manifest from its registry over the registry HTTP API v2 (the OCI
 * Distribution Specification, "Pulling manifests"; Docker's token authentication, "Token
 * Authentication Specification"): anonymously, or with the credentials of a
 * `.dockerconfigjson` for that registry. Says what it found (layers, compressed size,
 * linux/amd64 present) or why it could not. Reads only.
 */
import { parseEnvironmentImage, registryRepository } from "./environment-image";
import { upstreamOf } from "./pull-through-cache";

/** What a manifest says about the image nodes would pull. */
export interface ManifestFacts {
    /** The reference read (the upstream one for a pull-through image). */
    readonly reference: string;
    /** Digest of the linux/amd64 image manifest. */
    readonly digest?: string;
    readonly layers: number;
    /** Sum of the layers' sizes: what a pull downloads. */
    readonly compressedBytes: number;
    /** Whether the reference is an index (several platforms) or one image. */
    readonly multiPlatform: boolean;
}

export type ManifestRead =
    | { readonly ok: true; readonly facts: ManifestFacts }
    /** `missing`: the registry says there is no such image (or no linux/amd64 one): a problem. `unreadable`: it could not be asked or refused to answer. */
    | { readonly ok: false; readonly kind: "missing" | "unreadable"; readonly reason: string; readonly fix?: string };

export interface ReadManifestOptions {
    /** `.dockerconfigjson` content; its `auths` entry for the registry is used when the registry asks for credentials. */
    readonly dockerConfigJson?: string;
    /** The base URL of a registry host. @default `https://${host}` */
    readonly baseUrl?: (host: string) => string;
    /** @default the global fetch */
    readonly fetch?: typeof fetch;
    /** Per request. @default 15000 */
    readonly timeoutMs?: number;
}

const MANIFEST_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

interface Descriptor {
    readonly mediaType?: string;
    readonly digest: string;
    readonly size: number;
    readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}
interface ManifestJson {
    readonly mediaType?: string;
    readonly manifests?: readonly Descriptor[];
    readonly layers?: readonly Descriptor[];
    readonly config?: Descriptor;
}

/** Basic credentials for a registry host from a `.dockerconfigjson` (`auth`, or `username`/`password`). */
export function registryCredentials(dockerConfigJson: string | undefined, host: string): string | undefined {
    if (!dockerConfigJson) return undefined;
    let auths: Record<string, { auth?: string; username?: string; password?: string }>;
    try {
        auths = (JSON.parse(dockerConfigJson) as { auths?: typeof auths }).auths ?? {};
    } catch {
        return undefined;
    }
    const hosts = host === "registry-1.docker.io" ? [host, "docker.io", "index.docker.io", "https://index.docker.io/v1/"] : [host, `https://${host}`];
    const entry = hosts.map((h) => auths[h]).find((e) => e !== undefined);
    if (!entry) return undefined;
    return entry.auth ?? (entry.username !== undefined ? Buffer.from(`${entry.username}:${entry.password ?? ""}`).toString("base64") : undefined);
}

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
    if (!header || !/^Bearer\s/i.test(header)) return undefined;
    const params: Record<string, string> = {};
    for (const m of header.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
    return params.realm ? params : undefined;
}

class Unreadable extends Error {
    constructor(
        readonly kind: "missing" | "unreadable",
        message: string,
        readonly fix?: string,
    ) {
        super(message);
    }
}

/** Reads the linux/amd64 image behind a reference and sums its layers. */
export async function readImageManifest(reference: string, options: ReadManifestOptions = {}): Promise<ManifestRead> {
    const asWritten = parseEnvironmentImage(reference);
    if (!asWritten.ok) return { ok: false, kind: "unreadable", reason: `the reference does not parse: ${asWritten.error}` };
    // A pull-through image has the upstream's digest: read the upstream, which needs no ECR token.
    const upstream = upstreamOf(asWritten.image.name);
    const readable = upstream ? `${upstream}:${asWritten.image.pinnedTag}` : reference;
    const parsed = parseEnvironmentImage(readable);
    if (!parsed.ok) return { ok: false, kind: "unreadable", reason: `the reference does not parse: ${parsed.error}` };
    const image = parsed.image;
    const host = image.registry === "docker.io" ? "registry-1.docker.io" : image.registry;
    const repository = registryRepository(image);
    const base = (options.baseUrl ?? ((h) => `https://${h}`))(host);
    const doFetch = options.fetch ?? fetch;
    const basic = registryCredentials(options.dockerConfigJson, host);
    let authorization: string | undefined;

    const get = async (path: string, accept: string[]): Promise<Response> => {
        const send = (auth?: string) =>
            doFetch(`${base}/v2/${repository}/${path}`, { headers: { Accept: accept.join(", "), ...(auth ? { Authorization: auth } : {}) }, signal: AbortSignal.timeout(options.timeoutMs ?? 15000) }).catch((e: Error) => {
                throw new Unreadable("unreadable", `could not reach ${host}: ${e.message}`, "check the network (a proxy?) and run doctor again");
            });
        let res = await send(authorization);
        if (res.status === 401 && !authorization) {
            const challenge = bearerChallenge(res.headers.get("www-authenticate"));
            if (challenge) {
                const url = new URL(challenge.realm!);
                if (challenge.service) url.searchParams.set("service", challenge.service);
                url.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
                const tokenRes = await doFetch(url, { headers: basic ? { Authorization: `Basic ${basic}` } : {}, signal: AbortSignal.timeout(options.timeoutMs ?? 15000) }).catch((e: Error) => {
                    throw new Unreadable("unreadable", `could not reach ${url.host} for a token: ${e.message}`);
                });
                if (tokenRes.ok) {
                    const body = (await tokenRes.json()) as { token?: string; access_token?: string };
                    const token = body.token ?? body.access_token;
                    if (token) authorization = `Bearer ${token}`;
                }
            } else if (basic) authorization = `Basic ${basic}`;
            if (authorization) res = await send(authorization);
        }
        if (res.status === 401 || res.status === 403) {
            throw new Unreadable(
                "unreadable",
                `${host} refused to show ${repository} ${basic ? "with the credentials given" : "anonymously"} (HTTP ${res.status})`,
                basic ? "check the registryDockerConfigJson credentials for this registry" : 'export REGISTRY_DOCKER_CONFIG_JSON="$(pulumi config get registryDockerConfigJson)" (a .dockerconfigjson with this registry) and run doctor again',
            );
        }
        if (res.status === 404) throw new Unreadable("missing", `${host} has no ${repository}:${path.split("/").pop()} (HTTP 404)`, "push the image, or fix environment.image");
        if (!res.ok) throw new Unreadable("unreadable", `${host} answered HTTP ${res.status} for ${path}`);
        return res;
    };

    try {
        const ref = image.digest ?? image.tag;
        let res = await get(`manifests/${ref}`, MANIFEST_TYPES);
        let manifest = (await res.json()) as ManifestJson;
        let digest = res.headers.get("docker-content-digest") ?? undefined;
        const multiPlatform = manifest.manifests !== undefined;
        if (multiPlatform) {
            const amd64 = manifest.manifests!.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64");
            if (!amd64) {
                const platforms = manifest.manifests!.map((m) => `${m.platform?.os ?? "?"}/${m.platform?.architecture ?? "?"}`).join(", ");
                throw new Unreadable("missing", `the index has no linux/amd64 image (it has ${platforms}): EKS's x86_64 nodes cannot run it`, "build and push the image for linux/amd64");
            }
            res = await get(`manifests/${amd64.digest}`, MANIFEST_TYPES);
            manifest = (await res.json()) as ManifestJson;
            digest = amd64.digest;
        } else if (manifest.config) {
            // One image: its config blob says its platform.
            const config = (await (await get(`blobs/${manifest.config.digest}`, ["application/json", "*/*"])).json()) as { os?: string; architecture?: string };
            if (config.os !== "linux" || config.architecture !== "amd64") {
                throw new Unreadable("missing", `the image is ${config.os ?? "?"}/${config.architecture ?? "?"}, not linux/amd64: EKS's x86_64 nodes cannot run it`, "build and push the image for linux/amd64");
            }
        }
        const layers = manifest.layers ?? [];
        if (layers.length === 0) throw new Unreadable("unreadable", "the manifest lists no layers (not an image manifest)");
        return { ok: true, facts: { reference: readable, ...(digest ? { digest } : {}), layers: layers.length, compressedBytes: layers.reduce((s, l) => s + l.size, 0), multiPlatform } };
    } catch (e) {
        if (e instanceof Unreadable) return { ok: false, kind: e.kind, reason: e.message, ...(e.fix ? { fix: e.fix } : {}) };
        return { ok: false, kind: "unreadable", reason: `the registry's answer could not be read: ${(e as Error).message}` };
    }
}
