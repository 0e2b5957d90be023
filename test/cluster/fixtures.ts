import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { namespaceConfig } from "../../infra/config/load";
import { SECRET_KEYS, SecretKey } from "../../infra/config/schema";
import { ClusterTeamConfig, hasCluster, validateStackConfig } from "../../infra/config/validate";
import { stackFileToConfig } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";
import { TODAY } from "../config/fixtures";

/** The validated config of an example stack with a cluster, optionally edited as YAML text first. */
export function stackConfig(stack: string, edit: (yaml: string) => string = (y) => y, warnings: string[] = []): ClusterTeamConfig {
    const text = edit(fs.readFileSync(path.join(ROOT, `stacks/Pulumi.${stack}.yaml`), "utf8"));
    const { raw } = namespaceConfig(stackFileToConfig(parse(text)).config);
    const result = validateStackConfig(raw, { stack, secretsPresent: new Set<SecretKey>(Object.values(SECRET_KEYS)), today: TODAY });
    warnings.push(...result.warnings);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    if (!hasCluster(result.config)) throw new Error(`stack ${stack} has no cluster`);
    return result.config;
}

export const ALL_OPTIONS_DIGEST = `sha256:${"c".repeat(64)}`;

/** The dev stack with every cold-start option on: a quay.io image through ECR, a Bottlerocket GPU pool with its image cache, warm capacity in both pools. */
export function allOptions(yaml: string): string {
    return yaml
        .replace("  ml-team-env:environment:\n", `  ml-team-env:environment:\n    image: quay.io/jupyter/pytorch-notebook:cuda12-2026-11-02@${ALL_OPTIONS_DIGEST}\n`)
        .replace("    region: us-west-2 # CHANGE", "    region: us-west-2\n    imagePullThroughCache:\n      accountId: \"123456789012\"")
        .replace("      amiType: AL2023_x86_64_NVIDIA", [
            "      amiType: BOTTLEROCKET_x86_64_NVIDIA",
            "      imageCache:",
            "        snapshotId: snap-0123456789abcdef0",
            `        imageDigest: ${ALL_OPTIONS_DIGEST}`,
            "        volumeSizeGiB: 60",
            "      warmCapacity:",
            "        nodesPerZone: 1",
            '        start: "0 8 * * MON-FRI"',
            '        stop: "0 19 * * MON-FRI"',
            "        timeZone: Europe/Berlin",
        ].join("\n"))
        .replace("      maxSize: 3 # per zone", '      maxSize: 3 # per zone\n      warmCapacity: { nodesPerZone: 1, start: "30 7 * * 1-5", stop: "0 18 * * 1-5" }');
}
