/**
 * Surprise 8 of issue 22: on-prem notebooks could not reach a private GitLab. The member
 * namespace's NetworkPolicy let notebooks out to the internet but to no private address but the
 * hub and DNS, so a GitLab on 10.x was unreachable for `git clone` and `git push`. The flows below
 * run the package's own member policies, as the program registers them, through the NetworkPolicy
 * evaluator (test/support/network-policy.ts): a notebook reaches a private GitLab and a listed
 * mirror on their ports, and still not another member, a node or the metadata service.
 */
import * as fs from "fs";
import * as path from "path";
import { userNamespace } from "../../infra/workspaces/kubespawner-slug";
import { memberNetworkPolicy } from "../../infra/workspaces/member-manifests";
import { EgressDestination, effectiveEgress, gitlabPorts } from "../../infra/workspaces/private-egress";
import { validateDev } from "../config/fixtures";
import { ROOT, runStackYaml } from "../harness";
import { allowed, Endpoint, Policy, recordedPolicies } from "../support/network-policy";

const onprem = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.onprem.yaml"), "utf8");

/** The onprem stack with its GitLab at `url` and `privateEgress` under jupyterhub. */
function stack(url: string, privateEgress: string): string {
    return onprem.replace("url: https://gitlab.lab.example.org", `url: ${url}`).replace("    idleTimeoutMinutes: 120\n", `    idleTimeoutMinutes: 120\n${privateEgress}`);
}

/** The member namespaces' own NetworkPolicies, as the evaluator reads them. */
async function memberPolicies(yaml: string): Promise<Policy[]> {
    const { resources } = await runStackYaml("onprem", yaml);
    // The runners' job policy (gitlab-runners/ci-jobs) is test/runners' concern.
    return recordedPolicies(resources, (namespace) => namespace.startsWith("jupyterhub-"));
}

/** The same members' policies, as the program makes them (memberNetworkPolicy), for other private destinations. */
function sameShape(policies: Policy[], egress: EgressDestination[]): Policy[] {
    return policies.map((p) => ({ ...p, spec: memberNetworkPolicy("jupyterhub", egress) as Policy["spec"] }));
}

const notebook = (username: string, ip: string): Endpoint => {
    const ns = userNamespace("jupyterhub", username);
    return { name: `${username}'s notebook`, namespace: ns, namespaceLabels: { "kubernetes.io/metadata.name": ns }, labels: { component: "singleuser-server" }, ip };
};
const alice = notebook("dana", "10.0.1.5");
const bob = notebook("eli", "10.0.2.7");
const gitlab: Endpoint = { name: "GitLab on 10.20.0.5", ip: "10.20.0.5" };
const mirror: Endpoint = { name: "package mirror", ip: "10.30.0.9" };
const metadata: Endpoint = { name: "instance metadata", ip: "169.254.169.254" };
const node: Endpoint = { name: "a node", ip: "10.0.1.200" };

const MIRROR = "    privateEgress:\n      - cidr: 10.30.0.0/24\n        ports: [443]\n        description: package mirror\n";

describe("a notebook and a private GitLab (onprem stack, the package's member policies)", () => {
    let withGitLab: Policy[];
    beforeAll(async () => {
        withGitLab = await memberPolicies(stack("https://10.20.0.5", MIRROR));
    });

    it("the program registers, in each member namespace, the policy memberNetworkPolicy makes for the destinations in effect", () => {
        expect(withGitLab.map((p) => p.name).sort()).toEqual(["dana", "eli", "farah_k", "gus"].map((u) => `${userNamespace("jupyterhub", u)}/member-isolation`).sort());
        for (const p of withGitLab) expect(p.spec).toEqual(memberNetworkPolicy("jupyterhub", effectiveEgress([{ cidr: "10.30.0.0/24", ports: [443], protocol: "TCP", description: "package mirror" }], "https://10.20.0.5")));
    });

    it("reaches GitLab's address from gitlab.url on HTTPS and SSH (clone and push), without listing it", () => {
        expect(allowed(withGitLab, alice, gitlab, 443)).toEqual({ ok: true, why: "allowed" });
        expect(allowed(withGitLab, alice, gitlab, 22).ok).toBe(true);
        expect(allowed(withGitLab, alice, gitlab, 5432).ok).toBe(false);
    });

    it("reaches a listed private destination on its ports only", () => {
        expect(allowed(withGitLab, alice, mirror, 443).ok).toBe(true);
        expect(allowed(withGitLab, alice, mirror, 80).ok).toBe(false);
    });

    it("still reaches no other member, no node and not the metadata service", () => {
        for (const port of [8888, 22, 443]) {
            expect(allowed(withGitLab, alice, bob, port).ok).toBe(false);
            expect(allowed(withGitLab, bob, alice, port).ok).toBe(false);
        }
        expect(allowed(withGitLab, alice, node, 10250).ok).toBe(false);
        expect(allowed(withGitLab, alice, metadata, 80).ok).toBe(false);
    });

    it("a listed range that covers the members' pods opens egress only: the other member's ingress still refuses", () => {
        const wide = sameShape(withGitLab, [{ cidr: "10.0.0.0/8", ports: [8888, 443] }]);
        expect(allowed(wide, alice, bob, 8888)).toMatchObject({ ok: false, why: expect.stringMatching(/^ingress of eli's notebook denied/) });
        expect(allowed(wide, alice, gitlab, 443).ok).toBe(true);
    });

    it("without it (GitLab by host name, nothing listed) the notebook cannot reach GitLab: what doctor warns about", () => {
        const closed = sameShape(withGitLab, effectiveEgress([], "https://gitlab.lab.example.org"));
        expect(allowed(closed, alice, gitlab, 443)).toMatchObject({ ok: false, why: expect.stringMatching(/^egress of dana's notebook denied/) });
    });
});

describe("which private destinations are in effect", () => {
    it("GitLab's address is added when gitlab.url is a private IP, with its web port and SSH, once", () => {
        expect(effectiveEgress([], "https://10.20.0.5")).toEqual([{ cidr: "10.20.0.5/32", ports: [443, 22], description: "GitLab (gitlab.url)" }]);
        expect(gitlabPorts("http://192.168.1.10:8080")).toEqual([8080, 22]);
        expect(effectiveEgress([{ cidr: "10.20.0.0/16", ports: [443] }], "https://10.20.0.5")).toEqual([{ cidr: "10.20.0.0/16", ports: [443] }]);
        expect(effectiveEgress([], "https://gitlab.lab.example.org")).toEqual([]);
        expect(effectiveEgress([], "https://8.8.8.8")).toEqual([]);
    });

    const errorsFor = (egress: unknown[], change: (r: Record<string, any>) => void = () => undefined) => {
        const r = validateDev((raw) => ((raw.jupyterhub.privateEgress = egress), change(raw)));
        return r.ok ? [] : r.errors.map((e) => `${e.key}: ${e.message}`);
    };

    it("the stack's list is checked: private ranges only, network addresses, ports, and not the cluster's own VPC", () => {
        expect(errorsFor([{ cidr: "10.20.0.0/16", ports: [443, 22], description: "GitLab" }])).toEqual([]);
        expect(errorsFor([{ cidr: "0.0.0.0/0", ports: [443] }])).toEqual([expect.stringMatching(/privateEgress\[0\]\.cidr: is not inside a private range .*metadata service/)]);
        expect(errorsFor([{ cidr: "169.254.169.254/32", ports: [80] }])).toEqual([expect.stringMatching(/is not inside a private range/)]);
        expect(errorsFor([{ cidr: "10.20.0.5/16", ports: [443] }])).toEqual([expect.stringMatching(/has host bits set; the network is 10\.20\.0\.0\/16/)]);
        expect(errorsFor([{ cidr: "10.20.0.0/16", ports: [] }])).toEqual([expect.stringMatching(/privateEgress\[0\]\.ports: needs at least one port/)]);
        expect(errorsFor([{ cidr: "10.0.4.0/24", ports: [443] }])).toEqual([expect.stringMatching(/overlaps the cluster's VPC \(cluster.vpcCidr 10\.0\.0\.0\/16\)/)]);
    });
});
