import { isValidLabel, safeSlug, userClaimName, userNamespace } from "../../infra/workspaces/kubespawner-slug";

// Every vector of KubeSpawner 7.0.0's kubespawner/tests/test_slugs.py, verbatim.
describe("KubeSpawner 7.0.0 safe_slug", () => {
    it.each([
        ["jupyter-alex", "jupyter-alex"],
        ["jupyter-Alex", "jupyter-alex---3a1c285c"],
        ["jupyter-üni", "jupyter-ni---a5aaf5dd"],
        ["endswith-", "endswith---165f1166"],
        ["user@email.com", "user-email-com---0925f997"],
        ["user-_@_emailß.com", "user-email-com---7e3a7efd"],
        ["has.dot", "has-dot---03e27fdf"],
        ["z9", "z9"],
        ["9z9", "x-9z9---224de202"],
        ["-start", "start---f587e2dc"],
        ["üser", "ser---73506260"],
        ["username--servername", "username-servername---d957f1de"],
        ["start---f587e2dc", "start-f587e2dc---cc5bb9c9"],
        ["x".repeat(63), "x".repeat(63)],
        ["x".repeat(64), "xxxxxxxxxxxxxxxxxxxxx---7ce10097"],
        ["x".repeat(65), "xxxxxxxxxxxxxxxxxxxxx---9537c5fd"],
        ["", "x---e3b0c442"],
    ])("safe_slug(%j) = %j", (name, slug) => {
        expect(safeSlug(name)).toBe(slug);
    });

    it.each([
        [16, 16, "x".repeat(16)],
        [16, 17, "xxxxx---d04fd59f"],
        [12, 16, "x---9c572959"],
    ])("max_length %d, %d characters → %j", (maxLength, length, slug) => {
        expect(safeSlug("x".repeat(length), { maxLength })).toBe(slug);
    });

    it("refuses a max_length below 12, as KubeSpawner does", () => {
        expect(() => safeSlug("x".repeat(16), { maxLength: 11 })).toThrow(/shorter than 12/);
    });

    it.each([
        ["", ""],
        ["x", "x"],
        ["a-b", "a-b"],
        ["9a", "9a"],
        ["9.", "x-9---99a1b84b"],
        ["AbC", "AbC"],
        ["AbC.", "abc---dbe8c5d1"],
        ["ab.c", "ab.c"],
        ["a@b.c", "a-b-c---d648b243"],
        ["-x", "x---a4209624"],
        ["x-", "x---c8b60efc"],
        ["x".repeat(63), "x".repeat(63)],
        ["x".repeat(64), "xxxxxxxxxxxxxxxxxxxxx---7ce10097"],
        ["x".repeat(65), "xxxxxxxxxxxxxxxxxxxxx---9537c5fd"],
    ])("safe_slug(%j, is_valid=is_valid_label) = %j", (name, slug) => {
        expect(safeSlug(name, { isValid: isValidLabel })).toBe(slug);
    });
});

describe("member namespaces and claims, as the hub names them", () => {
    it("lowercases first (JupyterHub normalizes usernames), then slugs with max_length 48", () => {
        expect(userNamespace("jupyterhub", "alice")).toBe("jupyterhub-alice");
        expect(userNamespace("jupyterhub", "Alice")).toBe("jupyterhub-alice");
        // KubeSpawner's own slugs for these, computed with max_length=48.
        expect(userNamespace("jupyterhub", "john.doe")).toBe("jupyterhub-john-doe---30f69670");
        expect(userNamespace("jupyterhub", "Bob")).toBe("jupyterhub-bob");
        expect(userNamespace("jupyterhub", "a".repeat(48))).toBe(`jupyterhub-${"a".repeat(48)}`);
        expect(userNamespace("jupyterhub", "a".repeat(49))).toBe("jupyterhub-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa---8f9bec6a");
        expect(userNamespace("jupyterhub", "firstname.lastname.department.example-org")).toBe("jupyterhub-firstname-lastname-department-example---bdc23eea");
        expect(userClaimName("jane_doe")).toBe("claim-jane-doe---a79b84d8");
    });

    it("refuses a namespace longer than Kubernetes allows instead of failing at the first spawn", () => {
        expect(() => userNamespace("a-very-long-hub-namespace-name", "a".repeat(48))).toThrow(/not a valid Kubernetes namespace name/);
    });
});
