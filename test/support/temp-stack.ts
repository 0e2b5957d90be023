/**
 * Temporary directories and stack directories for tests, removed after the test file that
 * made them. The `afterAll` is registered when this module is first imported; each test file
 * has its own module registry, so that is once per file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const temporary: string[] = [];
afterAll(() => {
    for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory named `<prefix>XXXXXX`, removed after this test file. */
export function tempDir(prefix = "ml-team-env-test-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temporary.push(dir);
    return dir;
}

/** Writes `stacks/Pulumi.<stack>.yaml` with `text` in a fresh temporary directory and returns the directory. */
export function tempStack(stack: string, text: string, prefix?: string): string {
    const dir = tempDir(prefix);
    fs.mkdirSync(path.join(dir, "stacks"));
    fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), text);
    return dir;
}
