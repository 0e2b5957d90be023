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
import { repositoryFileProvider } from "../gitlab/providers/repository-file";
import { runnerProvider } from "../gitlab/providers/runner";
import { CHANGE_GUARD_KIND, changeGuardProvider } from "../stack/change-guard";

type AnyProvider = pulumi.dynamic.ResourceProvider<any, any>;

/** Every dynamic provider of the package, by kind. */
export const PROVIDERS_BY_KIND: Readonly<Record<string, AnyProvider>> = {
    "gitlab:Project": projectProvider,
    "gitlab:Branch": branchProvider,
    "gitlab:ProtectedBranch": protectedBranchProvider,
    "gitlab:ProtectedTag": protectedTagProvider,
    "gitlab:PushRules": pushRulesProvider,
    "gitlab:ApprovalRule": approvalRuleProvider,
    "gitlab:RepositoryFile": repositoryFileProvider,
    "gitlab:PipelineSchedule": pipelineScheduleProvider,
    "gitlab:ProjectMember": projectMemberProvider,
    "gitlab:Runner": runnerProvider,
    [CHANGE_GUARD_KIND]: changeGuardProvider,
};

/** The provider of a kind; a kind without one is a package bug, said plainly. */
export function providerFor(kind: string): AnyProvider {
    const provider = PROVIDERS_BY_KIND[kind];
    if (!provider) throw new Error(`no provider for resources of kind '${kind}' in infra/local-apply/providers.ts: add it there`);
    return provider;
}
