/**
 * Type tokens shared by the plan and the policy pack. No imports: the policy pack loads
 * this without the Pulumi runtime.
 */

/** The one type every dynamic-provider resource has; GitLab resources are told apart by their `kind` input. */
export const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";
