import { formatConfigErrors, keyPath, validateStackConfig } from "../../infra/config/validate";
import { ALL_SECRETS, TODAY, validRaw } from "./fixtures";

function errorsFor(mutate: (raw: Record<string, any>) => void, opts: { deploying?: boolean; secrets?: boolean } = {}) {
    const raw = validRaw();
    mutate(raw);
    const result = validateStackConfig(raw, {
        stack: "dev",
        secretsPresent: opts.secrets === false ? new Set() : ALL_SECRETS,
        deploying: opts.deploying ?? false,
        today: TODAY,
    });
    if (result.ok) throw new Error("expected the config to be rejected");
    return result.errors;
}

describe("a valid config", () => {
    it("parses with defaults filled in and derived values", () => {
        const result = validateStackConfig(validRaw(), { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
        if (!result.ok) throw new Error(formatConfigErrors("dev", result.errors));
        const c = result.config;
        expect(c.cluster.mode).toBe("eks");
        if (c.cluster.mode !== "eks") return;
        expect(c.cluster.kubernetesVersion).toBe("1.36");
        expect(c.cluster.supportType).toBe("STANDARD");
        expect(c.cluster.logRetentionDays).toBe(30);
        expect(c.cluster.userNodePool.instanceTypes).toEqual(["m6i.xlarge"]);
        expect(c.jupyterhub!.https).toBe("acm");
        expect(c.cluster.gpuNodePool.amiType).toBe("AL2023_x86_64_NVIDIA");
        expect(c.cluster.gpuNodePool.diskSizeGiB).toBe(200);
        expect(c.gpuCapacity).toEqual({ gpusPerNode: 1, maxNodes: 4, maxGpus: 4 });
        expect(c.image.tag).toBe("v2.8");
        expect(c.jupyterhub!.idleTimeoutMinutes).toBe(60);
        expect(c.jupyterhub!.profiles.map((p) => p.name)).toEqual(["cpu", "gpu-1"]);
        expect(c.branchModel.defaultBranch).toBe("main");
        expect(c.gitlab.project.deleteOnDestroy).toBe(false);
        // A tag without digest is allowed, with advice.
        expect(result.warnings.join("\n")).toMatch(/pinned by tag only/);
    });
});

/** [what, mutation, expected key, expected message fragment] */
const BAD: Array<[string, (raw: Record<string, any>) => void, string, RegExp]> = [
    ["duplicate username", (r) => r.team.members.push({ username: "Bob", role: "developer", gpus: 0 }), "ml-team-env:team.members[3].username", /duplicates team\.members\[1\]/],
    ["bad username", (r) => (r.team.members[1].username = "-bob"), "ml-team-env:team.members[1].username", /not a valid GitLab username/],
    ["username ending in .git", (r) => (r.team.members[1].username = "bob.git"), "ml-team-env:team.members[1].username", /not a valid GitLab username/],
    ["negative gpus", (r) => (r.team.members[2].gpus = -1), "ml-team-env:team.members[2].gpus", /must be 0 or more/],
    ["fractional gpus", (r) => (r.team.members[2].gpus = 0.5), "ml-team-env:team.members[2].gpus", /whole number/],
    ["gpus beyond the pool", (r) => (r.team.members[0].gpus = 5), "ml-team-env:team.members[0].gpus", /more than the GPU pool can ever offer one member \(4 = 4 node\(s\) × 1 GPU\(s\) in the zone of their volume\)/],
    ["latest image", (r) => (r.environment.image = "registry.example.com/ml/pytorch-cuda:latest"), "ml-team-env:environment.image", /moving tag 'latest'/],
    ["untagged image", (r) => (r.environment.image = "registry.example.com/ml/pytorch-cuda"), "ml-team-env:environment.image", /has no tag/],
    ["bad digest", (r) => (r.environment.image = "registry.example.com/ml/pytorch-cuda:v1@sha256:abc"), "ml-team-env:environment.image", /sha256:<64/],
    ["unknown role", (r) => (r.team.members[1].role = "owner"), "ml-team-env:team.members[1].role", /must be one of: developer, maintainer/],
    ["no maintainer", (r) => (r.team.members[0].role = "developer"), "ml-team-env:team.members", /has no maintainer/],
    ["no members", (r) => (r.team.members = []), "ml-team-env:team.members", /at least one member/],
    ["unknown cluster mode", (r) => (r.cluster.mode = "gke"), "ml-team-env:cluster.mode", /must be 'eks' .*, 'existing' .* or 'none'/],
    ["missing GitLab project", (r) => delete r.gitlab.project, "ml-team-env:gitlab.project", /is required/],
    ["GitLab project without a group", (r) => (r.gitlab.project.path = "vision-models"), "ml-team-env:gitlab.project.path", /group\[\/subgroup\]\/name/],
    ["unknown GitLab tier", (r) => (r.gitlab.tier = "gold"), "ml-team-env:gitlab.tier", /must be one of: free, premium, ultimate/],
    ["GitLab URL not a URL", (r) => (r.gitlab.url = "gitlab.example.com"), "ml-team-env:gitlab.url", /base URL/],
    ["missing region", (r) => delete r.cluster.region, "ml-team-env:cluster.region", /is required: the AWS region/],
    ["bad region", (r) => (r.cluster.region = "oregon"), "ml-team-env:cluster.region", /is not an AWS region/],
    ["region typo", (r) => (r.cluster.region = "us-wset-2"), "ml-team-env:cluster.region", /is not an AWS region; did you mean 'us-west-2'\?/],
    ["unquoted Kubernetes version", (r) => (r.cluster.kubernetesVersion = 1.3), "ml-team-env:cluster.kubernetesVersion", /must be one of: 1.32, 1.33, 1.34, 1.35, 1.36, 1.37 \(quote it in YAML/],
    ["Kubernetes version EKS no longer supports", (r) => (r.cluster.kubernetesVersion = "1.31"), "ml-team-env:cluster.kubernetesVersion", /must be one of: 1.32, 1.33, 1.34, 1.35, 1.36, 1.37/],
    ["version past standard support with STANDARD", (r) => (r.cluster.kubernetesVersion = "1.33"), "ml-team-env:cluster.kubernetesVersion", /past EKS standard support \(ended 2026-07-29\).*use 1\.34 or 1\.35 or 1\.36 or 1\.37, or set cluster\.supportType: EXTENDED/],
    ["VPC too small for its subnets", (r) => (r.cluster.vpcCidr = "10.0.0.0/24"), "ml-team-env:cluster.vpcCidr", /public subnets would be \/30, smaller than AWS's \/28 minimum.*private subnets would be \/27 with 27 usable addresses.*use \/20 or larger/],
    ["GPU profile larger than its node", (r) => (r.jupyterhub.profiles = [{ name: "gpu-1", displayName: "1 GPU", cpu: 4, memoryGiB: 16, gpus: 1 }]), "ml-team-env:jupyterhub.profiles[0].memoryGiB", /asks for 16 GiB but a node of the gpu pool \(g5\.xlarge\) leaves at most 3\.46 CPU and 14\.\d+ GiB/],
    ["GPU profile with more CPU than its node", (r) => (r.jupyterhub.profiles = [{ name: "gpu-1", displayName: "1 GPU", cpu: 4, memoryGiB: 12, gpus: 1 }]), "ml-team-env:jupyterhub.profiles[0].cpu", /asks for 4 CPU but a node of the gpu pool/],
    ["CPU profile larger than the user pool's node", (r) => (r.cluster.userNodePool = { instanceTypes: ["m6i.large"] }), "ml-team-env:jupyterhub.profiles[0].memoryGiB", /asks for 8 GiB but a node of the user pool \(m6i\.large\) leaves at most/],
    ["Let's Encrypt without an email", (r) => ((r.jupyterhub.https = "letsencrypt"), delete r.jupyterhub.letsEncryptEmail), "ml-team-env:jupyterhub.letsEncryptEmail", /required with https: letsencrypt/],
    ["a Route 53 zone without https: acm", (r) => ((r.jupyterhub.https = "letsencrypt"), (r.jupyterhub.route53Zone = "example.com")), "ml-team-env:jupyterhub.route53Zone", /works with https: acm only/],
    ["a Route 53 zone the host is not in", (r) => (r.jupyterhub.route53Zone = "example.org"), "ml-team-env:jupyterhub.route53Zone", /must be a zone the host notebooks\.example\.com is in, below its apex .*e\.g\. example\.com/],
    ["a Route 53 zone whose apex is the host", (r) => (r.jupyterhub.route53Zone = "notebooks.example.com"), "ml-team-env:jupyterhub.route53Zone", /below its apex/],
    ["a Route 53 zone that is not a DNS name", (r) => (r.jupyterhub.route53Zone = "Z0123456789ABC"), "ml-team-env:jupyterhub.route53Zone", /DNS name of a public Route 53 hosted zone/],
    ["ingress without a class", (r) => (r.jupyterhub.https = "ingress"), "ml-team-env:jupyterhub.ingressClassName", /required with https: ingress/],
    ["min above max", (r) => (r.cluster.gpuNodePool.minSize = 5), "ml-team-env:cluster.gpuNodePool.minSize", /must not exceed maxSize \(4\)/],
    ["desired outside range", (r) => (r.cluster.systemNodeGroup = { desiredSize: 9 }), "ml-team-env:cluster.systemNodeGroup.desiredSize", /between minSize \(2\) and maxSize \(4\)/],
    ["unknown GPU instance type", (r) => (r.cluster.gpuNodePool.instanceTypes = ["x9.mega"]), "ml-team-env:cluster.gpuNodePool.instanceTypes[0]", /is not an instance type this package knows \(it needs its size/],
    ["CPU type in the GPU pool", (r) => (r.cluster.gpuNodePool.instanceTypes = ["m6i.xlarge"]), "ml-team-env:cluster.gpuNodePool.instanceTypes[0]", /is not a GPU instance type/],
    ["mixed GPU counts", (r) => (r.cluster.gpuNodePool.instanceTypes = ["g5.xlarge", "g5.12xlarge"]), "ml-team-env:cluster.gpuNodePool.instanceTypes", /different GPU counts/],
    ["small GPU disk", (r) => (r.cluster.gpuNodePool.diskSizeGiB = 50), "ml-team-env:cluster.gpuNodePool.diskSizeGiB", /at least 100 GiB/],
    ["bad AMI type", (r) => (r.cluster.gpuNodePool.amiType = "AL2_x86_64"), "ml-team-env:cluster.gpuNodePool.amiType", /AL2023_x86_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA/],
    ["one private subnet", (r) => (r.cluster.vpc = { id: "vpc-0abc12345", privateSubnetIds: ["subnet-0abc12345"] }), "ml-team-env:cluster.vpc.privateSubnetIds", /at least 2 private subnets in different availability zones/],
    ["typo in a key", (r) => (r.jupyterhub.idleTimeoutMinute = 30), "ml-team-env:jupyterhub.idleTimeoutMinute", /did you mean 'idleTimeoutMinutes'/],
    ["unknown top-level key", (r) => (r.teams = {}), "ml-team-env:teams", /did you mean 'team'/],
    ["missing hub host", (r) => delete r.jupyterhub.host, "ml-team-env:jupyterhub.host", /is required: the hub's host name/],
    ["unknown member profile", (r) => (r.team.members[1].profiles = ["gpu-8"]), "ml-team-env:team.members[1].profiles[0]", /not a profile in jupyterhub.profiles \(cpu, gpu-1\)/],
    ["profile beyond member quota", (r) => (r.team.members[1] = { username: "bob", role: "developer", gpus: 0, profiles: ["gpu-1"] }), "ml-team-env:team.members[1].profiles[0]", /needs 1 GPU\(s\) but this member's quota \(gpus\) is 0/],
    ["profile beyond one node", (r) => (r.jupyterhub.profiles = [{ name: "big", displayName: "Big", gpus: 2 }]), "ml-team-env:jupyterhub.profiles[0].gpus", /a GPU node has 1/],
    ["duplicate profile names", (r) => (r.jupyterhub.profiles = [{ name: "cpu", displayName: "A" }, { name: "cpu", displayName: "B" }]), "ml-team-env:jupyterhub.profiles[1].name", /must be unique/],
    ["existing cluster without selector", (r) => (r.cluster = { mode: "existing", gpuNodeSelector: {}, gpusPerNode: 2, gpuNodeCount: 1, storageClassName: "x" }), "ml-team-env:cluster.gpuNodeSelector", /at least one label/],
    ["ACM on an existing cluster", (r) => ((r.cluster = { mode: "existing", gpuNodeSelector: { gpu: "yes" }, gpusPerNode: 1, gpuNodeCount: 1, storageClassName: "x" }), (r.jupyterhub.https = "acm")), "ml-team-env:jupyterhub.https", /acm puts an ACM certificate on the AWS load balancer of an EKS cluster.*use https: ingress/],
    ["existing cluster without GPU count", (r) => (r.cluster = { mode: "existing", gpuNodeSelector: { gpu: "yes" }, gpuNodeCount: 1, storageClassName: "x" }), "ml-team-env:cluster.gpusPerNode", /is required/],
    ["member email (no longer a setting)", (r) => (r.team.members[1].email = "bob@example.com"), "ml-team-env:team.members[1].email", /is not a setting of ml-team-env/],
    ["runner job asks for more GPUs than a node", (r) => (r.runners = { gpusPerJob: 2 }), "ml-team-env:runners.gpusPerJob", /a GPU node has 1/],
];

describe("bad configs", () => {
    it.each(BAD)("%s → names the key, the value and the fix", (_what, mutate, key, message) => {
        const errors = errorsFor(mutate);
        const hit = errors.find((e) => e.key === key);
        if (!hit) throw new Error(`no error at ${key}; got:\n${errors.map((e) => `${e.key}: ${e.message}`).join("\n")}`);
        expect(hit.message).toMatch(message);
    });

    it("a misspelt GPU type gets the nearest known type and no follow-on capacity errors", () => {
        const errors = errorsFor((r) => (r.cluster.gpuNodePool.instanceTypes = ["g5.xlarg"]));
        expect(errors.map((e) => e.key)).toEqual(["ml-team-env:cluster.gpuNodePool.instanceTypes[0]"]);
        expect(errors[0]!.message).toMatch(/did you mean 'g5\.xlarge'\?/);
    });

    it("keeps a version in extended support when asked to, with a warning about the price", () => {
        const raw = validRaw();
        raw.cluster.kubernetesVersion = "1.33";
        raw.cluster.supportType = "EXTENDED";
        const result = validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
        expect(result.ok).toBe(true);
        expect(result.warnings.join("\n")).toMatch(/1\.33 is in EKS extended support until 2027-07-29: the control plane costs \$0\.60\/h/);
    });

    describe("who may reach the Kubernetes API", () => {
        const run = (change: (cluster: Record<string, any>) => void, deploying = false) => {
            const raw = validRaw();
            change(raw.cluster);
            return validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY, deploying });
        };
        const endpointWarnings = (r: ReturnType<typeof run>) => r.warnings.filter((w) => w.startsWith("cluster.publicAccessCidrs"));

        it("has no open default: a public endpoint needs the networks named", () => {
            const r = run((c) => delete c.publicAccessCidrs);
            expect(r.ok).toBe(false);
            if (r.ok) return;
            expect(r.errors).toEqual([expect.objectContaining({ key: "ml-team-env:cluster.publicAccessCidrs", message: expect.stringMatching(/is required while endpointPublicAccess is true: .*curl -s https:\/\/checkip\.amazonaws\.com.*\[0\.0\.0\.0\/0\] opens it to the internet/) })]);
            expect(run((c) => ((c.endpointPublicAccess = false), delete c.publicAccessCidrs)).ok).toBe(true);
        });

        it("takes 0.0.0.0/0 when asked, and says so", () => {
            const r = run((c) => (c.publicAccessCidrs = ["0.0.0.0/0"]));
            expect(r.ok).toBe(true);
            expect(endpointWarnings(r)).toEqual([expect.stringMatching(/includes 0\.0\.0\.0\/0: the Kubernetes API endpoint is reachable from the whole internet/)]);
        });

        it("warns about the example's documentation range in the plan, and refuses it when pulumi up runs", () => {
            const plan = run((c) => (c.publicAccessCidrs = ["203.0.113.0/24"]));
            expect(plan.ok).toBe(true);
            expect(endpointWarnings(plan)).toEqual([expect.stringMatching(/203\.0\.113\.0\/24 is a documentation range \(RFC 5737\)/)]);
            const up = run((c) => (c.publicAccessCidrs = ["203.0.113.0/24", "84.17.32.0/24"]), true);
            expect(up.ok).toBe(false);
            if (up.ok) return;
            expect(up.errors.map((e) => e.key)).toEqual(["ml-team-env:cluster.publicAccessCidrs"]);
            // A real range is fine either way.
            expect(endpointWarnings(run(() => undefined))).toEqual([]);
            expect(run(() => undefined, true).ok).toBe(true);
        });

        it("needs at least one way to the API", () => {
            const r = run((c) => ((c.endpointPublicAccess = false), (c.endpointPrivateAccess = false)));
            expect(r.ok).toBe(false);
        });
    });

    it("warns that CI jobs cannot reach a GitLab on a private network unless its network is listed", () => {
        const warningsFor = (url: string, cidrs?: string[]) => {
            const raw = validRaw();
            raw.gitlab.url = url;
            if (cidrs) raw.runners = { ...(raw.runners ?? {}), jobEgressCidrs: cidrs };
            const result = validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
            return result.warnings.filter((w) => w.startsWith("runners:"));
        };
        expect(warningsFor("https://gitlab.lab.example.org")).toEqual([expect.stringMatching(/if gitlab\.lab\.example\.org .* resolves to a private address, list its network in runners\.jobEgressCidrs/)]);
        expect(warningsFor("https://gitlab.lab.example.org", ["10.20.0.0/24"])).toEqual([]);
        expect(warningsFor("https://gitlab.com")).toEqual([]);
    });

    it("warns that https: letsencrypt needs a restart when the hub's record is late, and points EKS stacks to acm", () => {
        const raw = validRaw();
        raw.jupyterhub.https = "letsencrypt";
        const result = validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
        expect(result.ok).toBe(true);
        expect(result.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^jupyterhub\.https letsencrypt: .*kubectl -n jupyterhub rollout restart deployment\/autohttps.*On EKS, https: acm has no such step/)]));
    });

    describe("Kubernetes version against EKS's calendar", () => {
        const warningsOn = (version: string, day: string, supportType = "STANDARD") => {
            const raw = validRaw();
            raw.cluster.kubernetesVersion = version;
            raw.cluster.supportType = supportType;
            const result = validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, today: new Date(`${day}T12:00:00Z`) });
            if (!result.ok) throw new Error(formatConfigErrors("dev", result.errors));
            return result.warnings.filter((w) => w.startsWith("cluster.kubernetesVersion"));
        };

        it("warns within 90 days of the end of standard support, saying what EKS then does", () => {
            expect(warningsOn("1.34", "2026-11-25")).toEqual([expect.stringMatching(/^cluster\.kubernetesVersion 1\.34 leaves EKS standard support on 2026-12-02, in 7 days: then EKS upgrades the control plane itself .*Upgrade to 1\.35 or 1\.36 or 1\.37 now \(docs\/cluster\.md, "Upgrading Kubernetes"\)/)]);
            expect(warningsOn("1.35", "2026-12-27")).toEqual([expect.stringMatching(/1\.35 leaves EKS standard support on 2027-03-27, in 90 days/)]);
            expect(warningsOn("1.35", "2026-12-27", "EXTENDED")).toEqual([expect.stringMatching(/in 90 days: then extended support bills \$0\.60\/h/)]);
            // A day further out it is a reminder of the newer minors, not the warning.
            expect(warningsOn("1.35", "2026-12-26")).toEqual([expect.stringMatching(/^cluster\.kubernetesVersion 1\.35 has 91 days of EKS standard support left \(until 2027-03-27\); EKS already runs 1\.36, 1\.37/)]);
        });

        it("reminds a stack on the default that EKS already runs a newer minor, and why it is not the default", () => {
            expect(warningsOn("1.36", "2026-12-04")).toEqual([
                "cluster.kubernetesVersion 1.36 has 241 days of EKS standard support left (until 2027-08-02); EKS already runs 1.37; 1.37 runs the 1.36 cluster-autoscaler until a 1.37 release of it is pinned. Plan the upgrade (docs/cluster.md, \"Upgrading Kubernetes\").",
            ]);
            // Far from the end: nothing to say.
            expect(warningsOn("1.36", "2026-06-10")).toEqual([]);
        });

        it("accepts 1.37, whose own autoscaler is not out yet, saying it runs the 1.36 one", () => {
            expect(warningsOn("1.37", "2026-12-04")).toEqual([expect.stringMatching(/^cluster\.kubernetesVersion 1\.37: no cluster-autoscaler 1\.37 .* runs the 1\.36 one \(v1\.36\.1\), a minor behind/)]);
        });
    });

    it("reports every problem at once, not just the first", () => {
        const errors = errorsFor((r) => {
            r.team.members[1].role = "owner";
            r.team.members[2].gpus = -3;
            r.gitlab.tier = "gold";
            r.cluster.region = "mars-1";
        });
        expect(errors.map((e) => e.key).sort()).toEqual([
            "ml-team-env:cluster.region",
            "ml-team-env:gitlab.tier",
            "ml-team-env:team.members[1].role",
            "ml-team-env:team.members[2].gpus",
        ]);
    });

    it("an enum error in one section does not hide an image error in another, nor checks across members", () => {
        const errors = errorsFor((r) => {
            r.team.members[1].role = "admin";
            r.team.members.push({ username: "ALICE", role: "developer", gpus: 0 });
            r.environment.image = "registry.example.com/ml/pytorch-cuda:latest";
        });
        expect(errors.map((e) => e.key).sort()).toEqual(["ml-team-env:environment.image", "ml-team-env:team.members[1].role", "ml-team-env:team.members[3].username"]);
    });

    it("suggests the key meant inside nested objects too", () => {
        const errors = errorsFor((r) => (r.cluster.gpuNodePool.maxsize = 4));
        expect(errors.find((e) => e.key === "ml-team-env:cluster.gpuNodePool.maxsize")!.message).toMatch(/did you mean 'maxSize'\?/);
    });

    it("refuses a secret written in plain text, says how to store it and to rotate it, and never echoes it", () => {
        const raw = { ...validRaw(), gitlabToken: "glpat-plain-text-token-123" };
        const result = validateStackConfig(raw, { stack: "dev", secretsPresent: ALL_SECRETS, plaintextSecrets: new Set(["gitlabToken"]), today: TODAY });
        if (result.ok) throw new Error("expected a refusal");
        const e = result.errors.find((x) => x.key === "ml-team-env:gitlabToken")!;
        expect(e.message).toMatch(/written in plain text.*pulumi config set --secret gitlabToken.*revoke that token/);
        expect(JSON.stringify(result.errors)).not.toContain("glpat-plain-text-token-123");
        expect(formatConfigErrors("dev", result.errors)).not.toContain("glpat-plain-text-token-123");
    });

    it("refuses a GitLab URL with the API path (every call would go to /api/v4/api/v4), a query or a fragment", () => {
        expect(errorsFor((r) => (r.gitlab.url = "https://gitlab.com/api/v4")).find((e) => e.key === "ml-team-env:gitlab.url")!.message).toMatch(/API address; give its base URL \(https:\/\/gitlab\.com\)/);
        expect(errorsFor((r) => (r.gitlab.url = "https://gitlab.example.com/?x=1")).find((e) => e.key === "ml-team-env:gitlab.url")!.message).toMatch(/without a query or fragment/);
    });

    it("says so when the stack file has no settings of this project, and names keys under another namespace", () => {
        const empty = validateStackConfig({}, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
        if (empty.ok) throw new Error("expected a refusal");
        expect(empty.errors).toEqual([{ key: "ml-team-env:*", value: undefined, message: expect.stringMatching(/no settings found: the stack file needs a 'config:' section/) }]);
        const moved = validateStackConfig({}, { stack: "dev", secretsPresent: ALL_SECRETS, foreignKeys: ["vision:team", "vision:cluster"], today: TODAY });
        expect(!moved.ok && moved.errors[0]!.message).toMatch(/It has vision:team, vision:cluster: rename them to ml-team-env:<key>/);
        const one = validateStackConfig(validRaw(), { stack: "dev", secretsPresent: ALL_SECRETS, foreignKeys: ["vision:runners"], today: TODAY });
        expect(!one.ok && one.errors.map((e) => `${e.key}: ${e.message}`)).toEqual(["vision:runners: is under the namespace 'vision', but this project is ml-team-env: rename it to ml-team-env:runners"]);
    });

    it("takes an empty branchModel (YAML null) as the defaults, as the example stack says", () => {
        const result = validateStackConfig({ ...validRaw(), branchModel: null }, { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
        expect(result.ok).toBe(true);
    });

    it("shows the bad value in the report and no stack trace", () => {
        const errors = errorsFor((r) => (r.team.members[2].gpus = -1));
        const text = formatConfigErrors("dev", errors);
        expect(text).toContain("stacks/Pulumi.dev.yaml has 1 config error:");
        expect(text).toContain("ml-team-env:team.members[2].gpus = -1");
        expect(text).not.toMatch(/\n\s+at /);
    });

    it("refuses a real deployment without the secrets it needs, naming their keys and the command", () => {
        const errors = errorsFor(() => undefined, { deploying: true, secrets: false });
        // The dev stack is on GitLab.com Free: the pipeline's bot token is a stack secret there (no project access tokens).
        expect(errors.map((e) => e.key)).toEqual(["ml-team-env:ciBotToken", "ml-team-env:gitlabToken", "ml-team-env:jupyterhubOAuthClientSecret"]);
        expect(errors[0]!.message).toContain("pulumi config set --secret ciBotToken");
        expect(errors[2]!.message).toContain("pulumi config set --secret jupyterhubOAuthClientSecret");
    });

    it("lets a preview run without secrets, with warnings", () => {
        const result = validateStackConfig(validRaw(), { stack: "dev", secretsPresent: new Set(), deploying: false, today: TODAY });
        expect(result.ok).toBe(true);
        expect(result.warnings.some((w) => w.startsWith("ml-team-env:jupyterhubOAuthClientSecret"))).toBe(true);
    });

    it("accepts GITLAB_TOKEN from the environment instead of the secret key", () => {
        const result = validateStackConfig(validRaw(), { stack: "dev", secretsPresent: new Set(["jupyterhubOAuthClientSecret", "ciBotToken"]), gitlabTokenInEnv: true, deploying: true, today: TODAY });
        expect(result.ok).toBe(true);
    });
});

describe("keyPath", () => {
    it("writes stack-file key paths with the project namespace and array indices", () => {
        expect(keyPath(["team", "members", 2, "gpus"])).toBe("ml-team-env:team.members[2].gpus");
        expect(keyPath(["cluster"])).toBe("ml-team-env:cluster");
    });
});
