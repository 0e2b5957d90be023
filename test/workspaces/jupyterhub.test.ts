import { TeamMember } from "../../infra/config/schema";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { generatedSecretProvider } from "../../infra/workspaces/generated-secret";
import { userNamespace } from "../../infra/workspaces/kubespawner-slug";
import { stackConfig } from "../cluster/fixtures";
import { descendantsOf, ofType, one, runComponents } from "../harness";
import { hubFor, OAUTH_SECRET } from "./fixtures";

const config = stackConfig("dev");

describe("JupyterHub (dev stack)", () => {
    let resources: RecordedResource[];
    let values: any;
    beforeAll(async () => {
        resources = (await runComponents(() => hubFor(config))).resources;
        values = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
    });

    it("installs the pinned z2jh chart in the hub namespace on system nodes", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release").inputs;
        expect(release).toMatchObject({ chart: "jupyterhub", version: "4.3.3", namespace: "jupyterhub", repositoryOpts: { repo: "https://hub.jupyter.org/helm-chart/" } });
        expect(values.hub.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
        expect(values.proxy.chp.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
    });

    it("logs in through GitLab, restricted to the team's project", () => {
        expect(values.hub.config.JupyterHub.authenticator_class).toBe("gitlab");
        expect(values.hub.config.GitLabOAuthenticator).toMatchObject({
            allowed_project_ids: [4242],
            gitlab_url: "https://gitlab.com",
            oauth_callback_url: "https://notebooks.dev.example.com/hub/oauth_callback",
            client_id: config.jupyterhub.oauthClientId,
            scope: ["read_user", "read_api"],
        });
        expect(values.hub.config.Authenticator.enable_auth_state).toBe(true);
    });

    it("makes the project's Maintainers hub admins at login, not from a list in the values", () => {
        expect(values.hub.config.Authenticator.admin_users).toBeUndefined();
        const hook = values.hub.extraConfig["10-admin-from-gitlab"] as string;
        expect(hook).toContain('/projects/{_project_id}/members/all/{user_id}');
        expect(hook).toContain('["access_level"] >= 40');
        expect(hook).toContain("c.GitLabOAuthenticator.post_auth_hook = admin_if_gitlab_maintainer");
        expect(values.custom).toEqual({ gitlabProjectId: 4242, gitlabUrl: "https://gitlab.com" });
    });

    it("runs every server on the environment image", () => {
        expect(values.singleuser.image).toEqual({ name: "registry.example.com/ml/pytorch-cuda", tag: "v2.8", pullSecrets: ["environment-image-pull"] });
        expect(`${values.singleuser.image.name}:${values.singleuser.image.tag}`).toBe(config.image.reference);
    });

    it("puts GPU profiles on the GPU pool with their GPU limit, and keeps CPU profiles off it", () => {
        const [cpu, gpu] = values.singleuser.profileList;
        expect(gpu.slug).toBe("gpu-1");
        expect(gpu.kubespawner_override.extra_resource_limits).toEqual({ "nvidia.com/gpu": "1" });
        expect(gpu.kubespawner_override.node_selector).toEqual({ "ml-team-env/pool": "gpu" });
        expect(gpu.kubespawner_override.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        expect(cpu.slug).toBe("cpu");
        expect(cpu.default).toBe(true);
        expect(cpu.kubespawner_override.tolerations).toBeUndefined();
        expect(cpu.kubespawner_override.extra_resource_limits).toBeUndefined();
        expect(JSON.stringify(values.singleuser.tolerations ?? [])).not.toContain("nvidia.com/gpu");
    });

    it("keeps users' volumes: Retain storage class, delete_pvc false", () => {
        expect(values.singleuser.storage).toEqual({ type: "dynamic", capacity: "50Gi", dynamic: { storageClass: "gp3-encrypted-retain" } });
        expect(values.hub.config.KubeSpawner).toEqual({ enable_user_namespaces: true, user_namespace_template: "{hubnamespace}-{username}", delete_pvc: false });
    });

    it("culls idle servers after the configured timeout so GPU nodes can scale to zero", () => {
        expect(values.cull).toEqual({ enabled: true, timeout: 3600, every: 300 });
    });

    it("generates the proxy token and cookie secret once, as Pulumi secrets", async () => {
        expect(values.proxy.secretToken).toMatch(/^[0-9a-f]{64}$/);
        expect(values.hub.cookieSecret).toMatch(/^[0-9a-f]{64}$/);
        expect(values.hub.cookieSecret).not.toBe(values.proxy.secretToken);
        const generated = ofType(resources, "pulumi-nodejs:dynamic:Resource").filter((r) => r.inputs.kind === "ml-team-env:GeneratedSecret");
        expect(generated.map((r) => r.name).sort()).toEqual(["hub-cookie-secret", "hub-proxy-token"]);
        const a = await generatedSecretProvider.create!({ kind: "ml-team-env:GeneratedSecret", bytes: 32 });
        const b = await generatedSecretProvider.create!({ kind: "ml-team-env:GeneratedSecret", bytes: 32 });
        expect(a.outs!.value).toMatch(/^[0-9a-f]{64}$/);
        expect(a.outs!.value).not.toBe(b.outs!.value);
    });

    it("keeps the OAuth secret a secret", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release");
        expect(release.secretPaths).toContain("values");
        const printed = JSON.stringify(resources.map((r) => r.redactedInputs));
        expect(printed).not.toContain(OAUTH_SECRET);
        expect(printed).not.toContain(values.proxy.secretToken);
        expect(printed).not.toContain("known-registry-auth");
    });

    it("gives each member a retained namespace, a GPU quota of their gpus, defaults, isolation and hub RBAC", () => {
        for (const m of config.team.members) {
            const ns = userNamespace("jupyterhub", m.username);
            const namespace = ofType(resources, "kubernetes:core/v1:Namespace").find((r) => r.inputs.metadata.name === ns);
            expect(namespace).toBeDefined();
            const mine = descendantsOf(resources, namespace!.parent!);
            const quota = mine.find((r) => r.type === "kubernetes:core/v1:ResourceQuota")!;
            expect(quota.inputs.metadata.namespace).toBe(ns);
            expect(quota.inputs.spec.hard["requests.nvidia.com/gpu"]).toBe(String(m.gpus));
            expect(mine.map((r) => r.type).sort()).toEqual([
                "kubernetes:core/v1:LimitRange",
                "kubernetes:core/v1:Namespace",
                "kubernetes:core/v1:ResourceQuota",
                "kubernetes:core/v1:Secret",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "kubernetes:rbac.authorization.k8s.io/v1:Role",
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            ]);
            const binding = mine.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")!;
            expect(binding.inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "hub", namespace: "jupyterhub" }]);
            const policy = mine.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")!.inputs.spec;
            expect(policy.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "jupyterhub" });
        }
        expect(ofType(resources, "kubernetes:core/v1:Namespace").map((n) => n.inputs.metadata.name).sort()).toEqual(
            ["jupyterhub", "jupyterhub-alice", "jupyterhub-bob", userNamespace("jupyterhub", "chen.wei")].sort(),
        );
    });

    it("never lets the hub delete a PVC", () => {
        for (const role of ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role")) {
            const pvc = role.inputs.rules.find((r: any) => r.resources.includes("persistentvolumeclaims"));
            expect(pvc.verbs).not.toContain("delete");
        }
    });

    it("uses the cluster's provider for every Kubernetes resource", () => {
        for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) expect(r.provider).toMatch(/pulumi:providers:kubernetes::test-k8s::/);
    });
});

describe("onboarding's blast radius", () => {
    const member = (i: number): TeamMember => ({ username: `dev${i}`, role: "developer", gpus: i % 2 });

    it("adding a 51st member leaves the Helm release untouched and adds only that member's resources", async () => {
        const fifty = [config.team.members[0]!, ...Array.from({ length: 49 }, (_, i) => member(i))];
        const before = (await runComponents(() => hubFor(config, fifty))).resources;
        const after = (await runComponents(() => hubFor(config, [...fifty, member(99)]))).resources;

        const release = (rs: RecordedResource[]) => one(rs, "kubernetes:helm.sh/v3:Release").inputs;
        expect(release(after)).toEqual(release(before));

        const beforeByUrn = new Map(before.map((r) => [r.urn, r]));
        const added = after.filter((r) => !beforeByUrn.has(r.urn));
        expect(added.map((r) => r.name).every((n) => n.startsWith("hub-dev99"))).toBe(true);
        expect(added).toHaveLength(8); // the component + namespace, quota, limits, policy, role, binding, pull secret
        for (const r of after.filter((r) => beforeByUrn.has(r.urn))) {
            expect(r.inputs).toEqual(beforeByUrn.get(r.urn)!.inputs);
        }
    });
});
