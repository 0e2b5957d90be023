import { TeamMember } from "../../infra/config/schema";
import { BOOTSTRAP_IMAGE } from "../../infra/environment/image/files";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { userClaimName, userNamespace } from "../../infra/workspaces/kubespawner-slug";
import { memberProfiles } from "../../infra/workspaces/member-manifests";
import { stackConfig } from "../cluster/fixtures";
import { descendantsOf, ofType, one, runComponents } from "../harness";
import { hubFor, OAUTH_SECRET, TEST_CERTIFICATE_ARN, withLetsEncrypt } from "./fixtures";

const config = stackConfig("dev");

describe("JupyterHub (dev stack)", () => {
    let resources: RecordedResource[];
    let values: any;
    beforeAll(async () => {
        resources = (await runComponents(() => hubFor(config))).resources;
        values = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
    });

    it("installs z2jh 4.4.0 in the hub namespace on system nodes", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release").inputs;
        expect(release).toMatchObject({ chart: "jupyterhub", version: "4.4.0", namespace: "jupyterhub", repositoryOpts: { repo: "https://hub.jupyter.org/helm-chart/" } });
        expect(values.hub.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
        expect(values.proxy.chp.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
    });

    it("holds no secret in the Helm values: they are plain, and the secrets live in a Secret the chart reads", () => {
        const release = one(resources, "kubernetes:helm.sh/v3:Release");
        expect(release.secretPaths).toEqual([]);
        expect(values.hub.cookieSecret).toBeUndefined();
        expect(values.proxy.secretToken).toBeUndefined();
        expect(values.hub.config.GitLabOAuthenticator.client_secret).toBeUndefined();
        expect(values.hub.existingSecret).toBe("ml-team-env-hub");
        expect(values.hub.extraEnv.GITLAB_CLIENT_SECRET).toEqual({ valueFrom: { secretKeyRef: { name: "ml-team-env-hub", key: "gitlab-client-secret" } } });
        const secret = ofType(resources, "kubernetes:core/v1:Secret").find((s) => s.inputs.metadata.name === "ml-team-env-hub")!;
        expect(Object.keys(secret.inputs.stringData).sort()).toEqual(["gitlab-client-secret", "hub.config.CryptKeeper.keys", "hub.config.JupyterHub.cookie_secret"]);
        expect(secret.inputs.stringData["gitlab-client-secret"]).toBe(OAUTH_SECRET);
        expect(secret.secretPaths).toEqual(["stringData"]);
        // Generated with @pulumi/random (32 bytes, hex), not by hand.
        expect(ofType(resources, "random:index/randomBytes:RandomBytes").map((r) => [r.name, r.inputs.length])).toEqual([
            ["hub-cookie-secret", 32],
            ["hub-crypt-key", 32],
        ]);
        const printed = JSON.stringify(resources.map((r) => r.redactedInputs));
        expect(printed).not.toContain(OAUTH_SECRET);
        expect(printed).not.toContain("known-registry-auth");
    });

    it("logs in through GitLab, restricted to the team's project whose id comes from a ConfigMap", () => {
        expect(values.hub.config.JupyterHub.authenticator_class).toBe("gitlab");
        expect(values.hub.config.GitLabOAuthenticator).toEqual({
            client_id: config.jupyterhub.oauthClientId,
            gitlab_url: "https://gitlab.com",
            oauth_callback_url: "https://notebooks.dev.example.com/hub/oauth_callback",
            scope: ["read_user", "read_api"],
        });
        expect(values.hub.extraConfig["10-gitlab-project"]).toContain('c.GitLabOAuthenticator.allowed_project_ids = [int(os.environ["GITLAB_PROJECT_ID"])]');
        expect(values.hub.extraEnv.GITLAB_PROJECT_ID).toEqual({ valueFrom: { configMapKeyRef: { name: "ml-team-env-hub", key: "gitlab-project-id" } } });
        const cm = ofType(resources, "kubernetes:core/v1:ConfigMap").find((c) => c.inputs.metadata.name === "ml-team-env-hub")!;
        expect(cm.inputs.data).toEqual({ "gitlab-project-id": "4242" });
        expect(values.hub.config.Authenticator.enable_auth_state).toBe(true);
    });

    it("makes the project's Maintainers hub admins at login, not from a list in the values", () => {
        expect(values.hub.config.Authenticator.admin_users).toBeUndefined();
        const hook = values.hub.extraConfig["20-admin-from-gitlab"] as string;
        expect(hook).toContain("/projects/{_project_id}/members/all/{user_id}");
        expect(hook).toContain('["access_level"] >= 40');
    });

    it("gives notebook pods the hub's cluster-internal address (the short name only resolves in its namespace)", () => {
        expect(values.hub.config.KubeSpawner).toMatchObject({
            enable_user_namespaces: true,
            user_namespace_template: "{hubnamespace}-{username}",
            hub_connect_url: "http://hub.jupyterhub.svc.cluster.local:8081",
            delete_pvc: false,
        });
    });

    it("runs every server on the environment image, with a timeout for a cold GPU start", () => {
        // The dev stack names no image: it runs the bootstrap image, by digest, until the team's own is built.
        expect(config.image.reference).toBe(BOOTSTRAP_IMAGE);
        expect(values.singleuser.image).toEqual({ name: "quay.io/jupyter/pytorch-notebook", tag: `${config.image.tag}@${config.image.digest}`, pullSecrets: ["environment-image-pull"] });
        // z2jh hands KubeSpawner `name:tag` (files/hub/jupyterhub_config.py, singleuser.image), so the digest stays on.
        expect(`${values.singleuser.image.name}:${values.singleuser.image.tag}`).toBe(config.image.reference);
        expect(values.singleuser.startTimeout).toBe(1200);
        expect(values.hub.config.KubeSpawner.http_timeout).toBe(120);
    });

    it("runs the team's own image once the stack names it, from its private registry with the pull secret", async () => {
        const own = `registry.example.com/ml/pytorch-cuda:v2.8@sha256:${"ab".repeat(32)}`;
        const named = stackConfig("dev", (y) => y.replace("  ml-team-env:environment:\n", `  ml-team-env:environment:\n    image: ${own}\n`));
        expect(named.image.reference).toBe(own);
        const v = one((await runComponents(() => hubFor(named))).resources, "kubernetes:helm.sh/v3:Release").inputs.values;
        expect(v.singleuser.image).toEqual({ name: "registry.example.com/ml/pytorch-cuda", tag: `v2.8@sha256:${"ab".repeat(32)}`, pullSecrets: ["environment-image-pull"] });
    });

    it("offers profiles per member from a hook, not from a list in the values; GPU and CPU profiles carry their pool's placement", () => {
        expect(values.singleuser.profileList).toBeUndefined();
        expect(values.hub.extraConfig["30-member-profiles"]).toContain("c.KubeSpawner.profile_list = member_profiles");
        const [cpu, gpu] = values.custom.profiles;
        expect(gpu).toMatchObject({ slug: "gpu-1", kubespawner_override: { cpu_guarantee: 3, cpu_limit: 3, mem_guarantee: "12G", mem_limit: "12G", extra_resource_limits: { "nvidia.com/gpu": "1" }, node_selector: { "ml-team-env/pool": "gpu" } } });
        expect(gpu.kubespawner_override.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }]);
        expect(cpu).toMatchObject({ slug: "cpu", default: true, kubespawner_override: { node_selector: { "ml-team-env/pool": "user" } } });
        expect(cpu.kubespawner_override.tolerations).toEqual([{ key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" }]);
        expect(cpu.kubespawner_override.extra_resource_limits).toBeUndefined();
    });

    it("keeps users' volumes: the claim is made by Pulumi and retained, on the Retain class; delete_pvc false", () => {
        expect(values.singleuser.storage).toEqual({ type: "dynamic", capacity: "50Gi", dynamic: { storageClass: "gp3-encrypted-retain", pvcNameTemplate: "claim-{username}" } });
        for (const m of config.team.members) {
            const claim = ofType(resources, "kubernetes:core/v1:PersistentVolumeClaim").find((c) => c.inputs.metadata.name === userClaimName(m.username))!;
            expect(claim.inputs.metadata.namespace).toBe(userNamespace("jupyterhub", m.username));
            expect(claim.inputs.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "gp3-encrypted-retain", resources: { requests: { storage: "50Gi" } } });
            expect(claim.retainOnDelete).toBe(true);
            expect(claim.inputs.metadata.annotations).toMatchObject({ "pulumi.com/patchForce": "true", "pulumi.com/skipAwait": "true" });
        }
    });

    it("culls idle servers so GPU nodes can scale to zero; no chart pre-puller and no outdated user scheduler", () => {
        expect(values.cull).toEqual({ enabled: true, timeout: 3600, every: 300 });
        expect(values.prePuller).toEqual({ hook: { enabled: false }, continuous: { enabled: false } });
        expect(values.scheduling.userScheduler).toEqual({ enabled: false });
    });

    it("ends HTTPS at a network load balancer with the ACM certificate, and names the record to make", () => {
        expect(values.proxy.https).toEqual({ enabled: true, type: "offload" });
        expect(values.proxy.service.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"]).toBe(TEST_CERTIFICATE_ARN);
        expect(values.ingress).toEqual({ enabled: false });
        // The record names the load balancer the chart's proxy-public Service gets (read after the release).
        expect(one(resources, "ml-team-env:workspaces:JupyterHub").outputs!.dnsRecord).toMatch(/^make notebooks\.dev\.example\.com CNAME a[0-9a-f]+-[0-9a-f]+\.elb\.us-west-2\.amazonaws\.com$/);
    });

    it("with https: letsencrypt, runs Traefik on system nodes and says what to do when the record is late", async () => {
        const letsencrypt = stackConfig("dev", withLetsEncrypt);
        const { resources } = await runComponents(() => hubFor(letsencrypt));
        const v = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
        expect(v.proxy.https).toEqual({ enabled: true, type: "letsencrypt", hosts: ["notebooks.dev.example.com"], letsencrypt: { contactEmail: "ml-platform@example.com" } });
        expect(v.proxy.service).toEqual({ type: "LoadBalancer", annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } });
        expect(v.proxy.traefik.nodeSelector).toEqual({ "ml-team-env/pool": "system" });
        expect(one(resources, "ml-team-env:workspaces:JupyterHub").outputs!.dnsRecord).toMatch(/rollout restart deployment\/autohttps/);
    });

    it("gives each member a retained namespace, their profiles, a GPU quota, defaults, isolation and exactly the hub RBAC KubeSpawner uses", () => {
        for (const m of config.team.members) {
            const ns = userNamespace("jupyterhub", m.username);
            const namespace = ofType(resources, "kubernetes:core/v1:Namespace").find((r) => r.inputs.metadata.name === ns)!;
            expect(namespace.retainOnDelete).toBe(true);
            expect(namespace.inputs.metadata.labels["ml-team-env/workspace"]).toBe("true");
            const mine = descendantsOf(resources, namespace.parent!);
            expect(mine.find((r) => r.type === "kubernetes:core/v1:ResourceQuota")!.inputs.spec.hard["requests.nvidia.com/gpu"]).toBe(String(m.gpus));
            const profiles = mine.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!.inputs;
            expect(profiles.metadata.name).toBe("ml-team-env-member");
            expect(JSON.parse(profiles.data.profiles)).toEqual(memberProfiles(m, config.jupyterhub.profiles));
            const role = mine.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role")!.inputs;
            expect(role.rules).toEqual([
                { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create", "get"] },
                { apiGroups: [""], resources: ["configmaps"], resourceNames: ["ml-team-env-member"], verbs: ["get"] },
            ]);
        }
        const clusterRole = one(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").inputs;
        expect(clusterRole.rules).toEqual([
            { apiGroups: [""], resources: ["pods", "events"], verbs: ["list", "watch"] },
            { apiGroups: [""], resources: ["namespaces"], verbs: ["create"] },
        ]);
    });

    it("uses the cluster's provider, with server-side apply, for every Kubernetes resource", () => {
        for (const r of resources.filter((r) => r.type.startsWith("kubernetes:"))) expect(r.provider).toMatch(/pulumi:providers:kubernetes::test-k8s::/);
        expect(one(resources, "pulumi:providers:kubernetes").inputs.enableServerSideApply).toBe("true");
    });
});

describe("member profiles", () => {
    const profiles = config.jupyterhub.profiles;
    it("offers a member with no GPUs only CPU profiles, and a member with a list exactly that list", () => {
        expect(memberProfiles({ gpus: 0 }, profiles)).toEqual(["cpu"]);
        expect(memberProfiles({ gpus: 1 }, profiles)).toEqual(["cpu", "gpu-1"]);
        expect(memberProfiles({ gpus: 2, profiles: ["gpu-1"] }, profiles)).toEqual(["gpu-1"]);
    });
});

describe("JupyterHub behind your own ingress (onprem stack)", () => {
    it("uses your ingress class and cert-manager issuer, with a ClusterIP proxy", async () => {
        const onprem = stackConfig("onprem");
        const { resources } = await runComponents(() => hubFor(onprem));
        const values = one(resources, "kubernetes:helm.sh/v3:Release").inputs.values;
        expect(values.ingress).toEqual({
            enabled: true,
            ingressClassName: "traefik",
            hosts: ["notebooks.lab.example.org"],
            tls: [{ hosts: ["notebooks.lab.example.org"], secretName: "jupyterhub-tls" }],
            annotations: { "cert-manager.io/cluster-issuer": "lab-ca" },
        });
        expect(values.proxy.service).toEqual({ type: "ClusterIP" });
        expect(values.proxy.https).toBeUndefined();
        expect(ofType(resources, "kubernetes:core/v1:Service")).toHaveLength(0);
    });
});

describe("onboarding's blast radius", () => {
    const member = (i: number): TeamMember => ({ username: `dev${i}`, role: "developer", gpus: i % 2 });

    it("adding an 11th member leaves the Helm release untouched and adds only that member's resources", async () => {
        const fifty = [config.team.members[0]!, ...Array.from({ length: 9 }, (_, i) => member(i))];
        const before = (await runComponents(() => hubFor(config, fifty))).resources;
        const after = (await runComponents(() => hubFor(config, [...fifty, member(99)]))).resources;
        const release = (rs: RecordedResource[]) => one(rs, "kubernetes:helm.sh/v3:Release").inputs;
        expect(release(after)).toEqual(release(before));
        const beforeByUrn = new Map(before.map((r) => [r.urn, r]));
        const added = after.filter((r) => !beforeByUrn.has(r.urn));
        expect(added.map((r) => r.name).every((n) => n.startsWith("hub-dev99"))).toBe(true);
        // the component, namespace, home claim, quota, limits, isolation, profiles, role, binding, pull secret
        expect(added).toHaveLength(10);
        for (const r of after.filter((r) => beforeByUrn.has(r.urn))) expect(r.inputs).toEqual(beforeByUrn.get(r.urn)!.inputs);
    });
});
