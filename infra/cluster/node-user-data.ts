/**
 * User data for the node groups' launch templates: what turns parallel image pulls on.
 *
 * - AL2023: a nodeadm `NodeConfig` in a MIME multipart document. EKS managed node groups add
 *   their own part (cluster name, endpoint, CA) and nodeadm merges the parts (amazon-eks-ami
 *   nodeadm/internal/configprovider/mime.go `ParseMultipart`, parts of media type
 *   `application/node.eks.aws`). The object is checked against nodeadm's API types before it
 *   is written (`nodeadm-api.ts`): nodeadm's decoder ignores fields it does not know, so a
 *   misspelt key would be dropped silently on the node.
 * - Bottlerocket: TOML settings, which EKS merges with its own `settings.kubernetes`.
 */
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml, stringify } from "yaml";
import { NodeConfig, nodeConfigSchema } from "./nodeadm-api";

/** The MIME boundary of the user data; any string that cannot occur in the parts. */
const BOUNDARY = "==ml-team-env==";

/** The NodeConfig that turns FastImagePull on (merged with EKS's own NodeConfig on the node). */
export function fastImagePullNodeConfig(): NodeConfig {
    return { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: { featureGates: { FastImagePull: true } } };
}

/** A MIME multipart user-data document with one nodeadm part per NodeConfig; each is validated against nodeadm's types first. */
export function nodeadmUserData(configs: readonly NodeConfig[]): string {
    const parts = configs.map((c) => {
        const parsed = nodeConfigSchema.safeParse(c);
        if (!parsed.success) throw new Error(`NodeConfig does not match nodeadm's v1alpha1 types: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
        return `--${BOUNDARY}\nContent-Type: application/node.eks.aws\n\n---\n${stringify(c)}`;
    });
    return `MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="${BOUNDARY}"\n\n${parts.join("\n")}\n--${BOUNDARY}--\n`;
}

/**
 * Bottlerocket's equivalent of FastImagePull: the SOCI snapshotter in parallel-pull-unpack
 * mode (Bottlerocket 1.44.0 added it; settings reference `settings.container-runtime` and
 * `settings.container-runtime-plugins`, bottlerocket.dev 1.53.x), tuned as nodeadm tunes it
 * (amazon-eks-ami nodeadm/internal/containerd/snapshotter/soci-snapshotter.config.toml).
 */
export function bottlerocketParallelPullToml(): string {
    return [
        "[settings.container-runtime]",
        'snapshotter = "soci"',
        "",
        "[settings.container-runtime-plugins.soci-snapshotter]",
        'pull-mode = "parallel-pull-unpack"',
        "",
        "[settings.container-runtime-plugins.soci-snapshotter.parallel-pull-unpack]",
        "max-concurrent-downloads-per-image = 20",
        'concurrent-download-chunk-size = "16mb"',
        "max-concurrent-unpacks-per-image = 12",
        "discard-unpacked-layers = true",
        "",
    ].join("\n");
}

/** The launch template's user data (base64, as EC2 takes it), or undefined when the node needs none. */
export function nodeUserData(amiType: string, fastImagePull: boolean): string | undefined {
    if (!fastImagePull) return undefined;
    const text = amiType.startsWith("BOTTLEROCKET") ? bottlerocketParallelPullToml() : nodeadmUserData([fastImagePullNodeConfig()]);
    return Buffer.from(text, "utf8").toString("base64");
}

/** What a launch template's user data turns on, in a few words (for the plan): nodeadm feature gates, Bottlerocket's snapshotter and pull mode. */
export function userDataSummary(base64: string): string {
    const text = Buffer.from(base64, "base64").toString("utf8");
    if (/^MIME-Version:/m.test(text)) {
        const gates = [...text.matchAll(/Content-Type: application\/node\.eks\.aws\n\n([\s\S]*?)(?=\n--)/g)].flatMap((m) => {
            const config = parseYaml(m[1]!) as NodeConfig;
            return Object.entries(config.spec?.featureGates ?? {}).map(([gate, on]) => `${gate}=${String(on)}`);
        });
        return `nodeadm NodeConfig${gates.length ? ` (featureGates: ${gates.join(", ")})` : ""}`;
    }
    const toml = parseToml(text) as { settings?: { "container-runtime"?: { snapshotter?: string }; "container-runtime-plugins"?: { "soci-snapshotter"?: { "pull-mode"?: string } } } };
    const snapshotter = toml.settings?.["container-runtime"]?.snapshotter;
    const mode = toml.settings?.["container-runtime-plugins"]?.["soci-snapshotter"]?.["pull-mode"];
    return `Bottlerocket settings${snapshotter ? ` (snapshotter ${snapshotter}${mode ? `, ${mode}` : ""})` : ""}`;
}
