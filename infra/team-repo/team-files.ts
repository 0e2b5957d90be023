/**
 * Everything the package commits to the team's repository: the pipeline (kept as generated),
 * the image definition, and the starter project with its CONTRIBUTING.md (offered once where
 * absent, the team's from then on).
 */
import * as fs from "fs";
import * as path from "path";
import { enforcementReport } from "../branch-model/branch-model";
import { TeamConfig } from "../config/validate";
import { imageDefinitionFiles } from "../environment/image/files";
import type { ProjectFile } from "../gitlab/gitlab-project";
import { contributingGuide } from "./contributing";

/** The starter project's files, as they are committed (paths relative to the repository root). */
export const STARTER_DIR = path.join(__dirname, "starter");

/** Caches and outputs a local run of the starter leaves behind; never committed. */
const NOT_SHIPPED = new Set(["__pycache__", ".pytest_cache", ".ruff_cache", "run.json", "provenance.json", "model", "report.xml"]);

/** The starter project's files, read at build time. */
export function starterFiles(dir = STARTER_DIR, prefix = ""): ProjectFile[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => !NOT_SHIPPED.has(e.name))
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e): ProjectFile[] => {
            const rel = `${prefix}${e.name}`;
            if (e.isDirectory()) return starterFiles(path.join(dir, e.name), `${rel}/`);
            return [{ path: rel, content: fs.readFileSync(path.join(dir, e.name), "utf8"), ownership: "seed" }];
        });
}

/** The files the team's repository gets, from the validated config and the pipeline text (when the pipeline is on: its jobs are then deployed). */
export function teamRepositoryFiles(config: TeamConfig, pipelineText: string | undefined): ProjectFile[] {
    const files: ProjectFile[] = [];
    const ciJobsDeployed = pipelineText !== undefined;
    const imageBuild = ciJobsDeployed && config.ci.imageBuild.enabled;
    if (pipelineText !== undefined) files.push({ path: ".gitlab-ci.yml", content: pipelineText, ownership: "managed" });
    if (imageBuild) files.push(...imageDefinitionFiles());
    if (config.ci.starter) {
        files.push(...starterFiles());
        files.push({
            path: "CONTRIBUTING.md",
            ownership: "seed",
            content: contributingGuide({
                model: config.branchModel,
                commands: { lint: config.ci.lint, test: config.ci.test, smokeTrain: config.ci.smokeTrain },
                enforcement: enforcementReport(config.branchModel, config.gitlab.tier, { ciJobsDeployed }),
                tracking: config.ci.tracking.enabled,
                imageBuild,
                modelName: config.ci.modelName,
            }),
        });
    }
    return files;
}
