/**
 * CONTRIBUTING.md's commands, run as written with sh and git in a clone of a team repository
 * (a bare origin with main and develop, as the package leaves it), one workflow after another.
 */
import { spawnSync } from "child_process";
import { DEFAULT_BRANCH_MODEL, isValidBranchName } from "../../infra/branch-model/branch-model";
import { teamPipelineFor } from "../../infra/team-environment";
import { EDIT, workflowSteps } from "../../infra/team-repo/contributing";
import { teamRepositoryFiles } from "../../infra/team-repo/team-files";
import { stackConfig } from "../cluster/fixtures";
import { tempDirs } from "../support/run-script";
import { newTeamRepo } from "../support/team-repo";

const tmp = tempDirs("ml-team-env-contributing-");

describe("CONTRIBUTING.md's workflows, run", () => {
    const config = stackConfig("dev");
    const repo = newTeamRepo(tmp.dir("team"));
    repo.write(teamRepositoryFiles(config, teamPipelineFor(config).text));
    repo.commit("ml-team-env: the team's pipeline and starter project");
    repo.git("push", "--quiet", "origin", "HEAD:main", "HEAD:refs/heads/develop");
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: repo.home, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "Bob", GIT_AUTHOR_EMAIL: "bob@example.com", GIT_COMMITTER_NAME: "Bob", GIT_COMMITTER_EMAIL: "bob@example.com" };
    const steps = workflowSteps({ model: DEFAULT_BRANCH_MODEL, commands: config.ci, enforcement: [], tracking: true, imageBuild: true, modelName: "model" });

    it.each(steps.map((s) => [s.title, s] as const))("%s", (_title, step) => {
        let n = 0;
        for (const line of step.commands) {
            if (line === EDIT) {
                // What the person does between the commands: change a file.
                repo.write([{ path: `notes/${step.title.split(":")[0]!.toLowerCase()}-${++n}.md`, content: `${step.title}\n` }]);
                continue;
            }
            const run = spawnSync("sh", ["-c", line], { cwd: repo.work, env, encoding: "utf8" });
            expect({ line, status: run.status, stderr: run.status === 0 ? "" : run.stderr }).toEqual({ line, status: 0, stderr: "" });
        }
        const branch = repo.git("rev-parse", "--abbrev-ref", "HEAD");
        if (step.title.startsWith("Release")) {
            expect(repo.git("ls-remote", "--tags", "origin")).toContain("refs/tags/v1.2.0");
        } else {
            // The branch it made passes the naming rule and is on the remote.
            expect(isValidBranchName(DEFAULT_BRANCH_MODEL, branch)).toBe(true);
            expect(repo.git("ls-remote", "--heads", "origin", branch)).toContain(`refs/heads/${branch}`);
            // And starts where the model says it does.
            const from = DEFAULT_BRANCH_MODEL.branchTypes.find((t) => branch.startsWith(`${t.prefix}/`))!.from;
            expect(repo.git("merge-base", "--is-ancestor", `origin/${from}`, "HEAD")).toBe("");
        }
    });
});
