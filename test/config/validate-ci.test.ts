/** Validation of the pipeline's settings: GPU job timeouts against the runner, and the bot token the GitLab allows. */
import { parseDocument } from "yaml";
import { durationSeconds } from "../../infra/config/validate-ci";
import { namespaceConfig } from "../../infra/config/load";
import { SecretKey } from "../../infra/config/schema";
import { validateStackConfig } from "../../infra/config/validate";
import { stackFileToConfig } from "../../infra/plan/stack-file";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../harness";

/** The dev stack edited as YAML, validated as `pulumi up` would (deploying, with the given secrets). */
function validate(edit: (doc: ReturnType<typeof parseDocument>) => void, secrets: SecretKey[] = ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]) {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8"));
    // The example's API range is a documentation placeholder `pulumi up` refuses: a real one.
    doc.setIn(["config", "ml-team-env:cluster", "publicAccessCidrs"], ["100.24.10.0/24"]);
    edit(doc);
    const { raw } = namespaceConfig(stackFileToConfig(doc.toJS()).config);
    return validateStackConfig(raw, { stack: "dev", secretsPresent: new Set(secrets), deploying: true });
}
const errors = (r: ReturnType<typeof validate>) => (r.ok ? [] : r.errors.map((e) => `${e.key}: ${e.message}`));

describe("ci validation", () => {
    it("reads GitLab durations", () => {
        expect(durationSeconds("30m")).toBe(1800);
        expect(durationSeconds("1d 2h")).toBe(93600);
    });

    it("refuses a GPU job timeout longer than the GPU runner lets a job run, and a duration GitLab would not read", () => {
        const r = validate((d) => d.setIn(["config", "ml-team-env:ci", "timeouts"], { smoke: "30m", experiment: "6h", release: "four hours" }));
        expect(errors(r)).toEqual([
            expect.stringMatching(/^ml-team-env:ci\.timeouts\.release: must be a duration such as 30m, 4h or 1d 12h/),
        ]);
        const long = validate((d) => d.setIn(["config", "ml-team-env:ci", "timeouts"], { experiment: "6h" }));
        expect(errors(long)).toEqual([expect.stringMatching(/^ml-team-env:ci\.timeouts\.experiment: is longer than the GPU runner lets a job run \(4h/)]);
    });

    it("refuses a project access token on GitLab.com Free, with the alternative", () => {
        const r = validate((d) => d.setIn(["config", "ml-team-env:ci", "tracking", "botToken"], "project-access-token"));
        expect(errors(r)).toEqual([expect.stringMatching(/ci\.tracking\.botToken: is project-access-token, but GitLab\.com creates project access tokens only in paid namespaces.*botToken: stack-secret.*ciBotToken/)]);
        // Premium on GitLab.com, or any self-managed GitLab, makes one.
        expect(validate((d) => {
            d.setIn(["config", "ml-team-env:ci", "tracking", "botToken"], "project-access-token");
            d.setIn(["config", "ml-team-env:gitlab", "tier"], "premium");
        }).ok).toBe(true);
    });

    it("needs the ciBotToken secret where the bot is a stack secret: by default on GitLab.com Free", () => {
        const r = validate((d) => d.deleteIn(["config", "ml-team-env:ci", "tracking"]), ["jupyterhubOAuthClientSecret", "gitlabToken"]);
        expect(errors(r)).toEqual([expect.stringMatching(/^ml-team-env:ciBotToken: is not set: ci\.tracking\.botToken is stack-secret.*pulumi config set --secret ciBotToken/)]);
        // With tracking off there is no bot.
        expect(validate((d) => d.setIn(["config", "ml-team-env:ci", "tracking"], { enabled: false }), ["jupyterhubOAuthClientSecret", "gitlabToken"]).ok).toBe(true);
    });
});

describe("branchModel.slugPattern", () => {
    it("takes a pattern the three readers read alike, and names what the others would not", () => {
        const ok = validate((d) => d.setIn(["config", "ml-team-env:branchModel", "slugPattern"], "[A-Z]+-[0-9]+(-[a-z0-9-]+)?|[a-z0-9._-]+"));
        expect(ok.ok && ok.config.branchModel.slugPattern).toBe("[A-Z]+-[0-9]+(-[a-z0-9-]+)?|[a-z0-9._-]+");
        const bad = validate((d) => d.setIn(["config", "ml-team-env:branchModel", "slugPattern"], "\\d+-(?:x)"));
        expect(errors(bad)).toEqual([expect.stringMatching(/^ml-team-env:branchModel\.slugPattern: uses a backslash escape/)]);
    });
});
