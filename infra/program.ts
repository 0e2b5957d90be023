/**
 * The program body: validate the stack config in full, then build the team environment.
 * A function (not top-level module code) so the offline plan can run it more than once
 * in one process, e.g. before and after an onboarding edit.
 */
import { LoadOptions, loadTeamConfig } from "./config/load";
import { TeamEnvironment } from "./team-environment";

/**
 * Builds the stack and returns its outputs: only those its mode has (a GitLab-only stack has no
 * cluster or hub), since Pulumi warns about every undefined stack output.
 */
export function teamEnvironmentProgram(options: LoadOptions = {}) {
    const { config, secrets } = loadTeamConfig(options);
    const env = new TeamEnvironment(config.stack, { config, secrets });
    const outputs = {
        image: env.image,
        branchRules: env.branchRules,
        gitlabProjectUrl: env.gitlabProjectUrl,
        gitlabProjectOwner: env.gitlabProjectOwner,
        clusterName: env.clusterName,
        kubeconfig: env.kubeconfig,
        jupyterhubUrl: env.jupyterhubUrl,
        jupyterhubDnsRecord: env.jupyterhubDnsRecord,
        memberNamespaces: env.memberNamespaces,
        coldStart: env.coldStart,
    };
    return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as Partial<typeof outputs> & Pick<typeof outputs, "image" | "branchRules" | "gitlabProjectUrl" | "gitlabProjectOwner">;
}
