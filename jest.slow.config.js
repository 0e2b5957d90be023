/**
 * The slow suite (`npm run test:slow`): real tools run for real — the SDK's provider host, Helm
 * renders and installs against a fake API server, the generated pipeline's jobs under
 * gitlab-ci-local, Buildah, the package's shell and Python, training runs — and the whole
 * audit and local apply end to end against the GitLab emulator. Same setup as `npm test`
 * (jest.config.js), other files.
 * @type {import('jest').Config}
 */
const base = require("./jest.config.js");
module.exports = {
    ...base,
    testMatch: ["**/*.slow.test.ts"],
    testPathIgnorePatterns: ["/node_modules/"],
    testTimeout: 600000,
};
