/**
 * The naming rule is one regex read by three engines: JavaScript (plan, audit), POSIX ERE (the
 * CI job's `grep -E`, run in test/ci/scripts.slow.test.ts) and RE2 (GitLab's push rule:
 * Gitlab::UntrustedRegexp wraps the re2 gem). Here RE2 itself (Google's RE2 built to
 * WebAssembly, re2-wasm) reads every slug pattern validation accepts, and must compile it and
 * judge every name as JavaScript does; the patterns validation refuses are shown to be ones
 * the engines disagree on or refuse.
 */
import { RE2 } from "re2-wasm";
import { branchNameRegex, buildBranchModel, DEFAULT_BRANCH_MODEL, slugPatternProblem } from "../../infra/branch-model/branch-model";

const ACCEPTED = [
    DEFAULT_BRANCH_MODEL.slugPattern,
    // docs/ci.md's example: ticket keys and nested names.
    "[A-Z]+-[0-9]+(-[a-z0-9-]+)?|[a-z0-9._-]+(/[a-z0-9._-]+)*",
    "[a-z]{2,8}-[0-9]{1,6}",
    "[a-z0-9]+(-[a-z0-9]+)*",
];

const NAMES = [
    "main",
    "develop",
    "feature/add-resnet",
    "feature/ML-142-data-loader",
    "feature/ML-142",
    "feature/vision/augment",
    "feature/ab-12",
    "feature/",
    "feature/Add Resnet",
    "experiment/lr-1e4-20261204",
    "hotfix/fix-nan-loss",
    "bugfix/x..y",
    "cherry-pick-1a2b3c4d",
    "release/1.0",
    "feature/a//b",
    "Feature/x",
];

describe("slug patterns validation accepts, read by RE2 as GitLab's push rule reads them", () => {
    it.each(ACCEPTED)("%s: validation accepts it, RE2 compiles the rule and judges every name as JavaScript does", (slugPattern) => {
        expect(slugPatternProblem(slugPattern)).toBeUndefined();
        const rule = branchNameRegex(buildBranchModel({ slugPattern }));
        const re2 = new RE2(rule, "u");
        const js = new RegExp(rule);
        expect(NAMES.map((n) => [n, re2.test(n)])).toEqual(NAMES.map((n) => [n, js.test(n)]));
    });

    it("the corpus tells the patterns apart (the comparison could fail)", () => {
        const verdicts = ACCEPTED.map((p) => NAMES.map((n) => new RegExp(branchNameRegex(buildBranchModel({ slugPattern: p }))).test(n)).join(""));
        expect(new Set(verdicts).size).toBe(ACCEPTED.length);
    });
});

describe("slug patterns validation refuses", () => {
    it.each([
        ["a lookahead", "(?=x)[a-z]+"],
        ["a backreference", "([a-z])\\1"],
    ])("%s: RE2 refuses it too, so GitLab's push rule could not hold it", (_what, slugPattern) => {
        expect(slugPatternProblem(slugPattern)).toBeDefined();
        expect(() => new RE2(branchNameRegex(buildBranchModel({ slugPattern })), "u")).toThrow();
    });
});
