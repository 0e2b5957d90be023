import * as http from "http";
import { AddressInfo } from "net";
import { bearerChallenge, readImageManifest, registryCredentials } from "../../infra/environment/image-manifest";
import { imageCheck } from "../../infra/doctor/image-check";
import { stackConfig } from "../cluster/fixtures";

const sha = (c: string) => `sha256:${c.repeat(64)}`;
const GiB = 2 ** 30;

/**
 * A registry on loopback that answers as the OCI Distribution Spec and Docker's token
 * authentication say: manifests need a Bearer token from the realm in the 401's
 * WWW-Authenticate header; the token endpoint gives one anonymously for public repositories
 * and only with Basic credentials for private ones.
 */
function registry() {
    const repos: Record<string, { private?: boolean; manifests: Record<string, { type: string; body: unknown }>; blobs?: Record<string, unknown> }> = {
        "library/pytorch": {
            manifests: {
                "2.8": { type: "application/vnd.oci.image.index.v1+json", body: { manifests: [{ digest: sha("a"), size: 1, platform: { os: "linux", architecture: "arm64" } }, { digest: sha("b"), size: 1, platform: { os: "linux", architecture: "amd64" } }] } },
                [sha("b")]: { type: "application/vnd.oci.image.manifest.v1+json", body: { config: { digest: sha("c"), size: 1 }, layers: [{ digest: sha("d"), size: 3 * GiB }, { digest: sha("e"), size: GiB / 2 }] } },
            },
        },
        "ml/private": {
            private: true,
            manifests: { "v1": { type: "application/vnd.docker.distribution.manifest.v2+json", body: { config: { digest: sha("f"), size: 1 }, layers: [{ digest: sha("1"), size: 100 }] } } },
            blobs: { [sha("f")]: { os: "linux", architecture: "amd64" } },
        },
        "ml/arm-only": {
            manifests: {
                "v1": { type: "application/vnd.oci.image.index.v1+json", body: { manifests: [{ digest: sha("a"), size: 1, platform: { os: "linux", architecture: "arm64" } }] } },
                "v2": { type: "application/vnd.oci.image.manifest.v1+json", body: { config: { digest: sha("9"), size: 1 }, layers: [{ digest: sha("8"), size: 1 }] } },
            },
            blobs: { [sha("9")]: { os: "linux", architecture: "arm64" } },
        },
    };
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url!, "http://x");
        requests.push(`${req.method} ${url.pathname}${req.headers.authorization ? ` (${req.headers.authorization.split(" ")[0]})` : ""}`);
        if (url.pathname === "/token") {
            const repo = /^repository:(.+):pull$/.exec(url.searchParams.get("scope") ?? "")?.[1] ?? "";
            const basic = req.headers.authorization === `Basic ${Buffer.from("robot:s3cret").toString("base64")}`;
            if (repos[repo]?.private && !basic) return void res.writeHead(401).end();
            return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `t-${repo}` }));
        }
        const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
        if (!m) return void res.writeHead(404).end();
        const [, repo, kind, ref] = m;
        if (req.headers.authorization !== `Bearer t-${repo}`) {
            const port = (server.address() as AddressInfo).port;
            return void res.writeHead(401, { "www-authenticate": `Bearer realm="http://127.0.0.1:${port}/token",service="test-registry",scope="repository:${repo}:pull"` }).end();
        }
        const r = repos[repo!];
        const found = kind === "manifests" ? r?.manifests[ref!] : r?.blobs?.[ref!] !== undefined ? { type: "application/json", body: r.blobs[ref!] } : undefined;
        if (!found) return void res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
        res.writeHead(200, { "content-type": found.type, ...(kind === "manifests" ? { "docker-content-digest": ref!.startsWith("sha256:") ? ref! : sha("0") } : {}) }).end(JSON.stringify(found.body));
    });
    return { server, requests };
}

describe("reading an image manifest from its registry", () => {
    const { server, requests } = registry();
    let baseUrl: (host: string) => string;
    beforeAll(async () => {
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as AddressInfo).port;
        baseUrl = () => `http://127.0.0.1:${port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => (requests.length = 0));

    it("gets an anonymous token, picks linux/amd64 from the index and sums its layers (Docker Hub names under library/)", async () => {
        const read = await readImageManifest("pytorch:2.8", { baseUrl });
        expect(read).toEqual({ ok: true, facts: { reference: "pytorch:2.8", digest: sha("b"), layers: 2, compressedBytes: 3.5 * GiB, multiPlatform: true } });
        expect(requests).toEqual(["GET /v2/library/pytorch/manifests/2.8", "GET /token", "GET /v2/library/pytorch/manifests/2.8 (Bearer)", `GET /v2/library/pytorch/manifests/${sha("b")} (Bearer)`]);
    });

    it("signs in to the token endpoint with the .dockerconfigjson's credentials for a private repository, and checks a single image's platform in its config", async () => {
        const anonymous = await readImageManifest("registry.example.com/ml/private:v1", { baseUrl });
        expect(anonymous).toMatchObject({ ok: false, kind: "unreadable", reason: expect.stringMatching(/refused to show ml\/private anonymously \(HTTP 401\)/), fix: expect.stringMatching(/REGISTRY_DOCKER_CONFIG_JSON/) });
        const dockerConfigJson = JSON.stringify({ auths: { "registry.example.com": { username: "robot", password: "s3cret" } } });
        const read = await readImageManifest("registry.example.com/ml/private:v1", { baseUrl, dockerConfigJson });
        expect(read).toMatchObject({ ok: true, facts: { layers: 1, compressedBytes: 100, multiPlatform: false } });
        expect(requests).toContain("GET /token (Basic)");
    });

    it("says the image is missing for an unknown tag, an index without linux/amd64, or an arm64-only image", async () => {
        expect(await readImageManifest("pytorch:9.9", { baseUrl })).toMatchObject({ ok: false, kind: "missing", reason: expect.stringMatching(/no library\/pytorch:9.9 \(HTTP 404\)/) });
        expect(await readImageManifest("registry.example.com/ml/arm-only:v1", { baseUrl })).toMatchObject({ ok: false, kind: "missing", reason: expect.stringMatching(/no linux\/amd64 image \(it has linux\/arm64\)/) });
        expect(await readImageManifest("registry.example.com/ml/arm-only:v2", { baseUrl })).toMatchObject({ ok: false, kind: "missing", reason: expect.stringMatching(/is linux\/arm64, not linux\/amd64/) });
    });

    it("reads a pull-through image from its upstream, and says when the registry cannot be reached", async () => {
        const hosts: string[] = [];
        const read = await readImageManifest(`123456789012.dkr.ecr.us-west-2.amazonaws.com/docker-hub/library/pytorch:2.8`, { baseUrl: (h) => (hosts.push(h), baseUrl(h)) });
        expect(read).toMatchObject({ ok: true, facts: { reference: "docker.io/pytorch:2.8", layers: 2 } });
        expect(hosts[0]).toBe("registry-1.docker.io");
        const closed = await readImageManifest("pytorch:2.8", { baseUrl: () => "http://127.0.0.1:1" });
        expect(closed).toMatchObject({ ok: false, kind: "unreadable", reason: expect.stringMatching(/could not reach registry-1.docker.io/) });
    });

    it("doctor: prints the size it read and the cold-start budget at that size, and calls a missing image a problem", async () => {
        const config = stackConfig("dev", (y) => y.replace("  ml-team-env:environment:\n", "  ml-team-env:environment:\n    image: pytorch:2.8\n"));
        const ok = await imageCheck(config, {}, { baseUrl });
        expect(ok).toMatchObject({ id: "image.manifest", group: "image", status: "ok", summary: "pytorch:2.8: 3.50 GiB compressed, linux/amd64 present" });
        expect(ok.details!.join("\n")).toMatch(/a cold GPU notebook on g5.xlarge with this image \(unpacked 8.0 GiB, estimated\), modelled:[\s\S]*image pull and unpack[\s\S]*total/);
        expect(ok.details!.join("\n")).toMatch(/environment.imageSizeGiB.compressed is 7 \(the default\); set it to 3.5/);
        const missing = await imageCheck(stackConfig("dev", (y) => y.replace("  ml-team-env:environment:\n", "  ml-team-env:environment:\n    image: pytorch:9.9\n")), {}, { baseUrl });
        expect(missing).toMatchObject({ status: "problem", summary: expect.stringMatching(/HTTP 404/) });
    });

    it("parses challenges and credentials as registries and docker write them", () => {
        expect(bearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/x:pull"')).toEqual({ realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/x:pull" });
        expect(bearerChallenge('Basic realm="x"')).toBeUndefined();
        expect(registryCredentials(JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: "YTpi" } } }), "registry-1.docker.io")).toBe("YTpi");
        expect(registryCredentials("not json", "x")).toBeUndefined();
    });
});
