/**
 * The image contract's /dev/shm line: the size the script sees, as a pod shows it (a tmpfs of
 * that size on /dev/shm), a warning at the container runtime's 64 MiB and an ok above it.
 */
import * as path from "path";
import { cleanEnv, tempDirs } from "../support/run-script";
import { shmNamespaceMissing, withShm } from "../support/shm-namespace";

const contract = path.join(__dirname, "../../infra/environment/image/check-image-contract.sh");
const tmp = tempDirs("ml-team-env-shm-");
const missing = shmNamespaceMissing();
if (missing) console.warn(`SKIPPED: the contract's /dev/shm report — ${missing}.`);

(missing ? describe.skip : describe)("check-image-contract.sh reports /dev/shm", () => {
    const shmLine = (sizeMiB: number) => {
        const run = withShm(sizeMiB, "sh", [contract, "--for", "ci"], { env: cleanEnv(tmp.dir("home")), cwd: tmp.dir("cwd") });
        return run.stdout.split("\n").find((l) => l.includes("/dev/shm"));
    };

    it("warns at 64 MiB, where DataLoader workers fail", () => {
        expect(shmLine(64)).toBe("warn  /dev/shm is 64 MiB: PyTorch DataLoader workers pass batches through it and fail at this size");
    });

    it("passes the size a notebook gets", () => {
        expect(shmLine(3072)).toBe("ok    /dev/shm is 3072 MiB");
    });
});
