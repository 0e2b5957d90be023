/**
 * The image-build and image-publish jobs run for real: gitlab-ci-local executes the generated
 * jobs' scripts with Buildah and Skopeo (Debian's, as root in a shell: chroot isolation and vfs
 * storage, as the job sets them) against a container registry on loopback (Debian's
 * docker-registry, the CNCF distribution). The team's Dockerfile starts from a public CUDA image this machine cannot
 * pull, so these runs build a stand-in Dockerfile of the same shape (a base, the requirements
 * layer, a RUN after it) on a base made here from busybox.
 *
 * Buildah 1.28 (Debian 12) pushes layers to the registry cache but does not yet pull them back
 * (containers/buildah 3223610f, "pull cache from remote repo", landed in v1.29.0); the job pins
 * quay.io/buildah/stable:v1.43.1. So the remote cache is checked for what is pushed, and reuse
 * of layers on the runner's own storage.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { IMAGE_JOB } from "../../infra/ci/image-jobs";
import { teamPipeline } from "../../infra/ci/pipeline";
import { teamPipelineArgs } from "../../infra/team-environment";
import { stackConfig } from "../cluster/fixtures";
import { gitlabCiLocal, ignorePredefined, variableArgs } from "../support/gitlab-ci-local";
import { onPath, tempDirs } from "../support/run-script";
import { jobEnv, newTeamRepo, TeamRepo } from "../support/team-repo";

const missing = ["buildah", "skopeo", "docker-registry", "busybox"].filter((p) => !onPath(p));
const why = missing.length ? `${missing.join(", ")} not installed (apt-get install -y buildah skopeo docker-registry busybox-static)` : !onPath("rsync") ? "rsync is not installed" : process.getuid?.() !== 0 ? "Buildah's chroot isolation needs root here" : undefined;
if (why) console.warn(`SKIPPED: the image-build job, run with Buildah against a loopback registry — ${why}.`);

(why ? describe.skip : describe)("the image-build job, run", () => {
    const tmp = tempDirs("ml-team-env-image-build-");
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const registry = `127.0.0.1:${port}`;
    const project = `${registry}/team/vision-models`;
    let server: ChildProcess;
    let repo: TeamRepo;
    let containersEnv: Record<string, string>;
    const pipeline = teamPipeline(teamPipelineArgs(stackConfig("dev")));

    const STANDIN = (base: string) => `ARG BASE_IMAGE=${base}\nFROM \${BASE_IMAGE}\nARG TORCH_CUDA=12.8\nRUN echo "the large layers" > /large\nCOPY requirements.txt /tmp/requirements.txt\nRUN cat /tmp/requirements.txt > /installed\n`;

    beforeAll(async () => {
        const dir = tmp.dir("build");
        fs.writeFileSync(path.join(dir, "registry.yml"), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/registry\nhttp:\n  addr: ${registry}\n`);
        fs.writeFileSync(path.join(dir, "registries.conf"), `[[registry]]\nlocation = "${registry}"\ninsecure = true\n`);
        fs.writeFileSync(path.join(dir, "storage.conf"), `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/storage/graph"\nrunroot = "${dir}/storage/run"\n`);
        containersEnv = { CONTAINERS_REGISTRIES_CONF: path.join(dir, "registries.conf"), CONTAINERS_STORAGE_CONF: path.join(dir, "storage.conf") };
        server = spawn("docker-registry", ["serve", path.join(dir, "registry.yml")], { stdio: "ignore" });
        for (let i = 0; i < 50 && !(await fetch(`http://${registry}/v2/`).then((r) => r.ok).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 100));
        // The base: busybox as /bin/sh, pushed to the registry.
        const env = { ...process.env, ...containersEnv };
        const sh = (script: string) => {
            const r = spawnSync("sh", ["-euc", script], { env, encoding: "utf8" });
            if (r.status !== 0) throw new Error(r.stderr);
            return r.stdout.trim();
        };
        sh(`c=$(buildah from scratch); m=$(buildah mount "$c"); mkdir -p "$m/bin" "$m/tmp"; cp "$(command -v busybox)" "$m/bin/busybox"; ln -s busybox "$m/bin/sh"; ln -s busybox "$m/bin/cat"; ln -s busybox "$m/bin/echo"; buildah umount "$c"; buildah commit -q "$c" ${registry}/base:1 >/dev/null; buildah push -q ${registry}/base:1`);
        repo = newTeamRepo(tmp.dir("team"));
        // Skopeo 1.9 reads the user's registries.conf, not CONTAINERS_REGISTRIES_CONF.
        fs.mkdirSync(path.join(repo.home, ".config/containers"), { recursive: true });
        fs.copyFileSync(path.join(dir, "registries.conf"), path.join(repo.home, ".config/containers/registries.conf"));
        repo.write([
            { path: ".gitlab-ci.yml", content: pipeline },
            { path: "Dockerfile", content: STANDIN(`${registry}/base:1`) },
            { path: "requirements.txt", content: "ruff==0.17.4\n" },
        ]);
        repo.commit("the image definition");
    });
    afterAll(() => {
        server?.kill();
    });

    const run = (source: Record<string, string>, jobs: readonly string[] = [IMAGE_JOB.build]) =>
        gitlabCiLocal(
            repo.work,
            [
                "--force-shell-executor",
                ...variableArgs({ CI_REGISTRY: registry, CI_REGISTRY_IMAGE: project, ...source }, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" in source ? ["CI_COMMIT_BRANCH"] : []),
                ...ignorePredefined(["CI_PIPELINE_SOURCE", "CI_COMMIT_BRANCH", "CI_REGISTRY", "CI_REGISTRY_IMAGE", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"]),
                ...jobs,
            ],
            { env: jobEnv(repo, "/nonexistent", containersEnv), timeoutMs: 600_000 },
        );
    /** The registry's digest of a tag, or undefined. */
    async function digestOf(repository: string, tag: string): Promise<string | undefined> {
        const r = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, { method: "HEAD", headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" } });
        return r.ok ? (r.headers.get("docker-content-digest") ?? undefined) : undefined;
    }
    const tags = async (repository: string) => ((await (await fetch(`http://${registry}/v2/${repository}/tags/list`)).json()) as { tags: string[] | null }).tags ?? [];
    // gitlab-ci-local keeps a dotenv report apart from the artifacts, as GitLab does.
    const builtImage = () => fs.readFileSync(path.join(repo.work, ".gitlab-ci-local/artifacts", IMAGE_JOB.build, ".gitlab-ci-reports/dotenv/image.env"), "utf8").trim();

    it("in a merge request: checks the requirements, builds rootless, pushes by commit and records the digest; no shared tag", async () => {
        repo.git("switch", "--quiet", "-c", "feature/environment");
        repo.write([{ path: "README.md", content: "# vision-models\n\nThe team's environment image.\n" }]);
        const sha = repo.commit("feature: the environment");
        const r = await run({ CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: "feature/environment", CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "develop" });
        expect({ code: r.code, out: r.code === 0 ? "" : r.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
        expect(r.stdout).toContain("check-requirements: requirements.txt keeps the base's PyTorch (CUDA 12.8)");
        const digest = await digestOf("team/vision-models/environment", sha);
        expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(builtImage()).toBe(`ML_TEAM_ENV_BUILT_IMAGE=${project}/environment:${sha}@${digest}`);
        expect(await tags("team/vision-models/environment")).toEqual([sha]);
        // provenance.json names what the job built, beside the builder it ran in.
        const provenance = JSON.parse(fs.readFileSync(path.join(repo.work, ".gitlab-ci-local/artifacts", IMAGE_JOB.build, "provenance.json"), "utf8"));
        expect(provenance).toMatchObject({ commit_sha: sha, built_image: `${project}/environment:${sha}`, built_image_digest: digest });
        // Every layer went to the registry cache, for the next runner pod.
        expect((await tags("team/vision-models/environment/cache")).length).toBeGreaterThanOrEqual(3);
    });

    it("on main: builds by commit, then image-publish names it main with the same digest and prints the line to pin; only the requirements layers are rebuilt", async () => {
        repo.write([{ path: "requirements.txt", content: "ruff==0.17.4\npytest==9.0.3\n" }]);
        const sha = repo.commit("feature: pytest in the image");
        const r = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main" });
        expect(r.code).toBe(0);
        // The build alone gives no shared name: the contract and the checks come first.
        expect(await digestOf("team/vision-models/environment", "main")).toBeUndefined();
        const published = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main" }, [IMAGE_JOB.publish]);
        expect({ code: published.code, out: published.code === 0 ? "" : published.stdout.slice(-3000) }).toEqual({ code: 0, out: "" });
        const digest = await digestOf("team/vision-models/environment", "main");
        expect(digest).toBe(await digestOf("team/vision-models/environment", sha));
        expect(published.stdout).toContain(`image: ${project}/environment:main@${digest}`);
        // The layers before the requirements came from the cache; the ones after were built again.
        expect(r.stdout).toMatch(/STEP 3\/5: RUN echo "the large layers" > \/large\n[^\n]*--> Using cache/);
        expect(r.stdout).not.toMatch(/STEP 5\/5: RUN cat[^\n]*\n[^\n]*--> Using cache/);
    });

    it("refuses a requirements file that would swap PyTorch's CUDA, before building or pushing anything", async () => {
        const before = await tags("team/vision-models/environment");
        repo.write([{ path: "requirements.txt", content: "ruff==0.17.4\ntorch==2.9.1+cu126\n" }]);
        const sha = repo.commit("feature: an old torch");
        const r = await run({ CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "develop" });
        expect(r.code).not.toBe(0);
        expect(r.stdout).toContain("requirements.txt:2: 'torch==2.9.1+cu126' would install a PyTorch build for another CUDA than the base's 12.8");
        expect(await tags("team/vision-models/environment")).toEqual(before);
        expect(await digestOf("team/vision-models/environment", sha)).toBeUndefined();
    });
});
