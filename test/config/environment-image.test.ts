import { parseEnvironmentImage } from "../../infra/environment/environment-image";

const DIGEST = "sha256:" + "a".repeat(64);

describe("parseEnvironmentImage", () => {
    it("splits registry, repository, tag and digest", () => {
        const r = parseEnvironmentImage(`registry.example.com:5000/ml/pytorch-cuda:v2.8@${DIGEST}`, "pull");
        if (!r.ok) throw new Error(r.error);
        expect(r.image).toMatchObject({
            registry: "registry.example.com:5000",
            repository: "ml/pytorch-cuda",
            tag: "v2.8",
            digest: DIGEST,
            name: "registry.example.com:5000/ml/pytorch-cuda",
            pinnedTag: `v2.8@${DIGEST}`,
            reference: `registry.example.com:5000/ml/pytorch-cuda:v2.8@${DIGEST}`,
            pullSecretName: "pull",
        });
        expect(r.warnings).toEqual([]);
    });

    it("treats a first path part without a dot as a Docker Hub repository", () => {
        const r = parseEnvironmentImage("pytorch/pytorch:2.8.0-cuda12.8-cudnn9-runtime");
        if (!r.ok) throw new Error(r.error);
        expect(r.image.registry).toBe("docker.io");
        expect(r.image.repository).toBe("pytorch/pytorch");
        expect(r.warnings[0]).toMatch(/pinned by tag only/);
    });

    it.each([
        ["registry.example.com/ml/pytorch-cuda", /has no tag/],
        ["registry.example.com/ml/pytorch-cuda:latest", /latest/],
        ["registry.example.com:5000/ml/pytorch-cuda", /has no tag/],
        ["registry.example.com/ml/PyTorch:v1", /repository 'ml\/PyTorch' is not valid/],
        ["registry.example.com/ml/pytorch:v1@sha256:xyz", /digest/],
        ["", /must be an image reference/],
    ])("rejects %s", (ref, message) => {
        const r = parseEnvironmentImage(ref);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error).toMatch(message);
    });
});
