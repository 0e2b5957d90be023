/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    // The Pulumi SDK keeps its runtime state on the global object, and its async bookkeeping
    // may touch it just after a file's last test; Jest's default soft-delete of globals only
    // warns about that (and will delete them in a later Jest). Each file has its own global
    // and module registry either way, so nothing leaks between files.
    testEnvironmentOptions: { globalsCleanup: "off" },
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    // Real-tool runs (the SDK's provider host, Helm, gitlab-ci-local, Buildah, sh, Python) and
    // the end-to-end audit and local apply are `*.slow.test.ts`: `npm run test:slow`
    // (jest.slow.config.js), their own CI step, so `npm test` stays under a minute.
    testPathIgnorePatterns: ["/node_modules/", "\\.slow\\.test\\.ts$"],
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    // The package by its name, as examples/ import it (there `npm install` links it: file:../..).
    moduleNameMapper: { "^ml-team-env$": "<rootDir>/infra/lib.ts" },
    // Pulumi logs config advice through console.warn; tests assert on results, not on that noise.
    setupFiles: ["<rootDir>/test/setup.ts"],
    // Each test file runs in its own module registry, so the mock runtime state does not leak; two cores here.
    maxWorkers: 2,
    testTimeout: 60000,
};
