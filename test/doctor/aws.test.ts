/**
 * The AWS checks of `npm run doctor` with fake accounts (and once with the real SDK and no
 * credentials): quotas against what the pools can reach, instance types per zone, the zones
 * the VPC takes, the region, and credentials that are missing or do not work.
 */
import { doctorMain } from "../../infra/cli/doctor";
import { classifyAwsError, sdkAwsApi } from "../../infra/doctor/aws-api";
import { nodePools, quotaDemands, quotaFor } from "../../infra/doctor/aws-checks";
import { runAwsChecks } from "../../infra/doctor/aws-preflight";
import { CheckResult } from "../../infra/doctor/report";
import { ClusterConfig, clusterSchema, EksClusterConfig } from "../../infra/config/schema";
import { awsError, capture, fakeAws, noCredentialsError, stackRaw, writeStack } from "./fixtures";

/** An EKS cluster config with the schema's defaults, as validation hands it on. */
function eks(over: Record<string, unknown> = {}): EksClusterConfig {
    return clusterSchema.parse({ mode: "eks", region: "us-west-2", ...over }) as EksClusterConfig;
}

const byId = (checks: readonly CheckResult[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

describe("vCPU quotas", () => {
    it("a G quota below what the GPU pool can reach: a problem with the request command, printed to paste", async () => {
        const aws = fakeAws({ serviceQuota: async (code) => ({ value: code === "L-DB2E81BA" ? 8 : 1000, name: code === "L-DB2E81BA" ? "Running On-Demand G and VT instances" : "Standard", isDefault: false }) });
        const dir = writeStack("t", stackRaw((raw) => (raw.cluster.gpuNodePool = { instanceTypes: ["g5.xlarge", "g5.2xlarge"], maxSize: 3 })), ["jupyterhubOAuthClientSecret", "gitlabToken", "ciBotToken"]);
        const io = capture(dir, {});
        const code = await doctorMain(["--stack", "t"], io, { aws });
        expect(code).toBe(1);
        expect(aws.regions).toEqual(["us-west-2"]);
        // 2 zones × 3 nodes × 8 vCPUs of the larger type = 48.
        expect(io.stdout).toMatch(/✗ quota L-DB2E81BA: 'Running On-Demand G and VT instances' is 8 vCPUs in us-west-2, but the pools\s+can reach 48/);
        expect(io.stdout).toContain("· GPU pool: 2 zones × 3 = 6 nodes × 8 vCPUs (g5.2xlarge) = 48");
        expect(io.stdout).toContain("      $ aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-DB2E81BA --desired-value 48 --region us-west-2\n");
        expect(io.stdout).toContain("✓ quota L-1216C47A: 'Standard' is 1000 vCPUs in us-west-2; the pools can reach 32");
        expect(io.stdout).toContain("✓ credentials: account 123456789012 as arn:aws:iam::123456789012:user/deployer");
    });

    it("SPOT GPU capacity counts against the spot quota; P types against the P quotas; standard types against Standard", () => {
        expect(quotaFor("g5.xlarge", "SPOT")?.code).toBe("L-3819A6DF");
        expect(quotaFor("g6e.12xlarge", "ON_DEMAND")?.code).toBe("L-DB2E81BA");
        expect(quotaFor("p4d.24xlarge", "ON_DEMAND")?.code).toBe("L-417A185B");
        expect(quotaFor("p5.48xlarge", "SPOT")?.code).toBe("L-7212CCBC");
        expect(quotaFor("m6i.large", "ON_DEMAND")?.code).toBe("L-1216C47A");
        expect(quotaFor("t3.large", "SPOT")?.code).toBe("L-34B43A08");
        for (const other of ["inf2.xlarge", "trn1.2xlarge", "dl1.24xlarge", "x2idn.16xlarge"]) expect(quotaFor(other, "ON_DEMAND")).toBeUndefined();
        const pools = nodePools(eks({ availabilityZoneCount: 3, gpuNodePool: { instanceTypes: ["g5.12xlarge", "p3.8xlarge"], capacityType: "SPOT", maxSize: 1 } }));
        const { demands } = quotaDemands(pools, 3, (t) => ({ "g5.12xlarge": 48, "p3.8xlarge": 32, "m6i.xlarge": 4, "m6i.large": 2 })[t]);
        expect(demands.map((d) => [d.quota.code, d.needed])).toEqual([
            ["L-3819A6DF", 144],
            ["L-7212CCBC", 96],
            ["L-1216C47A", 3 * 3 * 4 + 4 * 2],
        ]);
    });

    it("a quota the credentials may not read is skipped naming the permission; a type doctor does not know is sized by EC2", async () => {
        const checks = await runAwsChecks(
            eks({ gpuNodePool: { instanceTypes: ["g7.xlarge"], gpusPerNode: 1 } }),
            fakeAws({
                instanceTypeVcpus: async (types) => Object.fromEntries(types.map((t) => [t, 6])),
                serviceQuota: async (code) => {
                    if (code === "L-1216C47A") throw awsError("AccessDeniedException", "User is not authorized to perform: servicequotas:GetServiceQuota");
                    return { value: 100, name: "G", isDefault: true };
                },
            }),
        );
        const c = byId(checks);
        expect(c["aws.quota.L-DB2E81BA"]).toMatchObject({ status: "ok", summary: "'G' is 100 vCPUs in us-west-2; the pools can reach 24" });
        expect(c["aws.quota.L-DB2E81BA"]!.details).toContain("the account's own value could not be read; this is AWS's default");
        expect(c["aws.quota.L-1216C47A"]!.status).toBe("skipped");
        expect(c["aws.quota.L-1216C47A"]!.summary).toMatch(/^the credentials may not call servicequotas:GetServiceQuota/);
    });
});

describe("zones and instance types", () => {
    it("a GPU type not offered in one of the zones the VPC uses: a problem naming type, pool and zone", async () => {
        const checks = await runAwsChecks(
            eks({ availabilityZoneCount: 3 }),
            fakeAws({ instanceTypeZones: async (types) => Object.fromEntries(types.map((t) => [t, t === "g5.xlarge" ? ["us-west-2a", "us-west-2b", "us-west-2d"] : ["us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"]])) }),
        );
        const c = byId(checks);
        expect(c["aws.zones"]).toMatchObject({ status: "ok", summary: "us-west-2 has 4 zones; the VPC uses us-west-2a, us-west-2b, us-west-2c (the first 3 by name)" });
        expect(c["aws.instance-types"]!.status).toBe("problem");
        expect(c["aws.instance-types"]!.summary).toBe(
            "g5.xlarge (GPU pool) is not offered in us-west-2c; us-west-2 offers it in us-west-2a, us-west-2b, us-west-2d: a node group there cannot launch it",
        );
        expect(c["aws.instance-types"]!.details).toEqual(["offered everywhere needed: m6i.xlarge (user pool), m6i.large (system node group)"]);
    });

    it("an opted-in Local Zone sorts before the region's zones and would take a subnet: a problem", async () => {
        const zones = [
            { name: "us-west-2a", zoneId: "usw2-az1", zoneType: "availability-zone", state: "available" },
            { name: "us-west-2b", zoneId: "usw2-az2", zoneType: "availability-zone", state: "available" },
            { name: "us-west-2-lax-1a", zoneId: "usw2-lax1-az1", zoneType: "local-zone", state: "available" },
        ];
        const c = byId(await runAwsChecks(eks(), fakeAws({ availabilityZones: async () => zones })));
        expect(c["aws.zones"]!.status).toBe("problem");
        expect(c["aws.zones"]!.summary).toMatch(/^the VPC would put node subnets in us-west-2-lax-1a \(a local-zone\)/);
    });

    it("fewer zones than availabilityZoneCount, and an existing VPC's subnets all in one zone: problems", async () => {
        const few = byId(await runAwsChecks(eks({ availabilityZoneCount: 3 }), fakeAws({ availabilityZones: async () => [{ name: "us-west-2a", zoneId: "a", zoneType: "availability-zone", state: "available" }, { name: "us-west-2b", zoneId: "b", zoneType: "availability-zone", state: "available" }] })));
        expect(few["aws.zones"]).toMatchObject({ status: "problem", fix: "set cluster.availabilityZoneCount: 2 or pick another region" });
        const vpc = { id: "vpc-0abc1234", privateSubnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"] };
        const one = byId(await runAwsChecks(eks({ vpc }), fakeAws({ subnetZones: async (ids) => Object.fromEntries(ids.map((id) => [id, "us-west-2a"])) })));
        expect(one["aws.zones"]!.summary).toBe("the private subnets are all in us-west-2a: EKS needs subnets in at least two zones");
    });

    it("an opt-in region the account has not enabled: a problem, with the command that enables it", async () => {
        const c = byId(await runAwsChecks(eks({ region: "ap-east-2" }), fakeAws({ regionOptInStatus: async () => "not-opted-in" })));
        expect(c["aws.region"]).toMatchObject({ status: "problem", command: "aws account enable-region --region-name ap-east-2" });
        expect(c["aws.zones"]).toMatchObject({ status: "skipped", summary: "ap-east-2 is not usable by this account" });
    });
});

describe("credentials", () => {
    it("none in the default chain: every AWS check skipped, with how to provide them; credentials that do not work: a problem", async () => {
        const none = await runAwsChecks(eks(), fakeAws({ callerIdentity: async () => Promise.reject(noCredentialsError()) }));
        expect(none.every((c) => c.status === "skipped")).toBe(true);
        expect(none[0]!.fix).toContain("aws configure");
        const expired = byId(await runAwsChecks(eks(), fakeAws({ callerIdentity: async () => Promise.reject(awsError("ExpiredToken", "The security token included in the request is expired")) })));
        expect(expired["aws.credentials"]).toMatchObject({ status: "problem", summary: "AWS credentials were found but do not work: ExpiredToken: The security token included in the request is expired" });
        expect(expired["aws.region"]!.status).toBe("skipped");
        expect(classifyAwsError(Object.assign(new Error("Profile ml-admin could not be found"), { name: "CredentialsProviderError" }))).toBe("bad-credentials");
        expect(classifyAwsError(awsError("UnauthorizedOperation", "no"))).toBe("access-denied");
    });

    it("cluster.mode existing: AWS is not asked at all", async () => {
        const aws = fakeAws();
        const existing = clusterSchema.parse({ mode: "existing", gpuNodeSelector: { "nvidia.com/gpu.present": "true" }, gpusPerNode: 1, gpuNodeCount: 1, storageClassName: "x" }) as ClusterConfig;
        const checks = await runAwsChecks(existing, aws);
        expect(checks).toEqual([expect.objectContaining({ id: "aws.cluster", status: "skipped" })]);
        expect(aws.regions).toEqual([]);
    });

    it("the real SDK with no credentials anywhere (no AWS_* variables, no config files, no instance metadata): skipped, not failed", async () => {
        const saved = { ...process.env };
        for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
        Object.assign(process.env, { AWS_CONFIG_FILE: "/nonexistent/aws-config", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials", AWS_EC2_METADATA_DISABLED: "true" });
        try {
            const checks = await runAwsChecks(eks(), sdkAwsApi);
            expect(checks[0]).toMatchObject({ id: "aws.credentials", status: "skipped" });
            expect(checks[0]!.summary).toMatch(/^no AWS credentials found/);
        } finally {
            for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
            Object.assign(process.env, saved);
        }
    });
});
