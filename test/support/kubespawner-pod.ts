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

/** A pod's volumes and the notebook container's mounts, as KubeSpawner writes them. */
export interface NotebookPodVolumes {
    readonly volumes: readonly Record<string, any>[];
    readonly volumeMounts: readonly Record<string, any>[];
}

/** KubeSpawner 7.0.0 utils.py `recursive_update`: dicts merge key by key, `None` deletes, anything else replaces. */
function recursiveUpdate(target: Record<string, any>, update: Record<string, any>): void {
    for (const [k, v] of Object.entries(update)) {
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
            if (!(k in target)) target[k] = {};
            recursiveUpdate(target[k], v);
        } else if (v === null) delete target[k];
        else target[k] = v;
    }
}

/**
 * The volumes of a profile's notebook pod, from the chart values the hub reads:
 * - z2jh 4.4.0 files/hub/jupyterhub_config.py sets `c.KubeSpawner.volumes` and `volume_mounts`
 *   as dicts: the home claim under `singleuser.storage.dynamic.volumeNameTemplate` (storage type
 *   dynamic), then `singleuser.storage.extraVolumes`/`extraVolumeMounts` (a dict is merged in, a
 *   list entered by name, mounts by `<index>-<name>`);
 * - KubeSpawner spawner.py `_apply_overrides` merges a profile's dict override into a dict trait
 *   (`recursive_update`) and replaces the trait with anything else (a list);
 * - `get_pod_manifest` writes a dict's values sorted by key (`_sorted_dict_values`), a list as is.
 */
export function notebookPodVolumes(profile: Record<string, any>, values: Record<string, any>): NotebookPodVolumes {
    const storage = values.singleuser.storage;
    let volumes: Record<string, any> | any[] = {};
    let mounts: Record<string, any> | any[] = {};
    if (storage.type === "dynamic") {
        const name = storage.dynamic.volumeNameTemplate;
        volumes = { [name]: { name, persistentVolumeClaim: { claimName: "{pvc_name}" } } };
        mounts = { [name]: { mountPath: storage.homeMountPath, name, subPath: storage.dynamic.subPath } };
    }
    const extraVolumes = storage.extraVolumes ?? {};
    if (Array.isArray(extraVolumes)) for (const v of extraVolumes) (volumes as Record<string, any>)[v.name] = v;
    else Object.assign(volumes, extraVolumes);
    const extraMounts = storage.extraVolumeMounts ?? {};
    if (Array.isArray(extraMounts)) extraMounts.forEach((m: Record<string, any>, i: number) => ((mounts as Record<string, any>)[`${i}-${m.name}`] = m));
    else Object.assign(mounts, extraMounts);
    const apply = (trait: Record<string, any> | any[], override: unknown) => {
        if (override === undefined) return trait;
        if (override !== null && typeof override === "object" && !Array.isArray(override) && !Array.isArray(trait)) {
            const merged = structuredClone(trait);
            recursiveUpdate(merged, override as Record<string, any>);
            return merged;
        }
        return override as any[];
    };
    const o = profile.kubespawner_override ?? {};
    const sorted = (t: Record<string, any> | any[]) => (Array.isArray(t) ? t : Object.keys(t).sort().map((k) => t[k]));
    return { volumes: sorted(apply(volumes, o.volumes)), volumeMounts: sorted(apply(mounts, o.volume_mounts)) };
}
