/**
 * Environment rules: GPU pools carry the GPU taint, every workload runs the one environment
 * image, users' volumes outlive their claims, and the hub's values hold no secret. Expected
 * values come from the program's own definitions (node-pools, hub-values, runner-values,
 * hub-objects), never restated here.
 */
import { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { parse as parseToml } from "smol-toml";
import { Taint } from "../cluster/gpu-placement";
import { GPU_ROLES, POOL_LABEL, poolTaints } from "../cluster/node-pools";
import { RUNNER_CHART } from "../runners/runner-values";
import { HUB_SECRET, WORKSPACE_LABEL } from "../workspaces/hub-objects";
import { JUPYTERHUB_CHART } from "../workspaces/hub-values";
import { asRecord, COMPONENTS, getPath, hasAncestorOfType, known, TYPES } from "./common";

// --- GPU taint ---------------------------------------------------------------------------

/** Kubernetes spells taint effects `NoSchedule`, the EKS API `NO_SCHEDULE`: compare them spelling-blind. */
function sameEffect(a: unknown, b: string): boolean {
    const norm = (s: string) => s.replace(/_/g, "").toLowerCase();
    return typeof a === "string" && norm(a) === norm(b);
}

/** `NoSchedule` as the EKS API spells it (`NO_SCHEDULE`). */
function eksSpelling(effect: string): string {
    return effect.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

export const gpuPoolsTainted: ResourceValidationPolicy = {
    name: "gpu-pools-tainted",
    description: `GPU node groups (label ${POOL_LABEL}: ${GPU_ROLES.join(" or ")}) carry the GPU taint, so only pods that ask for GPUs land on GPU nodes.`,
    // Advisory by design: a missing taint costs money (CPU pods hold GPU nodes up, the pool
    // cannot scale to zero) but breaks no rule of access, data or reproducibility.
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== TYPES.eksNodeGroup) return;
        const pool = GPU_ROLES.find((p) => getPath(args.props, ["labels", POOL_LABEL]) === p);
        if (!pool) return;
        const taints = (known(() => args.props.taints) ?? []) as Record<string, unknown>[];
        for (const want of poolTaints(pool)) {
            if (taints.some((t) => t.key === want.key && t.value === want.value && sameEffect(t.effect, want.effect))) continue;
            report(
                `GPU node group '${args.name}' does not carry the taint ${want.key}=${want.value}:${eksSpelling(want.effect)}, so CPU notebooks, CI jobs and add-ons can land on its GPU nodes, take their CPU and memory from GPU work and keep the pool from scaling to zero. ` +
                    `Add ${describeTaint(want)} to the node group's taints; the program takes them from poolTaints("${pool}") in infra/cluster/node-pools.ts, so undo whatever overrides it.`,
            );
        }
    },
};

function describeTaint(t: Taint): string {
    return `{ key: "${t.key}", value: "${t.value}", effect: "${eksSpelling(t.effect)}" }`;
}

// --- one environment image ---------------------------------------------------------------

/** One place a workload's image is set, found in the program's resources. */
export interface ImageUse {
    readonly resource: PolicyResource;
    /** Where, in words, for the message. */
    readonly where: string;
    /** The reference, or undefined when the workload names none (the chart's default image would run). */
    readonly image: string | undefined;
    /** How to fix it, for the message. */
    readonly fix: string;
}

function isRelease(r: PolicyResource, chart: string): boolean {
    return r.type === TYPES.helmRelease && known(() => r.props.chart) === chart;
}

/** The z2jh image `{ name, tag }` as one reference (`name:tag`; the program's tag may carry `@sha256:…`). */
function z2jhImage(image: unknown): string | undefined {
    const name = getPath(image, ["name"]);
    const tag = getPath(image, ["tag"]);
    if (typeof name !== "string") return undefined;
    return typeof tag === "string" && tag !== "" ? `${name}:${tag}` : name;
}

/**
 * Where the program's workloads get their image: the hub's notebook servers (the z2jh
 * `singleuser.image`, and any profile's `kubespawner_override.image`), each runner's CI jobs
 * (`[runners.kubernetes] image` of the `config.toml` template in the gitlab-runner values), and
 * the pre-puller DaemonSets' init containers.
 */
export function environmentImageUses(resources: readonly PolicyResource[]): ImageUse[] {
    const uses: ImageUse[] = [];
    for (const r of resources.filter((x) => isRelease(x, JUPYTERHUB_CHART.chart))) {
        const values = known(() => r.props.values);
        uses.push({
            resource: r,
            where: `JupyterHub release '${r.name}' (values.singleuser.image: the notebook servers)`,
            image: z2jhImage(getPath(values, ["singleuser", "image"])),
            fix: "JupyterHub sets singleuser.image from the environment image (hubValues in infra/workspaces/hub-values.ts); do not override it in the chart values",
        });
        for (const [list, path] of [
            [getPath(values, ["custom", "profiles"]), "custom.profiles"],
            [getPath(values, ["singleuser", "profileList"]), "singleuser.profileList"],
        ] as const) {
            if (!Array.isArray(list)) continue;
            list.forEach((profile: unknown, i: number) => {
                const override = getPath(profile, ["kubespawner_override", "image"]);
                if (override === undefined) return;
                uses.push({
                    resource: r,
                    where: `JupyterHub release '${r.name}' (values.${path}[${i}].kubespawner_override.image: a notebook profile)`,
                    image: typeof override === "string" ? override : undefined,
                    fix: "a notebook profile must not pick its own image; remove kubespawner_override.image from the profile",
                });
            });
        }
    }
    for (const r of resources.filter((x) => isRelease(x, RUNNER_CHART.chart))) {
        const config = getPath(known(() => r.props.values), ["runners", "config"]);
        let runners: unknown[] = [];
        try {
            runners = typeof config === "string" ? ((parseToml(config).runners as unknown[] | undefined) ?? []) : [];
        } catch {
            runners = [];
        }
        const fix = "CiRunners writes the environment image into the runner's config.toml (runnerConfigToml in infra/runners/runner-values.ts); do not override it";
        if (runners.length === 0) {
            uses.push({ resource: r, where: `GitLab runner release '${r.name}' (values.runners.config has no [[runners]] entry)`, image: undefined, fix });
        }
        runners.forEach((runner, i) => {
            const image = getPath(runner, ["kubernetes", "image"]);
            uses.push({ resource: r, where: `GitLab runner release '${r.name}' (values.runners.config, runners[${i}].kubernetes.image: the CI jobs)`, image: typeof image === "string" ? image : undefined, fix });
        });
    }
    for (const r of resources.filter((x) => x.type === TYPES.daemonSet && hasAncestorOfType(x, COMPONENTS.imagePrePuller))) {
        const inits = getPath(known(() => r.props.spec), ["template", "spec", "initContainers"]);
        const fix = "ImagePrePuller pulls the environment image (prePullerPodSpec in infra/environment/pre-puller-spec.ts); do not override it";
        if (!Array.isArray(inits) || inits.length === 0) {
            uses.push({ resource: r, where: `pre-puller DaemonSet '${r.name}' (no init container pulls an image)`, image: undefined, fix });
            continue;
        }
        inits.forEach((c: unknown, i: number) => {
            const image = getPath(c, ["image"]);
            uses.push({ resource: r, where: `pre-puller DaemonSet '${r.name}' (spec.template.spec.initContainers[${i}].image)`, image: typeof image === "string" ? image : undefined, fix });
        });
    }
    return uses;
}

export const environmentImageEverywhere: StackValidationPolicy = {
    name: "environment-image-everywhere",
    description: "Notebook servers, CI runners and the image pre-pullers all run the one environment image (ml-team-env:environment.image).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const uses = environmentImageUses(args.resources);
        if (uses.length === 0) args.notApplicable("the stack runs no notebook, runner or pre-puller workload");
        // The reference the stack says it runs (its `image` output), else the notebooks' own.
        const stack = args.resources.find((r) => r.type === TYPES.stack);
        const declared = stack ? known(() => stack.props.image) : undefined;
        const anchor = uses.find((u) => u.image !== undefined);
        const expected = typeof declared === "string" ? declared : anchor?.image;
        const source = typeof declared === "string" ? "the stack's image output, from ml-team-env:environment.image" : `as ${anchor?.where ?? "no workload"} runs it`;
        for (const use of uses) {
            if (use.image !== undefined && use.image === expected) continue;
            const runs = use.image === undefined ? "names no image, so the chart's default image runs" : `runs '${use.image}'`;
            report(
                `${use.where} ${runs}, not the environment image '${String(expected)}' (${source}): every notebook, CI job and training job must run the same image, or results stop being reproducible. ` +
                    `Set the image once, in ml-team-env:environment.image; ${use.fix}.`,
                use.resource.urn,
            );
        }
    },
};

// --- users' volumes ----------------------------------------------------------------------

/** The default reclaim policy of a StorageClass that does not set one (Kubernetes API default). */
const DEFAULT_RECLAIM_POLICY = "Delete";
const RETAIN = "Retain";
const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/** A notebook volume's claim (or the hub's template for the claims it makes) and the StorageClass it names. */
interface VolumeClaim {
    readonly resource: PolicyResource;
    readonly what: string;
    /** The class name, or undefined for the cluster's default class. */
    readonly storageClass: string | undefined;
}

function notebookVolumeClaims(resources: readonly PolicyResource[]): VolumeClaim[] {
    const label = (r: PolicyResource) => getPath(known(() => r.props.metadata), ["labels", WORKSPACE_LABEL]);
    const memberNamespaces = new Set(
        resources.filter((r) => r.type === TYPES.namespace && label(r) === "true").map((r) => getPath(known(() => r.props.metadata), ["name"])),
    );
    const claims: VolumeClaim[] = [];
    for (const r of resources.filter((x) => x.type === TYPES.persistentVolumeClaim)) {
        const metadata = known(() => r.props.metadata);
        const namespace = getPath(metadata, ["namespace"]);
        if (label(r) !== "true" && !memberNamespaces.has(namespace)) continue;
        const sc = getPath(known(() => r.props.spec), ["storageClassName"]);
        claims.push({ resource: r, what: `Notebook volume claim '${String(namespace)}/${String(getPath(metadata, ["name"]))}'`, storageClass: typeof sc === "string" ? sc : undefined });
    }
    for (const r of resources.filter((x) => isRelease(x, JUPYTERHUB_CHART.chart))) {
        const storage = getPath(known(() => r.props.values), ["singleuser", "storage"]);
        if (getPath(storage, ["type"]) !== "dynamic") continue;
        const sc = getPath(storage, ["dynamic", "storageClass"]);
        claims.push({ resource: r, what: `JupyterHub release '${r.name}' (values.singleuser.storage.dynamic.storageClass: the claims the hub makes)`, storageClass: typeof sc === "string" ? sc : undefined });
    }
    return claims;
}

export const usersVolumesRetained: StackValidationPolicy = {
    name: "users-volumes-retained",
    description: "Users' notebook volumes are on a StorageClass with reclaimPolicy Retain, so deleting a claim (offboarding, a deleted namespace) never deletes a developer's work.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const classes = args.resources.filter((r) => r.type === TYPES.storageClass);
        const byName = new Map(classes.map((c) => [getPath(known(() => c.props.metadata), ["name"]), c]));
        const defaultClass = classes.find((c) => getPath(known(() => c.props.metadata), ["annotations", DEFAULT_CLASS_ANNOTATION]) === "true");
        const retainClasses = classes.filter((c) => (known(() => c.props.reclaimPolicy) ?? DEFAULT_RECLAIM_POLICY) === RETAIN).map((c) => getPath(known(() => c.props.metadata), ["name"]));
        const claims = notebookVolumeClaims(args.resources);
        if (claims.length === 0) args.notApplicable("the stack has no notebook volume claims");
        const unmanaged = new Set<string>();
        let checked = 0;
        for (const claim of claims) {
            const sc = claim.storageClass === undefined ? defaultClass : byName.get(claim.storageClass);
            if (!sc) {
                unmanaged.add(claim.storageClass ?? "(the cluster's default class)");
                continue;
            }
            checked++;
            const name = String(getPath(known(() => sc.props.metadata), ["name"]));
            const policy = known(() => sc.props.reclaimPolicy) ?? DEFAULT_RECLAIM_POLICY;
            if (policy === RETAIN) continue;
            report(
                `${claim.what} uses StorageClass '${name}', whose reclaimPolicy is ${String(policy)}: deleting the claim (offboarding, a deleted namespace) deletes the developer's volume and their work. ` +
                    `Use a StorageClass with reclaimPolicy: ${RETAIN}${retainClasses.length ? ` (this stack has ${retainClasses.map((c) => `'${String(c)}'`).join(", ")})` : ""} for users' volumes; a class's reclaimPolicy cannot change in place, so make a new class rather than editing '${name}'.`,
                claim.resource.urn,
            );
        }
        if (checked === 0) {
            // Existing clusters: the class is the cluster owner's, outside this program.
            args.notApplicable(
                `StorageClass ${[...unmanaged].map((c) => `'${c}'`).join(", ")} is not managed by this program (an existing cluster's own): make sure its reclaimPolicy is ${RETAIN} (kubectl get storageclass <name> -o jsonpath='{.reclaimPolicy}').`,
            );
        }
    },
};

// --- no secret in the hub's values -------------------------------------------------------

/** Key names that hold secrets (`proxy.secretToken`, `hub.cookieSecret`, `client_secret`, `api_token`, `password`, ...). */
const SECRET_KEY = /(secret|token|passw(or)?d|private[-_]?key|api[-_]?key|cookie|credential)/i;
/** Key names that hold a reference to a secret, not the secret (`existingSecret`, `secretName`, `secretKeyRef`). */
const REFERENCE_KEY = /^existing|(Name|Ref)$/;
/** Paths z2jh reads secrets from whose last key says nothing (`hub.config.CryptKeeper.keys`). */
const SECRET_PATHS = [/(^|\.)CryptKeeper\.keys$/];
/** Values shaped like credentials, whatever key holds them. */
const SECRET_SHAPES: readonly { readonly shape: RegExp; readonly what: string }[] = [
    // GitLab's token prefixes (personal, OAuth application secret, deploy, runner, CI job, trigger, feed, ...).
    { shape: /\bgl(pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_.-]{16,}/, what: "a GitLab token" },
    { shape: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: "a private key" },
    { shape: /\bAKIA[0-9A-Z]{16}\b/, what: "an AWS access key id" },
];

/** A value in the hub's values that looks like a secret: where, and why it looks like one. */
export interface PlainSecret {
    readonly path: string;
    readonly why: string;
}

/**
 * Finds secret-looking values: a non-empty string under a key named like a secret (or a
 * `value` whose parent is, as in `extraEnv: { X_TOKEN: { value: ... } }`), or any string shaped
 * like a credential. References to secrets (`existingSecret`, `secretKeyRef`) are not secrets.
 * Values the engine does not know yet are skipped.
 */
export function plainSecretsIn(value: unknown, path: string[] = []): PlainSecret[] {
    if (typeof value === "string") {
        if (value === "") return [];
        const dotted = path.join(".");
        // The key that names the value: skip list indices and a `value` wrapper.
        const keys = path.filter((k) => !/^\d+$/.test(k));
        const named = (keys[keys.length - 1] === "value" ? keys[keys.length - 2] : keys[keys.length - 1]) ?? "";
        if ((SECRET_KEY.test(named) && !REFERENCE_KEY.test(named)) || SECRET_PATHS.some((p) => p.test(keys.join(".")))) {
            return [{ path: dotted, why: `its key '${named}' names a secret` }];
        }
        const shaped = SECRET_SHAPES.find((s) => s.shape.test(value));
        return shaped ? [{ path: dotted, why: `it looks like ${shaped.what}` }] : [];
    }
    if (Array.isArray(value)) {
        const found: PlainSecret[] = [];
        for (let i = 0; i < value.length; i++) found.push(...plainSecretsIn(known(() => value[i]), [...path, String(i)]));
        return found;
    }
    const record = asRecord(value);
    if (!record) return [];
    const found: PlainSecret[] = [];
    for (const k of Object.keys(record)) found.push(...plainSecretsIn(known(() => record[k]), [...path, k]));
    return found;
}

export const hubValuesHoldNoSecrets: ResourceValidationPolicy = {
    name: "hub-values-hold-no-secrets",
    description: `The JupyterHub release's values hold no secret in plain text: the proxy token, cookie secret, auth-state key and OAuth client secret live in the Kubernetes Secret '${HUB_SECRET}' (hub.existingSecret).`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== TYPES.helmRelease || known(() => args.props.chart) !== JUPYTERHUB_CHART.chart) return;
        for (const found of plainSecretsIn(known(() => args.props.values), [])) {
            report(
                `The hub's Helm values hold a secret in plain text at values.${found.path} (${found.why}): Helm keeps values readable in the release (helm get values), and Pulumi shows them in every preview and diff. ` +
                    `Remove it from the values and put it in the hub Secret '${HUB_SECRET}' (JupyterHub in infra/workspaces/jupyterhub.ts creates it; the chart reads it through hub.existingSecret, the hub's environment through extraEnv valueFrom.secretKeyRef).`,
            );
        }
    },
};

/** The environment policies, in the order the pack lists them. */
export const ENVIRONMENT_POLICIES = [gpuPoolsTainted, environmentImageEverywhere, usersVolumesRetained, hubValuesHoldNoSecrets] as const;
