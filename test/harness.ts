/**
 * Test harness: runs the real program, or any component, under the Pulumi mock runtime
 * and returns what it registered.
 */
import { PROJECT } from "../infra/config/schema";
import { MockRunResult, RecordedResource, runWithMocks } from "../infra/plan/mock-runtime";
import { parseStackYaml, readStackFile, stackFileToConfig } from "../infra/plan/stack-file";
import { teamEnvironmentProgram } from "../infra/program";
import * as path from "path";
import { TODAY } from "./config/fixtures";

export const ROOT = path.join(__dirname, "..");

/** Runs `infra/index.ts` for a stack file under `stacks/`. */
export async function runStack(stack: string, extraConfig: Record<string, string> = {}): Promise<MockRunResult<ReturnType<typeof teamEnvironmentProgram>>> {
    const file = readStackFile(stack, ROOT);
    return runProgramWithConfig(stack, { ...file.config, ...extraConfig }, file.secretKeys);
}

/** Runs `infra/index.ts` with a stack file given as YAML text. */
export async function runStackYaml(stack: string, yamlText: string, captureFailure = false): Promise<MockRunResult<ReturnType<typeof teamEnvironmentProgram>>> {
    const file = stackFileToConfig(parseStackYaml(yamlText));
    return runProgramWithConfig(stack, file.config, file.secretKeys, captureFailure);
}

/** Runs the program on a fixed day (TODAY), so EKS support windows do not make the tests depend on the date. */
async function runProgramWithConfig(stack: string, config: Record<string, string>, secretKeys: readonly string[], captureFailure = false) {
    return runWithMocks(() => teamEnvironmentProgram({ today: TODAY }), { project: PROJECT, stack, config, secretConfigKeys: secretKeys, captureFailure });
}

/** Runs a function that builds components, under mocks. */
export async function runComponents<T>(build: () => T, stack = "test"): Promise<MockRunResult<T>> {
    return runWithMocks(build, { project: PROJECT, stack });
}

/** Resources of a type (`aws:eks/cluster:Cluster`). */
export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type);
}

/** The one resource of a type and name; fails the test when there is not exactly one. */
export function one(resources: readonly RecordedResource[], type: string, name?: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0]!;
}

/** Resources whose parent chain reaches the resource with this URN. */
export function descendantsOf(resources: readonly RecordedResource[], urn: string): RecordedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return resources.filter((r) => {
        let p = r.parent;
        while (p) {
            if (p === urn) return true;
            p = byUrn.get(p)?.parent;
        }
        return false;
    });
}
