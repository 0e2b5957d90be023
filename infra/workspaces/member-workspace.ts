import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NotebookProfile, TeamMember } from "../config/schema";
import { createImagePullSecret, ImagePullSecret } from "../environment/image-pull-secret";
import { HUB_SERVICE_ACCOUNT, MEMBER_CONFIG_MAP, WORKSPACE_LABEL } from "./hub-objects";
import { userClaimName, userNamespace, usernameSlug } from "./kubespawner-slug";
import { EgressDestination } from "./private-egress";
import { hubRoleRules, memberConfigMapData, memberLimitRange, memberNetworkPolicy, memberQuota } from "./member-manifests";

export interface MemberWorkspaceArgs {
    /** The member's stack entry (GitLab username, GPU quota, allowed profiles). */
    readonly member: Pick<TeamMember, "username" | "gpus" | "sharedGpus" | "profiles">;
    /** Every notebook profile of the stack (the member is offered those their entry allows). */
    readonly profiles: readonly NotebookProfile[];
    /** Home volume size. */
    readonly storageGiB: number;
    /** StorageClass of the home volume (reclaim policy Retain). */
    readonly storageClassName: pulumi.Input<string>;
    /** The hub's namespace (user namespaces are `<hub namespace>-<slug>`). */
    readonly hubNamespace: string;
    /** The cluster's provider (server-side apply, so a retained object is adopted, not refused). */
    readonly provider: k8s.Provider;
    /** Image pull Secret to create in the namespace, when the registry is private. @default none */
    readonly imagePullSecret?: ImagePullSecret;
    /** Private destinations the notebook may reach (a self-managed GitLab, a mirror), on their ports. @default none */
    readonly privateEgress?: readonly EgressDestination[];
}

/**
 * Server-side apply takes objects that already exist instead of failing with AlreadyExists, and
 * `patchForce` takes over fields another manager set: a returning member gets the namespace and
 * volume they left behind.
 */
const ADOPT = { "pulumi.com/patchForce": "true" };

/**
 * One developer's workspace: their namespace and home volume (both kept when they leave: their
 * work survives offboarding and `destroy`), and what grants access, which goes when they leave:
 * GPU quota, container defaults, network isolation, the hub's rights there and the profile
 * list the hub offers them.
 */
export class MemberWorkspace extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: MemberWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:workspaces:MemberWorkspace", name, {}, opts);
        const inCluster = { parent: this, provider: args.provider };
        const labels = { "app.kubernetes.io/managed-by": "ml-team-env", "ml-team-env/member": usernameSlug(args.member.username), [WORKSPACE_LABEL]: "true" };

        const ns = new k8s.core.v1.Namespace(name, { metadata: { name: userNamespace(args.hubNamespace, args.member.username), labels, annotations: ADOPT } }, { ...inCluster, retainOnDelete: true });
        const meta = { namespace: ns.metadata.name, labels };
        new k8s.core.v1.PersistentVolumeClaim(
            `${name}-home`,
            {
                // skipAwait: the claim binds when the first notebook pod lands (WaitForFirstConsumer), not now.
                metadata: { ...meta, name: userClaimName(args.member.username), annotations: { ...ADOPT, "pulumi.com/skipAwait": "true" } },
                spec: { accessModes: ["ReadWriteOnce"], storageClassName: args.storageClassName, resources: { requests: { storage: `${args.storageGiB}Gi` } } },
            },
            { ...inCluster, retainOnDelete: true },
        );
        new k8s.core.v1.ResourceQuota(`${name}-quota`, { metadata: { ...meta, name: "member-quota" }, spec: { hard: memberQuota(args.member.gpus, args.storageGiB, args.member.sharedGpus) } }, inCluster);
        new k8s.core.v1.LimitRange(`${name}-defaults`, { metadata: { ...meta, name: "member-defaults" }, spec: { limits: memberLimitRange() } }, inCluster);
        new k8s.networking.v1.NetworkPolicy(`${name}-isolation`, { metadata: { ...meta, name: "member-isolation" }, spec: memberNetworkPolicy(args.hubNamespace, args.privateEgress) }, inCluster);
        new k8s.core.v1.ConfigMap(`${name}-profiles`, { metadata: { ...meta, name: MEMBER_CONFIG_MAP }, data: memberConfigMapData(args.member, args.profiles) }, inCluster);
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
        if (args.imagePullSecret) createImagePullSecret(`${name}-image-pull`, args.imagePullSecret, meta, inCluster);
        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace });
    }
}
