/**
 * The program body: validate the stack config in full, then build the team environment.
 * A function (not top-level module code) so the offline plan can run it more than once
 * in one process, e.g. before and after an onboarding edit.
 */
import { loadTeamConfig } from "./config/load";
import { TeamEnvironment } from "./team-environment";

/** Builds the stack and returns its outputs. */
export function teamEnvironmentProgram() {
    const { config, secrets } = loadTeamConfig();
    const env = new TeamEnvironment(config.stack, { config, secrets });
    return {
        image: env.image,
        branchRules: env.branchRules,
        clusterName: env.clusterName,
        kubeconfig: env.kubeconfig,
        gitlabProjectUrl: env.gitlabProjectUrl,
        gitlabProjectOwner: env.gitlabProjectOwner,
        jupyterhubUrl: env.jupyterhubUrl,
        jupyterhubDnsRecord: env.jupyterhubDnsRecord,
        memberNamespaces: env.memberNamespaces,
    };
}
