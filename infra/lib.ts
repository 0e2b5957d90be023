/**
 * ml-team-env as a library: the components and their args types, for teams that compose their
 * own program (`import { GitLabProject, JupyterHub } from "ml-team-env"`). Importing this runs
 * nothing; the package's own program is `infra/index.ts` (Pulumi.yaml `main`).
 */

// The whole environment, and the config it is built from.
export { TeamEnvironment, type TeamEnvironmentArgs, hubHttps, teamPipelineFor } from "./team-environment";
export { ConfigValidationError, type TeamSecrets } from "./config/load";
export { validateStackConfig, formatConfigErrors, type TeamConfig, type ConfigError, type ConfigResult, type MissingSecret, type ValidateOptions } from "./config/validate";
export * as schema from "./config/schema";

// Cluster: EKS with GPU and user pools, or a cluster you run; the handle every workload takes.
export { createCluster } from "./cluster";
export { GpuCluster, type GpuClusterArgs } from "./cluster/gpu-cluster";
export { ExistingCluster, type ExistingClusterArgs } from "./cluster/existing-cluster";
export { ZonalNodePool, type ZonalNodePoolArgs } from "./cluster/zonal-node-pool";
export { ClusterAutoscaler, type ClusterAutoscalerArgs } from "./cluster/cluster-autoscaler";
export { NvidiaDevicePlugin, type NvidiaDevicePluginArgs } from "./cluster/nvidia-device-plugin";
export { CalicoPolicyEngine, type CalicoPolicyEngineArgs } from "./cluster/calico-policy-engine";
export { StorageClasses, type StorageClassesArgs } from "./cluster/storage-classes";
export { ClusterNetwork, type ClusterNetworkArgs } from "./cluster/cluster-network";
export { ServiceAccountRole, type ServiceAccountRoleArgs } from "./cluster/service-account-role";
export type { ClusterHandle } from "./cluster/cluster-handle";
export type { GpuPlacement, SystemPlacement, Toleration, Taint } from "./cluster/gpu-placement";
export { eksNodePools, existingNodePools, type NodePoolShape, type PoolRole } from "./cluster/node-pools";

// The scheduling check: does a pod fit a node?
export { checkFit, podFromSpec, type FitResult, type NodeShape, type PodShape } from "./scheduling/fit";

// Notebooks.
export { JupyterHub, type JupyterHubArgs } from "./workspaces/jupyterhub";
export { MemberWorkspace, type MemberWorkspaceArgs } from "./workspaces/member-workspace";
export { hubValues, type HubValuesArgs, type HubHttps } from "./workspaces/hub-values";
export { userNamespace } from "./workspaces/kubespawner-slug";

// The hub's HTTPS on AWS: an ACM certificate validated by DNS, the hub's Route 53 record.
export { HubCertificate, type HubCertificateArgs } from "./https/hub-certificate";
export { HubDnsRecord, type HubDnsRecordArgs } from "./https/hub-dns-record";
export { dnsInstructions, type DnsRecord, type HubDnsSituation } from "./https/dns-instructions";

// The environment image.
export { parseEnvironmentImage, type EnvironmentImage } from "./environment/environment-image";
export { ImagePrePuller, type ImagePrePullerArgs } from "./environment/image-pre-puller";

// GitLab: the project with the branch model as code, its resources, and the branch model itself.
export { GitLabProject, type GitLabProjectArgs, type ProjectFile, type ProjectSchedule } from "./gitlab/gitlab-project";
export { DEFAULT_BRANCH_MODEL, buildBranchModel, branchNameRegex, enforcementReport, type BranchModel, type RuleEnforcement } from "./branch-model/branch-model";
export { Runner, type RunnerArgs } from "./gitlab/providers/runner";

// The stack's guard against changes `pulumi up` must refuse (a smaller home size, an unconfirmed cluster-mode change).
export { ChangeGuard, type ChangeGuardArgs, guardFailures } from "./stack/change-guard";

// CI.
export { CiRunners, type CiRunnersArgs } from "./runners/ci-runners";
export { teamPipeline, staleBranchSchedule, type TeamPipelineArgs } from "./ci/pipeline";
