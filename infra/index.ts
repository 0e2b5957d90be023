/**
 * The Pulumi program: validate the stack config in full, then build the team environment.
 * `pulumi up` runs this file; so does the offline plan, under the SDK's mock runtime.
 */
import { loadTeamConfig } from "./config/load";
import { TeamEnvironment } from "./team-environment";

const { config, secrets } = loadTeamConfig();
const env = new TeamEnvironment(config.stack, { config, secrets });

export const image = env.image;
export const branchRules = env.branchRules;
