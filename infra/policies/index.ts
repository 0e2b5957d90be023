/**
 * The policies of the `policy/` pack (`pulumi preview --policy-pack policy`), as a module of
 * their own: pure, importable by tests and tools without starting a pack. Only
 * `policy/index.ts` builds the `PolicyPack`, whose constructor starts serving.
 *
 * | policy | level | checks |
 * |---|---|---|
 * | protected-branches-locked | mandatory | every protected branch of the model exists; none looser than the model (main, develop: push no one); no rule outside the model widens access |
 * | no-force-push | mandatory | no gitlab:ProtectedBranch allows force push |
 * | release-tags-protected | mandatory | a gitlab:ProtectedTag for the model's release pattern, created by maintainers only; no tag rule outside the model widens access |
 * | pipeline-must-succeed | mandatory | gitlab:Project pipelineMustSucceed |
 * | approvals-not-below-model | mandatory | on Premium+, a gitlab:ApprovalRule on the default branch with at least the model's approvals |
 * | gpu-pools-tainted | advisory | EKS GPU node groups carry the GPU taint |
 * | environment-image-everywhere | mandatory | hub, runner and pre-puller images are the one environment image |
 * | users-volumes-retained | mandatory | notebook volume claims use a Retain StorageClass (not applicable to a class outside the program) |
 * | hub-values-hold-no-secrets | mandatory | no secret-looking value in the hub release's values |
 * | tokens-and-kubeconfig-are-secrets | remediate (verdict mandatory) | kubeconfig and Kubernetes Secret contents are Pulumi secrets |
 */
import { Policies } from "@pulumi/policy";
import { BRANCH_PROTECTION_POLICIES } from "./branch-protection";
import { ENVIRONMENT_POLICIES } from "./environment";
import { tokensAndKubeconfigAreSecrets } from "./secrets";
import { environmentImagePinnedByDigest } from "./image-pinned";

export * from "./branch-protection";
export * from "./environment";
export * from "./secrets";
export { DYNAMIC_RESOURCE_TYPE, GITLAB_KINDS, gitlabKind } from "./common";

/** Name of the policy pack. */
export const POLICY_PACK_NAME = "ml-team-env";

/** Every policy of the pack, in the order it lists them. */
export const POLICIES: Policies = [...BRANCH_PROTECTION_POLICIES, ...ENVIRONMENT_POLICIES, environmentImagePinnedByDigest, tokensAndKubeconfigAreSecrets];
