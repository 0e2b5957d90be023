/**
 * The Pulumi program `pulumi up` runs (Pulumi.yaml `main`). The offline plan runs the same
 * `teamEnvironmentProgram` under the SDK's mock runtime.
 */
import { teamEnvironmentProgram } from "./program";

const outputs = teamEnvironmentProgram();

export const image = outputs.image;
export const branchRules = outputs.branchRules;
export const clusterName = outputs.clusterName;
export const kubeconfig = outputs.kubeconfig;
export const gitlabProjectUrl = outputs.gitlabProjectUrl;
export const gitlabProjectOwner = outputs.gitlabProjectOwner;
export const jupyterhubUrl = outputs.jupyterhubUrl;
export const jupyterhubDnsRecord = outputs.jupyterhubDnsRecord;
export const memberNamespaces = outputs.memberNamespaces;
