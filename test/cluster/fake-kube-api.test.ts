/**
 * The fake API server of the fresh-cluster install check answers as a new cluster would:
 * built-in GA groups of its minor, exactly the CRDs it was given, dry-run writes only, and
 * namespaced writes only into namespaces that exist.
 */
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { CrdManifest, startFakeKubeApi } from "../support/fake-kube-api";
import { dependencyClosure } from "../support/fresh-cluster-install";
import { builtinApis } from "../support/kube-builtin-apis";

const INSTALLATION_CRD: CrdManifest = {
    kind: "CustomResourceDefinition",
    metadata: { name: "installations.operator.tigera.io" },
    spec: { group: "operator.tigera.io", scope: "Cluster", names: { kind: "Installation", plural: "installations" }, versions: [{ name: "v1", served: true }] },
};

async function get(url: string): Promise<{ status: number; body: any }> {
    const r = await fetch(url);
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

describe("the built-in APIs of a new cluster", () => {
    it("serves each GA resource from the minor that made it GA", () => {
        const kinds = (minor: number) => builtinApis(minor).flatMap((gv) => gv.resources.map((r) => `${gv.group}/${gv.version}/${r.kind}`));
        expect(kinds(33)).not.toContain("resource.k8s.io/v1/ResourceClaim");
        expect(kinds(34)).toContain("resource.k8s.io/v1/ResourceClaim");
        expect(kinds(35)).not.toContain("admissionregistration.k8s.io/v1/MutatingAdmissionPolicy");
        expect(kinds(36)).toContain("admissionregistration.k8s.io/v1/MutatingAdmissionPolicy");
        // No beta version anywhere: new betas are off by default.
        expect(builtinApis(37).filter((gv) => !/^v\d+$/.test(gv.version))).toEqual([]);
    });
});

describe("fake Kubernetes API server", () => {
    it("answers discovery with the built-in groups and exactly the CRDs given", async () => {
        const api = await startFakeKubeApi({ kubernetesVersion: "1.35", crds: [INSTALLATION_CRD] });
        try {
            expect((await get(`${api.url}/version`)).body).toMatchObject({ major: "1", minor: "35" });
            const groups = (await get(`${api.url}/apis`)).body.groups.map((g: { name: string }) => g.name);
            expect(groups).toEqual(expect.arrayContaining(["apps", "operator.tigera.io", "resource.k8s.io"]));
            expect(groups).not.toContain("crd.projectcalico.org");
            expect((await get(`${api.url}/apis/operator.tigera.io/v1`)).body.resources).toEqual([expect.objectContaining({ kind: "Installation", name: "installations", namespaced: false })]);
            expect((await get(`${api.url}/apis/crd.projectcalico.org/v1`)).status).toBe(404);
            // Validation is left to the server: every object path's PATCH takes fieldValidation.
            const apps = (await get(`${api.url}/openapi/v3/apis/apps/v1`)).body;
            const patch = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
            expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
            expect(patch.parameters.map((p: { name: string }) => p.name)).toContain("fieldValidation");
        } finally {
            await api.close();
        }
    });

    it("takes dry-run writes only, into namespaces that exist, and finds the objects it holds", async () => {
        const api = await startFakeKubeApi({ kubernetesVersion: "1.35", namespaces: ["team"], objects: [{ apiVersion: "v1", kind: "ConfigMap", namespace: "team", name: "hub" }] });
        const post = (path: string) => fetch(`${api.url}${path}`, { method: "POST", body: JSON.stringify({ metadata: { name: "x" } }) }).then((r) => r.status);
        try {
            expect(await post("/api/v1/namespaces/team/configmaps?dryRun=All")).toBe(201);
            expect(await post("/api/v1/namespaces/team/configmaps")).toBe(403);
            expect(await post("/api/v1/namespaces/elsewhere/configmaps?dryRun=All")).toBe(404);
            expect(await post("/apis/operator.tigera.io/v1/installations?dryRun=All")).toBe(404);
            expect((await get(`${api.url}/api/v1/namespaces/team/configmaps/hub`)).status).toBe(200);
            expect((await get(`${api.url}/api/v1/namespaces/team/configmaps/other`)).status).toBe(404);
            expect((await get(`${api.url}/api/v1/namespaces/team`)).status).toBe(200);
            expect((await get(`${api.url}/api/v1/namespaces/kube-system`)).status).toBe(200);
            expect((await get(`${api.url}/api/v1/namespaces/elsewhere`)).status).toBe(404);
            expect((await get(`${api.url}/api/v1/namespaces/team/secrets`)).body).toMatchObject({ kind: "SecretList", items: [] });
        } finally {
            await api.close();
        }
    });
});

describe("dependencyClosure", () => {
    const resource = (name: string, dependencies: string[]): RecordedResource =>
        ({ urn: name, type: "t", name, parent: undefined, custom: true, inputs: {}, redactedInputs: {}, secretPaths: [], dependencies, provider: undefined, retainOnDelete: false, deletedWith: undefined }) as RecordedResource;

    it("follows dependencies transitively, and only dependencies", () => {
        const resources = [resource("release", ["secret"]), resource("secret", ["ns"]), resource("ns", []), resource("unrelated", [])];
        expect(dependencyClosure(resources, "release").map((r) => r.name).sort()).toEqual(["ns", "secret"]);
        expect(dependencyClosure(resources, "unrelated")).toEqual([]);
    });
});
