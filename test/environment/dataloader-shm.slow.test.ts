/**
 * Why every notebook and CI job pod gets a memory-backed /dev/shm, shown with a real PyTorch
 * (Debian's python3-torch, CPU): a DataLoader with 4 workers dies with a bus error at the
 * container runtime's 64 MiB, and reads every batch at the size the dev stack's profiles and
 * jobs get by default (a quarter of their memory). Slow suite: it starts 4 worker processes.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { shmMiB } from "../../infra/scheduling/shared-memory";
import { stackConfig } from "../cluster/fixtures";
import { shmNamespaceMissing, withShm } from "../support/shm-namespace";

const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);
const missing = python ? shmNamespaceMissing() : "no Python with torch here (apt-get install -y python3-torch)";
if (missing) console.warn(`SKIPPED: the DataLoader against /dev/shm sizes — ${missing}.`);
const script = path.join(__dirname, "../support/dataloader_shm.py");

(missing ? describe.skip : describe)("a PyTorch DataLoader with 4 workers against /dev/shm", () => {
    const run = (sizeMiB: number) => withShm(sizeMiB, python!, [script, "4"], { env: { PATH: "/usr/bin:/bin", HOME: "/tmp", OMP_NUM_THREADS: "1" } });

    it("dies with a bus error at the container default of 64 MiB", () => {
        const r = run(64);
        expect(r.status).not.toBe(0);
        expect(`${r.stdout}${r.stderr}`).toMatch(/Bus error|out of shared memory|insufficient shared memory|unable to allocate shared memory/);
    });

    it("reads every batch at the smallest default size of the dev stack's notebooks and CI jobs", () => {
        const config = stackConfig("dev");
        const sizes = [...config.jupyterhub.profiles.map((p) => shmMiB(p.memoryGiB, p.shmGiB)), shmMiB(config.runners.cpuJob.memoryGiB, config.runners.cpuJob.shmGiB), shmMiB(config.runners.gpuJob.memoryGiB, config.runners.gpuJob.shmGiB)];
        const smallest = Math.min(...sizes);
        // The CPU job's 4 GiB gives 1 GiB.
        expect(smallest).toBe(1024);
        const r = run(smallest);
        expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: "read 1024 samples with 4 workers" });
    });
});
