/**
 * The CI runners as the program builds them: what the chart gets (with the runner's TOML parsed
 * back), what GitLab gets, where each runner's job pods land on the cluster, and that the
 * one-time runner token is a secret everywhere.
 */
import { parse as parseToml } from "smol-toml";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { checkFit, NodeShape, PodShape } from "../../infra/scheduling/fit";
import { cpuMillis, memoryBytes } from "../../infra/scheduling/quantity";
import { stackConfig } from "../cluster/fixtures";
import { ofType, one, runStack, runStackYaml } from "../harness";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";
import { nodesOfPool, recordedNodes, RecordedNode, smallestNodeOfPool } from "../scheduling/recorded-nodes";
import { allowed, COREDNS, Endpoint, Policy, recordedPolicies } from "../support/network-policy";

const config = stackConfig("dev");

/** The job pod the Kubernetes executor builds from a runner's TOML: placement, build container size, pod-spec patch. */
function jobPod(toml: string): PodShape {
    const k = (parseToml(toml) as any).runners[0].kubernetes;
    const tolerations = Object.entries(k.node_tolerations as Record<string, string>).map(([kv, effect]) => {
        const [key, value] = kv.split("=");
        return value === undefined ? { key: key!, operator: "Exists" as const, effect: effect as "NoSchedule" } : { key: key!, operator: "Equal" as const, value, effect: effect as "NoSchedule" };
    });
    const extended: Record<string, number> = {};
    for (const patch of k.pod_spec ?? []) {
        const build = JSON.parse(patch.patch).containers.find((c: { name: string }) => c.name === "build");
        for (const [res, n] of Object.entries(build.resources.requests as Record<string, string>)) extended[res] = Number(n);
    }
    return { name: "CI job", nodeSelector: k.node_selector, requiredNodeAffinity: [], tolerations, requests: { cpuMillis: cpuMillis(k.cpu_request), memoryBytes: memoryBytes(k.memory_request), extended } };
}

describe("CI runners (dev stack)", () => {
    let resources: RecordedResource[];
    /** Nodes of the node groups the run recorded; a GPU node of every GPU group and type. */
    let nodes: RecordedNode[];
    let gpuNodes: NodeShape[];
    const node = (pool: "system" | "user") => smallestNodeOfPool(nodes, pool);
    const release = (kind: string) => one(resources, "kubernetes:helm.sh/v3:Release", `dev-runners-${kind}`).inputs;
    const toml = (kind: string) => parseToml(release(kind).values.runners.config) as any;
    beforeAll(async () => {
        resources = (await runStack("dev")).resources;
        nodes = recordedNodes(resources);
        gpuNodes = nodesOfPool(nodes, "gpu");
    });

    it("installs the gitlab-runner chart per runner with the Kubernetes executor, the token from a Secret, and least-privilege RBAC", () => {
        for (const kind of ["cpu", "gpu"]) {
            const r = release(kind);
            expect(r).toMatchObject({ chart: "gitlab-runner", version: "0.92.2", namespace: "gitlab-runners", repositoryOpts: { repo: "https://charts.gitlab.io" } });
            expect(r.values).toMatchObject({ gitlabUrl: "https://gitlab.com", concurrent: 4, runners: { secret: `gitlab-runner-${kind}-token` }, nodeSelector: { "ml-team-env/pool": "system" }, rbac: { create: true } });
            expect(r.values.runnerToken).toBeUndefined();
            expect(r.values.rbac.clusterWideAccess).toBeUndefined();
            expect(r.values.rbac.rules.flatMap((x: { verbs: string[] }) => x.verbs)).not.toContain("*");
            expect(toml(kind).runners[0].kubernetes).toMatchObject({ namespace: "gitlab-runners", image: config.image.reference, pull_policy: ["if-not-present"], privileged: false });
        }
    });

    it("gives GPU jobs the GPU pool's placement and an nvidia.com/gpu limit, through a pod-spec patch the feature flag allows; CPU jobs neither", () => {
        const gpu = toml("gpu").runners[0];
        expect(gpu.feature_flags).toEqual({ FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true });
        expect(gpu.kubernetes.node_selector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(gpu.kubernetes.node_tolerations).toEqual({ "nvidia.com/gpu=true": "NoSchedule" });
        expect(JSON.parse(gpu.kubernetes.pod_spec[0].patch)).toEqual({ containers: [{ name: "build", resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } } }] });
        expect(gpu.kubernetes.pod_spec[0].patch_type).toBe("strategic");
        const cpu = toml("cpu").runners[0];
        expect(cpu.feature_flags).toBeUndefined();
        expect(cpu.kubernetes.pod_spec).toBeUndefined();
        expect(cpu.kubernetes.node_selector).toEqual({ "ml-team-env/pool": "user" });
        expect(JSON.stringify(cpu)).not.toContain("nvidia.com/gpu");
    });

    it("GPU job pods land on a GPU node of every configured type and nowhere else; CPU job pods only on the user pool", () => {
        const gpuJob = jobPod(release("gpu").values.runners.config);
        for (const n of gpuNodes) expect(checkFit(gpuJob, n)).toEqual({ fits: true, reasons: [] });
        expect(checkFit(gpuJob, node("user")).fits).toBe(false);
        expect(checkFit(gpuJob, node("system")).fits).toBe(false);
        const cpuJob = jobPod(release("cpu").values.runners.config);
        expect(checkFit(cpuJob, node("user"))).toEqual({ fits: true, reasons: [] });
        for (const n of [node("system"), ...gpuNodes]) expect(checkFit(cpuJob, n).fits).toBe(false);
    });

    it("gives every job pod a memory-backed /dev/shm inside its memory limit, in the keys GitLab Runner reads", () => {
        // GitLab Runner v19.3.0 common/config.go KubernetesEmptyDir's toml tags.
        const EMPTY_DIR_KEYS = ["name", "mount_path", "sub_path", "medium", "size_limit", "mount_propagation"];
        for (const [kind, size] of [["cpu", "1024Mi"], ["gpu", "3072Mi"]] as const) {
            const k = toml(kind).runners[0].kubernetes;
            expect(Object.keys(k.volumes)).toEqual(["empty_dir"]);
            const [shm, ...others] = k.volumes.empty_dir as Record<string, string>[];
            expect(others).toEqual([]);
            expect(Object.keys(shm!).filter((key) => !EMPTY_DIR_KEYS.includes(key))).toEqual([]);
            expect(shm).toEqual({ name: "shm", mount_path: "/dev/shm", medium: "Memory", size_limit: size });
            // The executor's emptyDir (getVolumesForEmptyDirs): a tmpfs of size_limit, charged to the build container's memory.
            expect(memoryBytes(shm!.size_limit!)).toBeLessThan(memoryBytes(k.memory_limit));
        }
    });

    it("the /dev/shm check fails for a size that does not fit the job", async () => {
        const yaml = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8").replace("    gpusPerJob: 1\n", "    gpusPerJob: 1\n    cpuJob: { cpu: 1, memoryGiB: 4, shmGiB: 4 }\n");
        const failed = await runStackYaml("dev", yaml, true);
        expect(String(failed.failure)).toMatch(/ml-team-env:runners\.cpuJob\.shmGiB = 4\n\s+is 4 GiB but the pod has 4 GiB of memory.*Set it to at most 2 GiB/);
    });

    it("gives job pods no Kubernetes API token and the label their NetworkPolicy selects", () => {
        for (const kind of ["cpu", "gpu"]) {
            const k = toml(kind).runners[0].kubernetes;
            expect(k.automount_service_account_token).toBe(false);
            expect(k.service_account).toBeUndefined();
            expect(k.service_account_overwrite_allowed).toBeUndefined();
            expect(k.pod_labels).toEqual({ "ml-team-env/ci-job": "true" });
            expect(k.pod_labels_overwrite_allowed).toBeUndefined();
        }
    });

    it("lets job pods reach DNS and public addresses (GitLab.com, registries) but nothing in the cluster, and nothing connect to them", () => {
        const policies = recordedPolicies(resources, (namespace) => namespace === "gitlab-runners");
        expect(policies.map((p) => p.name)).toEqual(["gitlab-runners/ci-jobs"]);
        const job: Endpoint = { name: "CI job", namespace: "gitlab-runners", namespaceLabels: { "kubernetes.io/metadata.name": "gitlab-runners" }, labels: { ...toml("cpu").runners[0].kubernetes.pod_labels, pod: "runner-x" }, ip: "10.0.5.7" };
        const dns = COREDNS;
        const hub: Endpoint = { name: "hub", namespace: "jupyterhub", namespaceLabels: { "kubernetes.io/metadata.name": "jupyterhub" }, labels: { component: "hub" }, ip: "10.0.3.4" };
        const kubeApi: Endpoint = { name: "the API server's ENI", ip: "10.0.17.3" };
        expect(allowed(policies, job, dns, 53, "UDP").ok).toBe(true);
        expect(allowed(policies, job, { name: "gitlab.com", ip: "172.65.251.78" }, 443).ok).toBe(true);
        expect(allowed(policies, job, { name: "pypi.org", ip: "151.101.0.223" }, 443).ok).toBe(true);
        for (const [to, port] of [[hub, 8081], [kubeApi, 443], [{ name: "a node's kubelet", ip: "10.0.1.200" }, 10250], [{ name: "instance metadata", ip: "169.254.169.254" }, 80]] as const) {
            expect({ to: to.name, ...allowed(policies, job, to, port) }).toMatchObject({ to: to.name, ok: false });
        }
        // Nothing in the cluster connects to a job pod.
        expect(allowed(policies, hub, job, 8080).ok).toBe(false);
        // A manager pod (no job label) is not restricted: it talks to the API server and GitLab.
        expect(allowed(policies, { ...job, name: "manager", labels: { app: "gitlab-runner-cpu" } }, kubeApi, 443).ok).toBe(true);
    });

    it("lets job pods reach the private networks the stack lists (a GitLab on the lab network)", async () => {
        const onprem = (await runStack("onprem")).resources;
        const policy = ofType(onprem, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.inputs.metadata.name === "ci-jobs")!;
        const policies: Policy[] = [{ name: "ci-jobs", namespace: "gitlab-runners", spec: policy.inputs.spec }];
        const job: Endpoint = { name: "CI job", namespace: "gitlab-runners", labels: { "ml-team-env/ci-job": "true" }, ip: "10.244.1.9" };
        expect(allowed(policies, job, { name: "gitlab.lab.example.org", ip: "10.20.0.15" }, 443).ok).toBe(true);
        expect(allowed(policies, job, { name: "another lab host", ip: "10.21.0.15" }, 443).ok).toBe(false);
    });

    it("registers each runner with GitLab: tags, untagged jobs only on the CPU runner, locked to the project", () => {
        const runners = ofType(resources, "pulumi-nodejs:dynamic:Resource").filter((r) => r.inputs.kind === "gitlab:Runner");
        const byName = Object.fromEntries(runners.map((r) => [r.name, r.inputs]));
        expect(byName["dev-runners-gpu"]).toMatchObject({ tagList: ["gpu", "cuda"], runUntagged: false, locked: true, accessLevel: "not_protected" });
        expect(byName["dev-runners-cpu"]).toMatchObject({ tagList: ["cpu"], runUntagged: true, locked: true });
        // The stack recorded as the project's manager, so another stack's lost-runner clean-up never takes these.
        expect(byName["dev-runners-gpu"]!.description).toMatch(/^ml-team-env gpu runner \(organization\/ml-team-env\/dev#[0-9a-f]{8}\)$/);
    });

    it("keeps the runner token a secret: Secret data is secret, nothing prints it, the values only name the Secret", () => {
        for (const kind of ["cpu", "gpu"]) {
            const secret = ofType(resources, "kubernetes:core/v1:Secret").find((s) => s.inputs.metadata.name === `gitlab-runner-${kind}-token`)!;
            expect(secret.secretPaths).toEqual(["stringData"]);
            expect(Object.keys(secret.inputs.stringData).sort()).toEqual(["runner-registration-token", "runner-token"]);
        }
        const printed = JSON.stringify(resources.map((r) => r.redactedInputs));
        expect(printed).not.toMatch(/glrt-/);
    });

    it("creates nothing with runners.enabled: false", async () => {
        const yaml = fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8").replace("  ml-team-env:runners:\n    enabled: true", "  ml-team-env:runners:\n    enabled: false");
        const { resources: none } = await runStackYaml("dev", yaml);
        expect(none.filter((r) => r.name.startsWith("dev-runners") || r.inputs.kind === "gitlab:Runner")).toEqual([]);
    });
});
