/**
 * Shared by the audit tests: stack configs pointed at an emulator, a project provisioned the
 * way the package provisions it (the real providers, with the inputs `GitLabProject` and
 * `TeamEnvironment` derive from a validated stack config), and a small XML well-formedness
 * check (no XML dependency in the package).
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { AuditReport, runAudit } from "../../infra/audit/audit";
import { AuditRow } from "../../infra/audit/compare";
import { AuditTarget, targetFromConfig } from "../../infra/audit/expected";
import { GitLabTier } from "../../infra/branch-model/branch-model";
import { TeamConfig } from "../../infra/config/validate";
import { accessLevelFor } from "../../infra/gitlab/gitlab-project";
import { branchProvider } from "../../infra/gitlab/providers/branch";
import { pipelineScheduleProvider } from "../../infra/gitlab/providers/pipeline-schedule";
import { projectProvider } from "../../infra/gitlab/providers/project";
import { projectMemberProvider } from "../../infra/gitlab/providers/project-member";
import { protectedTagProvider } from "../../infra/gitlab/providers/protected-tag";
import { repositoryFilesProvider } from "../../infra/gitlab/providers/repository-files";
import { stackFileToConfig, validateStackFile } from "../../infra/plan/stack-file";
import { teamPipelineFor } from "../../infra/team-environment";
import { gitlabRequest } from "../support/emulator-http";
import { EmulatorMode, GitLabEmulator, ProjectState } from "../support/gitlab-emulator";
import { tempStack } from "../support/temp-stack";
import { premiumRulesAsModel, protectAsModel } from "../support/model-protections";
import { providerEmulator } from "../support/provider-emulator";
import { ROOT } from "../harness";

/** Short retries: an unreachable server fails in well under a second. */
export const RETRY = { maxAttempts: 2, maxTotalMs: 1_000, fixedWaitMs: 10, baseBackoffMs: 10, timeoutMs: 2_000 };

/** The one admin token of every emulator here: the providers read the one GITLAB_TOKEN. */
export const ADMIN_TOKEN = "glpat-audit-test-admin";

/** The dev stack's file with `gitlab` pointed at a project on `url`, and optional edits. */
export function stackYaml(o: { url: string; path: string; tier: GitLabTier; edit?: (doc: ReturnType<typeof parseDocument>) => void }): string {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8"));
    doc.setIn(["config", "ml-team-env:gitlab", "url"], o.url);
    doc.setIn(["config", "ml-team-env:gitlab", "tier"], o.tier);
    doc.setIn(["config", "ml-team-env:gitlab", "project", "path"], o.path);
    o.edit?.(doc);
    return doc.toString();
}

/** A stack file's text validated as `pulumi up` validates it. */
export function configOf(stack: string, text: string): TeamConfig {
    const file = stackFileToConfig(parseDocument(text).toJS());
    const result = validateStackFile(stack, file);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.config;
}

/** Writes `stacks/Pulumi.<stack>.yaml` under a fresh temporary directory (removed after the test file) and returns the directory. */
export function stackDir(stack: string, text: string): string {
    return tempStack(stack, text, "ml-team-env-audit-");
}

/**
 * Provisions the project of a stack config with the real providers, in the order and with the
 * inputs `TeamEnvironment` and `GitLabProject` give them. The CI file is committed before
 * `develop` is cut and before the protections: a direct commit to a protected `main` is refused
 * (the package's default `ciFileCommit: merge-request` goes through a merge request instead).
 */
export async function provision(config: TeamConfig, url: string): Promise<number> {
    const model = config.branchModel;
    const tier = config.gitlab.tier;
    const common = { gitlabUrl: url, providerVersion: "1", retry: RETRY };
    const pipeline = config.ci.pipeline ? teamPipelineFor(config) : undefined;
    const project = await projectProvider.create!({
        ...common,
        kind: "gitlab:Project",
        path: config.gitlab.project.path,
        mode: config.gitlab.project.mode,
        visibility: config.gitlab.project.visibility,
        description: config.gitlab.project.description,
        defaultBranch: model.defaultBranch,
        pipelineMustSucceed: model.mergeRequests.pipelineMustSucceed,
        allDiscussionsResolved: model.mergeRequests.allDiscussionsResolved,
        deleteSourceBranch: model.mergeRequests.deleteSourceBranch,
        jobTokenPush: pipeline?.schedule !== undefined,
        deleteOnDestroy: false,
    });
    const projectId = project.outs!.projectId;
    const onProject = { ...common, projectId };
    if (pipeline) {
        // The pipeline committed on main, as it is once the package's merge request merged; develop is cut from it below.
        await repositoryFilesProvider.create!({
            ...onProject,
            kind: "gitlab:RepositoryFiles",
            managed: [{ path: ".gitlab-ci.yml", content: pipeline.text }],
            seeds: [],
            branches: [model.defaultBranch],
            mode: "direct",
            proposalBranches: {},
            commitMessage: "ml-team-env: the team's pipeline",
        });
    }
    // Cut from main once it holds the pipeline, so merge requests into develop run it too (issue 23).
    await branchProvider.create!({ ...onProject, kind: "gitlab:Branch", branch: model.integrationBranch, ref: model.defaultBranch });
    const protections = await protectAsModel(onProject, model, tier);
    for (const tag of model.protectedTags) await protectedTagProvider.create!({ ...onProject, kind: "gitlab:ProtectedTag", name: tag.name, createAccessLevel: tag.createAccessLevel });
    await premiumRulesAsModel(onProject, model, tier, protections);
    if (pipeline?.schedule) {
        const s = pipeline.schedule;
        await pipelineScheduleProvider.create!({ ...onProject, kind: "gitlab:PipelineSchedule", description: s.description, ref: s.ref ?? model.defaultBranch, cron: s.cron, cronTimezone: s.cronTimezone ?? "UTC", active: true, variables: s.variables ?? {} });
    }
    for (const m of config.team.members) await projectMemberProvider.create!({ ...onProject, kind: "gitlab:ProjectMember", username: m.username, accessLevel: accessLevelFor(m.role) });
    return projectId;
}

/**
 * A copy of a project's whole emulator state under a new path: each test drifts its own copy
 * of one provisioned project instead of provisioning again (a hundred-odd milliseconds each).
 */
export function cloneProject(em: GitLabEmulator, pid: number, path: string): number {
    const copy = structuredClone(em.state.projects.get(pid)!);
    // Far above the emulator's own counter, so later ids it hands out never collide.
    const id = 1_000_000 + em.state.projects.size;
    const name = path.slice(path.lastIndexOf("/") + 1);
    Object.assign(copy, { id, name, path: name, path_with_namespace: path, web_url: `${em.url}/${path}` });
    em.state.projects.set(id, copy);
    return id;
}

/**
 * An emulator for the tests of one describe block, with the dev stack's team as users, the
 * `ml-team` group, and GITLAB_TOKEN set to its admin token for the providers.
 */
export function emulatorSuite(mode: EmulatorMode) {
    let seq = 0;
    const em = providerEmulator(mode, ADMIN_TOKEN, (e) => {
        e.addGroup("ml-team");
        for (const u of ["alice", "bob", "chen.wei", "mallory", "eve"]) e.addUser(u);
    });
    /** A fresh project path in the emulator. */
    const nextPath = () => `ml-team/audit-${mode}-${++seq}`;
    return { em, nextPath };
}

/** A GitLab API call as the admin, for drift made behind the package's back. */
export async function api(em: GitLabEmulator, method: string, path: string, body?: Record<string, unknown>): Promise<unknown> {
    const res = await gitlabRequest(em.url, ADMIN_TOKEN, method, path, body);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
}

export const rowOf = (report: AuditReport, id: string): AuditRow => {
    const row = report.rows.find((r) => r.id === id);
    if (!row) throw new Error(`no row ${id} in ${report.rows.map((r) => r.id).join(", ")}`);
    return row;
};

export interface Provisioned {
    readonly config: TeamConfig;
    readonly pid: number;
    readonly path: string;
    readonly live: () => ProjectState;
    audit(target?: AuditTarget): Promise<AuditReport>;
}

/**
 * One project per emulator provisioned with the real providers; each test gets its own copy
 * of it (`cloneProject`), byte for byte the provisioned state, to drift as it likes.
 */
export function setupFor(mode: EmulatorMode) {
    const s = emulatorSuite(mode);
    const tier: GitLabTier = mode === "ee-premium" ? "premium" : "free";
    let golden!: { config: TeamConfig; pid: number };
    beforeAll(async () => {
        const config = configOf("emu", stackYaml({ url: s.em().url, path: s.nextPath(), tier }));
        golden = { config, pid: await provision(config, s.em().url) };
    });
    const provisioned = async (): Promise<Provisioned> => {
        const path = s.nextPath();
        const { config } = golden;
        const pid = cloneProject(s.em(), golden.pid, path);
        return {
            config,
            pid,
            path,
            live: () => s.em().state.projects.get(pid)!,
            audit: async (target = targetFromConfig(config)) => runAudit({ url: s.em().url, token: ADMIN_TOKEN, project: path, retry: RETRY, target }),
        };
    };
    return { s, tier, provisioned };
}

/**
 * Checks that `xml` is well-formed enough for a JUnit consumer: one root, balanced and
 * properly nested tags, quoted attributes, no raw `<` or stray `&` in text. Returns the
 * elements in document order (name and attributes) for assertions; throws on a violation.
 */
export function parseXml(xml: string): { name: string; attrs: Record<string, string>; text: string }[] {
    const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
    const stack: { name: string; attrs: Record<string, string>; text: string }[] = [];
    const elements: { name: string; attrs: Record<string, string>; text: string }[] = [];
    const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
    const checkText = (t: string) => {
        if (t.includes("<") || t.replace(entity, "").includes("&")) throw new Error(`bad text: ${t.slice(0, 80)}`);
    };
    let i = 0;
    let roots = 0;
    while (i < body.length) {
        const lt = body.indexOf("<", i);
        const text = body.slice(i, lt < 0 ? body.length : lt);
        checkText(text);
        if (stack.length) stack[stack.length - 1]!.text += text;
        else if (text.trim()) throw new Error(`text outside the root: ${text.trim().slice(0, 40)}`);
        if (lt < 0) break;
        const gt = body.indexOf(">", lt);
        if (gt < 0) throw new Error("unterminated tag");
        const tag = body.slice(lt + 1, gt);
        i = gt + 1;
        if (tag.startsWith("/")) {
            const open = stack.pop();
            if (!open || open.name !== tag.slice(1).trim()) throw new Error(`mismatched </${tag.slice(1)}>`);
            continue;
        }
        const selfClosing = tag.endsWith("/");
        const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*\/?$/.exec(tag);
        if (!m) throw new Error(`malformed tag <${tag.slice(0, 60)}>`);
        const attrs: Record<string, string> = {};
        for (const a of m[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
            checkText(a[2]!);
            if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
            attrs[a[1]!] = a[2]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
        }
        const el = { name: m[1]!, attrs, text: "" };
        if (stack.length === 0) roots++;
        elements.push(el);
        if (!selfClosing) stack.push(el);
    }
    if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
    if (roots !== 1) throw new Error(`${roots} root elements`);
    return elements;
}
