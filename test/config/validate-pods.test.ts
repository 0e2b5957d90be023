/**
 * Validation of what pods get beyond CPU and memory: /dev/shm inside each notebook's and CI
 * job's memory, and GPUs shared by time-slicing on a pool that offers them.
 */
import * as fs from "fs";
import * as path from "path";
import { stackConfig } from "../cluster/fixtures";
import { ROOT } from "../harness";
import { validateDev } from "./fixtures";

const validate = validateDev;

function errorsFor(mutate: (raw: Record<string, any>) => void): Record<string, string> {
    const result = validate(mutate);
    if (result.ok) throw new Error("expected the config to be rejected");
    return Object.fromEntries(result.errors.map((e) => [e.key, e.message]));
}

const SHARED_POOL = { instanceTypes: ["g6.xlarge"], maxSize: 2, sharing: { replicasPerGpu: 4 } };
const SHARED_PROFILE = { name: "gpu-shared", displayName: "A slice of a GPU", cpu: 2, memoryGiB: 8, gpus: 1, sharedGpu: true };
const CPU_PROFILE = { name: "cpu", displayName: "CPU", cpu: 2, memoryGiB: 8, default: true };

describe("/dev/shm of notebooks and CI jobs", () => {
    it("accepts a size inside the pod's memory, and defaults to none given (a quarter is applied where pods are made)", () => {
        const result = validate((r) => {
            r.jupyterhub.profiles = [{ ...CPU_PROFILE, shmGiB: 4 }];
            r.runners = { gpuJob: { cpu: 3, memoryGiB: 12, shmGiB: 6 } };
        });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.config.jupyterhub!.profiles[0]!.shmGiB).toBe(4);
        expect(result.config.runners.cpuJob.shmGiB).toBeUndefined();
    });

    it("refuses a size that does not fit the profile's or the job's memory, at its key, with the fix", () => {
        const errors = errorsFor((r) => {
            r.jupyterhub.profiles = [{ ...CPU_PROFILE, shmGiB: 8 }];
            r.runners = { cpuJob: { cpu: 1, memoryGiB: 4, shmGiB: 6 }, gpuJob: { cpu: 3, memoryGiB: 12, shmGiB: 12.5 } };
        });
        expect(errors["ml-team-env:jupyterhub.profiles[0].shmGiB"]).toMatch(
            /is 8 GiB but the pod has 8 GiB of memory, and \/dev\/shm is counted inside it .*Set it to at most 4 GiB \(default: a quarter, 2 GiB\) or raise memoryGiB to at least 16 GiB$/,
        );
        expect(errors["ml-team-env:runners.cpuJob.shmGiB"]).toMatch(/is 6 GiB but the pod has 4 GiB/);
        expect(errors["ml-team-env:runners.gpuJob.shmGiB"]).toMatch(/is 12.5 GiB but the pod has 12 GiB/);
    });

    it("refuses more than half the memory, which leaves the processes too little; half is accepted", () => {
        const almostAll = validate((r) => (r.jupyterhub.profiles = [{ ...CPU_PROFILE, shmGiB: 7.9 }]));
        expect(almostAll.ok ? [] : almostAll.errors).toEqual([
            { key: "ml-team-env:jupyterhub.profiles[0].shmGiB", value: 7.9, message: expect.stringMatching(/^is 7.9 GiB but the pod has 8 GiB .*more than half would leave the processes too little\. Set it to at most 4 GiB .*raise memoryGiB to at least 15.8 GiB$/) },
        ]);
        expect(errorsFor((r) => (r.runners = { gpuJob: { cpu: 3, memoryGiB: 12, shmGiB: 6.5 } }))["ml-team-env:runners.gpuJob.shmGiB"]).toMatch(/at most 6 GiB/);
        expect(validate((r) => (r.jupyterhub.profiles = [{ ...CPU_PROFILE, shmGiB: 4 }])).ok).toBe(true);
    });

    it("refuses a size of zero or less", () => {
        expect(errorsFor((r) => (r.jupyterhub.profiles = [{ ...CPU_PROFILE, shmGiB: 0 }]))["ml-team-env:jupyterhub.profiles[0].shmGiB"]).toMatch(/must be more than 0/);
    });
});

describe("GPUs shared by time-slicing", () => {
    const withSharing = (r: Record<string, any>) => {
        r.cluster.sharedGpuNodePool = structuredClone(SHARED_POOL);
        r.jupyterhub.profiles = structuredClone([CPU_PROFILE, SHARED_PROFILE]);
        r.team.members[1].sharedGpus = 1;
    };

    it("accepts a sharing pool and a profile on it; the capacity counts slices per zone", () => {
        const result = validate(withSharing);
        if (!result.ok) throw new Error(result.errors.map((e) => `${e.key}: ${e.message}`).join("\n"));
        // g6.xlarge: 1 L4; 4 replicas; 2 nodes per zone.
        expect(result.config.gpuCapacity.shared).toEqual({ gpusPerNode: 1, replicasPerGpu: 4, maxSlices: 8 });
        expect(result.config.cluster.mode === "eks" && result.config.cluster.sharedGpuNodePool?.sharing).toEqual({ strategy: "time-slicing", replicasPerGpu: 4 });
    });

    it("refuses a shared-GPU profile where no pool shares its GPUs, and on an existing cluster", () => {
        const errors = errorsFor((r) => (r.jupyterhub.profiles = [CPU_PROFILE, SHARED_PROFILE]));
        expect(errors["ml-team-env:jupyterhub.profiles[1].sharedGpu"]).toMatch(/needs a pool that time-slices its GPUs: add cluster.sharedGpuNodePool/);
        const onprem = errorsFor((r) => {
            r.cluster = { mode: "existing", gpuNodeSelector: { gpu: "true" }, gpusPerNode: 2, gpuNodeCount: 2, storageClassName: "retained" };
            r.jupyterhub.profiles = [CPU_PROFILE, SHARED_PROFILE];
            r.jupyterhub.https = "letsencrypt";
        });
        expect(onprem["ml-team-env:jupyterhub.profiles[1].sharedGpu"]).toMatch(/EKS only/);
    });

    it("refuses a shared-GPU profile asking for more than one slice", () => {
        const errors = errorsFor((r) => {
            withSharing(r);
            r.jupyterhub.profiles[1].gpus = 2;
        });
        expect(errors["ml-team-env:jupyterhub.profiles[1].gpus"]).toMatch(/must be 1 with sharedGpu: the device plugin refuses/);
    });

    it("refuses fewer than 2 replicas (the plugin's own rule), another strategy, and an unknown GPU type", () => {
        const errors = errorsFor((r) => {
            withSharing(r);
            r.cluster.sharedGpuNodePool = { instanceTypes: ["g6.xlarg"], sharing: { replicasPerGpu: 1 } };
        });
        expect(errors["ml-team-env:cluster.sharedGpuNodePool.sharing.replicasPerGpu"]).toMatch(/must be 2 or more: the device plugin refuses/);
        const other = errorsFor((r) => {
            withSharing(r);
            r.cluster.sharedGpuNodePool = { ...SHARED_POOL, sharing: { strategy: "mig", replicasPerGpu: 2 } };
        });
        expect(other["ml-team-env:cluster.sharedGpuNodePool.sharing.strategy"]).toMatch(/must be 'time-slicing' \(MIG needs the GPU partitioned/);
        const unknown = errorsFor((r) => {
            withSharing(r);
            r.cluster.sharedGpuNodePool.instanceTypes = ["g6.xlarg"];
        });
        expect(unknown["ml-team-env:cluster.sharedGpuNodePool.instanceTypes[0]"]).toMatch(/did you mean 'g6.xlarge'/);
        expect(errorsFor((r) => {
            withSharing(r);
            r.cluster.sharedGpuNodePool.instanceTypes = ["g6.xlarge", "g6.12xlarge"];
        })["ml-team-env:cluster.sharedGpuNodePool.instanceTypes"]).toMatch(/carry different GPU counts/);
    });

    it("keeps a member's shared GPUs within what the pool offers one zone, and their profiles within their quotas", () => {
        const errors = errorsFor((r) => {
            withSharing(r);
            r.team.members[0].sharedGpus = 9;
            r.team.members[2].profiles = ["gpu-shared"];
        });
        expect(errors["ml-team-env:team.members[0].sharedGpus"]).toMatch(/more than the shared GPU pool can ever offer one member \(8 = 2 node\(s\) × 1 GPU\(s\) × 4 replicas/);
        expect(errors["ml-team-env:team.members[2].profiles[0]"]).toMatch(/needs a shared GPU but this member's quota of shared GPUs \(sharedGpus\) is 0/);
        expect(errorsFor((r) => (r.team.members[0].sharedGpus = 1))["ml-team-env:team.members[0].sharedGpus"]).toMatch(/needs a pool that time-slices its GPUs/);
    });

    it("fits a shared-GPU profile against the sharing pool's node", () => {
        const errors = errorsFor((r) => {
            withSharing(r);
            r.jupyterhub.profiles[1].memoryGiB = 15;
        });
        expect(errors["ml-team-env:jupyterhub.profiles[1].memoryGiB"]).toMatch(/a node of the gpu-shared pool \(g6.xlarge\) leaves at most/);
    });
});

describe("the dev stack's commented GPU-sharing example", () => {
    /** The dev stack with the example's commented sharing lines turned on. */
    const EXAMPLE = ["sharedGpuNodePool:", "  instanceTypes: [g6.xlarge]", "  maxSize: 1 # per zone", "  sharing:", "- name: gpu-shared", "  displayName: A slice", "  description: Shares", "  cpu: 0.8", "  memoryGiB: 3.5", "  gpus: 1", "  sharedGpu: true", "shmGiB: 4"];
    const uncommented = () =>
        fs
            .readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8")
            .split("\n")
            .map((line) => {
                const m = /^(\s*)# (.*)$/.exec(line);
                return m && EXAMPLE.some((e) => m[2]!.startsWith(e)) ? `${m[1]}${m[2]}` : line;
            })
            .join("\n")
            .replace("        gpus: 1\n      - username: chen.wei", "        gpus: 1\n        sharedGpus: 1\n      - username: chen.wei");

    it("turned on, validates: four slices of the profile fit a g6.xlarge, bob gets one, the GPU profile's /dev/shm is 4 GiB", () => {
        const warnings: string[] = [];
        const config = stackConfig("dev", uncommented, warnings);
        expect(config.cluster.mode === "eks" && config.cluster.sharedGpuNodePool).toEqual({ instanceTypes: ["g6.xlarge"], capacityType: "ON_DEMAND", minSize: 0, desiredSize: 0, maxSize: 1, diskSizeGiB: 200, sharing: { strategy: "time-slicing", replicasPerGpu: 4 } });
        expect(config.jupyterhub.profiles.map((p) => [p.name, p.sharedGpu ?? false, p.shmGiB])).toEqual([["cpu", false, undefined], ["gpu-1", false, 4], ["gpu-shared", true, undefined]]);
        expect(config.team.members.find((m) => m.username === "bob")!.sharedGpus).toBe(1);
        expect(warnings.filter((w) => /slice/.test(w))).toEqual([]);
    });

    it("warns when a node's CPU or memory runs out before its slices do", () => {
        const warnings: string[] = [];
        stackConfig("dev", () => uncommented().replace("#   cpu: 0.8", "#   cpu: 1.5").replace("  cpu: 0.8 #", "  cpu: 1.5 #"), warnings);
        expect(warnings.find((w) => /slice/.test(w))).toMatch(/jupyterhub.profiles\[2\] \(gpu-shared\): a node of the gpu-shared pool \(g6.xlarge\) has 4 GPU slices but room for 2 such notebook\(s\).*2 slice\(s\) would sit idle/);
    });
});
