/**
 * `npm run gitlab-emulator` starts what README's "Trying it without the Pulumi CLI" says: the
 * group ml-team, the users alice, bob and chen.wei, and no project, so the flow's `gitlab-apply`
 * (the gitlab-only stack's `mode: create`) creates ml-team/vision-models instead of silently
 * adopting a seeded one (the flow itself: test/local-apply/gitlab-apply.slow.test.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { gitlabRequest } from "../support/emulator-http";
import { capture } from "../support/cli-io";
import { gitlabEmulatorMain } from "../support/gitlab-emulator-cli";
import { ROOT } from "../harness";

describe("npm run gitlab-emulator", () => {
    let stop: () => void;
    let done: Promise<number>;
    const io = capture(ROOT);
    beforeAll(async () => {
        done = gitlabEmulatorMain(["--port", "0"], io, () => new Promise<void>((resolve) => (stop = resolve)));
        while (!/^admin token: /m.test(io.stdout)) await new Promise((r) => setTimeout(r, 10));
    });
    afterAll(async () => {
        stop();
        expect(await done).toBe(0);
    });

    it("seeds the group and the users README names, and no project", async () => {
        const url = /at (http:\/\/\S+)\/api\/v4/.exec(io.stdout)![1]!;
        const token = /^admin token: (\S+)$/m.exec(io.stdout)![1]!;
        const get = (p: string) => gitlabRequest(url, token, "GET", p);
        expect((await get("/groups/ml-team")).json).toMatchObject({ path: "ml-team" });
        for (const u of ["alice", "bob", "chen.wei"]) expect((await get(`/users?username=${u}`)).json).toEqual([expect.objectContaining({ username: u })]);
        expect((await get("/projects/ml-team%2Fvision-models")).status).toBe(404);
        // The commands it prints are README's: create with gitlab-apply, then audit.
        expect(io.stdout).toContain(`npm run gitlab-apply -- --stack gitlab-only --url ${url}`);
        expect(io.stdout).toContain(`npm run audit -- --url ${url} --project ml-team/vision-models`);
    });

    it("is what README says it seeds", () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
        expect(readme).toContain("The emulator starts with the group `ml-team` and the users `alice`, `bob` and `chen.wei`, and no project");
    });
});
