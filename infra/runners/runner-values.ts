/**
 * The gitlab-runner chart's values and the runner's `config.toml` template, as pure functions,
 * so what a CI job pod asks of the cluster can be read and checked without the runtime.
 *
 * Chart keys were read from gitlab-runner chart 0.86.0's values.yaml and templates (newest
 * source reachable on 2026-11-25; the 0.87–0.92 changelogs rename none of them); runner keys
 * from GitLab Runner v19.3.0 (`common/config.go` KubernetesConfig, docs/executors/kubernetes).
 */
import { stringify } from "smol-toml";
import type * as k8s from "@pulumi/kubernetes";
import { GpuPlacement, podPlacement, SystemPlacement, Toleration } from "../cluster/gpu-placement";
import { EnvironmentImage } from "../environment/environment-image";
import { CI_JOB_LABEL } from "./job-network-policy";
import { SHM_MOUNT_PATH, SHM_VOLUME, shmSizeLimit } from "../scheduling/shared-memory";

/** The chart, pinned: newest release seen on 2026-11-25 (charts.gitlab.io, 0.92.2 of 2026-09-14, runner 19.3.2). */
export const RUNNER_CHART = { chart: "gitlab-runner", version: "0.92.2", repo: "https://charts.gitlab.io" } as const;

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/** Keys the chart reads from `runners.secret`: both must exist (mounted without `optional`). */
export const RUNNER_SECRET_KEYS = { token: "runner-token", registrationToken: "runner-registration-token" } as const;

/**
 * What the runner manager does in its namespace with the Kubernetes executor (GitLab Runner
 * docs, "Configure runner API permissions"): run job pods, attach and exec into them, read
 * their logs, keep per-job secrets; nothing cluster-wide.
 */
export const RUNNER_RBAC_RULES: PolicyRule[] = [
    { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete", "get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods/exec", "pods/attach"], verbs: ["create", "delete", "get", "patch"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete", "get", "update"] },
    { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get"] },
    { apiGroups: [""], resources: ["services"], verbs: ["create", "get"] },
    { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
];

/** A CI job pod's size: requests and limits of its build container. */
export interface JobSize {
    readonly cpu: number;
    readonly memoryGiB: number;
    /** Its memory-backed /dev/shm, inside memoryGiB. @default a quarter of memoryGiB */
    readonly shmGiB?: number;
}

export interface RunnerConfigArgs {
    /** Namespace the job pods run in. */
    readonly namespace: string;
    /** Default job image: the environment image (by digest when the stack pins one). */
    readonly image: EnvironmentImage;
    /** Where job pods go. */
    readonly placement: SystemPlacement | GpuPlacement;
    readonly jobSize: JobSize;
    /** GPUs each job's build container gets (0 for the CPU runner). */
    readonly gpusPerJob: number;
}

/** `node_tolerations` as the runner spells them: `"key=value" = "Effect"`, or `"key" = "Effect"` for Exists. */
export function runnerTolerations(tolerations: readonly Toleration[]): Record<string, string> {
    return Object.fromEntries(tolerations.map((t) => [t.operator === "Exists" || t.value === undefined ? t.key : `${t.key}=${t.value}`, t.effect]));
}

/**
 * The `config.toml` template the chart merges into the registered runner. A GPU job's build
 * container asks for `nvidia.com/gpu`: the Kubernetes executor has no key for extended
 * resources, so it is a strategic-merge pod-spec patch on the `build` container, which needs
 * FF_USE_ADVANCED_POD_SPEC_CONFIGURATION (docs/configuration/gpus.md, "Kubernetes executor").
 * The flag is set in `[runners.feature_flags]` so no job can turn it off.
 */
export function runnerConfigToml(a: RunnerConfigArgs): string {
    const gpu = a.gpusPerJob > 0 && "resourceName" in a.placement ? a.placement.resourceName : undefined;
    const size = { cpu: String(a.jobSize.cpu), memory: `${a.jobSize.memoryGiB}Gi` };
    const kubernetes: Record<string, unknown> = {
        namespace: a.namespace,
        image: a.image.reference,
        pull_policy: ["if-not-present"],
        privileged: false,
        // Requests equal limits: the scheduling check fits exactly what the job may use.
        cpu_request: size.cpu,
        cpu_limit: size.cpu,
        memory_request: size.memory,
        memory_limit: size.memory,
        // A GPU node from zero (launch, join, driver, image) takes minutes: wait for it.
        poll_timeout: 1200,
        // Job code gets no Kubernetes API token: the namespace's service account is not mounted
        // (GitLab Runner v19.3.0 common/config.go KubernetesConfig.AutomountServiceAccountToken,
        // set on the pod spec in executors/kubernetes/kubernetes.go), and jobs cannot name another
        // one (`service_account_overwrite_allowed` unset).
        automount_service_account_token: false,
        // What the job pods' NetworkPolicy selects (job-network-policy.ts).
        pod_labels: { [CI_JOB_LABEL.key]: CI_JOB_LABEL.value },
        ...(a.image.pullSecretName ? { image_pull_secrets: [a.image.pullSecretName] } : {}),
        // A memory-backed /dev/shm for DataLoader workers (the runtime's is 64 MiB): GitLab Runner
        // v19.3.0 common/config.go KubernetesEmptyDir (`medium`, `size_limit`), made into the pod's
        // emptyDir and a mount in every container (executors/kubernetes/kubernetes.go
        // getVolumesForEmptyDirs, getVolumeMounts). Its pages count against the job's memory limit.
        volumes: { empty_dir: [{ name: SHM_VOLUME, mount_path: SHM_MOUNT_PATH, medium: "Memory", size_limit: shmSizeLimit(a.jobSize.memoryGiB, a.jobSize.shmGiB) }] },
        node_selector: { ...a.placement.nodeSelector },
        node_tolerations: runnerTolerations(a.placement.tolerations),
        ...(gpu
            ? {
                  pod_spec: [
                      {
                          name: "gpu",
                          patch_type: "strategic",
                          patch: JSON.stringify({ containers: [{ name: "build", resources: { requests: { [gpu]: String(a.gpusPerJob) }, limits: { [gpu]: String(a.gpusPerJob) } } }] }),
                      },
                  ],
              }
            : {}),
    };
    return stringify({ runners: [{ ...(gpu ? { feature_flags: { FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true } } : {}), kubernetes }] });
}

export interface RunnerChartArgs extends RunnerConfigArgs {
    readonly gitlabUrl: string;
    /** The Secret holding the runner token (`RUNNER_SECRET_KEYS`). */
    readonly tokenSecretName: string;
    /** Jobs this manager runs at once. */
    readonly concurrent: number;
    /** Where the runner manager itself runs (system nodes). */
    readonly managerPlacement: SystemPlacement;
    /** Annotations of the manager pod (a changed one restarts it). @default {} */
    readonly podAnnotations?: Record<string, string>;
}

/**
 * Chart values: the token comes from a Secret (`runners.secret`), never the values; tags,
 * run-untagged, locked and access level are not here because with a `glrt-` token they are
 * the server's (set by the Runner resource) and the runner refuses them at registration.
 */
export function runnerChartValues(a: RunnerChartArgs): Record<string, unknown> {
    return {
        gitlabUrl: a.gitlabUrl,
        concurrent: a.concurrent,
        checkInterval: 3,
        rbac: { create: true, rules: RUNNER_RBAC_RULES.map((r) => ({ ...r })) },
        serviceAccount: { create: true },
        runners: { secret: a.tokenSecretName, config: runnerConfigToml(a) },
        ...podPlacement(a.managerPlacement),
        podAnnotations: { ...(a.podAnnotations ?? {}) },
    };
}
