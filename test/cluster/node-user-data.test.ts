import { spawnSync } from "child_process";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { nodeConfigSchema } from "../../infra/cluster/nodeadm-api";
import { bottlerocketParallelPullToml, fastImagePullNodeConfig, nodeadmUserData, nodeUserData } from "../../infra/cluster/node-user-data";

const python = spawnSync("python3", ["--version"]).status === 0;
if (!python) console.warn("SKIPPED: parsing the user data's MIME document with Python's email package — python3 is not on PATH.");
const withPython = python ? it : it.skip;

/**
 * nodeadm's v1alpha1 types as `nodeadm-api.ts` transcribes them: the property tree was checked
 * against the CRD generated from the same types (amazon-eks-ami nodeadm/crds/
 * node.eks.aws_nodeconfigs.yaml, 81fec2e8); these cases hold the transcription to it.
 */
describe("nodeadm NodeConfig", () => {
    it("accepts the FastImagePull NodeConfig and the shapes nodeadm's docs show", () => {
        expect(nodeConfigSchema.safeParse(fastImagePullNodeConfig()).success).toBe(true);
        const docExample = {
            apiVersion: "node.eks.aws/v1alpha1",
            kind: "NodeConfig",
            spec: {
                cluster: { name: "c", apiServerEndpoint: "https://x", certificateAuthority: "Q0E=", cidr: "10.100.0.0/16" },
                kubelet: { config: { maxPods: 110 }, flags: ["--node-labels=a=b"] },
                containerd: { config: "[plugins]\n" },
                instance: { localStorage: { strategy: "RAID0", disabledMounts: ["SOCI"] } },
                featureGates: { InstanceIdNodeName: true, FastImagePull: false },
            },
        };
        expect(nodeConfigSchema.safeParse(docExample).success).toBe(true);
    });

    it("refuses what nodeadm would silently drop or reject: a misspelt key, an unknown gate, a wrong kind or value", () => {
        const bad = [
            { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { featureGate: { FastImagePull: true } } },
            { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { featureGates: { FastImagePulls: true } } },
            { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { featureGates: { FastImagePull: "true" } } },
            { apiVersion: "node.eks.aws/v1", kind: "NodeConfig", spec: {} },
            { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { instance: { localStorage: { strategy: "RAID5" } } } },
        ];
        for (const c of bad) expect(nodeConfigSchema.safeParse(c).success).toBe(false);
        expect(() => nodeadmUserData([bad[1] as never])).toThrow(/does not match nodeadm's v1alpha1 types: spec.featureGates/);
    });

    withPython("writes MIME multipart user data whose node.eks.aws part a real MIME parser reads back as the NodeConfig", () => {
        const text = Buffer.from(nodeUserData("AL2023_x86_64_NVIDIA", true)!, "base64").toString("utf8");
        // Python's email package, as cloud-init reads user data; nodeadm's Go mime/multipart reads the same form.
        const script = [
            "import sys, email",
            "msg = email.message_from_string(sys.stdin.read())",
            "assert msg.is_multipart(), 'not multipart'",
            "parts = [p for p in msg.walk() if p.get_content_type() == 'application/node.eks.aws']",
            "assert len(parts) == 1, len(parts)",
            "sys.stdout.write(parts[0].get_payload())",
        ].join("\n");
        const run = spawnSync("python3", ["-c", script], { input: text, encoding: "utf8" });
        expect(run.stderr).toBe("");
        const config = parseYaml(run.stdout);
        expect(nodeConfigSchema.parse(config)).toEqual(fastImagePullNodeConfig());
    });

    it("gives Bottlerocket the SOCI parallel-pull-unpack settings as TOML, and nothing when parallel pulls are off", () => {
        const toml = parseToml(bottlerocketParallelPullToml()) as { settings: Record<string, Record<string, unknown>> };
        expect(toml.settings["container-runtime"]).toEqual({ snapshotter: "soci" });
        expect(toml.settings["container-runtime-plugins"]).toEqual({
            "soci-snapshotter": { "pull-mode": "parallel-pull-unpack", "parallel-pull-unpack": { "max-concurrent-downloads-per-image": 20, "concurrent-download-chunk-size": "16mb", "max-concurrent-unpacks-per-image": 12, "discard-unpacked-layers": true } },
        });
        expect(Buffer.from(nodeUserData("BOTTLEROCKET_x86_64_NVIDIA", true)!, "base64").toString()).toBe(bottlerocketParallelPullToml());
        expect(nodeUserData("AL2023_x86_64_NVIDIA", false)).toBeUndefined();
    });
});
