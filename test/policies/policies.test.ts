/**
 * The pack's policies against mock runs of the real program: both example stacks pass every
 * policy; a stack edited to break a rule fails with that rule's message, and only that rule.
 * Where no config can break a rule (the program always gets it right), the recorded resources
 * are changed instead, and the test name says "mutated".
 */
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT } from "../../infra/config/schema";
import { RecordedResource, runWithMocks } from "../../infra/plan/mock-runtime";
import { readStackFile } from "../../infra/plan/stack-file";
import { teamEnvironmentProgram } from "../../infra/program";
import { DEFAULT_BRANCH_MODEL } from "../../infra/branch-model/branch-model";
import { expectedModel, GITLAB_KINDS } from "../../infra/policies";
import { ROOT, runStack, runStackYaml } from "../harness";
import { isGitLab, mutate, PackRun, runPolicies, withoutSecret } from "./policy-harness";
import { BOOTSTRAP_IMAGE } from "../../infra/environment/image/files";
import { TODAY } from "../config/fixtures";

/** A stack file with config values set (`[["ml-team-env:branchModel", "approvalsOnMain"], 0]`), comments kept. */
function editedStack(stack: string, edits: readonly [readonly string[], unknown][]): string {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8"));
    for (const [keys, value] of edits) doc.setIn(["config", ...keys], value);
    return String(doc);
}

/** The policies that reported anything. */
const failing = (pack: PackRun) => [...new Set(pack.violations.map((v) => v.policy))];

let dev: RecordedResource[];
let onprem: RecordedResource[];
let devPreviewOfNewStack: RecordedResource[];
let devReleaseTagsRenamed: RecordedResource[];
let onpremNoApprovals: RecordedResource[];
let onpremClaimsFree: RecordedResource[];

beforeAll(async () => {
    dev = (await runStack("dev")).resources;
    onprem = (await runStack("onprem")).resources;
    // `pulumi preview` of a stack not deployed yet: every value the cloud computes is unknown.
    const devFile = readStackFile("dev", ROOT);
    devPreviewOfNewStack = (await runWithMocks(() => teamEnvironmentProgram({ today: TODAY }), { project: PROJECT, stack: "dev", config: devFile.config, secretConfigKeys: devFile.secretKeys, unknownComputed: true })).resources;
    devReleaseTagsRenamed = (await runStackYaml("dev", editedStack("dev", [[["ml-team-env:branchModel", "releaseTagPattern"], "release-*"]]))).resources;
    onpremNoApprovals = (await runStackYaml("onprem", editedStack("onprem", [[["ml-team-env:branchModel", "approvalsOnMain"], 0]]))).resources;
    onpremClaimsFree = (await runStackYaml("onprem", editedStack("onprem", [[["ml-team-env:gitlab", "tier"], "free"]]))).resources;
});

describe("the example stacks pass every policy", () => {
    it("dev (EKS, GitLab Free): no violation, no remediation; approvals are not applicable on Free", async () => {
        const pack = await runPolicies(dev);
        expect(pack.violations).toEqual([]);
        expect(pack.remediations).toEqual([]);
        expect(pack.notApplicable.map((n) => n.policy)).toEqual(["approvals-not-below-model"]);
        expect(pack.notApplicable[0]!.reason).toContain("GitLab free (the stack has no Premium-only GitLab resource) has no approval rules");
    });

    it("onprem (existing cluster, GitLab Premium): no violation; the cluster's own StorageClass is not applicable, with what to check", async () => {
        const pack = await runPolicies(onprem);
        expect(pack.violations).toEqual([]);
        expect(pack.remediations).toEqual([]);
        expect(pack.notApplicable.map((n) => n.policy)).toEqual(["users-volumes-retained"]);
        expect(pack.notApplicable[0]!.reason).toContain("StorageClass 'ceph-rbd-retain' is not managed by this program");
        expect(pack.notApplicable[0]!.reason).toContain("reclaimPolicy is Retain");
    });

    it("dev in a preview of a stack not deployed yet: unknown values trip no policy (and an unknown is not taken for plain text)", async () => {
        const pack = await runPolicies(devPreviewOfNewStack);
        expect(pack.violations).toEqual([]);
        expect(pack.remediations).toEqual([]);
    });

    it("the policies check against the branch model itself, with nothing restated", () => {
        expect(expectedModel()).toEqual(DEFAULT_BRANCH_MODEL);
        expect(expectedModel({ approvalsOnMain: 2 }).mergeRequests.approvalsOnDefaultBranch).toBe(2);
    });
});

describe("branch protection may not be weakened", () => {
    it("protected-branches-locked, mutated (no config loosens it): developers may push to main", async () => {
        const broken = mutate(dev, isGitLab(GITLAB_KINDS.protectedBranch, "main"), (r) => ({ ...r, inputs: { ...r.inputs, pushAccessLevel: 30 } }));
        const pack = await runPolicies(broken);
        expect(failing(pack)).toEqual(["protected-branches-locked"]);
        expect(pack.mandatory).toHaveLength(1);
        expect(pack.mandatory[0]!.message).toContain("Branch 'main': pushing is allowed to developers and maintainers (pushAccessLevel: 30), but the branch model allows no one; 'main' must change only by merge request");
        expect(pack.mandatory[0]!.message).toContain("Set pushAccessLevel back to 0 (no one)");
        expect(pack.mandatory[0]!.urn).toBe(broken.find(isGitLab(GITLAB_KINDS.protectedBranch, "main"))!.urn);
    });

    it("protected-branches-locked, mutated: develop is not protected at all", async () => {
        const pack = await runPolicies(onprem.filter((r) => !isGitLab(GITLAB_KINDS.protectedBranch, "develop")(r)));
        expect(failing(pack)).toEqual(["protected-branches-locked"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Branch 'develop' is not protected: the branch model protects it")]);
        expect(pack.mandatory[0]!.message).toContain("restore the 'develop' protection");
        expect(pack.mandatory[0]!.urn).toBe(onprem.find(isGitLab(GITLAB_KINDS.project))!.urn);
    });

    it("protected-branches-locked, an extra rule: a * protection letting developers push widens main and develop, named by the same computation as the audit", async () => {
        const main = dev.find(isGitLab(GITLAB_KINDS.protectedBranch, "main"))!;
        const wildcard = { ...structuredClone(main), name: "dev-gitlab-protect-*", urn: main.urn.replace(/protect-main$/, "protect-*"), inputs: { ...main.inputs, name: "*", pushAccessLevel: 30, mergeAccessLevel: 30 } };
        const pack = await runPolicies([...dev, wildcard]);
        expect(failing(pack)).toEqual(["protected-branches-locked"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Protected branch rule '*' is not in the branch model and widens access: developers + maintainers may push to main (the model: no one)")]);
        expect(pack.mandatory[0]!.urn).toBe(wildcard.urn);
        // The same rule for maintainers only narrows: no violation.
        const strict = { ...wildcard, inputs: { ...wildcard.inputs, pushAccessLevel: 0, mergeAccessLevel: 40 } };
        expect((await runPolicies([...dev, strict])).violations).toEqual([]);
    });

    it("release-tags-protected, an extra rule: a * tag protection developers may create widens v*", async () => {
        const tag = onprem.find(isGitLab(GITLAB_KINDS.protectedTag))!;
        const pack = await runPolicies([...onprem, { ...structuredClone(tag), urn: `${tag.urn}-star`, inputs: { ...tag.inputs, name: "*", createAccessLevel: 30 } }]);
        expect(failing(pack)).toEqual(["release-tags-protected"]);
        expect(pack.mandatory[0]!.message).toContain("Protected tag rule '*' is not in the branch model and widens access: developers + maintainers may create v* tags");
    });

    it("no-force-push, mutated (the model allows it nowhere): hotfix/* allows force push", async () => {
        const pack = await runPolicies(mutate(dev, isGitLab(GITLAB_KINDS.protectedBranch, "hotfix/*"), (r) => ({ ...r, inputs: { ...r.inputs, allowForcePush: true } })));
        expect(failing(pack)).toEqual(["no-force-push"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Protected branch 'hotfix/*' allows force push (allowForcePush: true)")]);
        expect(pack.mandatory[0]!.message).toContain("Set allowForcePush: false");
    });

    it("release-tags-protected: a stack that renames its release tags (branchModel.releaseTagPattern) leaves v* unprotected", async () => {
        const pack = await runPolicies(devReleaseTagsRenamed);
        expect(failing(pack)).toEqual(["release-tags-protected"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Release tags 'v*' are not protected: there is no gitlab:ProtectedTag 'v*' (protected tags: release-*)")]);
        expect(pack.mandatory[0]!.message).toContain("set releaseTagPattern for this policy in the pack config");
    });

    it("release-tags-protected: the same stack passes once the pack config agrees on the pattern", async () => {
        const pack = await runPolicies(devReleaseTagsRenamed, { config: { "release-tags-protected": { releaseTagPattern: "release-*" } } });
        expect(pack.violations).toEqual([]);
    });

    it("release-tags-protected, mutated: developers may create release tags", async () => {
        const pack = await runPolicies(mutate(onprem, isGitLab(GITLAB_KINDS.protectedTag), (r) => ({ ...r, inputs: { ...r.inputs, createAccessLevel: 30 } })));
        expect(failing(pack)).toEqual(["release-tags-protected"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Protected tag 'v*': creating tags is allowed to developers and maintainers, but the branch model allows maintainers only")]);
    });

    it("pipeline-must-succeed, mutated (the model always asks for it): merge without a passing pipeline", async () => {
        const pack = await runPolicies(mutate(dev, isGitLab(GITLAB_KINDS.project), (r) => ({ ...r, inputs: { ...r.inputs, pipelineMustSucceed: false } })));
        expect(failing(pack)).toEqual(["pipeline-must-succeed"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("Project 'ml-team/vision-models' lets merge requests merge without a passing pipeline (pipelineMustSucceed: false)")]);
        expect(pack.mandatory[0]!.message).toContain("Set pipelineMustSucceed: true");
    });

    it("approvals-not-below-model: a Premium stack that sets branchModel.approvalsOnMain: 0 has no approval rule", async () => {
        expect(onpremNoApprovals.some(isGitLab(GITLAB_KINDS.approvalRule))).toBe(false);
        const pack = await runPolicies(onpremNoApprovals);
        expect(failing(pack)).toEqual(["approvals-not-below-model"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([
            expect.stringContaining("Merge requests into 'main' need no approval: there is no gitlab:ApprovalRule on the protected branch 'main', but the branch model requires 1 on GitLab premium"),
        ]);
        expect(pack.mandatory[0]!.message).toContain("Remove the ml-team-env:branchModel.approvalsOnMain override");
    });

    it("approvals-not-below-model: the same stack passes when the pack config agrees on 0 approvals", async () => {
        const pack = await runPolicies(onpremNoApprovals, { config: { "approvals-not-below-model": { approvalsOnMain: 0 } } });
        expect(pack.violations).toEqual([]);
    });

    it("approvals-not-below-model: a pack config asking for 2 fails the example Premium stack's 1", async () => {
        const pack = await runPolicies(onprem, { config: { "approvals-not-below-model": { approvalsOnMain: 2 } } });
        expect(failing(pack)).toEqual(["approvals-not-below-model"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("The approval rule on 'main' requires 1 approval(s), fewer than the branch model's 2")]);
    });

    it("approvals-not-below-model: a Premium project whose stack claims Free is caught with policy/config.premium.json (gitlabTier pinned)", async () => {
        const premiumConfig = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config.premium.json"), "utf8"));
        expect((await runPolicies(onprem, { config: premiumConfig })).violations).toEqual([]);
        const unpinned = await runPolicies(onpremClaimsFree);
        expect(unpinned.violations).toEqual([]);
        expect(unpinned.notApplicable.map((n) => n.policy)).toContain("approvals-not-below-model");
        const pinned = await runPolicies(onpremClaimsFree, { config: premiumConfig });
        expect(failing(pinned)).toEqual(["approvals-not-below-model"]);
        expect(pinned.mandatory[0]!.message).toContain("requires 1 on GitLab premium (gitlabTier in the pack config)");
    });
});

describe("environment rules", () => {
    const gpuNodeGroup = (r: RecordedResource) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.inputs.labels?.["ml-team-env/pool"] === "gpu";

    it("gpu-pools-tainted, mutated (node-pools always taints GPU pools): a GPU node group without the taint, advisory", async () => {
        const pack = await runPolicies(mutate(dev, gpuNodeGroup, (r) => ({ ...r, inputs: { ...r.inputs, taints: [] } })));
        expect(failing(pack)).toEqual(["gpu-pools-tainted"]);
        expect(pack.violations.map((v) => v.level)).toEqual(["advisory", "advisory"]);
        expect(pack.mandatory).toEqual([]);
        expect(pack.violations[0]!.message).toContain("GPU node group 'dev-cluster-gpu-0' does not carry the taint nvidia.com/gpu=true:NO_SCHEDULE");
        expect(pack.violations[0]!.message).toContain('Add { key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }');
    });

    const devImage = BOOTSTRAP_IMAGE;
    const release = (name: string) => (r: RecordedResource) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === name;

    it("environment-image-everywhere, mutated (every workload takes config.image): GPU CI jobs on another image", async () => {
        const broken = mutate(dev, release("dev-runners-gpu"), (r) => {
            r.inputs.values.runners.config = r.inputs.values.runners.config.replace(devImage, "registry.example.com/ml/pytorch-cuda:v2.9");
            return r;
        });
        const pack = await runPolicies(broken);
        // The other image is pinned by tag only, which the advisory notes too.
        expect(failing(pack)).toEqual(["environment-image-everywhere", "environment-image-pinned-by-digest"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([
            expect.stringContaining(
                `GitLab runner release 'dev-runners-gpu' (values.runners.config, runners[0].kubernetes.image: the CI jobs) runs 'registry.example.com/ml/pytorch-cuda:v2.9', not the environment image '${devImage}' (the stack's image output, from ml-team-env:environment.image)`,
            ),
        ]);
        expect(pack.mandatory[0]!.message).toContain("Set the image once, in ml-team-env:environment.image");
        expect(pack.mandatory[0]!.urn).toBe(broken.find(release("dev-runners-gpu"))!.urn);
    });

    it("environment-image-everywhere, mutated: a pre-puller pulling another image and a notebook profile picking its own", async () => {
        let broken = mutate(dev, (r) => r.type === "kubernetes:apps/v1:DaemonSet" && r.name === "dev-image-pre-puller-gpu", (r) => {
            r.inputs.spec.template.spec.initContainers[0].image = "registry.example.com/ml/pytorch-cuda:v2.7";
            return r;
        });
        broken = mutate(broken, release("dev-jupyterhub"), (r) => {
            r.inputs.values.custom.profiles[1].kubespawner_override.image = "jupyter/scipy-notebook:latest";
            return r;
        });
        const pack = await runPolicies(broken);
        // The other image is pinned by tag only, which the advisory notes too.
        expect(failing(pack)).toEqual(["environment-image-everywhere", "environment-image-pinned-by-digest"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([
            expect.stringContaining("JupyterHub release 'dev-jupyterhub' (values.custom.profiles[1].kubespawner_override.image: a notebook profile) runs 'jupyter/scipy-notebook:latest'"),
            expect.stringContaining("pre-puller DaemonSet 'dev-image-pre-puller-gpu' (spec.template.spec.initContainers[0].image) runs 'registry.example.com/ml/pytorch-cuda:v2.7'"),
        ]);
    });

    it("users-volumes-retained, mutated (the program's user class is Retain): the class users' volumes use deletes them", async () => {
        const broken = mutate(dev, (r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass" && r.inputs.metadata.name === "gp3-encrypted-retain", (r) => ({ ...r, inputs: { ...r.inputs, reclaimPolicy: "Delete" } }));
        const pack = await runPolicies(broken);
        expect(failing(pack)).toEqual(["users-volumes-retained"]);
        // The three members' claims and the hub's template for the claims it makes.
        expect(pack.mandatory).toHaveLength(4);
        expect(pack.mandatory[0]!.message).toContain("Notebook volume claim 'jupyterhub-alice/claim-alice' uses StorageClass 'gp3-encrypted-retain', whose reclaimPolicy is Delete");
        expect(pack.mandatory[3]!.message).toContain("JupyterHub release 'dev-jupyterhub' (values.singleuser.storage.dynamic.storageClass: the claims the hub makes)");
    });

    it("users-volumes-retained, mutated: a member's claim on the default (Delete) class, with the Retain class to use instead", async () => {
        const pack = await runPolicies(mutate(dev, (r) => r.name === "dev-jupyterhub-bob-home", (r) => ({ ...r, inputs: { ...r.inputs, spec: { ...r.inputs.spec, storageClassName: "gp3-encrypted" } } })));
        expect(failing(pack)).toEqual(["users-volumes-retained"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([
            expect.stringContaining("Notebook volume claim 'jupyterhub-bob/claim-bob' uses StorageClass 'gp3-encrypted', whose reclaimPolicy is Delete"),
        ]);
        expect(pack.mandatory[0]!.message).toContain("(this stack has 'gp3-encrypted-retain')");
    });

    it("hub-values-hold-no-secrets, mutated (the program keeps them in the hub Secret): tokens in the chart values", async () => {
        const pack = await runPolicies(
            mutate(dev, release("dev-jupyterhub"), (r) => {
                r.inputs.values.proxy.secretToken = "5f0c2a7d9b8e4c1f";
                r.inputs.values.hub.cookieSecret = "a3b1c9d7";
                r.inputs.values.hub.config.GitLabOAuthenticator.client_secret = "gloas-0123456789abcdef0123456789abcdef";
                r.inputs.values.hub.extraEnv.DEPLOY_HELPER = { value: "glpat-abcdefghij0123456789" };
                return r;
            }),
        );
        expect(failing(pack)).toEqual(["hub-values-hold-no-secrets"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([
            expect.stringContaining("at values.hub.config.GitLabOAuthenticator.client_secret (its key 'client_secret' names a secret)"),
            expect.stringContaining("at values.hub.cookieSecret (its key 'cookieSecret' names a secret)"),
            expect.stringContaining("at values.hub.extraEnv.DEPLOY_HELPER.value (it looks like a GitLab token)"),
            expect.stringContaining("at values.proxy.secretToken (its key 'secretToken' names a secret)"),
        ]);
        expect(pack.mandatory[0]!.message).toContain("put it in the hub Secret 'ml-team-env-hub'");
    });

    it("tokens-and-kubeconfig-are-secrets, mutated (the program marks them secret): a plain kubeconfig is made secret and fails the preview", async () => {
        const provider = (r: RecordedResource) => r.type === "pulumi:providers:kubernetes";
        const pack = await runPolicies(mutate(dev, provider, (r) => withoutSecret(r, "kubeconfig")));
        expect(failing(pack)).toEqual(["tokens-and-kubeconfig-are-secrets"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("pulumi:providers:kubernetes 'dev-cluster-k8s' sets kubeconfig in plain text, not as a Pulumi secret")]);
        expect(pack.mandatory[0]!.message).toContain("pulumi.secret(...)");
        // The remediation handed the engine the kubeconfig as a secret, before anything is stored.
        expect(pack.remediations.map((r) => r.urn)).toEqual([dev.find(provider)!.urn]);
        expect(pack.remediations[0]!.props.kubeconfig).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: dev.find(provider)!.inputs.kubeconfig });
    });

    it("tokens-and-kubeconfig-are-secrets, mutated: a runner token Secret in plain text", async () => {
        const token = (r: RecordedResource) => r.name === "onprem-runners-gpu-token";
        const pack = await runPolicies(mutate(onprem, token, (r) => withoutSecret(r, "stringData")));
        expect(failing(pack)).toEqual(["tokens-and-kubeconfig-are-secrets"]);
        expect(pack.mandatory.map((v) => v.message)).toEqual([expect.stringContaining("kubernetes:core/v1:Secret 'onprem-runners-gpu-token' sets stringData in plain text")]);
        expect(pack.mandatory[0]!.urn).toBe(onprem.find(token)!.urn);
    });

    it("tokens-and-kubeconfig-are-secrets set to mandatory in the pack config says it cannot see secrets instead of guessing", async () => {
        const pack = await runPolicies(mutate(dev, (r) => r.type === "pulumi:providers:kubernetes", (r) => withoutSecret(r, "kubeconfig")), {
            config: { "tokens-and-kubeconfig-are-secrets": "mandatory" },
        });
        expect(pack.violations).toEqual([]);
        expect(pack.notApplicable).toContainEqual({ policy: "tokens-and-kubeconfig-are-secrets", reason: expect.stringContaining("visible to this policy only in the SDK's remediation pass") });
    });
});

describe("environment-image-pinned-by-digest", () => {
    it("warns (advisory) once per image pinned by tag only, naming where it runs and how to pin it", async () => {
        const doc = parseDocument(fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8"));
        doc.setIn(["config", "ml-team-env:environment", "image"], "registry.example.com/ml/pytorch-cuda:v2.8");
        const pack = await runPolicies((await runStackYaml("dev", doc.toString())).resources);
        expect(failing(pack)).toEqual(["environment-image-pinned-by-digest"]);
        expect(pack.violations.map((v) => v.level)).toEqual(["advisory"]);
        expect(pack.violations[0]!.message).toMatch(/runs 'registry\.example\.com\/ml\/pytorch-cuda:v2\.8', pinned by tag only.*v2\.8@sha256:<digest>/);
    });
});
