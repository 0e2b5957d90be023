/**
 * The pod KubeSpawner 7.0.0 makes for a profile, as far as the scheduler cares, from the chart
 * values the hub reads (`renderedHubValues`): a profile's `kubespawner_override` replaces the trait it names
 * (spawner.py `_apply_overrides`); z2jh sets `c.KubeSpawner.node_selector` from
 * `singleuser.nodeSelector`, `tolerations` from `scheduling.userPods.tolerations` +
 * `singleuser.extraTolerations`, and a required node-purpose affinity only with
 * `matchNodePurpose: require` (files/hub/jupyterhub_config.py). Byte specifications read K/M/G/T
 * as powers of 1024 (jupyterhub.traitlets.ByteSpecification); extra resource limits become
 * requests (the API server defaults a missing request to its limit).
 */
import { parse } from "yaml";
import { PodShape } from "../../infra/scheduling/fit";
import { cpuMillis } from "../../infra/scheduling/quantity";
import { KubeObject } from "./helm-render";

const BYTE_UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function byteSpecification(v: string | number): number {
    if (typeof v === "number") return v;
    const m = /^(\d+(?:\.\d+)?)([KMGT])$/.exec(v);
    if (!m) throw new Error(`'${v}' is not a byte specification`);
    return Number(m[1]) * BYTE_UNITS[m[2]!]!;
}

export function notebookPodShape(profile: Record<string, any>, values: Record<string, any>): PodShape {
    const o = profile.kubespawner_override ?? {};
    const extended: Record<string, number> = {};
    for (const [k, v] of Object.entries((o.extra_resource_limits ?? {}) as Record<string, string>)) extended[k] = Number(v);
    return {
        name: `notebook profile ${profile.slug}`,
        nodeSelector: o.node_selector ?? values.singleuser.nodeSelector ?? {},
        requiredNodeAffinity: values.scheduling.userPods.nodeAffinity.matchNodePurpose === "require" ? [[{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["user"] }]] : [],
        tolerations: o.tolerations ?? [...(values.scheduling.userPods.tolerations ?? []), ...(values.singleuser.extraTolerations ?? [])],
        requests: { cpuMillis: cpuMillis(o.cpu_guarantee ?? 0), memoryBytes: byteSpecification(o.mem_guarantee ?? 0), extended },
    };
}

/**
 * The chart values the hub reads, merged over the chart's defaults by Helm: z2jh renders them
 * into its `hub` Secret as `values.yaml` (templates/hub/secret.yaml), where the hub's
 * jupyterhub_config.py and KubeSpawner's settings come from.
 */
export function renderedHubValues(objects: readonly KubeObject[]): Record<string, any> {
    const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === "hub");
    if (!secret) throw new Error("the rendered z2jh release has no Secret/hub");
    return parse(Buffer.from(secret.data["values.yaml"], "base64").toString("utf8")) as Record<string, any>;
}

/**
 * The labels of a notebook pod: z2jh's `c.KubeSpawner.common_labels` (files/hub/jupyterhub_config.py:
 * `app` from nameOverride or the chart name, `release` from the release name), KubeSpawner's
 * `component: singleuser-server` (spawner.py `_build_pod_labels`), and `singleuser.extraLabels`.
 */
export function notebookPodLabels(values: Record<string, any>): Record<string, string> {
    const app: string = values.nameOverride || values.Chart?.Name || "jupyterhub";
    const release: string | undefined = values.Release?.Name;
    return {
        app,
        "app.kubernetes.io/name": app,
        ...(release ? { release, "app.kubernetes.io/instance": release } : {}),
        "app.kubernetes.io/managed-by": "kubespawner",
        ...(values.singleuser.extraLabels ?? {}),
        component: "singleuser-server",
    };
}
