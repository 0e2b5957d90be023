/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
    // Pulumi logs config advice through console.warn; tests assert on results, not on that noise.
    setupFiles: ["<rootDir>/test/setup.ts"],
    // Each test file runs in its own module registry, so the mock runtime state does not leak; two cores here.
    maxWorkers: 2,
    testTimeout: 60000,
};
