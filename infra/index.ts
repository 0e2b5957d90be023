/**
 * The Pulumi program `pulumi up` runs (Pulumi.yaml `main`). The offline plan runs the same
 * `teamEnvironmentProgram` under the SDK's mock runtime. The stack outputs are the properties of
 * the exported object: image, branchRules, gitlabProjectUrl, gitlabProjectOwner, and with a
 * cluster clusterName, kubeconfig, jupyterhubUrl, jupyterhubDnsRecord, memberNamespaces.
 */
import { teamEnvironmentProgram } from "./program";

export = teamEnvironmentProgram();
