import { gitlabAndHubProgram } from "./program";

const outputs = gitlabAndHubProgram();
export const projectUrl = outputs.projectUrl;
export const hubUrl = outputs.hubUrl;
export const namespaces = outputs.namespaces;
export const branchRules = outputs.branchRules;
