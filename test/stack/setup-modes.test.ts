/**
 * What a stack sets up (issue 22): the GitLab part alone (`cluster.mode: none`, surprise 7), a
 * pipeline without the stack's own runners (surprise 4: it committed jobs that waited forever for
 * runner tags nobody had), the change guard's values, and the plan's word on each.
 */
import * as fs from "fs";
import * as path from "path";
import { validateStackConfig } from "../../infra/config/validate";
import { diffPlans, renderDiff } from "../../infra/plan/diff";
import { planStack } from "../../infra/plan/plan";
import { DYNAMIC_RESOURCE_TYPE } from "../../infra/plan/resource-types";
import { parseStackYaml, stackFileToConfig } from "../../infra/plan/stack-file";
import { CHANGE_GUARD_KIND } from "../../infra/stack/change-guard";
import { TODAY, validateDev, validRaw } from "../config/fixtures";
import { ROOT, runStack } from "../harness";
import { runPolicies } from "../policies/policy-harness";

const onpremText = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.onprem.yaml"), "utf8");
/** The onprem stack without runners of its own: the pipeline's jobs go to the team's runners. */
const ownRunners = onpremText.replace(/ {2}ml-team-env:runners:\n(?: {4}.*\n)+/, "  ml-team-env:runners:\n    enabled: false\n    cpuTags: [docker]\n    gpuTags: [a100]\n");

/** The offline plan of an onprem stack file's text, once per text. */
const plans = new Map<string, ReturnType<typeof planOf>>();
async function planOf(yaml: string) {
    const r = await planStack("onprem", stackFileToConfig(parseStackYaml(yaml)));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.plan;
}
const plan = (yaml: string) => plans.get(yaml) ?? plans.set(yaml, planOf(yaml)).get(yaml)!;

/** The `.gitlab-ci.yml` the stack commits (one of the RepositoryFiles' managed files). */
const ciFileOf = (resources: readonly { inputs: Record<string, any> }[]): string =>
    resources.find((r) => r.inputs.kind === "gitlab:RepositoryFiles")!.inputs.managed.find((f: { path: string }) => f.path === ".gitlab-ci.yml").content;

const validate = validateDev;
const errorsOf = (r: ReturnType<typeof validate>) => (r.ok ? [] : r.errors.map((e) => `${e.key}: ${e.message}`));

describe("cluster.mode none: the GitLab part alone", () => {
    let gitlabOnly: Awaited<ReturnType<typeof runStack>>;
    beforeAll(async () => {
        gitlabOnly = await runStack("gitlab-only");
    });

    it("the gitlab-only stack registers the project, its rules, members and pipeline, and nothing on a cluster or in AWS", async () => {
        const { resources, outputs } = gitlabOnly;
        const kinds = new Set(resources.filter((r) => r.type === DYNAMIC_RESOURCE_TYPE).map((r) => r.inputs.kind as string));
        expect([...kinds].sort()).toEqual(["gitlab:Branch", "gitlab:PipelineSchedule", "gitlab:Project", "gitlab:ProjectMember", "gitlab:ProjectVariable", "gitlab:ProtectedBranch", "gitlab:ProtectedTag", "gitlab:RepositoryFiles", CHANGE_GUARD_KIND].sort());
        expect(resources.filter((r) => r.custom && /^(aws|kubernetes|pulumi:providers:(aws|kubernetes))/.test(r.type))).toEqual([]);
        expect(resources.filter((r) => r.inputs.kind === "gitlab:Runner")).toEqual([]);
        expect(Object.keys(outputs).sort()).toEqual(["branchRules", "gitlabProjectOwner", "gitlabProjectUrl", "image"]);
        const guard = resources.find((r) => r.inputs.kind === CHANGE_GUARD_KIND)!;
        expect(guard.inputs).toMatchObject({ clusterMode: "none" });
        expect(guard.inputs.storageGiB).toBeUndefined();
        // The pipeline's jobs carry the tags of the runners the team already has.
        const ci = ciFileOf(resources);
        expect(ci).toContain("- saas-linux-small-amd64");
        expect(ci).toContain("- saas-linux-medium-amd64-gpu-standard");
    });

    it("passes the policy pack: the branch-model policies hold, the workload ones do not apply", async () => {
        const pack = await runPolicies(gitlabOnly.resources);
        expect(pack.violations).toEqual([]);
        expect(pack.notApplicable.map((n) => n.policy).sort()).toEqual(["approvals-not-below-model", "environment-image-everywhere", "environment-image-pinned-by-digest", "tokens-and-kubeconfig-are-secrets", "users-volumes-retained"]);
    });

    it("needs no OAuth secret and refuses a hub or runners it cannot have", () => {
        const none = (r: Record<string, any>) => ((r.cluster = { mode: "none" }), delete r.jupyterhub, (r.runners = { cpuTags: ["docker"], gpuTags: ["gpu"] }));
        const ok = validateStackConfig(validRaw(none), { stack: "dev", secretsPresent: new Set(["gitlabToken", "ciBotToken"]), deploying: true, today: TODAY });
        expect(errorsOf(ok)).toEqual([]);
        expect(ok.ok && ok.config.runners.enabled).toBe(false);
        expect(errorsOf(validate((r) => (none(r), (r.jupyterhub = validRaw().jupyterhub))))).toEqual([expect.stringMatching(/^ml-team-env:jupyterhub: cluster.mode none has no cluster and so no hub/)]);
        expect(errorsOf(validate((r) => (none(r), (r.runners.enabled = true))))).toEqual([expect.stringMatching(/^ml-team-env:runners.enabled: cluster.mode none has no cluster to run runners on/)]);
    });

    it("a hub is required in the other modes, and confirmModeChangeFrom must name another mode", () => {
        expect(errorsOf(validate((r) => delete r.jupyterhub))).toEqual([expect.stringMatching(/^ml-team-env:jupyterhub: is required: .*or cluster.mode: none/)]);
        expect(errorsOf(validate((r) => (r.cluster.confirmModeChangeFrom = "eks")))).toEqual([expect.stringMatching(/^ml-team-env:cluster.confirmModeChangeFrom: names the mode this stack is in \(eks\)/)]);
    });
});

describe("a pipeline without the stack's own runners", () => {
    it("runners.enabled: false with the default tags is refused: the jobs would wait for runners nobody has", () => {
        expect(errorsOf(validate((r) => (r.runners = { enabled: false })))).toEqual([
            expect.stringMatching(/^ml-team-env:runners.cpuTags: is not set, and runners.enabled is false: the pipeline's CPU jobs .*default tags \[cpu\] .*wait for one forever\. .*or set ci.pipeline: false, or runners.enabled: true$/),
            expect.stringMatching(/^ml-team-env:runners.gpuTags: is not set, .*GPU jobs .*\[gpu, cuda\]/),
        ]);
        expect(errorsOf(validate((r) => ((r.runners = { enabled: false }), (r.ci = { pipeline: false }))))).toEqual([]);
    });

    it("with the team's own tags, the pipeline carries them and the plan warns where its jobs go", async () => {
        const p = await plan(ownRunners);
        expect(p.warnings).toContainEqual(expect.stringMatching(/runners.enabled is false: the pipeline's jobs go to runners the team already has, tagged \[docker\] \(CPU jobs\) and \[a100\]/));
        const ci = ciFileOf(p.resources);
        expect(ci).toContain("- a100");
        expect(ci).not.toMatch(/- (cpu|gpu|cuda)\n/);
        expect(p.resources.filter((r) => r.inputs.kind === "gitlab:Runner")).toEqual([]);
    });
});

describe("the offline plan of a refused change", () => {
    it("`npm run plan -- --diff` says that `pulumi up` refuses a smaller home size, above the claims' updates", async () => {
        // (On the stack without runners: the plan above is the one before, and the home size is what changes.)
        const diff = diffPlans(await plan(ownRunners), await plan(ownRunners.replace("storageGiB: 100", "storageGiB: 30")));
        expect(diff.refused.map((f) => f.property)).toEqual(["storageGiB"]);
        const rendered = renderDiff(diff);
        expect(rendered.split("\n")[0]).toBe("  `pulumi up` refuses this change:");
        expect(rendered).toMatch(/✗ jupyterhub\.storageGiB went from 100 to 30/);
        // The claims themselves show as in-place updates: that is what looked harmless.
        expect(rendered).toMatch(/~ kubernetes:core\/v1:PersistentVolumeClaim/);
    });

    it("jupyterhub.confirmStorageShrinkFrom naming the size last deployed lets it through; another size does not", async () => {
        const shrunk = (confirm: number) => ownRunners.replace("storageGiB: 100", `storageGiB: 30\n    confirmStorageShrinkFrom: ${confirm}`);
        expect(diffPlans(await plan(ownRunners), await plan(shrunk(100))).refused).toEqual([]);
        expect(diffPlans(await plan(ownRunners), await plan(shrunk(80))).refused).toEqual([{ property: "storageGiB", reason: expect.stringMatching(/confirmStorageShrinkFrom is 80, not the size last deployed/) }]);
    });

    it("validation refuses a confirmStorageShrinkFrom that is not above storageGiB: it would confirm nothing", () => {
        expect(errorsOf(validate((r) => ((r.jupyterhub.storageGiB = 50), (r.jupyterhub.confirmStorageShrinkFrom = 50))))).toEqual([
            "ml-team-env:jupyterhub.confirmStorageShrinkFrom: is 50, not more than storageGiB (50); it confirms shrinking homes from the size last deployed: set it to that size, or remove it",
        ]);
        expect(errorsOf(validate((r) => (r.jupyterhub.confirmStorageShrinkFrom = "big")))).toEqual([expect.stringMatching(/^ml-team-env:jupyterhub.confirmStorageShrinkFrom: /)]);
        expect(errorsOf(validate((r) => ((r.jupyterhub.storageGiB = 40), (r.jupyterhub.confirmStorageShrinkFrom = 50))))).toEqual([]);
    });
});
