import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterHandle } from "../cluster/cluster-handle";
import { EnvironmentImage } from "../environment/environment-image";
import { createImagePullSecret, imagePullSecretFor } from "../environment/image-pull-secret";
import { gitlabBaseUrl } from "../config/gitlab-url";
import { RetryPolicy } from "../gitlab/client";
import { stackPath } from "../gitlab/gitlab-project";
import { Runner, runnerDescription } from "../gitlab/providers/runner";
import { JobSize, RUNNER_CHART, RUNNER_SECRET_KEYS, runnerChartValues } from "./runner-values";
import { chartSource } from "../charts/pinned-chart";
import { RUNNER_MAX_TIMEOUT_SECONDS } from "./runner-limits";
import { ciJobNetworkPolicy } from "./job-network-policy";

export interface CiRunnersArgs {
    readonly cluster: ClusterHandle;
    /** GitLab base URL. */
    readonly gitlabUrl: string;
    /** The project the runners serve. */
    readonly projectId: pulumi.Input<number>;
    /** Default job image: the environment image. */
    readonly image: EnvironmentImage;
    /** Jobs each runner manager runs at once. */
    readonly concurrent: number;
    /** Tags of the CPU runner (jobs with these tags run on the user pool). */
    readonly cpuTags: readonly string[];
    /** Tags of the GPU runner (jobs with these tags get GPUs on the GPU pool). */
    readonly gpuTags: readonly string[];
    /** GPUs a GPU job's build container gets. */
    readonly gpusPerJob: number;
    readonly cpuJob: JobSize;
    readonly gpuJob: JobSize;
    /** Change it to rotate both runners' tokens (each runner is replaced, new one first). @default "1" */
    readonly tokenRotation?: string;
    /** Namespace of the runner managers and job pods. @default "gitlab-runners" */
    readonly namespace?: string;
    /** `.dockerconfigjson` for a private image registry (a Pulumi secret). @default none */
    readonly registryDockerConfigJson?: pulumi.Input<string>;
    /** Private networks job pods may reach besides DNS and public addresses (a GitLab or registry on a private network). @default [] */
    readonly jobEgressCidrs?: readonly string[];
    /**
     * The stack in the runners' descriptions, which is how a runner whose create answer was lost is
     * recognised and removed: another stack's runners never match. @default `<organization>/<project>/<stack>`
     * (pass `GitLabProject.owner` to tell apart two stacks of the same name)
     */
    readonly owner?: pulumi.Input<string>;
    /** Client retry policy (tests shorten it). @default DEFAULT_RETRY */
    readonly retry?: Partial<RetryPolicy>;
}

/**
 * GitLab CI runners on the cluster: a CPU runner whose jobs run on the user pool and a GPU runner
 * (`run_untagged: false`) whose jobs get GPUs on the GPU pool, scaling it up from zero and
 * letting it go after. Each is registered with GitLab's runner-creation flow; its one-time
 * token goes from the create answer into a Kubernetes Secret the chart reads, never into state
 * in the clear or into the Helm values.
 */
export class CiRunners extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: CiRunnersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:runners:CiRunners", name, {}, opts);
        const gitlabUrl = gitlabBaseUrl(args.gitlabUrl, "CiRunners gitlabUrl");
        const owner = args.owner ?? stackPath();
        const provider = args.cluster.provider;
        const inCluster = { parent: this, provider };
        const ns = new k8s.core.v1.Namespace(name, { metadata: { name: args.namespace ?? "gitlab-runners" } }, inCluster);
        const pullSecret = imagePullSecretFor(args.image, args.registryDockerConfigJson);
        if (pullSecret) createImagePullSecret(`${name}-image-pull`, pullSecret, { namespace: ns.metadata.name }, inCluster);
        new k8s.networking.v1.NetworkPolicy(`${name}-jobs`, { metadata: { name: "ci-jobs", namespace: ns.metadata.name }, spec: ciJobNetworkPolicy(args.jobEgressCidrs ?? []) }, inCluster);
        const kinds = [
            { kind: "cpu", tags: args.cpuTags, runUntagged: true, placement: args.cluster.userPlacement, jobSize: args.cpuJob, gpus: 0, maxTimeout: RUNNER_MAX_TIMEOUT_SECONDS.cpu },
            // GPU jobs only when asked for by tag: an untagged job must never hold a GPU node.
            { kind: "gpu", tags: args.gpuTags, runUntagged: false, placement: args.cluster.gpuPlacement, jobSize: args.gpuJob, gpus: args.gpusPerJob, maxTimeout: RUNNER_MAX_TIMEOUT_SECONDS.gpu },
        ] as const;
        for (const k of kinds) {
            const runner = new Runner(
                `${name}-${k.kind}`,
                {
                    gitlabUrl,
                    projectId: args.projectId,
                    description: pulumi.output(owner).apply((o) => runnerDescription(k.kind, o)),
                    tagList: [...k.tags],
                    runUntagged: k.runUntagged,
                    locked: true,
                    accessLevel: "not_protected",
                    maximumTimeout: k.maxTimeout,
                    rotation: args.tokenRotation ?? "1",
                    ...(args.retry ? { retry: args.retry } : {}),
                },
                { parent: this },
            );
            const secret = new k8s.core.v1.Secret(
                `${name}-${k.kind}-token`,
                { metadata: { name: `gitlab-runner-${k.kind}-token`, namespace: ns.metadata.name }, stringData: { [RUNNER_SECRET_KEYS.token]: pulumi.secret(runner.token), [RUNNER_SECRET_KEYS.registrationToken]: "" } },
                inCluster,
            );
            new k8s.helm.v3.Release(
                `${name}-${k.kind}`,
                {
                    name: `gitlab-runner-${k.kind}`,
                    ...chartSource(RUNNER_CHART),
                    namespace: ns.metadata.name,
                    values: ns.metadata.name.apply((namespace) =>
                        runnerChartValues({
                            gitlabUrl,
                            tokenSecretName: `gitlab-runner-${k.kind}-token`,
                            concurrent: args.concurrent,
                            managerPlacement: args.cluster.systemPlacement,
                            namespace,
                            image: args.image,
                            placement: k.placement,
                            jobSize: k.jobSize,
                            gpusPerJob: k.gpus,
                            podAnnotations: { "ml-team-env/token-rotation": args.tokenRotation ?? "1" },
                        }),
                    ),
                },
                // A rotation changes the pod annotation, so the manager restarts and registers with the new token.
                { ...inCluster, dependsOn: [secret] },
            );
        }
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
