/**
 * Every notebook profile's pod gets a memory-backed /dev/shm, with its home volume still there:
 * the hub's values as the real Helm renders them into the hub's Secret, made into each
 * profile's pod volumes as z2jh's jupyterhub_config.py and KubeSpawner do
 * (test/support/kubespawner-pod.ts `notebookPodVolumes`).
 */
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { stackConfig } from "../cluster/fixtures";
import { runStack } from "../harness";
import { HelmTools } from "../support/helm-binary";
import { renderKubeVersion, renderRelease, renderToolsOrSkip } from "../support/helm-render";
import { byteSpecification, notebookPodVolumes, NotebookPodVolumes, renderedHubValues } from "../support/kubespawner-pod";
import { registeredReleases } from "../support/registered-releases";
import { profileEntry } from "../../infra/workspaces/hub-values";

const tools = renderToolsOrSkip("notebook pods' /dev/shm from the rendered hub values");

/** What is wrong with a pod's /dev/shm and home, or nothing. */
function volumeProblems(pod: NotebookPodVolumes, memLimitBytes: number, wantShm: string): string[] {
    const problems: string[] = [];
    const mount = pod.volumeMounts.find((m) => m.mountPath === "/dev/shm");
    const volume = mount && pod.volumes.find((v) => v.name === mount.name);
    if (!volume) problems.push("no volume mounted at /dev/shm");
    else if (volume.emptyDir?.medium !== "Memory") problems.push(`/dev/shm is ${JSON.stringify(volume)}, not a memory-backed emptyDir`);
    else {
        if (volume.emptyDir.sizeLimit !== wantShm) problems.push(`/dev/shm sizeLimit ${volume.emptyDir.sizeLimit}, want ${wantShm}`);
        if (Number(volume.emptyDir.sizeLimit.replace(/Mi$/, "")) * 2 ** 20 >= memLimitBytes) problems.push("/dev/shm does not fit inside the memory limit");
    }
    const home = pod.volumeMounts.find((m) => m.mountPath === "/home/jovyan");
    if (!home || !pod.volumes.some((v) => v.name === home.name && v.persistentVolumeClaim)) problems.push("the home volume is gone");
    return problems;
}

(tools ? describe : describe.skip)("notebook pods' /dev/shm (dev stack, hub values rendered by Helm)", () => {
    const config = stackConfig("dev");
    let values: Record<string, any>;
    let resources: RecordedResource[];
    beforeAll(async () => {
        resources = (await runStack("dev")).resources;
        const release = registeredReleases(resources).find((r) => r.chart === "jupyterhub")!;
        values = renderedHubValues(renderRelease(tools as HelmTools, release, renderKubeVersion(config.cluster)).ofKinds(["Secret"]));
    });

    it("every profile's pod mounts a memory-backed /dev/shm of a quarter of its memory, and keeps its home volume", () => {
        const profiles = values.custom.profiles as Record<string, any>[];
        expect(profiles.map((p) => p.slug)).toEqual(config.jupyterhub.profiles.map((p) => p.name));
        for (const p of profiles) {
            const memoryGiB = config.jupyterhub.profiles.find((c) => c.name === p.slug)!.memoryGiB;
            const problems = volumeProblems(notebookPodVolumes(p, values), byteSpecification(p.kubespawner_override.mem_limit), `${memoryGiB * 256}Mi`);
            expect({ profile: p.slug, problems }).toEqual({ profile: p.slug, problems: [] });
        }
    });

    it("the check fails for a profile without the override, and for one that sets its volumes as a list (KubeSpawner would drop the home volume)", () => {
        const gpu = (values.custom.profiles as Record<string, any>[]).find((p) => p.slug === "gpu-1")!;
        const limit = byteSpecification(gpu.kubespawner_override.mem_limit);
        const { volumes: _v, volume_mounts: _m, ...bare } = gpu.kubespawner_override;
        expect(volumeProblems(notebookPodVolumes({ ...gpu, kubespawner_override: bare }, values), limit, "3072Mi")).toEqual(["no volume mounted at /dev/shm"]);
        const asList = { ...gpu, kubespawner_override: { ...gpu.kubespawner_override, volumes: Object.values(gpu.kubespawner_override.volumes), volume_mounts: Object.values(gpu.kubespawner_override.volume_mounts) } };
        expect(volumeProblems(notebookPodVolumes(asList, values), limit, "3072Mi")).toEqual(["the home volume is gone"]);
        const tooLarge = { ...gpu, kubespawner_override: { ...gpu.kubespawner_override, volumes: { shm: { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "12288Mi" } } } } };
        expect(volumeProblems(notebookPodVolumes(tooLarge, values), limit, "3072Mi")).toEqual(["/dev/shm sizeLimit 12288Mi, want 3072Mi", "/dev/shm does not fit inside the memory limit"]);
    });

    it("a size set per profile is the one the pod gets", () => {
        const placement = { nodeSelector: {}, tolerations: [], resourceName: "nvidia.com/gpu", gpusPerNode: 1, maxGpus: 1 };
        const entry = profileEntry({ ...config.jupyterhub.profiles[0]!, shmGiB: 1.5 }, placement, placement) as { kubespawner_override: Record<string, any> };
        expect(notebookPodVolumes(entry, values).volumes.find((v) => v.name === "shm")).toEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "1536Mi" } });
    });
});
