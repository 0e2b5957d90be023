/**
 * What the plan shows of each resource: the settings that matter for its kind, in the
 * order a reviewer reads them. A new kind is one entry in `KINDS`.
 *
 * GitLab resources are dynamic resources (all of type `pulumi-nodejs:dynamic:Resource`);
 * their `kind` input says what they are, and that is the key here.
 */
import type { Token } from "./format";
import { REDACTED, UNKNOWN } from "./mock-runtime";
import { DYNAMIC_RESOURCE_TYPE } from "./resource-types";
import { userDataSummary } from "../cluster/node-user-data";

type Inputs = Record<string, unknown>;

/** What key settings need of a resource. */
export interface ResourceView {
    readonly type: string;
    readonly inputs: Inputs;
    readonly retainOnDelete?: boolean;
}

/**
 * One shown setting: an input path (label = its last segment), `[label, path]`,
 * `[label, (inputs) => value]`, or a function giving several settings at once.
 * Settings whose value is undefined are left out.
 */
type Setting = string | readonly [string, string | ((i: Inputs) => unknown)] | ((i: Inputs) => Token[]);

interface KindView {
    readonly settings: readonly Setting[];
    /** Why the object stays when the resource leaves the program (besides `retainOnDelete`). */
    readonly keptOnDelete?: (i: Inputs) => string | undefined;
}

// --- value helpers --------------------------------------------------------------------

function at(obj: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Inputs)[k] : undefined), obj);
}

const isMarker = (v: unknown) => v === UNKNOWN || v === REDACTED;

/** GitLab access levels as who they let in (protections). */
const WHO: Record<number, string> = { 0: "no one", 10: "guests", 20: "reporters", 30: "developers", 40: "maintainers", 50: "owners", 60: "admins" };
/** GitLab access levels as the role they are (memberships). */
const ROLE: Record<number, string> = { 10: "guest", 20: "reporter", 30: "developer", 40: "maintainer", 50: "owner" };

function words(table: Record<number, string>) {
    return (v: unknown): unknown => (typeof v === "number" ? (table[v] ?? `level ${v}`) : v);
}
const who = (path: string) => (i: Inputs) => words(WHO)(at(i, path));
const role = (path: string) => (i: Inputs) => words(ROLE)(at(i, path));
const yesNo = (path: string, yes = "allowed", no = "denied") => (i: Inputs) => {
    const v = at(i, path);
    return typeof v === "boolean" ? (v ? yes : no) : v;
};

/** The last segment of an ARN (`…:policy/AmazonEKSClusterPolicy` → `AmazonEKSClusterPolicy`). */
const arnName = (path: string) => (i: Inputs) => {
    const v = at(i, path);
    return typeof v === "string" && v.startsWith("arn:") ? v.slice(v.lastIndexOf("/") + 1) : v;
};

/** Who an IAM trust policy (a JSON string) lets assume the role. */
function trustedBy(i: Inputs): unknown {
    const doc = i.assumeRolePolicy;
    if (typeof doc !== "string" || isMarker(doc)) return doc;
    try {
        const statements = (JSON.parse(doc) as { Statement?: { Principal?: Record<string, unknown>; Condition?: Record<string, Record<string, unknown>> }[] }).Statement ?? [];
        const principals = statements.flatMap((s) => Object.values(s.Principal ?? {}).flat().map(String));
        const subjects = statements.flatMap((s) => Object.values(s.Condition ?? {}).flatMap((c) => Object.entries(c).filter(([k]) => k.endsWith(":sub")).map(([, v]) => String(v))));
        return [...principals.map((p) => (p.startsWith("arn:") ? p.slice(p.lastIndexOf("/") + 1) : p)), ...subjects];
    } catch {
        return doc;
    }
}

/** An IAM policy document (a JSON string) as its size. */
function policySummary(path: string) {
    return (i: Inputs): unknown => {
        const doc = at(i, path);
        if (typeof doc !== "string" || isMarker(doc)) return doc;
        try {
            const statements = (JSON.parse(doc) as { Statement?: { Action?: string | string[] }[] }).Statement ?? [];
            const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : []));
            return `${statements.length} statement${statements.length === 1 ? "" : "s"}, ${actions.length} action${actions.length === 1 ? "" : "s"}`;
        } catch {
            return doc;
        }
    };
}

/** Every entry of a map as its own setting (`prefix.key=value`), optionally some keys first. */
function entries(path: string, opts: { first?: readonly string[]; label?: (k: string) => string } = {}) {
    return (i: Inputs): Token[] => {
        const m = at(i, path);
        if (m === undefined) return [];
        if (m === null || typeof m !== "object" || Array.isArray(m)) return [{ label: path.split(".").pop()!, value: m }];
        const keys = Object.keys(m as Inputs);
        const first = (opts.first ?? []).filter((k) => keys.includes(k));
        return [...first, ...keys.filter((k) => !first.includes(k))].map((k) => ({ label: opts.label ? opts.label(k) : k, value: (m as Inputs)[k] }));
    };
}

/** Kubernetes object identity: `namespace/name` or `name`. */
const k8sName = (i: Inputs): Token[] => {
    const ns = at(i, "metadata.namespace");
    const name = at(i, "metadata.name");
    if (name === undefined && ns === undefined) return [];
    return [{ label: "", value: undefined, text: ns === undefined ? String(name) : `${String(ns)}/${String(name)}` }];
};

/** A file's content as its size (the content itself is in the JSON). */
const contentSize = (i: Inputs): unknown => {
    const c = i.content;
    if (typeof c !== "string" || isMarker(c)) return c;
    const lines = c.split("\n").length - (c.endsWith("\n") ? 1 : 0);
    return `${lines} line${lines === 1 ? "" : "s"}, ${Buffer.byteLength(c)} bytes`;
};

/** Container images of a pod template. */
const images = (i: Inputs): unknown => {
    const spec = at(i, "spec.template.spec") as { containers?: { image?: unknown }[]; initContainers?: { image?: unknown }[] } | undefined;
    if (!spec) return undefined;
    return [...new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.image))];
};

const kept = {
    gitlabNeverDeletes: (what: string) => () => `the GitLab provider never deletes ${what}`,
};

// --- the table --------------------------------------------------------------------------

/** Settings per kind (the GitLab `kind` input for dynamic resources, else the type token). */
export const KINDS: Readonly<Record<string, KindView>> = {
    // GitLab (dynamic resources)
    "gitlab:Project": {
        settings: ["path", "visibility", "mode", "deleteOnDestroy", "defaultBranch"],
        keptOnDelete: (i) => (i.deleteOnDestroy === true ? undefined : "the repository is kept (deleteOnDestroy: false)"),
    },
    "gitlab:Branch": { settings: ["branch", ["from", "ref"]], keptOnDelete: kept.gitlabNeverDeletes("a branch") },
    "gitlab:ProtectedBranch": {
        settings: [
            "name",
            ["push", who("pushAccessLevel")],
            ["merge", who("mergeAccessLevel")],
            ["unprotect", who("unprotectAccessLevel")],
            ["forcePush", yesNo("allowForcePush")],
            ["codeOwnerApproval", (i) => (i.codeOwnerApprovalRequired === true ? "required" : undefined)],
        ],
    },
    "gitlab:ProtectedTag": { settings: ["name", ["create", who("createAccessLevel")]] },
    "gitlab:ProjectMember": { settings: ["username", ["role", role("accessLevel")]] },
    "gitlab:PushRules": { settings: ["branchNameRegex", "preventSecrets", "denyDeleteTag"] },
    "gitlab:ApprovalRule": { settings: ["name", "approvalsRequired"] },
    "gitlab:RepositoryFiles": {
        settings: [
            ["branches", (i) => i.branches],
            ["commit", "mode"],
            ["managed", (i) => (Array.isArray(i.managed) ? i.managed.map((f: Inputs) => `${String(f.path)} (${String(contentSize({ content: f.content }))})`) : i.managed)],
            ["offeredOnce", (i) => (Array.isArray(i.seeds) ? `${i.seeds.length} file(s)` : i.seeds)],
        ],
        keptOnDelete: kept.gitlabNeverDeletes("the files"),
    },
    "gitlab:PipelineSchedule": { settings: ["description", "cron", "cronTimezone", "ref", "active", ["variables", (i) => (i.variables && typeof i.variables === "object" ? Object.keys(i.variables) : i.variables)]] },
    "gitlab:Runner": { settings: ["description", ["tags", "tagList"], "runUntagged", "locked", "accessLevel", ["maxTimeout", "maximumTimeout"]] },
    "ml-team-env:GeneratedSecret": { settings: ["bytes"] },

    // AWS
    "pulumi:providers:aws": { settings: ["region"] },
    "aws:ec2/vpc:Vpc": { settings: ["cidrBlock"] },
    "aws:ec2/subnet:Subnet": { settings: ["availabilityZone", "cidrBlock", "vpcId", "mapPublicIpOnLaunch"] },
    "aws:ec2/natGateway:NatGateway": { settings: ["subnetId", "allocationId"] },
    "aws:ec2/eip:Eip": { settings: ["domain"] },
    "aws:ec2/routeTable:RouteTable": { settings: ["vpcId", ["routes", (i) => (Array.isArray(i.routes) ? i.routes.map((r: Inputs) => `${String(r.cidrBlock)} → ${String(r.gatewayId ?? r.natGatewayId)}`) : i.routes)]] },
    "aws:eks/cluster:Cluster": {
        settings: [
            "name",
            "version",
            ["publicEndpoint", "vpcConfig.endpointPublicAccess"],
            ["privateEndpoint", "vpcConfig.endpointPrivateAccess"],
            ["publicAccessCidrs", "vpcConfig.publicAccessCidrs"],
            ["auth", "accessConfig.authenticationMode"],
            ["logs", "enabledClusterLogTypes"],
            ["secretsKey", "encryptionConfig.provider.keyArn"],
        ],
    },
    "aws:eks/nodeGroup:NodeGroup": {
        settings: [
            "instanceTypes",
            "amiType",
            "capacityType",
            ["size", (i) => {
                const s = i.scalingConfig as Inputs | undefined;
                return s && typeof s === "object" ? `min ${String(s.minSize)}, desired ${String(s.desiredSize)}, max ${String(s.maxSize)}` : s;
            }],
            entries("labels", { label: (k) => `label ${k}` }),
            ["taints", (i) => (Array.isArray(i.taints) ? i.taints.map((t: Inputs) => `${String(t.key)}=${String(t.value)}:${String(t.effect)}`) : i.taints)],
        ],
    },
    "aws:eks/addon:Addon": { settings: ["addonName", "addonVersion", ["serviceAccountRole", arnName("serviceAccountRoleArn")]] },
    "aws:eks/accessEntry:AccessEntry": { settings: ["principalArn", "type"] },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": { settings: ["principalArn", ["policy", arnName("policyArn")], ["scope", "accessScope.type"]] },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        settings: [
            ["imdsTokens", "metadataOptions.httpTokens"],
            ["hopLimit", "metadataOptions.httpPutResponseHopLimit"],
            ["volume", (i) => {
                const ebs = at(i, "blockDeviceMappings.0.ebs") as Inputs | undefined;
                if (!ebs || typeof ebs !== "object") return ebs;
                const perf = ebs.throughput !== undefined ? `, ${String(ebs.throughput)} MiB/s, ${String(ebs.iops)} IOPS` : "";
                const from = ebs.snapshotId !== undefined ? `, from ${String(ebs.snapshotId)} (initialising at ${String(ebs.volumeInitializationRate)} MiB/s)` : "";
                return `${String(ebs.volumeSize)} GiB ${String(ebs.volumeType)}${perf}${String(ebs.encrypted) === "true" ? ", encrypted" : ""}${from}`;
            }],
            ["userData", (i) => (typeof i.userData === "string" && !isMarker(i.userData) ? userDataSummary(i.userData) : i.userData)],
        ],
    },
    "aws:autoscaling/schedule:Schedule": { settings: ["scheduledActionName", "recurrence", "timeZone", "minSize", "autoscalingGroupName"] },
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": { settings: ["ecrRepositoryPrefix", "upstreamRegistryUrl", "credentialArn"] },
    "aws:autoscaling/tag:Tag": { settings: [["tag", (i) => (i.tag && typeof i.tag === "object" ? `${String((i.tag as Inputs).key)}=${String((i.tag as Inputs).value)}` : i.tag)], "autoscalingGroupName"] },
    "aws:iam/role:Role": { settings: ["name", ["trusts", trustedBy]] },
    "aws:iam/rolePolicy:RolePolicy": { settings: ["role", ["policy", policySummary("policy")]] },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { settings: ["role", ["policy", arnName("policyArn")]] },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": { settings: ["url", ["audiences", "clientIdLists"]] },
    "aws:kms/key:Key": { settings: ["enableKeyRotation", "deletionWindowInDays", ["policy", policySummary("policy")]] },

    // Kubernetes
    "pulumi:providers:kubernetes": { settings: ["kubeconfig"] },
    "kubernetes:helm.sh/v3:Release": { settings: ["chart", "version", "namespace", ["values", (i) => (i.values && typeof i.values === "object" && !Array.isArray(i.values) ? `${Object.keys(i.values).length} top-level keys` : i.values)]] },
    "kubernetes:core/v1:Namespace": { settings: [k8sName] },
    "kubernetes:core/v1:ResourceQuota": {
        // The GPU quota is what a reviewer checks: first, and never cut.
        settings: [k8sName, entries("spec.hard", { first: ["requests.nvidia.com/gpu", "limits.nvidia.com/gpu"], label: (k) => (k === "requests.nvidia.com/gpu" ? "gpus" : k) })],
    },
    "kubernetes:core/v1:LimitRange": { settings: [k8sName, ["default", "spec.limits.0.default"], ["defaultRequest", "spec.limits.0.defaultRequest"]] },
    "kubernetes:storage.k8s.io/v1:StorageClass": { settings: [k8sName, "provisioner", "reclaimPolicy", ["volumeType", "parameters.type"], ["encrypted", "parameters.encrypted"], "volumeBindingMode"] },
    "kubernetes:apps/v1:DaemonSet": { settings: [k8sName, ["images", images]] },
    "kubernetes:apps/v1:Deployment": { settings: [k8sName, "spec.replicas", ["images", images]] },
};

// --- lookup -----------------------------------------------------------------------------

/** The kind a resource is looked up by, and how the plan names its type: the GitLab kind for dynamic resources, else its type. */
export function kindOf(r: ResourceView): string {
    return r.type === DYNAMIC_RESOURCE_TYPE && typeof r.inputs.kind === "string" ? r.inputs.kind : r.type;
}

/** Inputs that never say anything about what a resource is. */
const NOISE = new Set(["kind", "providerVersion", "gitlabUrl", "projectId", "tags", "tagsAll", "apiVersion", "retry"]);

/** The first few scalar inputs, for kinds without an entry. */
function fallback(r: ResourceView): Token[] {
    if (r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm")) return k8sName(r.inputs);
    return Object.keys(r.inputs)
        .filter((k) => !k.startsWith("__") && !NOISE.has(k))
        .filter((k) => ["string", "number", "boolean"].includes(typeof r.inputs[k]))
        .slice(0, 4)
        .map((k) => ({ label: k, value: r.inputs[k] }));
}

/** The settings a reviewer checks for this resource, in order. */
export function keySettingTokens(r: ResourceView): Token[] {
    const view = KINDS[kindOf(r)];
    if (!view) return fallback(r);
    return view.settings.flatMap((s): Token[] => {
        if (typeof s === "function") return s(r.inputs);
        const [label, from] = typeof s === "string" ? [s.split(".").pop()!, s] : s;
        const value = typeof from === "function" ? from(r.inputs) : at(r.inputs, from);
        return value === undefined ? [] : [{ label, value }];
    });
}

/** Why a resource removed from the program stays in place, or undefined when `pulumi up` deletes it. */
export function keptOnDelete(r: ResourceView): string | undefined {
    if (r.retainOnDelete) return "retainOnDelete: it leaves Pulumi's state, the object stays";
    return KINDS[kindOf(r)]?.keptOnDelete?.(r.inputs);
}
