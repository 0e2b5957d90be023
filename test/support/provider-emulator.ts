/**
 * A GitLab emulator for the tests of one describe block, driven by the package's providers: they
 * read the one GITLAB_TOKEN, so it is set to the emulator's admin token for the block and put back
 * after (test/audit/support.ts `emulatorSuite`, test/gitlab/merge-flow.test.ts).
 */
import { ProjectInputs } from "../../infra/gitlab/providers/project";
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

/** Runs `fn` with GITLAB_TOKEN set to `token` (another user's, say), putting the previous one back. */
export async function as<T>(token: string, fn: () => Promise<T>): Promise<T> {
    const saved = process.env.GITLAB_TOKEN;
    process.env.GITLAB_TOKEN = token;
    try {
        return await fn();
    } finally {
        if (saved === undefined) delete process.env.GITLAB_TOKEN;
        else process.env.GITLAB_TOKEN = saved;
    }
}

/** What every provider's inputs carry: where GitLab is, the provider's version, how to retry. */
export interface ProviderBase {
    readonly gitlabUrl: string;
    readonly providerVersion: string;
    readonly retry?: ProjectInputs["retry"];
}

/**
 * A new private project as the package creates it (the settings the branch model needs), with
 * overrides; also a plain record, as the provider host's requests take one.
 */
export function projectInputs(base: ProviderBase, path: string, over: Partial<ProjectInputs> = {}): ProjectInputs & Record<string, unknown> {
    return {
        ...base,
        kind: "gitlab:Project",
        path,
        mode: "create",
        visibility: "private",
        description: "",
        defaultBranch: "main",
        pipelineMustSucceed: true,
        allDiscussionsResolved: true,
        deleteSourceBranch: true,
        jobTokenPush: false,
        deleteOnDestroy: false,
        ...over,
    };
}
