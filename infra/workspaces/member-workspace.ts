import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { userNamespace } from "./kubespawner-slug";
import { HUB_SERVICE_ACCOUNT, hubRoleRules, memberLimitRange, memberQuota, notebookIngressPolicy } from "./member-manifests";

export interface MemberWorkspaceArgs {
    /** GitLab username, which is also the hub username. */
    readonly username: string;
    /** GPUs the member may use at once. */
    readonly gpus: number;
    /** Home volume size, for the storage quota. */
    readonly storageGiB: number;
    /** The hub's namespace (user namespaces are `<hub namespace>-<slug>`). */
    readonly hubNamespace: string;
    /** The cluster's provider. */
    readonly provider: k8s.Provider;
    /** Image pull Secret to create in the namespace, when the registry is private. @default none */
    readonly imagePullSecret?: { readonly name: string; readonly dockerConfigJson: pulumi.Input<string> };
}

/**
 * One developer's workspace: their namespace, GPU quota, container defaults, network
 * isolation and the hub's rights there. The namespace is retained when the member is
 * offboarded: deleting a namespace deletes the PVCs in it, and the home volume is theirs.
 * Everything that grants access (quota, RBAC) is removed.
 */
export class MemberWorkspace extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: MemberWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:workspaces:MemberWorkspace", name, {}, opts);
        const inCluster = { parent: this, provider: args.provider };
        const nsName = userNamespace(args.hubNamespace, args.username);
        const labels = { "app.kubernetes.io/managed-by": "ml-team-env", "ml-team-env/member": nsName.slice(args.hubNamespace.length + 1) };

        const ns = new k8s.core.v1.Namespace(name, { metadata: { name: nsName, labels } }, { ...inCluster, retainOnDelete: true });
        const meta = { namespace: ns.metadata.name, labels };
        new k8s.core.v1.ResourceQuota(`${name}-quota`, { metadata: { ...meta, name: "member-quota" }, spec: { hard: memberQuota(args.gpus, args.storageGiB) } }, inCluster);
        new k8s.core.v1.LimitRange(`${name}-defaults`, { metadata: { ...meta, name: "member-defaults" }, spec: { limits: memberLimitRange() } }, inCluster);
        new k8s.networking.v1.NetworkPolicy(`${name}-ingress`, { metadata: { ...meta, name: "notebook-ingress-from-hub" }, spec: notebookIngressPolicy(args.hubNamespace) }, inCluster);
        const role = new k8s.rbac.v1.Role(`${name}-hub`, { metadata: { ...meta, name: "jupyterhub-spawner" }, rules: hubRoleRules() }, inCluster);
        new k8s.rbac.v1.RoleBinding(
            `${name}-hub`,
            {
                metadata: { ...meta, name: "jupyterhub-spawner" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: HUB_SERVICE_ACCOUNT, namespace: args.hubNamespace }],
            },
            inCluster,
        );
        if (args.imagePullSecret) {
            new k8s.core.v1.Secret(
                `${name}-image-pull`,
                {
                    metadata: { ...meta, name: args.imagePullSecret.name },
                    type: "kubernetes.io/dockerconfigjson",
                    stringData: { ".dockerconfigjson": pulumi.secret(args.imagePullSecret.dockerConfigJson) },
                },
                inCluster,
            );
        }
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
