import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Name of the StorageClass for users' notebook volumes. */
export const USER_STORAGE_CLASS = "gp3-encrypted-retain";
/** Name of the cluster's default StorageClass. */
export const DEFAULT_STORAGE_CLASS = "gp3-encrypted";

/**
 * StorageClass specs for EBS gp3, encrypted (the account's EBS key). Volumes bind where their
 * pod lands (an EBS volume lives in one zone) and may grow. Users' volumes are retained when
 * their claim goes, so a deleted PVC never deletes a developer's work.
 */
export function storageClassSpecs(): { name: string; reclaimPolicy: "Delete" | "Retain"; isDefault: boolean }[] {
    return [
        { name: DEFAULT_STORAGE_CLASS, reclaimPolicy: "Delete", isDefault: true },
        { name: USER_STORAGE_CLASS, reclaimPolicy: "Retain", isDefault: false },
    ];
}

export interface StorageClassesArgs {
    /** CSI provisioner, e.g. `ebs.csi.aws.com`. */
    readonly provisioner: string;
}

/** The default encrypted gp3 StorageClass and the retaining one for users' volumes. */
export class StorageClasses extends pulumi.ComponentResource {
    readonly userStorageClassName: pulumi.Output<string>;

    constructor(name: string, args: StorageClassesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:cluster:StorageClasses", name, {}, opts);
        const classes = storageClassSpecs().map(
            (spec) =>
                new k8s.storage.v1.StorageClass(
                    spec.name,
                    {
                        metadata: {
                            name: spec.name,
                            annotations: spec.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {},
                        },
                        provisioner: args.provisioner,
                        parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
                        reclaimPolicy: spec.reclaimPolicy,
                        volumeBindingMode: "WaitForFirstConsumer",
                        allowVolumeExpansion: true,
                    },
                    { parent: this },
                ),
        );
        this.userStorageClassName = classes[1]!.metadata.name;
        this.registerOutputs({ userStorageClassName: this.userStorageClassName });
    }
}
