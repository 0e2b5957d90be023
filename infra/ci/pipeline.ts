/**
 * The team's GitLab CI pipeline (`.gitlab-ci.yml`), as a pure function of the branch model,
 * the environment image and the runner tags. Nothing here talks to GitLab or Pulumi: the
 * GitLab project commits the text this returns, and tests run it through a real CI parser
 * and run its two shell scripts on real git repositories.
 */
import { Document } from "yaml";
import { BranchModel, branchNameRegex } from "../branch-model/branch-model";
import { EnvironmentImage } from "../environment/environment-image";

/** What the pipeline is generated from. */
export interface TeamPipelineArgs {
    /** The branch model: long-lived branches, branch types, release tags, stale-branch rules. */
    readonly model: BranchModel;
    /** The team's one image; every job that runs team code runs in it. */
    readonly image: EnvironmentImage;
    /** Add the branch-name job: true where GitLab has no push rule for branch names (tiers below premium). */
    readonly namingJob: boolean;
    /** Runner tags of the CPU runner. */
    readonly cpuTags: readonly string[];
    /** Runner tags of the GPU runner. */
    readonly gpuTags: readonly string[];
    /** Shell commands of the team's checks and training runs. */
    readonly commands: {
        readonly lint: string;
        /** Add `--junitxml=report.xml` (pytest) to get the merge request's test summary. */
        readonly test: string;
        readonly smokeTrain: string;
        readonly releaseTrain: string;
    };
    /** What the release training run produces and the release publishes, e.g. `["model/"]`. */
    readonly modelArtifactPaths: readonly string[];
    /** Name of the generic package the release publishes, e.g. `model`. */
    readonly modelPackageName: string;
    /** The scheduled clean-up of branch types with `staleAfterDays`. */
    readonly staleBranches: { readonly dryRun: boolean };
}

/** A pipeline schedule, in the PipelineSchedule provider's terms. */
export interface PipelineScheduleSpec {
    readonly description: string;
    /** Cron expression, in the schedule's time zone (UTC by default). */
    readonly cron: string;
    /** The branch the scheduled pipeline runs on. */
    readonly ref: string;
}

/**
 * The image of the release job: GitLab's `release:` keyword runs `glab release create`, so
 * the job needs glab on its PATH. Pinned rather than `:latest` so a glab change cannot break
 * a release unannounced. v1.120.0 is the newest tag of this image found in use in public CI
 * files (search index, checked 2026-11-25); glab 1.121.0 binaries exist too, but no image tag
 * for it was seen, so bump only to a tag you have pulled.
 */
export const GLAB_IMAGE = "registry.gitlab.com/gitlab-org/cli:v1.120.0";

/** Stages, in order. */
export const PIPELINE_STAGES = ["check", "test", "train", "release", "maintenance"] as const;

/** Job names, so tests and docs refer to the same jobs the pipeline defines. */
export const JOB = {
    styleCheck: "style-check",
    unitTests: "unit-tests",
    smokeTrain: "smoke-train",
    branchName: "branch-name",
    releaseTrain: "release-train",
    publishModel: "publish-model",
    release: "release",
    staleBranches: "stale-branches",
} as const;

/** The artifact every job writes: which commit, ref and image made its result. */
export const PROVENANCE_FILE = "provenance.json";

/** Weekly, early Monday (UTC), when nobody is waiting on the runners. */
const STALE_BRANCH_CRON = "0 3 * * 1";

const MR_EVENT = `$CI_PIPELINE_SOURCE == "merge_request_event"`;
const SCHEDULE = `$CI_PIPELINE_SOURCE == "schedule"`;

/** A generic package name or file name the package registry accepts (the stack config checks with it too). */
export const PACKAGE_NAME = /^[A-Za-z0-9._-]+$/;
/** Branch names written into rules as string literals; the model's long-lived branches are plain words. */
const RULE_LITERAL = /^[A-Za-z0-9._/-]+$/;

/**
 * The anchored regex (`=~ /.../` in a rule) that matches the same tags as a GitLab
 * protected-tag wildcard such as `v*`: `*` is any run of characters, the rest is literal.
 */
export function tagGlobToRegex(glob: string): string {
    const body = glob
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
        .join(".*");
    return `^${body}$`;
}

/** The rule expression that matches release tags, from the model's first protected tag. */
function releaseTagCondition(model: BranchModel): string {
    const release = model.protectedTags[0];
    if (!release) throw new Error("the branch model has no protected tag: the release pipeline needs one (e.g. v*)");
    return `$CI_COMMIT_TAG =~ /${tagGlobToRegex(release.name)}/`;
}

function branchIs(branch: string): string {
    if (!RULE_LITERAL.test(branch)) throw new Error(`branch '${branch}' cannot be written into a CI rule as a literal`);
    return `$CI_COMMIT_BRANCH == "${branch}"`;
}

/** Single-quotes a string for POSIX sh. */
function shQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Throws unless `regex` is written in the subset that JavaScript and POSIX ERE (`grep -E`)
 * read alike: the CI job and GitLab's push rule must enforce the very same rule.
 */
function assertPosixEre(regex: string): void {
    const perlOnly = /\(\?|\\[dDwWsSbB]|[*+?}]\?/;
    if (perlOnly.test(regex)) throw new Error(`branch-name regex ${regex} uses syntax grep -E does not support`);
}

/**
 * POSIX sh that checks the merge request's source branch (or the pushed branch) against the
 * branch model's naming rule. Exit 0 when the name is allowed; otherwise prints the rule and
 * the allowed prefixes and exits 1.
 */
export function branchNameCheckScript(model: BranchModel): string {
    const regex = branchNameRegex(model);
    assertPosixEre(regex);
    const prefixes = model.branchTypes.map((t) => t.prefix).join(", ");
    const example = model.branchTypes[0] ? `${model.branchTypes[0].prefix}/add-resnet` : model.integrationBranch;
    return `#!/bin/sh
# Generated by ml-team-env from the branch model (infra/ci/pipeline.ts): the branch naming rule,
# enforced in CI where the GitLab tier has no push rule for branch names.
set -u
rule=${shQuote(regex)}
branch="\${CI_MERGE_REQUEST_SOURCE_BRANCH_NAME:-\${CI_COMMIT_BRANCH:-}}"
if [ -z "$branch" ]; then
    echo "branch-name: neither CI_MERGE_REQUEST_SOURCE_BRANCH_NAME nor CI_COMMIT_BRANCH is set, so no branch name can be checked against $rule" >&2
    exit 1
fi
# A here-document, not a pipe: no SIGPIPE from grep -q under the runner's pipefail. LC_ALL=C
# keeps [a-z] to ASCII lowercase whatever the image's locale.
if LC_ALL=C grep -Eq -- "$rule" <<ML_TEAM_ENV_BRANCH
$branch
ML_TEAM_ENV_BRANCH
then
    echo "branch-name: '$branch' follows the team's naming rule"
    exit 0
fi
cat >&2 <<ML_TEAM_ENV_MESSAGE
branch-name: '$branch' breaks the team's branch naming rule (push-rule:branch-name).
  Allowed: ${model.defaultBranch}, ${model.integrationBranch}, or <type>/<slug> with <type> one of: ${prefixes}
  and <slug> matching ${model.slugPattern}, e.g. ${example}.
  The rule, from the branch model: $rule
  Rename the branch (git branch -m <new-name> && git push -u origin <new-name>) and open the merge request from it.
ML_TEAM_ENV_MESSAGE
exit 1
`;
}

/**
 * POSIX sh (and git, nothing else) that archives then deletes stale branches: for each
 * branch type with `staleAfterDays`, every remote `<prefix>/*` branch whose head commit's
 * committer date is older than that gets the tag `archive/<prefix>/<slug>` at its head, and
 * is deleted only once the tag is on the remote, and only if it still points at that head.
 *
 * Environment: `STALE_DRY_RUN=true` prints what it would do and changes nothing;
 * `STALE_NOW_EPOCH` fixes "now" (tests); `ML_TEAM_ENV_PUSH_URL` replaces the remote, which by
 * default is this project over HTTP(S) with the job token (GitLab 18.4+ with the project's
 * `ci_push_repository_for_job_token_allowed` on).
 */
export function staleBranchScript(model: BranchModel): string {
    const types = model.branchTypes.filter((t) => t.staleAfterDays !== undefined);
    for (const t of types) {
        if (!Number.isInteger(t.staleAfterDays) || t.staleAfterDays! <= 0) throw new Error(`staleAfterDays of ${t.prefix} must be a positive integer`);
    }
    const calls = types.map((t) => `archive_stale ${shQuote(t.prefix)} ${t.staleAfterDays}`).join("\n");
    return `#!/bin/sh
# Generated by ml-team-env from the branch model (infra/ci/pipeline.ts): archive, then delete,
# branches with no commit for their type's staleAfterDays. Nothing is lost: the tag
# archive/<branch> keeps the head, and a branch is deleted only after that tag is on the remote.
set -u
# CI_SERVER_FQDN carries a non-default port (GitLab 16.10+); CI_SERVER_HOST does not.
remote="\${ML_TEAM_ENV_PUSH_URL:-\${CI_SERVER_PROTOCOL:-https}://gitlab-ci-token:\${CI_JOB_TOKEN:-}@\${CI_SERVER_FQDN:-\${CI_SERVER_HOST:-}}/\${CI_PROJECT_PATH:-}.git}"
now="\${STALE_NOW_EPOCH:-$(date +%s)}"
dry_run="\${STALE_DRY_RUN:-false}"
case "$now" in
    '' | *[!0-9]*) echo "stale-branches: STALE_NOW_EPOCH must be seconds since 1970, not '$now'" >&2; exit 2 ;;
esac
case "$dry_run" in
    true | false) ;;
    *) echo "stale-branches: STALE_DRY_RUN must be true or false, not '$dry_run'" >&2; exit 2 ;;
esac
# Fetched refs go to namespaces of their own, removed on exit, so even the local clone is left as it was.
heads=refs/remotes/ml-team-env-stale
tags=refs/ml-team-env-stale-tags
list="\${TMPDIR:-/tmp}/ml-team-env-stale.$$"
cleanup() {
    git for-each-ref --format='delete %(refname)' "$heads/" "$tags/" | git update-ref --stdin
    rm -f "$list"
}
trap cleanup EXIT
status=0
archived=0
kept=0

# archive_stale <prefix> <days>
archive_stale() {
    prefix=$1
    days=$2
    cutoff=$((now - days * 86400))
    # The remote's archive tags too: a tag of the same name from an earlier branch must not be overwritten.
    if ! git fetch --quiet --no-tags "$remote" "+refs/heads/$prefix/*:$heads/$prefix/*" "+refs/tags/archive/$prefix/*:$tags/archive/$prefix/*"; then
        echo "stale-branches: cannot fetch $prefix/* from the remote; nothing archived or deleted for it" >&2
        status=1
        return
    fi
    git for-each-ref --format='%(objectname) %(committerdate:raw) %(refname)' "$heads/$prefix/" >"$list"
    while read -r sha epoch _tz ref; do
        branch="\${ref#"$heads/"}"
        age=$(((now - epoch) / 86400))
        if [ "$epoch" -ge "$cutoff" ]; then
            echo "keep $branch: last commit $age days ago (stale after $days)"
            kept=$((kept + 1))
            continue
        fi
        tag="archive/$branch"
        existing=$(git rev-parse -q --verify "$tags/$tag^{commit}" 2>/dev/null || true)
        if [ -n "$existing" ] && [ "$existing" != "$sha" ]; then
            # An earlier branch of the same name was archived: keep that tag, name this one by its head.
            tag="$tag-$(git rev-parse --short=12 "$sha")"
            existing=$(git rev-parse -q --verify "$tags/$tag^{commit}" 2>/dev/null || true)
        fi
        if [ "$dry_run" = true ]; then
            echo "would archive $branch (last commit $age days ago, $sha) as tag $tag, then delete the branch"
            archived=$((archived + 1))
            continue
        fi
        if [ -z "$existing" ]; then
            # An annotated tag object, made without touching the clone's refs; it says why it exists.
            # git mktag rejects '<' or '>' in the name or e-mail.
            who=$(printf '%s' "\${GITLAB_USER_NAME:-ml-team-env}" | tr -d '<>')
            email=$(printf '%s' "\${GITLAB_USER_EMAIL:-ml-team-env@localhost}" | tr -d '<>')
            tagger="$who <$email> $now +0000"
            message="Archived stale branch $branch: no commit for $age days (stale after $days). Restore: git push origin $tag^{commit}:refs/heads/$branch"
            if ! object=$(printf 'object %s\\ntype commit\\ntag %s\\ntagger %s\\n\\n%s\\n' "$sha" "$tag" "$tagger" "$message" | git mktag) ||
                ! git push --quiet "$remote" "$object:refs/tags/$tag" </dev/null; then
                echo "stale-branches: could not push tag $tag; $branch is kept" >&2
                status=1
                continue
            fi
        fi
        # The lease deletes the branch only if nobody pushed to it since the fetch. Pushes read
        # /dev/null, so nothing can eat the loop's input.
        if ! git push --quiet --force-with-lease="refs/heads/$branch:$sha" "$remote" ":refs/heads/$branch" </dev/null; then
            echo "stale-branches: tag $tag is on the remote but $branch could not be deleted (it moved, or is protected)" >&2
            status=1
            continue
        fi
        echo "archived $branch as tag $tag ($sha, last commit $age days ago) and deleted the branch"
        archived=$((archived + 1))
    done <"$list"
}

${calls}

if [ "$dry_run" = true ]; then
    echo "stale-branches (dry run): would archive and delete $archived branch(es), keep $kept; nothing was changed"
else
    echo "stale-branches: archived and deleted $archived branch(es), kept $kept"
fi
exit "$status"
`;
}

/**
 * POSIX sh every job runs first: writes `provenance.json`, naming the commit, ref and image
 * that made the job's result. Plain sh and sed, so it runs in the glab image as well.
 */
export function provenanceScript(): string {
    return `# provenance.json: the code and environment this job's result comes from.
ml_team_env_json() { printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'; }
if [ -n "\${ML_TEAM_ENV_IMAGE_DIGEST:-}" ]; then ml_team_env_digest="\\"$ML_TEAM_ENV_IMAGE_DIGEST\\""; else ml_team_env_digest=null; fi
printf '{\\n  "generator": "ml-team-env",\\n  "commit_sha": "%s",\\n  "ref_name": "%s",\\n  "commit_tag": "%s",\\n  "pipeline_source": "%s",\\n  "pipeline_id": "%s",\\n  "job_name": "%s",\\n  "job_id": "%s",\\n  "job_url": "%s",\\n  "image": "%s",\\n  "image_digest": %s,\\n  "job_image": "%s",\\n  "recorded_at": "%s"\\n}\\n' \\
  "$(ml_team_env_json "\${CI_COMMIT_SHA:-}")" "$(ml_team_env_json "\${CI_COMMIT_REF_NAME:-}")" "$(ml_team_env_json "\${CI_COMMIT_TAG:-}")" \\
  "$(ml_team_env_json "\${CI_PIPELINE_SOURCE:-}")" "$(ml_team_env_json "\${CI_PIPELINE_ID:-}")" "$(ml_team_env_json "\${CI_JOB_NAME:-}")" \\
  "$(ml_team_env_json "\${CI_JOB_ID:-}")" "$(ml_team_env_json "\${CI_JOB_URL:-}")" "$(ml_team_env_json "\${ML_TEAM_ENV_IMAGE:-}")" \\
  "$ml_team_env_digest" "$(ml_team_env_json "\${CI_JOB_IMAGE:-}")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >${PROVENANCE_FILE}
echo "provenance: commit \${CI_COMMIT_SHA:-?} on \${CI_COMMIT_REF_NAME:-?}, image \${ML_TEAM_ENV_IMAGE:-?}"
`;
}

/** A job script item that writes `body` to a file and runs it with sh, so CI runs exactly the text the tests run. */
function runAsSh(name: string, body: string): string {
    const delimiter = "ML_TEAM_ENV_SCRIPT";
    if (body.split("\n").includes(delimiter)) throw new Error(`script ${name} contains its here-document delimiter`);
    const file = `"\${TMPDIR:-/tmp}/${name}.sh"`;
    return `cat >${file} <<'${delimiter}'\n${body}${delimiter}\nsh ${file}\n`;
}

/** Python (stdlib only: the image may lack curl) that packs the model and uploads it with its provenance. */
function publishScript(args: TeamPipelineArgs): string {
    return `python3 - <<'ML_TEAM_ENV_PUBLISH'
import hashlib, json, os, sys, tarfile, urllib.error, urllib.request

paths = ${JSON.stringify(args.modelArtifactPaths)}
package = ${JSON.stringify(args.modelPackageName)}
tag, sha = os.environ["CI_COMMIT_TAG"], os.environ["CI_COMMIT_SHA"]

# The release binds exactly what ${JOB.releaseTrain} made from this commit: check before publishing.
with open("${PROVENANCE_FILE}") as f:
    provenance = json.load(f)
if provenance.get("commit_sha") != sha:
    sys.exit(f"${PROVENANCE_FILE} names commit {provenance.get('commit_sha')!r}, not {sha}: refusing to publish")
missing = [p for p in paths if not os.path.exists(p)]
if missing:
    sys.exit(f"${JOB.releaseTrain} produced no {missing}: nothing to publish")

archive = f"{package}-{tag}.tar.gz"
with tarfile.open(archive, "w:gz") as tar:
    for p in paths:
        tar.add(p)
digest = hashlib.sha256()
with open(archive, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
provenance["published"] = {
    "package": package,
    "version": tag,
    "files": {archive: "sha256:" + digest.hexdigest()},
    "job_url": os.environ.get("CI_JOB_URL", ""),
}
with open("${PROVENANCE_FILE}", "w") as f:
    json.dump(provenance, f, indent=2)

base = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}/packages/generic/{package}/{tag}"
for name in (archive, "${PROVENANCE_FILE}"):
    with open(name, "rb") as body:
        request = urllib.request.Request(
            f"{base}/{name}",
            data=body,
            method="PUT",
            headers={"JOB-TOKEN": os.environ["CI_JOB_TOKEN"], "Content-Length": str(os.path.getsize(name))},
        )
        try:
            with urllib.request.urlopen(request, timeout=3600) as response:
                print(f"uploaded {name}: HTTP {response.status}")
        except urllib.error.HTTPError as e:
            sys.exit(f"upload of {name} failed: HTTP {e.code} {e.read()[:500]!r}")
ML_TEAM_ENV_PUBLISH
`;
}

/**
 * Stages and jobs: which job runs when is decided by job rules under the workflow rules
 * below; the test file lists the jobs per pipeline source through gitlab-ci-local.
 */
function jobs(args: TeamPipelineArgs): Record<string, unknown> {
    const { model, commands } = args;
    const provenanceOnly = { paths: [PROVENANCE_FILE], when: "always" };
    // Checks run in merge requests and on the long-lived branches, never in a schedule
    // (a schedule on main would otherwise rerun them, and spend a GPU, every week).
    const mainline = [
        { if: SCHEDULE, when: "never" },
        { if: MR_EVENT },
        { if: branchIs(model.defaultBranch) },
        { if: branchIs(model.integrationBranch) },
    ];
    const releaseTag = [{ if: releaseTagCondition(model) }];
    const out: Record<string, unknown> = {};

    if (args.namingJob) {
        out[JOB.branchName] = {
            stage: "check",
            tags: [...args.cpuTags],
            rules: [{ if: MR_EVENT }],
            script: [runAsSh("ml-team-env-branch-name", branchNameCheckScript(model))],
            artifacts: provenanceOnly,
        };
    }
    // Interruptible: a newer push to the same merge request cancels these, GPU job included.
    out[JOB.styleCheck] = { stage: "check", tags: [...args.cpuTags], rules: mainline, interruptible: true, script: [commands.lint], artifacts: provenanceOnly };
    out[JOB.unitTests] = {
        stage: "test",
        tags: [...args.cpuTags],
        rules: mainline,
        interruptible: true,
        script: [commands.test],
        // Only when the command writes a JUnit file; a missing report then fails nothing, it just shows no summary.
        artifacts: commands.test.includes("report.xml") ? { ...provenanceOnly, reports: { junit: "report.xml" } } : provenanceOnly,
    };
    out[JOB.smokeTrain] = { stage: "train", tags: [...args.gpuTags], rules: mainline, interruptible: true, script: [commands.smokeTrain], artifacts: provenanceOnly };

    out[JOB.releaseTrain] = {
        stage: "train",
        tags: [...args.gpuTags],
        rules: releaseTag,
        script: [commands.releaseTrain],
        artifacts: { paths: [PROVENANCE_FILE, ...args.modelArtifactPaths], when: "on_success" },
    };
    out[JOB.publishModel] = {
        stage: "release",
        tags: [...args.cpuTags],
        rules: releaseTag,
        needs: [JOB.releaseTrain],
        // Keeps the provenance.json of the training run (same commit and image) rather than
        // writing its own: the published provenance must describe the run that made the model.
        before_script: [],
        script: [publishScript(args)],
        artifacts: { paths: [PROVENANCE_FILE], when: "always" },
    };
    const packageUrl = `\${CI_API_V4_URL}/projects/\${CI_PROJECT_ID}/packages/generic/${args.modelPackageName}/\${CI_COMMIT_TAG}`;
    out[JOB.release] = {
        stage: "release",
        image: GLAB_IMAGE,
        tags: [...args.cpuTags],
        rules: releaseTag,
        needs: [{ job: JOB.publishModel, artifacts: false }],
        script: [`echo "Releasing $CI_COMMIT_TAG: the model package ${args.modelPackageName} $CI_COMMIT_TAG, built from $CI_COMMIT_SHA in $ML_TEAM_ENV_IMAGE"`],
        release: {
            tag_name: "$CI_COMMIT_TAG",
            name: "$CI_COMMIT_TAG",
            description: `${args.modelPackageName} $CI_COMMIT_TAG: the model trained from commit $CI_COMMIT_SHA in the environment image $ML_TEAM_ENV_IMAGE. ${PROVENANCE_FILE} records the commit, the image digest and the archive's checksum.`,
            assets: {
                links: [
                    { name: `${args.modelPackageName}-$CI_COMMIT_TAG.tar.gz`, url: `${packageUrl}/${args.modelPackageName}-\${CI_COMMIT_TAG}.tar.gz`, link_type: "package" },
                    { name: PROVENANCE_FILE, url: `${packageUrl}/${PROVENANCE_FILE}`, link_type: "other" },
                ],
            },
        },
        artifacts: provenanceOnly,
    };

    if (model.branchTypes.some((t) => t.staleAfterDays !== undefined)) {
        out[JOB.staleBranches] = {
            stage: "maintenance",
            tags: [...args.cpuTags],
            rules: [{ if: SCHEDULE }],
            variables: {
                // A full, fresh clone: the script fetches and pushes refs, so no shallow or reused checkout.
                GIT_STRATEGY: "clone",
                GIT_DEPTH: "0",
                STALE_DRY_RUN: args.staleBranches.dryRun ? "true" : "false",
            },
            script: [runAsSh("ml-team-env-stale-branches", staleBranchScript(model))],
            artifacts: provenanceOnly,
        };
    }
    return out;
}

/**
 * The workflow rules: a pipeline for every merge request, for pushes to the default and
 * integration branches, for release tags and for schedules, and never a branch pipeline
 * next to a merge request pipeline for the same push (GitLab's documented "switch between
 * branch and merge request pipelines" pattern, limited to pushes so schedules and manual
 * runs are not blocked). A push to any other branch without a merge request gets no
 * pipeline: its checks (and GPU time) start when the merge request is opened.
 */
export function workflowRules(model: BranchModel): readonly { readonly if: string; readonly when?: "never" }[] {
    return [
        { if: MR_EVENT },
        { if: `$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS && $CI_PIPELINE_SOURCE == "push"`, when: "never" },
        { if: SCHEDULE },
        { if: releaseTagCondition(model) },
        { if: branchIs(model.defaultBranch) },
        { if: branchIs(model.integrationBranch) },
    ];
}

/**
 * The `.gitlab-ci.yml` text. Throws when the args cannot make a valid pipeline (no runner
 * tags, a package name the registry rejects, no release tag in the model).
 */
export function teamPipeline(args: TeamPipelineArgs): string {
    if (args.cpuTags.length === 0 || args.gpuTags.length === 0) throw new Error("the pipeline needs CPU and GPU runner tags");
    if (!PACKAGE_NAME.test(args.modelPackageName)) throw new Error(`model package name '${args.modelPackageName}' must match ${PACKAGE_NAME}`);
    if (args.modelArtifactPaths.length === 0) throw new Error("modelArtifactPaths is empty: the release would publish nothing");
    const config = {
        workflow: { rules: workflowRules(args.model) },
        stages: [...PIPELINE_STAGES],
        variables: {
            // The image every job records in provenance.json; GitLab exports these to every job.
            ML_TEAM_ENV_IMAGE: args.image.reference,
            ML_TEAM_ENV_IMAGE_DIGEST: args.image.digest ?? "",
        },
        default: {
            // The reference carries the digest when the stack pins one, so the runner pulls those exact bytes.
            image: args.image.reference,
            before_script: [provenanceScript()],
        },
        ...jobs(args),
    };
    const doc = new Document(config, { aliasDuplicateObjects: false });
    doc.commentBefore = [
        " Generated by ml-team-env (infra/ci/pipeline.ts) from the stack config and the branch model.",
        " Do not edit this file: change the stack's ml-team-env config (runner tags, image, branch",
        " model) or the generator, then run `pulumi up`, which commits the new version.",
    ].join("\n");
    return doc.toString({ lineWidth: 0 });
}

/**
 * The schedule that runs the stale-branch job: weekly, on the default branch. Undefined when
 * no branch type of the model has `staleAfterDays` (the pipeline then has no such job).
 */
export function staleBranchSchedule(args: Pick<TeamPipelineArgs, "model" | "staleBranches">): PipelineScheduleSpec | undefined {
    const types = args.model.branchTypes.filter((t) => t.staleAfterDays !== undefined);
    if (types.length === 0) return undefined;
    const what = types.map((t) => `${t.prefix}/* after ${t.staleAfterDays} days`).join(", ");
    return {
        description: `ml-team-env: archive then delete stale branches (${what})${args.staleBranches.dryRun ? ", dry run" : ""}`,
        cron: STALE_BRANCH_CRON,
        ref: args.model.defaultBranch,
    };
}
