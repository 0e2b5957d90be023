/**
 * Stack files as the Pulumi CLI reads them (issue 22, surprise 9): YAML merge keys (`<<: *anchor`),
 * which the CLI's YAML reader (gopkg.in/yaml.v2) applies, are applied here too, by every command
 * that reads a stack file (plan, doctor, audit, onboard) — not refused as an unknown key `<<`.
 */
import * as fs from "fs";
import * as path from "path";
import { addMember, listMembers } from "../../infra/onboarding/stack-members";
import { parseStackYaml, readStackFile, stackFileToConfig, validateStackFile } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";
import { tempStack } from "../support/temp-stack";

/** The dev stack with its GPU profile and two members written through anchors and merge keys. */
function withMergeKeys(): string {
    const dev = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    const profiles = `    profiles:
      - &base
        name: cpu
        displayName: CPU only
        cpu: 2
        memoryGiB: 8
        gpus: 0
        default: true
      - <<: *base
        name: gpu-1
        displayName: 1 GPU
        cpu: 3
        memoryGiB: 12
        gpus: 1
        default: false
`;
    const members = `    members:
      - username: alice
        role: maintainer
        gpus: 2
      - &developer
        username: bob
        role: developer
        gpus: 1
      - <<: *developer
        username: chen.wei
`;
    const text = dev.replace(/    profiles:\n(?: {6}.*\n)+/, profiles).replace(/    members:.*\n(?: {6}.*\n)+/, members);
    expect(text).toContain("<<: *base");
    expect(text).toContain("<<: *developer");
    return text;
}

describe("YAML merge keys in a stack file", () => {
    it("are applied as the Pulumi CLI applies them: the merged keys are there, `<<` is not", () => {
        const doc = parseStackYaml(withMergeKeys()) as { config: Record<string, any> };
        const gpu = doc.config["ml-team-env:jupyterhub"].profiles[1];
        expect(gpu).toEqual({ name: "gpu-1", displayName: "1 GPU", cpu: 3, memoryGiB: 12, gpus: 1, default: false });
        expect(doc.config["ml-team-env:team"].members[2]).toEqual({ username: "chen.wei", role: "developer", gpus: 1 });
    });

    it("validate as the same stack without them (the plan, doctor and the audit read stack files this way)", () => {
        const dir = tempStack("merge", withMergeKeys());
        const result = validateStackFile("merge", readStackFile("merge", dir));
        expect(result.ok ? [] : result.errors).toEqual([]);
        expect(result.ok && result.config.team.members.map((m) => [m.username, m.role, m.gpus])).toEqual([
            ["alice", "maintainer", 2],
            ["bob", "developer", 1],
            ["chen.wei", "developer", 1],
        ]);
    });

    it("onboarding edits such a file and the result still validates", () => {
        const added = addMember(withMergeKeys(), { username: "carol", role: "developer", gpus: 0 });
        expect(listMembers(added)).toEqual(["alice", "bob", "chen.wei", "carol"]);
        const result = validateStackFile("merge", stackFileToConfig(parseStackYaml(added)));
        expect(result.ok ? result.config.team.members.map((m) => m.username) : result.errors).toEqual(["alice", "bob", "chen.wei", "carol"]);
    });
});
