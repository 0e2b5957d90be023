/**
 * The whole team environment as one component: cluster, GitLab project, notebooks and
 * runners, wired from one validated config. Teams can also compose the parts themselves.
 */
import * as pulumi from "@pulumi/pulumi";
import { enforcementReport } from "./branch-model/branch-model";
import { createCluster } from "./cluster";
import { TeamSecrets } from "./config/load";
import { TeamConfig } from "./config/validate";

export interface TeamEnvironmentArgs {
    /** The validated stack config (see `loadTeamConfig`). */
    readonly config: TeamConfig;
    /** Secret config values, as Pulumi secrets. */
    readonly secrets: TeamSecrets;
}

export class TeamEnvironment extends pulumi.ComponentResource {
    /** The environment image every workload runs. */
    readonly image: pulumi.Output<string>;
    /** Who enforces each rule of the branch model on the configured GitLab tier. */
    readonly branchRules: pulumi.Output<ReturnType<typeof enforcementReport>>;
    /** The cluster's name. */
    readonly clusterName: pulumi.Output<string>;
    /** kubeconfig of the cluster (a secret). */
    readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: TeamEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:index:TeamEnvironment", name, {}, opts);
        const { config, secrets } = args;
        const cluster = createCluster(`${name}-cluster`, config, secrets, { parent: this });
        this.clusterName = cluster.clusterName;
        this.kubeconfig = cluster.kubeconfig;
        this.image = pulumi.output(config.image.reference);
        this.branchRules = pulumi.output(enforcementReport(config.branchModel, config.gitlab.tier));
        this.registerOutputs({ image: this.image, branchRules: this.branchRules, clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
