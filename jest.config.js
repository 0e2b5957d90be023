/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
    // Pulumi's mock runtime keeps global state: one worker per file keeps runs apart.
    maxWorkers: 2,
    testTimeout: 60000,
};
