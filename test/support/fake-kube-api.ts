/**
 * A Kubernetes API server that answers like a new cluster, for `helm install --dry-run=server`:
 * `/version`, discovery of the built-in GA groups of its minor (test/support/kube-builtin-apis.ts)
 * plus exactly the CRDs it is given, empty lists (no release history, nothing to look up), and
 * server-side dry-run writes, which a real API server checks the way this one does: the kind
 * must be served, a namespaced object's namespace must exist. Anything else is refused, so a
 * real write or an unknown path shows up as a failure, never as a silent success.
 *
 * Discovery is the legacy form (`/api`, `/apis`, `/apis/<group>/<version>`): client-go asks for
 * aggregated discovery first and falls back when the answer is a plain APIGroupList
 * (client-go `discovery/aggregated_discovery.go`, content-type check).
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import { ApiGroupVersion, ApiResource, BUILTIN_NAMESPACES, builtinApis } from "./kube-builtin-apis";

/** A CustomResourceDefinition as a manifest holds it (the fields discovery needs). */
export interface CrdManifest {
    readonly kind: "CustomResourceDefinition";
    readonly metadata: { readonly name: string };
    readonly spec: {
        readonly group: string;
        readonly scope: "Namespaced" | "Cluster";
        readonly names: { readonly kind: string; readonly plural: string };
        readonly versions: readonly { readonly name: string; readonly served: boolean }[];
    };
}

/** An object that is already in the cluster (made by something installed before). */
export interface FakeExistingObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace?: string;
}

export interface FakeKubeApiOptions {
    /** `1.35`: what `/version` says and which built-in resources are served. */
    readonly kubernetesVersion: string;
    /** CRDs already installed. @default none */
    readonly crds?: readonly CrdManifest[];
    /** Namespaces that exist besides the built-in ones. @default none */
    readonly namespaces?: readonly string[];
    /** Other objects that exist; a GET finds them, with no Helm ownership on them. @default none */
    readonly objects?: readonly FakeExistingObject[];
}

/** One request the server answered, for assertions and failure messages. */
export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: string;
    readonly status: number;
}

export interface FakeKubeApi {
    readonly url: string;
    /** A kubeconfig file that points at the server (token auth; the server ignores it). */
    readonly kubeconfig: string;
    readonly requests: readonly RecordedRequest[];
    close(): Promise<void>;
}

/** The group/versions a CRD adds to discovery. */
function crdGroupVersions(crd: CrdManifest): ApiGroupVersion[] {
    const resource: ApiResource = { kind: crd.spec.names.kind, plural: crd.spec.names.plural, namespaced: crd.spec.scope === "Namespaced" };
    return crd.spec.versions.filter((v) => v.served).map((v) => ({ group: crd.spec.group, version: v.name, resources: [resource] }));
}

/** Merges group/versions that share a group and version. */
function mergeGroupVersions(gvs: readonly ApiGroupVersion[]): ApiGroupVersion[] {
    const byKey = new Map<string, { group: string; version: string; resources: ApiResource[] }>();
    for (const gv of gvs) {
        const key = `${gv.group}/${gv.version}`;
        const entry = byKey.get(key) ?? { group: gv.group, version: gv.version, resources: [] };
        for (const r of gv.resources) if (!entry.resources.some((e) => e.plural === r.plural)) entry.resources.push(r);
        byKey.set(key, entry);
    }
    return [...byKey.values()];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function resourceList(gv: ApiGroupVersion): Record<string, unknown> {
    return {
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: gv.group ? `${gv.group}/${gv.version}` : gv.version,
        resources: gv.resources.map((r) => ({ name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.createOnly ? ["create"] : ALL_VERBS })),
    };
}

function groupList(gvs: readonly ApiGroupVersion[]): Record<string, unknown> {
    const groups = new Map<string, string[]>();
    for (const gv of gvs) if (gv.group) groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
    return {
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: [...groups].map(([name, versions]) => ({
            name,
            versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
            preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
        })),
    };
}

/** `api/v1`, `apis/apps/v1`: a group/version's key in the OpenAPI v3 root. */
function openApiKey(gv: ApiGroupVersion): string {
    return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

/** The OpenAPI v3 index: one document per group/version (kube-openapi `handler3`, `/openapi/v3`). */
function openApiRoot(gvs: readonly ApiGroupVersion[]): Record<string, unknown> {
    return { paths: Object.fromEntries(gvs.map((gv) => [openApiKey(gv), { serverRelativeURL: `/openapi/v3/${openApiKey(gv)}?hash=0` }])) };
}

/**
 * A group/version's OpenAPI v3 document, reduced to what clients read before a write: each
 * object path's PATCH with its group-version-kind and the `fieldValidation` query parameter,
 * which every API server since 1.27 takes (server-side field validation, GA). Seeing it,
 * client-go's `QueryParamVerifierV3` (k8s.io/cli-runtime `resource/query_param_verifier_v3.go`)
 * leaves validation to the server instead of downloading full schemas. No schemas are served,
 * so this server does not validate fields: the install check is about kinds and order.
 */
function openApiGroupVersion(gv: ApiGroupVersion): Record<string, unknown> {
    const base = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
    const paths: Record<string, unknown> = {};
    for (const r of gv.resources) {
        if (r.createOnly) continue;
        const path = r.namespaced ? `${base}/namespaces/{namespace}/${r.plural}/{name}` : `${base}/${r.plural}/{name}`;
        paths[path] = {
            patch: {
                "x-kubernetes-group-version-kind": { group: gv.group, version: gv.version, kind: r.kind },
                parameters: [
                    { name: "dryRun", in: "query", schema: { type: "string" } },
                    { name: "fieldManager", in: "query", schema: { type: "string" } },
                    { name: "fieldValidation", in: "query", schema: { type: "string" } },
                ],
            },
        };
    }
    return { openapi: "3.0.0", info: { title: "Kubernetes", version: "unversioned" }, paths };
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** `/api/v1/namespaces/ns/pods/name` → its parts; undefined for non-resource paths. */
function resourcePath(p: string): { group: string; version: string; namespace?: string; plural: string; name?: string; subresource?: string } | undefined {
    const parts = p.split("/").filter(Boolean);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api" && parts.length >= 3) [group, version, rest] = ["", parts[1]!, parts.slice(2)];
    else if (parts[0] === "apis" && parts.length >= 4) [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
    else return undefined;
    let namespace: string | undefined;
    // `namespaces/<ns>/<plural>...` is a namespaced path; `namespaces` or `namespaces/<name>` is the Namespace resource itself.
    if (rest[0] === "namespaces" && rest.length >= 3) {
        namespace = rest[1];
        rest = rest.slice(2);
    }
    const [plural, name, subresource] = rest;
    return { group, version, plural: plural!, ...(namespace !== undefined ? { namespace } : {}), ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startFakeKubeApi(options: FakeKubeApiOptions): Promise<FakeKubeApi> {
    const minor = Number(options.kubernetesVersion.split(".")[1]);
    if (!Number.isInteger(minor)) throw new Error(`kubernetesVersion must be 1.<minor>, got ${options.kubernetesVersion}`);
    const apis = mergeGroupVersions([...builtinApis(minor), ...(options.crds ?? []).flatMap(crdGroupVersions)]);
    const namespaces = new Set<string>([...BUILTIN_NAMESPACES, ...(options.namespaces ?? [])]);
    const requests: RecordedRequest[] = [];
    const objectKey = (apiVersion: string, kind: string, namespace: string | undefined, name: string) => `${apiVersion}|${kind}|${namespace ?? ""}|${name}`;
    const existing = new Set((options.objects ?? []).map((o) => objectKey(o.apiVersion, o.kind, o.namespace, o.name)));

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://localhost");
            const answer = (code: number, body: unknown) => {
                requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.search, status: code });
                res.statusCode = code;
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify(body));
            };
            const p = url.pathname.replace(/\/+$/, "") || "/";
            const method = req.method ?? "GET";
            if (method === "GET") {
                if (p === "/version") return answer(200, { major: "1", minor: String(minor), gitVersion: `v1.${minor}.0`, platform: "linux/amd64" });
                if (p === "/api") return answer(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
                if (p === "/apis") return answer(200, groupList(apis));
                if (p === "/openapi/v3") return answer(200, openApiRoot(apis));
                // OpenAPI v2 is read as protobuf only (client-go `discovery.OpenAPISchema`): an empty
                // message is a document without definitions, so client-side schema checks find no
                // schema and pass, as they do on a real server for a kind it does not serve.
                if (p === "/openapi/v2") {
                    requests.push({ method, path: p, query: url.search, status: 200 });
                    res.setHeader("content-type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
                    return res.end();
                }
                if (p.startsWith("/openapi/v3/")) {
                    const gv = apis.find((a) => openApiKey(a) === p.slice("/openapi/v3/".length));
                    return gv ? answer(200, openApiGroupVersion(gv)) : answer(404, status(404, "NotFound", "the server could not find the requested resource"));
                }
                const gvMatch = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
                if (gvMatch) {
                    const [group, version] = gvMatch[1] ? ["", gvMatch[1]] : [gvMatch[2]!, gvMatch[3]!];
                    const gv = apis.find((a) => a.group === group && a.version === version);
                    return gv ? answer(200, resourceList(gv)) : answer(404, status(404, "NotFound", "the server could not find the requested resource"));
                }
            }
            const target = resourcePath(p);
            const gv = target && apis.find((a) => a.group === target.group && a.version === target.version);
            const resource = gv?.resources.find((r) => r.plural === target!.plural);
            if (!target || !gv || !resource) return answer(404, status(404, "NotFound", "the server could not find the requested resource"));
            const apiVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;
            const isNamespaceObject = gv.group === "" && resource.plural === "namespaces";

            if (method === "GET") {
                // A collection: empty (no releases stored, nothing to look up). An object: there only if it is a namespace that exists.
                if (target.name === undefined) return answer(200, { kind: `${resource.kind}List`, apiVersion, metadata: { resourceVersion: "1" }, items: [] });
                if (isNamespaceObject && namespaces.has(target.name)) return answer(200, { kind: "Namespace", apiVersion: "v1", metadata: { name: target.name }, status: { phase: "Active" } });
                if (existing.has(objectKey(apiVersion, resource.kind, resource.namespaced ? target.namespace : undefined, target.name))) {
                    return answer(200, { kind: resource.kind, apiVersion, metadata: { name: target.name, ...(resource.namespaced ? { namespace: target.namespace } : {}), uid: "11111111-1111-1111-1111-111111111111", resourceVersion: "1" } });
                }
                return answer(404, status(404, "NotFound", `${resource.plural} "${target.name}" not found`));
            }
            if (method === "POST" || method === "PUT" || method === "PATCH") {
                if (url.searchParams.get("dryRun") !== "All") return answer(403, status(403, "Forbidden", `the fake cluster takes only dry-run writes; got ${method} ${p} without dryRun=All`));
                if (resource.namespaced && target.namespace === undefined) return answer(404, status(404, "NotFound", `${resource.plural} is namespaced: the request names no namespace`));
                if (resource.namespaced && !namespaces.has(target.namespace!)) return answer(404, status(404, "NotFound", `namespaces "${target.namespace}" not found`));
                let body: Record<string, any> = {};
                try {
                    body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
                } catch {
                    // An apply patch in YAML, or a strategic patch: the echo below is all a dry run needs.
                }
                const name = target.name ?? body.metadata?.name;
                return answer(method === "POST" ? 201 : 200, {
                    ...body,
                    apiVersion,
                    kind: resource.kind,
                    metadata: { ...(body.metadata ?? {}), name, ...(resource.namespaced ? { namespace: target.namespace } : {}), uid: "00000000-0000-0000-0000-000000000000", resourceVersion: "1", creationTimestamp: "2026-01-01T00:00:00Z" },
                });
            }
            return answer(405, status(405, "MethodNotAllowed", `${method} is not answered by the fake cluster`));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kube-"));
    const kubeconfig = path.join(dir, "kubeconfig");
    fs.writeFileSync(
        kubeconfig,
        JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "fake", cluster: { server: url } }],
            users: [{ name: "fake", user: { token: "fake" } }],
            contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
            "current-context": "fake",
        }),
        { mode: 0o600 },
    );
    return {
        url,
        kubeconfig,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                fs.rmSync(dir, { recursive: true, force: true });
            }),
    };
}
