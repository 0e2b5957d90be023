/**
 * The dynamic providers by the `kind` input of their resources: what the local apply calls for a
 * registered resource (the engine itself runs the provider serialized into the resource).
 */
import type * as pulumi from "@pulumi/pulumi";
import { approvalRuleProvider } from "../gitlab/providers/approval-rule";
import { branchProvider } from "../gitlab/providers/branch";
import { pipelineScheduleProvider } from "../gitlab/providers/pipeline-schedule";
import { projectProvider } from "../gitlab/providers/project";
import { projectMemberProvider } from "../gitlab/providers/project-member";
import { protectedBranchProvider } from "../gitlab/providers/protected-branch";
import { protectedTagProvider } from "../gitlab/providers/protected-tag";
import { pushRulesProvider } from "../gitlab/providers/push-rules";
import { projectBotTokenProvider } from "../gitlab/providers/project-bot-token";
import { projectVariableProvider } from "../gitlab/providers/project-variable";
import { repositoryFilesProvider } from "../gitlab/providers/repository-files";
import { runnerProvider } from "../gitlab/providers/runner";
import { CHANGE_GUARD_KIND, changeGuardProvider } from "../stack/change-guard";

type AnyProvider = pulumi.dynamic.ResourceProvider<any, any>;

/** Every dynamic provider of the package, by kind. */
const PROVIDERS_BY_KIND: Readonly<Record<string, AnyProvider>> = {
    "gitlab:Project": projectProvider,
    "gitlab:Branch": branchProvider,
    "gitlab:ProtectedBranch": protectedBranchProvider,
    "gitlab:ProtectedTag": protectedTagProvider,
    "gitlab:PushRules": pushRulesProvider,
    "gitlab:ApprovalRule": approvalRuleProvider,
    "gitlab:RepositoryFiles": repositoryFilesProvider,
    "gitlab:ProjectBotToken": projectBotTokenProvider,
    "gitlab:ProjectVariable": projectVariableProvider,
    "gitlab:PipelineSchedule": pipelineScheduleProvider,
    "gitlab:ProjectMember": projectMemberProvider,
    "gitlab:Runner": runnerProvider,
    [CHANGE_GUARD_KIND]: changeGuardProvider,
};

/**
 * Inputs that are Pulumi secrets, by kind: the state file keeps none of them (the provider's
 * outputs keep only their SHA-256, which is what its diff compares).
 */
export const SECRET_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "gitlab:ProjectVariable": ["value"],
};

/** The provider of a kind; a kind without one is a package bug, said plainly. */
export function providerFor(kind: string): AnyProvider {
    const provider = PROVIDERS_BY_KIND[kind];
    if (!provider) throw new Error(`no provider for resources of kind '${kind}' in infra/local-apply/providers.ts: add it there`);
    return provider;
}
