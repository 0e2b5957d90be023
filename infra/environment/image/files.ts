/**
 * The image definition the package commits to the team's repository, and the pins it starts
 * from. The Dockerfile and requirements.txt are the team's to change (offered once); the
 * contract script is the package's (kept as generated), since the pipeline and the image both
 * run it.
 */
import * as fs from "fs";
import * as path from "path";
import type { ProjectFile } from "../../gitlab/gitlab-project";

/**
 * The image a new stack runs until the team's own is built: Jupyter Docker Stacks'
 * pytorch-notebook, CUDA 12 variant, of 2026-08-03 (PyTorch 2.11 for CUDA 12.8, Python 3.13,
 * JupyterLab, JupyterHub's single-user server, git; uid 1000 with a writable home). It is also
 * the Dockerfile's base (a test keeps the two equal). Digest as resolved through quay.io's API
 * in a public Dockerfile (CRC270-HoMMage/nomad-oasis, 2026-08-06); docs/versions.md.
 */
export const BOOTSTRAP_IMAGE = "quay.io/jupyter/pytorch-notebook:cuda12-2026-08-03@sha256:69c72823a4e0dbee17114bbe44d0377bc9a39504a76f6314995f7d5bfaa98d60";

/** The CUDA the bootstrap image's PyTorch is built for (its cu128 wheel index). */
export const BOOTSTRAP_TORCH_CUDA = "12.8";

/**
 * Buildah for the image-build job: quay.io/buildah/stable (containers/image_build), v1.43.1,
 * the newest tag seen in public CI files (2026-12-04; the source has v1.44.0, no image seen).
 * Kaniko's upstream was archived in June 2025 and GitLab's docs point to Buildah instead.
 */
export const BUILDAH_IMAGE = "quay.io/buildah/stable:v1.43.1";

/**
 * Skopeo for the image-publish job: quay.io/skopeo/stable (containers/skopeo) v1.22.2, pinned
 * by the digest a public CI file pins it by (seen 2026-12-04). It copies a checked image to its
 * shared name registry to registry, keeping its digest (`--preserve-digests`; the tests run
 * Debian's skopeo 1.9.3).
 */
export const SKOPEO_IMAGE = "quay.io/skopeo/stable:v1.22.2@sha256:f7cfa282082cbfc25b754905225985584d1fbc410fef99e1b498c9b64087b755";

/** Where the contract script lives in the team's repository (the Dockerfile copies it into the image). */
export const CONTRACT_SCRIPT_PATH = ".ml-team-env/check-image-contract.sh";

/** The files that define the image: a change to any rebuilds it. */
export const IMAGE_DEFINITION_PATHS = ["Dockerfile", "requirements.txt", CONTRACT_SCRIPT_PATH] as const;

/** A file of this folder, read at build time. */
export function environmentImageFile(name: string): string {
    return fs.readFileSync(path.join(__dirname, name), "utf8");
}

/** The image definition as repository files. */
export function imageDefinitionFiles(): ProjectFile[] {
    return [
        { path: "Dockerfile", content: environmentImageFile("Dockerfile"), ownership: "seed" },
        { path: "requirements.txt", content: environmentImageFile("requirements.txt"), ownership: "seed" },
        { path: CONTRACT_SCRIPT_PATH, content: environmentImageFile("check-image-contract.sh"), ownership: "managed" },
    ];
}
