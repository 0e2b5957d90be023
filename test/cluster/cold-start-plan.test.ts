import * as pulumi from "@pulumi/pulumi";
import { createCluster } from "../../infra/cluster";
import { userDataSummary } from "../../infra/cluster/node-user-data";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { ofType, one, runComponents } from "../harness";
import { allOptions, stackConfig } from "./fixtures";
import { coldStartSummary } from "../../infra/cold-start/summary";
import { keySettings } from "../../infra/plan/plan";

describe("cold-start options in the plan (EKS, every option on)", () => {
    let resources: RecordedResource[];
    beforeAll(async () => {
        const config = stackConfig("dev", allOptions);
        resources = (await runComponents(() => createCluster("dev-cluster", config, { jupyterhubOAuthClientSecret: pulumi.secret("x") }), "dev")).resources;
    });

    it("restores the Bottlerocket data volume from the cache snapshot, initialising at the provisioned rate, with parallel pulls off", () => {
        const lt = one(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-gpu").inputs;
        expect(lt.blockDeviceMappings).toEqual([
            { deviceName: "/dev/xvdb", ebs: { volumeSize: 200, volumeType: "gp3", snapshotId: "snap-0123456789abcdef0", volumeInitializationRate: 300, throughput: expect.any(Number), iops: expect.any(Number), deleteOnTermination: "true" } },
        ]);
        // Bottlerocket wipes images when the snapshotter changes: with the cache the pool keeps overlayfs.
        expect(lt.userData).toBeUndefined();
        expect(userDataSummary(one(resources, "aws:ec2/launchTemplate:LaunchTemplate", "dev-cluster-user").inputs.userData)).toMatch(/FastImagePull=true/);
    });

    it("schedules warm capacity on every zone's Auto Scaling group: the minimum up at the start, back to the pool's at the stop", () => {
        const schedules = ofType(resources, "aws:autoscaling/schedule:Schedule");
        expect(schedules.map((s) => s.name).sort()).toEqual([
            "dev-cluster-gpu-0-warm-start", "dev-cluster-gpu-0-warm-stop", "dev-cluster-gpu-1-warm-start", "dev-cluster-gpu-1-warm-stop",
            "dev-cluster-user-0-warm-start", "dev-cluster-user-0-warm-stop", "dev-cluster-user-1-warm-start", "dev-cluster-user-1-warm-stop",
        ]);
        expect(one(resources, "aws:autoscaling/schedule:Schedule", "dev-cluster-gpu-0-warm-start").inputs).toMatchObject({ recurrence: "0 8 * * MON-FRI", timeZone: "Europe/Berlin", minSize: 1, maxSize: -1, desiredCapacity: -1 });
        expect(one(resources, "aws:autoscaling/schedule:Schedule", "dev-cluster-user-1-warm-stop").inputs).toMatchObject({ recurrence: "0 18 * * 1-5", timeZone: "UTC", minSize: 0 });
    });

    it("creates the pull-through rule for quay.io and lets the node role import and create repositories under its prefix only", () => {
        expect(one(resources, "aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "dev-cluster-image-cache").inputs).toEqual({ ecrRepositoryPrefix: "quay", upstreamRegistryUrl: "quay.io" });
        const policy = JSON.parse(one(resources, "aws:iam/rolePolicy:RolePolicy", "dev-cluster-image-cache-nodes").inputs.policy);
        expect(policy.Statement).toEqual([
            { Sid: "PullThroughCacheImport", Effect: "Allow", Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], Resource: "arn:aws:ecr:us-west-2:123456789012:repository/quay/*" },
        ]);
    });

    it("shows in the plan each volume's gp3 rate and snapshot, the parallel pulls, the schedules and the pull-through rule", () => {
        // As `npm run plan` prints them: from the redacted inputs.
        const shown = (type: string, name: string) => {
            const r = one(resources, type, name);
            return keySettings({ ...r, inputs: r.redactedInputs });
        };
        const lt = "aws:ec2/launchTemplate:LaunchTemplate";
        expect(shown(lt, "dev-cluster-gpu")).toBe(
            "imdsTokens=required  hopLimit=1  volume=200 GiB gp3, 175 MiB/s, 3000 IOPS, from snap-0123456789abcdef0 (initialising at 300 MiB/s)",
        );
        expect(shown(lt, "dev-cluster-user")).toBe(
            "imdsTokens=required  hopLimit=1  volume=100 GiB gp3, 125 MiB/s, 3000 IOPS, encrypted  userData=nodeadm NodeConfig (featureGates: FastImagePull=true)",
        );
        expect(shown("aws:autoscaling/schedule:Schedule", "dev-cluster-gpu-0-warm-start")).toMatch(
            /^scheduledActionName=ml-team-env-warm-start {2}recurrence=0 8 \* \* MON-FRI {2}timeZone=Europe\/Berlin {2}minSize=1 {2}autoscalingGroupName=eks-dev-cluster-gpu-0-\w+$/,
        );
        expect(shown("aws:autoscaling/schedule:Schedule", "dev-cluster-user-1-warm-stop")).toMatch(/recurrence=0 18 \* \* 1-5 {2}timeZone=UTC {2}minSize=0 /);
        expect(shown("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "dev-cluster-image-cache")).toBe("ecrRepositoryPrefix=quay  upstreamRegistryUrl=quay.io");
    });

    it("says in the stack output what a cold GPU notebook takes and what warm capacity costs per month at list price", () => {
        expect(coldStartSummary(stackConfig("dev", allOptions))).toEqual({
            gpuNotebookFromZero: expect.stringMatching(/^2 min \d\d s \(modelled/),
            gpuWarmCapacity: expect.stringMatching(/^2 node\(s\) × 239 h\/month ≈ \$\d+\/month at list price \(g5.xlarge/),
            // 7:30–18:00 on weekdays: 10.5 h × 261 days / 12.
            userWarmCapacity: expect.stringMatching(/^2 node\(s\) × 228 h\/month ≈ \$93\/month at list price \(m6i.xlarge/),
        });
        expect(coldStartSummary(stackConfig("onprem"))).toBeUndefined();
    });
});
