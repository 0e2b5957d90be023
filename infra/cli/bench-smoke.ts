/**
 * `npm run bench`'s measure of the starter project: the smoke training every merge request
 * runs, timed on this machine's CPU, twice, with whether the two runs' weights are identical.
 * Needs a Python with PyTorch; without one it says so.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { starterFiles } from "../team-repo/team-files";

/** The first interpreter that imports torch, or undefined. */
function torchPython(candidates: readonly string[]): string | undefined {
    return candidates.find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);
}

export function smokeRunLines(candidates: readonly string[] = ["python3", "/usr/bin/python3"]): string[] {
    const python = torchPython(candidates);
    if (!python) return ["  skipped: no Python with torch here (Debian: apt-get install python3-torch)"];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-team-env-bench-smoke-"));
    try {
        for (const f of starterFiles()) {
            fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
            fs.writeFileSync(path.join(dir, f.path), f.content);
        }
        const runs = [0, 1].map(() => {
            const started = process.hrtime.bigint();
            const r = spawnSync(python, ["train.py", "--smoke", "--device", "cpu"], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            if (r.status !== 0) throw new Error(`python train.py --smoke failed: ${r.stderr.slice(-500)}`);
            const record = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")) as { torch: string; result: { steps: number; seconds: number; weights_digest: string } };
            return { seconds, record };
        });
        const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
        return [
            `  python ${python}, torch ${a.record.torch}, ${os.cpus().length} CPU(s): ${a.record.result.steps} steps`,
            ...runs.map((r, i) => `  run ${i + 1}: ${r.seconds.toFixed(1)} s wall (training ${r.record.result.seconds.toFixed(1)} s), weights ${r.record.result.weights_digest.slice(0, 19)}…`),
            `  the two runs' weights are ${a.record.result.weights_digest === b.record.result.weights_digest ? "bit-identical" : "DIFFERENT"}`,
        ];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
