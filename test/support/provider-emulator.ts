/**
 * A GitLab emulator for the tests of one describe block, driven by the package's providers: they
 * read the one GITLAB_TOKEN, so it is set to the emulator's admin token for the block and put back
 * after (test/audit/support.ts `emulatorSuite`, test/gitlab/merge-flow.test.ts).
 */
import { EmulatorMode, GitLabEmulator, startGitLabEmulator } from "./gitlab-emulator";

/** Starts the emulator before the block's tests (then `setup` on it) and closes it after; the accessor is valid inside tests. */
export function providerEmulator(mode: EmulatorMode, adminToken: string, setup: (em: GitLabEmulator) => void = () => undefined): () => GitLabEmulator {
    let em!: GitLabEmulator;
    let saved: string | undefined;
    beforeAll(async () => {
        em = await startGitLabEmulator({ mode, adminToken });
        setup(em);
        saved = process.env.GITLAB_TOKEN;
        process.env.GITLAB_TOKEN = adminToken;
    });
    afterAll(async () => {
        if (saved === undefined) delete process.env.GITLAB_TOKEN;
        else process.env.GITLAB_TOKEN = saved;
        await em.close();
    });
    return () => em;
}
