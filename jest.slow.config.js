/**
 * The slow suite (`npm run test:slow`): real tools run for real — the generated pipeline's
 * jobs under gitlab-ci-local, Helm installs against a fake API server, training runs in a
 * real Python. Same setup as `npm test` (jest.config.js), other files.
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");
module.exports = {
    ...base,
    testMatch: ["**/*.slow.test.ts"],
    testPathIgnorePatterns: ["/node_modules/"],
    testTimeout: 600000,
};
