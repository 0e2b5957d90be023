/**
 * What the policies share: how they recognise the program's resources in what the policy
 * engine hands them, and how they read values that may not be known during a preview.
 *
 * Pure: no Pulumi runtime, no PolicyPack. Tests import the policies from here; only
 * `policy/index.ts` builds the pack (its constructor starts serving).
 */
import { PolicyResource, UnknownValueError } from "@pulumi/policy";
import { DYNAMIC_RESOURCE_TYPE } from "../plan/resource-types";

export { DYNAMIC_RESOURCE_TYPE };

/** Type tokens of the resources the policies read (stable provider tokens, not class imports: the pack stays light). */
export const TYPES = {
    stack: "pulumi:pulumi:Stack",
    kubernetesProvider: "pulumi:providers:kubernetes",
    eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    helmRelease: "kubernetes:helm.sh/v3:Release",
    daemonSet: "kubernetes:apps/v1:DaemonSet",
    secret: "kubernetes:core/v1:Secret",
    namespace: "kubernetes:core/v1:Namespace",
    persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
} as const;

/** Component types of the program (infra/lib.ts), by which workloads are found in the resource tree. */
export const COMPONENTS = {
    imagePrePuller: "ml-team-env:environment:ImagePrePuller",
} as const;

/** The `kind` input of each GitLab dynamic resource (infra/gitlab/providers/*.ts). */
export const GITLAB_KINDS = {
    project: "gitlab:Project",
    protectedBranch: "gitlab:ProtectedBranch",
    protectedTag: "gitlab:ProtectedTag",
    approvalRule: "gitlab:ApprovalRule",
    pushRules: "gitlab:PushRules",
    projectMember: "gitlab:ProjectMember",
    runner: "gitlab:Runner",
} as const;

/** Anything with a type and properties: `ResourceValidationArgs` and `PolicyResource` both are. */
export interface TypedProps {
    readonly type: string;
    readonly props: Record<string, any>;
}

/**
 * The GitLab kind of a resource (`gitlab:ProtectedBranch`, ...), or undefined when it is not a
 * GitLab dynamic resource. Every dynamic resource shares `pulumi-nodejs:dynamic:Resource`; the
 * providers put `kind` in both inputs and outputs, so this works on what `validateResource`
 * (inputs) and `validateStack` (outputs) receive alike.
 */
export function gitlabKind(r: TypedProps): string | undefined {
    if (r.type !== DYNAMIC_RESOURCE_TYPE) return undefined;
    const kind = known(() => r.props.kind);
    return typeof kind === "string" && kind.startsWith("gitlab:") ? kind : undefined;
}

/** Resources of one GitLab kind. */
export function ofKind<T extends TypedProps>(resources: readonly T[], kind: string): T[] {
    return resources.filter((r) => gitlabKind(r) === kind);
}

/**
 * Reads a value, or undefined when the engine does not know it yet (a preview of values only
 * the cloud computes). The SDK's props proxy throws `UnknownValueError` on such a read; a
 * policy that needs the value lets it escape (the SDK then reports "can't run during preview"),
 * a scan that only looks for bad values skips it with this.
 */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return undefined;
        throw e;
    }
}

/** `value` as a plain record, or undefined. */
export function asRecord(value: unknown): Record<string, any> | undefined {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, any>) : undefined;
}

/** Reads a nested property, stopping (undefined) at anything missing or unknown. */
export function getPath(value: unknown, path: readonly string[]): unknown {
    let current: unknown = value;
    for (const key of path) {
        const record = asRecord(current);
        if (!record) return undefined;
        current = known(() => record[key]);
        if (current === undefined) return undefined;
    }
    return current;
}

/** Whether `r` or one of its ancestors is of component type `type` (stack policies only: they have `parent`). */
export function hasAncestorOfType(r: PolicyResource, type: string): boolean {
    for (let p = r.parent; p; p = p.parent) {
        if (p.type === type) return true;
    }
    return false;
}
