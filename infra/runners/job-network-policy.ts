/**
 * What a CI job pod may reach on the network. Job code comes from any branch anyone with
 * Developer access pushes, so it gets what a build needs and nothing in the cluster: cluster
 * DNS, and public addresses (GitLab.com, registries, PyPI, datasets); no private address (other
 * pods, Services, nodes, the VPC) and not the metadata service, unless the team lists a private
 * network (its own GitLab or registry) in `runners.jobEgressCidrs`. Nothing may connect to a job
 * pod: the runner manager drives it through the Kubernetes API (exec/attach go through the
 * kubelet, not the pod network) and a job's services share its pod.
 */
import type * as k8s from "@pulumi/kubernetes";
import { CLUSTER_DNS_EGRESS, PUBLIC_EGRESS } from "../workspaces/private-egress";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/**
 * The label every CI job pod carries (`pod_labels` of the runner's Kubernetes executor). A job
 * cannot drop it: overriding pod labels needs `pod_labels_overwrite_allowed`, which is unset
 * (GitLab Runner v19.3.0 executors/kubernetes/overwrites.go, `evaluateMapOverwrite`).
 */
export const CI_JOB_LABEL = { key: "ml-team-env/ci-job", value: "true" } as const;

/** The job pods' NetworkPolicy, in the runners' namespace. */
export function ciJobNetworkPolicy(privateCidrs: readonly string[]): NetworkPolicySpec {
    return {
        podSelector: { matchLabels: { [CI_JOB_LABEL.key]: CI_JOB_LABEL.value } },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: [
            CLUSTER_DNS_EGRESS,
            PUBLIC_EGRESS,
            ...(privateCidrs.length > 0 ? [{ to: privateCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] : []),
        ],
    };
}
