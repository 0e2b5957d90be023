/**
 * Doctor's image check: the pinned environment image's manifest, read from its registry, and
 * how long a cold GPU node takes to pull an image of that real size (the cold-start budget).
 */
import { hasCluster, TeamConfig } from "../config/validate";
import { coldStartBudget } from "../cold-start/budget";
import { DEFAULT_IMAGE_GIB } from "../cold-start/figures";
import { nodeImageSettings } from "../cold-start/node-image-settings";
import { budgetLines, stackBudgetInput } from "../cold-start/options";
import { readImageManifest, ReadManifestOptions } from "../environment/image-manifest";
import { CheckResult } from "./report";

const GIB = 2 ** 30;

/** Reads the manifest and, on EKS, prints the budget with the real compressed size. */
export async function imageCheck(config: TeamConfig, env: Readonly<Record<string, string | undefined>>, options: Omit<ReadManifestOptions, "dockerConfigJson"> = {}): Promise<CheckResult> {
    const base = { id: "image.manifest", group: "image" as const, title: "image manifest" };
    const dockerConfigJson = env.REGISTRY_DOCKER_CONFIG_JSON;
    const read = await readImageManifest(config.image.reference, { ...options, ...(dockerConfigJson ? { dockerConfigJson } : {}) });
    if (!read.ok) {
        return {
            ...base,
            status: read.kind === "missing" ? "problem" : "skipped",
            summary: `could not read the manifest of ${config.image.reference}: ${read.reason}`,
            ...(read.fix ? { fix: read.fix } : {}),
            details: ["the cold-start budget below this check was not printed with the real size; `npm run bench` prints it with the configured or default size"],
        };
    }
    const f = read.facts;
    const compressedGiB = f.compressedBytes / GIB;
    const configured = config.environment.imageSizeGiB;
    // The manifest has no unpacked size: keep the configured one, or scale the default ratio.
    const unpackedGiB = configured?.unpacked ?? (compressedGiB * DEFAULT_IMAGE_GIB.unpacked) / DEFAULT_IMAGE_GIB.compressed;
    const details = [`${f.layers} layers${f.multiPlatform ? " (linux/amd64 of a multi-platform index)" : ""}${f.digest ? `, ${f.digest}` : ""}${f.reference !== config.image.reference ? `; read upstream as ${f.reference}` : ""}`];
    if (hasCluster(config) && config.cluster.mode === "eks") {
        const c = config.cluster;
        const settings = nodeImageSettings(c, { registry: config.image.registry, sizeGiB: { compressed: compressedGiB, unpacked: unpackedGiB } }, config.jupyterhub.idleTimeoutMinutes);
        const input = stackBudgetInput(c, settings);
        const budget = coldStartBudget(input);
        details.push(`a cold GPU notebook on ${input.instanceType} with this image (unpacked ${unpackedGiB.toFixed(1)} GiB${configured ? "" : ", estimated"}), modelled:`, ...budgetLines(budget, ""));
        const configuredCompressed = configured?.compressed ?? DEFAULT_IMAGE_GIB.compressed;
        if (Math.abs(configuredCompressed - compressedGiB) / compressedGiB > 0.2) {
            details.push(`environment.imageSizeGiB.compressed is ${configuredCompressed}${configured ? "" : " (the default)"}; set it to ${compressedGiB.toFixed(1)} so plan, bench and the disk choice use the real size`);
        }
    }
    return { ...base, status: "ok", summary: `${config.image.reference}: ${compressedGiB.toFixed(2)} GiB compressed, linux/amd64 present` , details };
}
