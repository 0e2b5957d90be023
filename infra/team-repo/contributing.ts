/**
 * CONTRIBUTING.md for the team's repository: the branch workflow with commands that run as
 * written, generated from the branch model and the pipeline's commands, so a changed model or
 * command changes the page with it. Each workflow is data (`workflowSteps`), which the tests
 * run in a real git repository.
 */
import { BranchModel, branchNameRegex, isHotfixType, RuleEnforcement } from "../branch-model/branch-model";
import { JOB } from "../ci/pipeline";
import { IMAGE_JOB } from "../ci/image-jobs";

export interface ContributingArgs {
    readonly model: BranchModel;
    readonly commands: { readonly lint: string; readonly test: string; readonly smokeTrain: string };
    /** Who enforces each rule on this tier (the enforcement report). */
    readonly enforcement: readonly RuleEnforcement[];
    /** Whether runs are tracked and releases registered (the bot token is set up). */
    readonly tracking: boolean;
    /** Whether the pipeline builds the environment image. */
    readonly imageBuild: boolean;
    readonly modelName: string;
}

/** The line where the person changes files; the tests write a file there. */
export const EDIT = "# ... change files, then:";

/** One workflow: what it is for, and the shell lines that do it (run as written by the tests). */
export interface WorkflowStep {
    readonly title: string;
    readonly intro: string;
    /** Shell lines, run in order in a clone whose `origin` is the team's project. */
    readonly commands: readonly string[];
    /** What happens next: merge request target, CI jobs. */
    readonly then: string;
}

/** The workflows of the branch model, with example names that pass its naming rule. */
export function workflowSteps(a: ContributingArgs): WorkflowStep[] {
    const { model } = a;
    const main = model.defaultBranch;
    const develop = model.integrationBranch;
    const release = model.protectedTags[0]?.name.replace(/\*$/, "") ?? "v";
    const steps: WorkflowStep[] = [];
    for (const t of model.branchTypes) {
        const name = t.prefix === "experiment" ? `${t.prefix}/lr-1e4-$(date +%Y%m%d)` : `${t.prefix}/${t.prefix === "hotfix" ? "fix-nan-loss" : t.prefix === "bugfix" ? "fix-data-split" : "add-augmentation"}`;
        steps.push({
            title: `${t.prefix[0]!.toUpperCase()}${t.prefix.slice(1)}: ${t.purpose}`,
            intro: `Branch from \`${t.from}\`; the merge request goes into \`${t.mergeTo}\`.`,
            commands: [`git switch ${t.from}`, `git pull --ff-only origin ${t.from}`, `git switch -c ${name}`, EDIT, "git add -A", `git commit -m "${t.prefix}: describe the change"`, "git push -u origin HEAD"],
            then: t.manualTraining
                ? `Try a setting without editing the config: \`python train.py --smoke --set optimizer.lr=1e-4\`. The push's pipeline offers \`${JOB.experimentSmoke}\` and \`${JOB.experimentTrain}\` on the GPU runner: start them from the pipeline page when you want them${a.tracking ? "; their runs appear in the project's model experiments under the branch's name" : ""}. Keep the result: open a merge request into \`${t.mergeTo}\`.${t.staleAfterDays ? ` Untouched for ${t.staleAfterDays} days, the branch is archived as the tag \`archive/<branch>\` and deleted (restore: \`git push origin archive/<branch>^{commit}:refs/heads/<branch>\`).` : ""}`
                : isHotfixType(model, t)
                  ? `Open a merge request into \`${main}\`; maintainers merge it. After it merges, the pipeline on \`${main}\` opens the merge request \`${main}\` → \`${develop}\` (job \`${JOB.hotfixBackport}\`)${a.tracking ? "" : ` when the bot token is set up; otherwise open it yourself: the project's *Merge requests → New merge request*, source \`${main}\`, target \`${develop}\` (or \`<project URL>/-/merge_requests/new?merge_request[source_branch]=${main}&merge_request[target_branch]=${develop}\`)`}: merge it, or the next release from \`${develop}\` undoes the fix.`
                  : `Open a merge request into \`${t.mergeTo}\`. Its pipeline must pass and its discussions be resolved before it can merge; the branch is deleted after the merge.`,
        });
    }
    steps.push({
        title: `Release: a version of the model, cut on \`${main}\``,
        intro: `Maintainers only (the tags \`${model.protectedTags[0]?.name ?? "v*"}\` are protected). First merge \`${develop}\` into \`${main}\` by merge request.`,
        commands: [`git switch ${main}`, `git pull --ff-only origin ${main}`, `git tag -a ${release}1.2.0 -m "${release}1.2.0: what changed"`, `git push origin ${release}1.2.0`],
        then: `The tag's pipeline checks the tag is a version on \`${main}\` (\`${JOB.releaseCheck}\`), runs \`${JOB.unitTests}\`, then \`${JOB.releaseModel}\` trains on the GPU runner${a.tracking ? ` and registers version 1.2.0 of \`${a.modelName}\` in the project's model registry, with the model files, the run, the commit and the image` : ""}; \`${JOB.release}\` makes the GitLab release. A tag that is not a version, or not on \`${main}\`, publishes nothing.`,
    });
    return steps;
}

function enforcedBy(a: ContributingArgs, id: string): string {
    const r = a.enforcement.find((e) => e.id === id);
    return r ? { gitlab: "GitLab", ci: "the pipeline", none: "nobody (your GitLab tier lacks it)" }[r.enforcedBy] : "GitLab";
}

/** The page. */
export function contributingGuide(a: ContributingArgs): string {
    const { model } = a;
    const who = (level: number) => (level === 0 ? "no one" : level === 30 ? "developers" : "maintainers");
    const branches = [
        ...model.protectedBranches
            .filter((b) => b.name === model.defaultBranch || b.name === model.integrationBranch)
            .map((b) => `| \`${b.name}\` | ${b.purpose} | ${who(b.pushAccessLevel)} | ${who(b.mergeAccessLevel)} |`),
        ...model.branchTypes.map((t) => `| \`${t.prefix}/*\` | ${t.purpose}; from \`${t.from}\`, into \`${t.mergeTo}\` | developers | — |`),
    ];
    const steps = workflowSteps(a).map((s) => [`### ${s.title}`, "", s.intro, "", "```bash", ...s.commands, "```", "", s.then].join("\n"));
    const image = a.imageBuild
        ? [
              "## Changing the environment",
              "",
              "Everyone runs one image, defined by `Dockerfile` and `requirements.txt`. To add a package, pin it in",
              "`requirements.txt` on a feature branch and open a merge request: its pipeline builds the image",
              `(\`${IMAGE_JOB.build}\`), checks it (\`${IMAGE_JOB.contract}\`, \`${IMAGE_JOB.contractGpu}\`) and runs the checks and the`,
              "smoke run in it. After the merge, the pipeline on the default branch publishes it and prints the line to pin",
              "in the stack (`ml-team-env:environment.image`); `pulumi up` then rolls it to notebooks and runners.",
              "Never add torch to `requirements.txt`: the base image carries the build for its CUDA.",
              "",
          ]
        : [];
    return [
        "# Working in this repository",
        "",
        "Set up by ml-team-env: the branches, merge rules and pipeline below are enforced as code. This page is",
        "yours to edit; ml-team-env wrote it once and never changes it.",
        "",
        "## Branches",
        "",
        "| branch | for | push | merge |",
        "|---|---|---|---|",
        ...branches,
        "",
        `Names: every branch other than \`${model.defaultBranch}\` and \`${model.integrationBranch}\` is \`<type>/<name>\`, checked by ${enforcedBy(a, "push-rule:branch-name")} against`,
        `\`${branchNameRegex(model)}\`. Merge requests go where the table says (checked by the pipeline's \`${JOB.mergeTarget}\`).`,
        "",
        "## Before you push",
        "",
        "What the merge request pipeline runs, locally:",
        "",
        "```bash",
        a.commands.lint,
        a.commands.test,
        a.commands.smokeTrain,
        "```",
        "",
        "## Workflows",
        "",
        ...steps.flatMap((s) => [s, ""]),
        ...image,
        "## Reproducible runs",
        "",
        "`train.py` seeds everything and turns on deterministic algorithms, so two runs of one commit give",
        "bit-identical weights. Every run writes `run.json` (commit, branch, uncommitted changes, image and digest,",
        a.tracking
            ? "config, seed, result) and, in CI, logs to the project's model experiments (Deploy → Model experiments). To log a notebook's runs there, create a personal access token (scope `api`), then `export MLFLOW_TRACKING_TOKEN=<token>` in the notebook's terminal: the hub already sets MLFLOW_TRACKING_URI."
            : "config, seed, result).",
        "",
    ].join("\n");
}
