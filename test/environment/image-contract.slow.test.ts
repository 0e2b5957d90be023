/**
 * The image contract's PyTorch part, run for real with this machine's PyTorch (Debian's
 * python3-torch: a CPU build), in the slow suite: importing torch twice takes seconds.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { cleanEnv, runFile, tempDirs } from "../support/run-script";

const contract = path.join(__dirname, "../../infra/environment/image/check-image-contract.sh");
const tmp = tempDirs("ml-team-env-contract-");

const python = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"]).status === 0);
if (!python) console.warn("SKIPPED: the contract's PyTorch check — no Python with torch here (apt-get install -y python3-torch).");

(python ? describe : describe.skip)("check-image-contract.sh --for gpu", () => {
    it("reports the CUDA build of this machine's PyTorch against the one the image declares", () => {
        if (!python) throw new Error("unreachable: the suite is skipped without torch");
        const env = cleanEnv(tmp.dir("home"), { PATH: `${path.dirname(python === "python3" ? "/usr/bin/python3" : python)}:/usr/bin:/bin`, ML_TEAM_ENV_TORCH_CUDA: "12.8" });
        const run = runFile("sh", contract, env, tmp.dir("cwd"), ["--for", "gpu"]);
        // This machine's torch is a CPU build: another CUDA than the image declares, named with the fix.
        expect(run.status).toBe(1);
        expect(run.stdout).toMatch(/FAIL {2}torch \S+ is built for CUDA none, the image declares 12\.8/);
        expect(run.stdout).toContain("ok    no GPU here; the GPU runner checks CUDA");
        const gpu = runFile("sh", contract, { ...env, ML_TEAM_ENV_TORCH_CUDA: "" }, tmp.dir("cwd"), ["--for", "gpu", "--require-gpu"]);
        expect(gpu.status).toBe(1);
        expect(gpu.stdout).toContain("FAIL  no GPU visible to PyTorch");
    });
});
