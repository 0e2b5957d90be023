import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { namespaceConfig } from "../../infra/config/load";
import { SECRET_KEYS, SecretKey } from "../../infra/config/schema";
import { ClusterTeamConfig, hasCluster, validateStackConfig } from "../../infra/config/validate";
import { stackFileToConfig } from "../../infra/plan/stack-file";
import { ROOT } from "../harness";

/** The validated config of an example stack with a cluster, optionally edited as YAML text first. */
export function stackConfig(stack: string, edit: (yaml: string) => string = (y) => y, warnings: string[] = []): ClusterTeamConfig {
    const text = edit(fs.readFileSync(path.join(ROOT, `stacks/Pulumi.${stack}.yaml`), "utf8"));
    const { raw } = namespaceConfig(stackFileToConfig(parse(text)).config);
    const result = validateStackConfig(raw, { stack, secretsPresent: new Set<SecretKey>(Object.values(SECRET_KEYS)) });
    warnings.push(...result.warnings);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    if (!hasCluster(result.config)) throw new Error(`stack ${stack} has no cluster`);
    return result.config;
}
