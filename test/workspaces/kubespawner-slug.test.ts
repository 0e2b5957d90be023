import { safeSlug, userNamespace } from "../../infra/workspaces/kubespawner-slug";

// Expected values are KubeSpawner's own test vectors (kubespawner/tests/test_slugs.py).
describe("KubeSpawner safe slug", () => {
    it.each([
        ["jupyter-alex", "jupyter-alex"],
        ["jupyter-Alex", "jupyter-alex---3a1c285c"],
        ["endswith-", "endswith---165f1166"],
        ["user@email.com", "user-email-com---0925f997"],
        ["has.dot", "has-dot---03e27fdf"],
        ["z9", "z9"],
        ["9z9", "x-9z9---224de202"],
        ["-start", "start---f587e2dc"],
        ["username--servername", "username-servername---d957f1de"],
        ["start---f587e2dc", "start-f587e2dc---cc5bb9c9"],
        ["x".repeat(63), "x".repeat(63)],
    ])("%s → %s", (name, slug) => {
        expect(safeSlug(name)).toBe(slug);
    });

    it("names member namespaces as the hub will", () => {
        expect(userNamespace("jupyterhub", "alice")).toBe("jupyterhub-alice");
        expect(userNamespace("jupyterhub", "chen.wei")).toMatch(/^jupyterhub-chen-wei---[0-9a-f]{8}$/);
    });
});
