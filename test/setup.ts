/** Keeps the Pulumi runtime's own warnings (config advice under mocks) out of test output. */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("warning: [runtime]")) return;
    warn(...args);
};

/**
 * Dynamic providers are serialized by the SDK's closure serializer, which walks
 * `require.cache` once per captured object. Under Jest that cache is a Proxy rebuilt on
 * every walk, so serializing the package's ten providers costs ~1.5 s of CPU per test file
 * (plain Node, as in `npm run plan`, takes a fraction); and the serializer's module loads the
 * TypeScript compiler (9 MB of source Jest compiles again for every test file). Files that
 * check the serialized code itself opt back in with `jest.unmock(SERIALIZER)`:
 * test/gitlab/provider-host.slow.test.ts runs the real text in the SDK's provider host,
 * test/gitlab/gitlab-project.test.ts checks a component's resources carry it.
 */
const SERIALIZER = "@pulumi/pulumi/runtime/closure/serializeClosure";
const STAND_IN = "exports.handler = undefined; // not serialized under Jest (test/setup.ts)";
jest.doMock(SERIALIZER, () => ({
    serializeFunction: async () => ({ text: STAND_IN, exportName: "handler", containsSecrets: false }),
    serializeFunctionAsync: async () => STAND_IN,
}));
/** Code paths are for packaging Lambda callbacks, which the package has none of; the real module loads npm's Arborist. */
jest.doMock("@pulumi/pulumi/runtime/closure/codePaths", () => ({
    computeCodePaths: () => {
        throw new Error("computeCodePaths is stubbed under Jest (test/setup.ts): nothing in ml-team-env packages code paths");
    },
}));
