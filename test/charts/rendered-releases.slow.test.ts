/**
 * Every Helm release and v4 Chart the dev and onprem stacks register, rendered by the real Helm
 * from the packaged chart (test/support/helm-render.ts), and checked as the cluster would take it:
 * the pinned versions are the packages rendered, the chart accepts the values (Helm applies its
 * values.schema.json), every object passes the Kubernetes schema strictly, no secret of the
 * run is in plain text in any of them, and the onprem hub's pods land where meant (the dev
 * stack's placement is test/scheduling/placement.slow.test.ts). Each check is also shown failing on
 * a broken input.
 */
import { existingNodePools } from "../../infra/cluster/node-pools";
import { KUBERNETES_VERSIONS } from "../../infra/config/schema";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { NodeShape } from "../../infra/scheduling/fit";
import { TeamConfig } from "../../infra/config/validate";
import { stackConfig } from "../cluster/fixtures";
import { runStack } from "../harness";
import { HelmTools } from "../support/helm-binary";
import { KubeObject, releaseOf, packagedChart, renderedObject, renderKubeVersion, renderRelease, renderReleases, renderToolsOrSkip, StackRender, templateArgs, UNPACKAGED_CHARTS } from "../support/helm-render";
import { crdChecks, crdsAmong, schemaProblems, SCHEMA_PACKAGE } from "../support/kube-schema";
import { CHARTS_DIR, chartPackage, RegisteredRelease, registeredCharts, registeredReleases } from "../support/registered-releases";
import { renderedHubValues } from "../support/kubespawner-pod";
import { POD_KINDS } from "../support/rendered-pods";
import { runSecrets, secretLeaks } from "../support/secret-scan";
import { landsOnlyOn, MEANT, notMeantFor, Pool, podsOf } from "../scheduling/meant-pools";

const tools = renderToolsOrSkip("rendered chart checks (versions, values schema, Kubernetes schema, secrets)");
const STACKS = ["dev", "onprem"] as const;

interface Stack {
    readonly config: TeamConfig;
    readonly resources: RecordedResource[];
    readonly render: StackRender;
}

/**
 * The objects with what z2jh makes up afresh on every render masked: the hub Secret's tokens and
 * keys that neither the values nor a live Secret set (templates/hub/_helpers-passwords.tpl,
 * `randAlphaNum`/`randHex` when `lookup` finds nothing, as under `helm template`) and the pods'
 * checksums of them (the hub's of its Secret, the proxy's of its token).
 */
function withoutGenerated(objects: readonly KubeObject[]): KubeObject[] {
    const generated = /^hub\.(config\.(ConfigurableHTTPProxy\.auth_token|JupyterHub\.cookie_secret|CryptKeeper\.keys)|services\.[^.]+\.apiToken)$/;
    return objects.map((o) => {
        const copy = structuredClone(o) as any;
        if (o.kind === "Secret") for (const k of Object.keys(copy.data ?? {})) if (generated.test(k)) copy.data[k] = "(generated)";
        const annotations = copy.spec?.template?.metadata?.annotations ?? {};
        for (const k of ["checksum/secret", "checksum/auth-token"]) if (annotations[k] !== undefined) annotations[k] = "(generated)";
        return copy as KubeObject;
    });
}

/** Why a release's pin has no package to render, or none when it has one (or is known to have none). */
function packageProblems(releases: readonly RegisteredRelease[]): string[] {
    return releases.flatMap((r) => {
        if (chartPackage(r.chart, r.version) || UNPACKAGED_CHARTS[r.chart] !== undefined) return [];
        return [`${r.resourceName} pins ${r.chart} ${r.version}, which has no package in ${CHARTS_DIR}: package that version (../shared/reference/README.md says how) or keep the pin`];
    });
}

(tools ? describe : describe.skip)("the releases the stacks register, rendered by Helm", () => {
    const stacks = {} as Record<(typeof STACKS)[number], Stack>;
    const helm = tools as HelmTools;
    const hub = (stack: Stack) => releaseOf(stack.render, "jupyterhub").objects;
    /** What the dev cluster's charts render for: its config's Kubernetes version. */
    let devKube: string;
    /** Every release and v4 Chart a stack registers. */
    const installed = (stack: Stack) => [...registeredReleases(stack.resources), ...registeredCharts(stack.resources)];

    beforeAll(async () => {
        for (const name of STACKS) {
            const config = stackConfig(name);
            const resources = (await runStack(name)).resources;
            stacks[name] = { config, resources, render: renderReleases(helm, resources, config.cluster) };
        }
        devKube = renderKubeVersion(stacks.dev.config.cluster);
    });

    it("renders every release and v4 Chart that has a package, for the cluster's Kubernetes version, and names each one it cannot", () => {
        const charts = (s: Stack) => s.render.rendered.map((r) => `${r.release.chart} ${r.release.version} @${r.kubeVersion}`).sort();
        // An EKS cluster's version is the one its config names.
        const eks = stacks.dev.config.cluster;
        if (eks.mode !== "eks") throw new Error("dev is an EKS cluster");
        expect(devKube).toBe(`${eks.kubernetesVersion}.0`);
        expect(charts(stacks.dev)).toEqual(["cluster-autoscaler 9.59.0", "crd.projectcalico.org.v1 v3.32.1", "jupyterhub 4.4.0", "nvidia-device-plugin 0.20.0", "tigera-operator v3.32.1"].map((c) => `${c} @${devKube}`));
        // Calico's CRDs are a v4 Chart (rendered without hooks, applied by the provider), the rest releases.
        expect(stacks.dev.render.rendered.filter((r) => r.release.installedAs === "Chart").map((r) => r.release.resourceName)).toEqual(["dev-cluster-calico-crds"]);
        // An existing cluster's version is not in its config: the oldest the package supports.
        expect(charts(stacks.onprem)).toEqual([`jupyterhub 4.4.0 @${KUBERNETES_VERSIONS[0]}.0`]);
        for (const s of Object.values(stacks)) {
            for (const r of s.render.rendered) {
                expect({ release: r.release.resourceName, objects: r.objects.length > 0 }).toEqual({ release: r.release.resourceName, objects: true });
                // Reading only some kinds (parsing no other document) finds exactly those.
                expect(r.ofKinds([...POD_KINDS, "Secret"])).toEqual(r.objects.filter((o) => [...POD_KINDS, "Secret"].includes(o.kind)));
            }
            expect(s.render.notRendered.map((n) => n.release.chart)).toEqual(["gitlab-runner", "gitlab-runner"]);
            expect(s.render.rendered.length + s.render.notRendered.length).toBe(installed(s).length);
        }
    });

    it("the onprem hub renders alike for every Kubernetes version the package accepts, so the oldest stands for them all", () => {
        const release = releaseOf(stacks.onprem.render, "jupyterhub");
        const newest = renderRelease(helm, release.release, `${KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]}.0`);
        expect(newest.kubeVersion).not.toBe(release.kubeVersion);
        expect(withoutGenerated(newest.objects)).toEqual(withoutGenerated(release.objects));
    });

    it("renders a release as it is installed: its crds/ unless skipCrds, no test hooks; a v4 Chart with no hook at all; an input it cannot reproduce stops it", () => {
        const release = stacks.dev.render.rendered.find((r) => r.release.chart === "jupyterhub")!.release;
        const args = templateArgs(release, "chart.tgz", devKube, "values.json");
        expect(args).toEqual(["template", "jupyterhub", "chart.tgz", "--namespace", "jupyterhub", "--kube-version", devKube, "--include-crds", "--skip-tests", "--values", "values.json"]);
        expect(templateArgs({ ...release, skipCrds: true }, "chart.tgz", devKube, "values.json")).not.toContain("--include-crds");
        const recorded = stacks.dev.resources.find((r) => r.urn === release.urn)!;
        expect(() => registeredReleases([{ ...recorded, inputs: { ...recorded.inputs, postrender: "./kustomize.sh" } }])).toThrow(/dev-jupyterhub: postrender set; teach test\/support\/helm-render\.ts/);
        // A v4 Chart without a name is released under its resource name, in the default namespace.
        const crds = stacks.dev.render.rendered.find((r) => r.release.installedAs === "Chart")!.release;
        expect(templateArgs(crds, "chart.tgz", devKube, "values.json")).toEqual(["template", "dev-cluster-calico-crds", "chart.tgz", "--namespace", "default", "--kube-version", devKube, "--include-crds", "--no-hooks", "--values", "values.json"]);
        const chart = stacks.dev.resources.find((r) => r.urn === crds.urn)!;
        expect(() => registeredCharts([{ ...chart, inputs: { ...chart.inputs, postRenderer: { command: "./kustomize.sh" } } }])).toThrow(/dev-cluster-calico-crds: postRenderer set; teach/);
    });

    it("the onprem hub's pods land where meant on the nodes its config describes: hub and proxy on the services nodes, the placeholder on the workload nodes", () => {
        const cluster = stacks.onprem.config.cluster;
        if (cluster.mode !== "existing") throw new Error("onprem is an existing cluster");
        const byRole = Object.fromEntries(existingNodePools(cluster).map((p) => [p.role, p.node])) as Record<Pool, NodeShape>;
        const pods = podsOf(stacks.onprem.render);
        expect([...pods.keys()].sort()).toEqual(["jupyterhub/Deployment/hub", "jupyterhub/Deployment/proxy", "jupyterhub/StatefulSet/user-placeholder"]);
        for (const [key, pod] of pods) landsOnlyOn({ ...pod.shape, name: key }, MEANT[key]!.on.map((p) => byRole[p]), notMeantFor(key).map((p) => byRole[p]));
    });

    describe("versions", () => {
        it("every chart version the stacks pin is a package rendered, and the package is that chart at that version", () => {
            const releases = STACKS.flatMap((s) => installed(stacks[s]));
            expect(packageProblems(releases)).toEqual([]);
            const pinned = new Map(STACKS.flatMap((s) => stacks[s].render.rendered).map((r) => [r.chartFile, { name: r.release.chart, version: r.release.version }]));
            for (const [file, pin] of pinned) expect({ file, ...packagedChart(file) }).toEqual({ file, ...pin });
            // A chart said to have no package really has none (or the list has gone stale).
            for (const chart of Object.keys(UNPACKAGED_CHARTS)) for (const r of releases.filter((x) => x.chart === chart)) expect(chartPackage(r.chart, r.version)).toBeUndefined();
        });

        it("fails for a pin bumped without its package", () => {
            const release = stacks.dev.render.rendered.find((r) => r.release.chart === "jupyterhub")!.release;
            const bumped = { ...release, version: "4.4.1" };
            expect(packageProblems([bumped])).toEqual([expect.stringMatching(/^dev-jupyterhub pins jupyterhub 4\.4\.1, which has no package in .*charts: package that version/)]);
            expect(() => renderRelease(helm, bumped, devKube)).toThrow(/no package jupyterhub-4\.4\.1\.tgz/);
        });
    });

    describe("values, as the chart takes them", () => {
        it("Helm applies the chart's values schema: a value it does not accept fails the render", () => {
            const release = stacks.dev.render.rendered.find((r) => r.release.chart === "jupyterhub")!.release;
            const values = { ...release.values, cull: { ...(release.values.cull as object), timeout: "one hour" } };
            expect(() => renderRelease(helm, { ...release, values }, devKube)).toThrow(/at '\/cull\/timeout': got string, want null or integer/);
        });

        it.each(STACKS)("the %s hub reads the settings the package means, merged over the chart's defaults by Helm", (name) => {
            // z2jh hands the hub its merged values in its Secret (templates/hub/secret.yaml).
            const v = renderedHubValues(hub(stacks[name]));
            // The chart's label that lets notebook pods reach the hub is still on them (extraLabels merged, not replaced).
            expect(v.singleuser.extraLabels).toEqual({ "hub.jupyter.org/network-access-hub": "true" });
            // The hub's netpol stays on, still ignores access labels from other namespaces, and gains the package's rule.
            expect(v.hub.networkPolicy).toMatchObject({ enabled: true, interNamespaceAccessLabels: "ignore" });
            expect(v.hub.networkPolicy.ingress).toHaveLength(1);
            // Defaults the values override: a 300 s start timeout, a user scheduler, the pre-pullers.
            expect(v.singleuser.startTimeout).toBe(1200);
            expect(v.scheduling.userScheduler.enabled).toBe(false);
            expect([v.prePuller.hook.enabled, v.prePuller.continuous.enabled]).toEqual([false, false]);
            expect(v.singleuser.cloudMetadata.blockWithIptables).toBe(false);
            // Pods without a profile's placement (the chart's user-placeholder) go to the user pool.
            if (name === "dev") expect([v.singleuser.nodeSelector, v.scheduling.userPods.tolerations]).toEqual([{ "ml-team-env/pool": "user" }, [{ key: "hub.jupyter.org/dedicated", operator: "Equal", value: "user", effect: "NoSchedule" }]]);
            else expect(v.singleuser.nodeSelector).toEqual({ "node-role.example.org/workloads": "true" });
            // Nothing secret is set in the values the chart merged.
            expect(v.proxy.secretToken ?? "").toBe("");
            expect(v.hub.cookieSecret ?? "").toBe("");
        });
    });

    describe(`Kubernetes schema (${SCHEMA_PACKAGE.name} ${SCHEMA_PACKAGE.version}: Kubernetes ${SCHEMA_PACKAGE.kubernetesVersion}), strict`, () => {
        /** Custom resources are checked against the CRDs their own stack installs, nothing else. */
        const crds = {} as Record<(typeof STACKS)[number], ReturnType<typeof crdChecks>>;
        beforeAll(() => {
            for (const name of STACKS) crds[name] = crdChecks(crdsAmong(stacks[name].render.rendered.flatMap((r) => r.objects)));
        });

        it("is the installed package, whose schema is that Kubernetes version", () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            expect((require(`${SCHEMA_PACKAGE.name}/package.json`) as { version: string }).version).toBe(SCHEMA_PACKAGE.version);
        });

        it.each(STACKS)("every object the %s stack's charts render is valid, with no unknown field (CRDs too); custom resources against the CRDs the stack installs", (name) => {
            const objects = stacks[name].render.rendered.flatMap((r) => r.objects);
            expect(objects.flatMap((o) => schemaProblems(o, crds[name]))).toEqual([]);
            if (name === "dev") {
                expect(objects.filter((o) => o.kind === "Installation").map((o) => o.apiVersion)).toEqual(["operator.tigera.io/v1"]);
                // Typha's preferred placement reaches the Installation, which its CRD accepts (above).
                const installation = renderedObject(objects, "Installation", "default") as any;
                expect(installation.spec.typhaDeployment.spec.template.spec.affinity.nodeAffinity).toEqual({
                    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "ml-team-env/pool", operator: "In", values: ["system"] }] } }],
                });
                // Calico's CRDs come from its CRD chart (the operator chart ships none since v3.32).
                const crdChart = stacks.dev.render.rendered.find((r) => r.release.installedAs === "Chart")!;
                expect(crdsAmong(crdChart.objects).map((c) => c.metadata.name)).toEqual(expect.arrayContaining(["installations.operator.tigera.io", "networkpolicies.crd.projectcalico.org"]));
                expect(crdsAmong(objects)).toEqual(crdsAmong(crdChart.objects));
            }
        });

        it("fails for an unknown field, a wrong type, and an unknown field in a custom resource", () => {
            const objects = stacks.dev.render.rendered.flatMap((r) => r.objects);
            const deployment = structuredClone(renderedObject(objects, "Deployment", "hub")) as any;
            deployment.spec.template.spec.nodeSelectors = { "ml-team-env/pool": "system" };
            deployment.spec.replicas = "one";
            expect(schemaProblems(deployment, crds.dev)).toEqual(["Deployment/hub spec.replicas: must be integer", "Deployment/hub spec.template.spec.nodeSelectors: unknown field"]);
            const installation = structuredClone(renderedObject(objects, "Installation", "default")) as any;
            // Without the CRD chart the stack installs nothing that defines an Installation.
            const withoutCrdChart = stacks.dev.render.rendered.filter((r) => r.release.installedAs !== "Chart").flatMap((r) => r.objects);
            expect(schemaProblems(installation, crdChecks(crdsAmong(withoutCrdChart)))).toEqual([expect.stringMatching(/^Installation\/default: no schema for operator\.tigera\.io\/v1 Installation/)]);
            installation.spec.kubernetesProviders = "EKS";
            installation.spec.cni.type = "AmazonVpc";
            // The CRD's schema reaches Typha's affinity: a misspelt field there is refused too.
            installation.spec.typhaDeployment.spec.template.spec.affinity.nodeAffinity.preferredDuringScheduling = [];
            expect(schemaProblems(installation, crds.dev)).toEqual([
                expect.stringMatching(/^Installation\/default spec\.cni\.type: must be one of .*"AmazonVPC"/),
                "Installation/default spec.typhaDeployment.spec.template.spec.affinity.nodeAffinity.preferredDuringScheduling: unknown field",
                "Installation/default spec.kubernetesProviders: unknown field",
            ]);
            expect(schemaProblems({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } as KubeObject, crds.dev)).toEqual([expect.stringMatching(/^Widget\/w: no schema for example\.com\/v1 Widget/)]);
        });
    });

    describe("secrets", () => {
        it.each(STACKS)("no secret of the %s run is in plain text in any rendered object (ConfigMaps, Secrets made from values, env, arguments)", (name) => {
            const secrets = runSecrets(stacks[name].resources);
            expect(secrets.map((s) => s.where)).toEqual(expect.arrayContaining([expect.stringMatching(/jupyterhub-secrets stringData\.gitlab-client-secret$/), expect.stringMatching(/runners-gpu-token stringData\.runner-token$/)]));
            expect(secretLeaks(stacks[name].render.rendered.flatMap((r) => r.objects), secrets)).toEqual([]);
        });

        it("fails for a secret put in the values: it lands in the chart's Secret and in the hub's environment", () => {
            const release = stacks.dev.render.rendered.find((r) => r.release.chart === "jupyterhub")!.release;
            const secrets = runSecrets(stacks.dev.resources);
            const oauth = secrets.find((s) => s.where.endsWith("stringData.gitlab-client-secret"))!.value;
            const v = structuredClone(release.values) as any;
            v.hub.config.GitLabOAuthenticator.client_secret = oauth;
            v.hub.extraEnv.GITLAB_CLIENT_SECRET = { value: oauth };
            const objects = renderRelease(helm, { ...release, values: v }, devKube).objects;
            expect(secretLeaks(objects, secrets)).toEqual([
                expect.stringMatching(/^Secret\/hub data\.values\.yaml holds the secret of dev-jupyterhub-secrets stringData\.gitlab-client-secret$/),
                expect.stringMatching(/^Deployment\/hub spec\.template\.spec\.containers\[0\]\.env\[\d+\]\.value holds the secret of dev-jupyterhub-secrets/),
            ]);
        });
    });
});
