/**
 * The AWS calls the preflight makes, behind an interface so tests pass fakes; the real
 * implementation uses the SDK's STS, EC2 and Service Quotas clients with the SDK's default
 * credential chain (environment, profile, SSO, instance or task role). Read-only calls only.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import type { STSClient } from "@aws-sdk/client-sts";

/** An availability zone (or Local/Wavelength Zone) as DescribeAvailabilityZones lists it. */
export interface ZoneInfo {
    readonly name: string;
    readonly zoneId: string;
    /** `availability-zone`, `local-zone` or `wavelength-zone`. */
    readonly zoneType: string;
    /** `available`, `information`, `impaired`, `unavailable`, `constrained`. */
    readonly state: string;
}

/** A service quota's value (vCPUs for the EC2 instance quotas). */
export interface QuotaInfo {
    readonly value: number;
    readonly name: string;
    /** True when the account's own value could not be read and AWS's default stands in for it. */
    readonly isDefault: boolean;
}

/** What the AWS checks call. Every method may throw the SDK's errors; `classifyAwsError` sorts them. */
export interface AwsDoctorApi {
    /** `sts:GetCallerIdentity`. */
    callerIdentity(): Promise<{ account: string; arn: string }>;
    /** The region's opt-in status (`opt-in-not-required`, `opted-in`, `not-opted-in`), or undefined when it is not a region of the partition. */
    regionOptInStatus(region: string): Promise<string | undefined>;
    /** The zones the account sees in the stack's region (opted-in Local Zones included, as the aws provider sees them). */
    availabilityZones(): Promise<readonly ZoneInfo[]>;
    /** The zone of each subnet. */
    subnetZones(subnetIds: readonly string[]): Promise<Readonly<Record<string, string>>>;
    /** For each instance type, the zones of the region that offer it. */
    instanceTypeZones(instanceTypes: readonly string[]): Promise<Readonly<Record<string, readonly string[]>>>;
    /** vCPUs of each instance type EC2 knows (unknown types are left out). */
    instanceTypeVcpus(instanceTypes: readonly string[]): Promise<Readonly<Record<string, number>>>;
    /** An EC2 quota in the stack's region, by quota code. */
    serviceQuota(quotaCode: string): Promise<QuotaInfo>;
}

/** Builds the API for the stack's region. */
export type AwsApiFactory = (region: string) => AwsDoctorApi;

/** What an AWS failure means for the preflight. */
export type AwsErrorKind = "no-credentials" | "bad-credentials" | "access-denied" | "other";

/**
 * Sorts an SDK error: no credentials anywhere in the default chain (a skip, not a failure),
 * credentials that exist but do not work (a problem), a permission the principal lacks
 * (that check is skipped), or anything else.
 */
export function classifyAwsError(e: unknown): AwsErrorKind {
    const err = e as { name?: string; Code?: string; message?: string };
    const name = err?.name ?? err?.Code ?? "";
    const message = err?.message ?? "";
    // The chain's last link (credential-provider-node): every source was tried and none had credentials.
    if (name === "CredentialsProviderError" && /Could not load credentials from any providers/.test(message)) return "no-credentials";
    // Any other provider error is a configured source that failed: a missing profile, an expired SSO session.
    if (name === "CredentialsProviderError" || name === "TokenProviderError") return "bad-credentials";
    if (["ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "AuthFailure", "InvalidAccessKeyId", "RequestExpired"].includes(name)) return "bad-credentials";
    if (["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"].includes(name)) return "access-denied";
    return "other";
}

/** A one-line description of an SDK error, without request ids. */
export function awsErrorText(e: unknown): string {
    const err = e as { name?: string; message?: string };
    const name = err?.name && err.name !== "Error" ? `${err.name}: ` : "";
    return `${name}${(err?.message ?? String(e)).split("\n")[0]}`;
}

/** A region that every account has enabled in the region's partition: where identity and region status are asked. */
export function controlRegion(region: string): string {
    if (region.startsWith("us-gov-")) return "us-gov-west-1";
    if (region.startsWith("cn-")) return "cn-north-1";
    return "us-east-1";
}

/**
 * The real API. STS and DescribeRegions go to `controlRegion`: in an opt-in region that is
 * not enabled every call fails as if the credentials were bad, which would hide the real
 * cause. Zones, offerings and quotas go to the stack's region. The SDK is loaded on first
 * use, so runs that never reach AWS do not pay for loading it.
 */
export const sdkAwsApi: AwsApiFactory = (region) => {
    // The package supports Node 20 (engines); the SDK's notice about its own future releases is not a preflight finding.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    let clients: { sts: STSClient; ec2Control: EC2Client; ec2: EC2Client; quotas: ServiceQuotasClient } | undefined;
    const sdk = () => ({
        ec2: require("@aws-sdk/client-ec2") as typeof import("@aws-sdk/client-ec2"),
        sts: require("@aws-sdk/client-sts") as typeof import("@aws-sdk/client-sts"),
        quotas: require("@aws-sdk/client-service-quotas") as typeof import("@aws-sdk/client-service-quotas"),
    });
    const get = () => {
        if (!clients) {
            const { ec2, sts, quotas } = sdk();
            clients = {
                sts: new sts.STSClient({ region: controlRegion(region) }),
                ec2Control: new ec2.EC2Client({ region: controlRegion(region) }),
                ec2: new ec2.EC2Client({ region }),
                quotas: new quotas.ServiceQuotasClient({ region }),
            };
        }
        return clients;
    };
    return {
        async callerIdentity() {
            const out = await get().sts.send(new (sdk().sts.GetCallerIdentityCommand)({}));
            return { account: out.Account ?? "", arn: out.Arn ?? "" };
        },
        async regionOptInStatus(name) {
            const out = await get().ec2Control.send(new (sdk().ec2.DescribeRegionsCommand)({ AllRegions: true, Filters: [{ Name: "region-name", Values: [name] }] }));
            return out.Regions?.find((r) => r.RegionName === name)?.OptInStatus;
        },
        async availabilityZones() {
            const out = await get().ec2.send(new (sdk().ec2.DescribeAvailabilityZonesCommand)({}));
            return (out.AvailabilityZones ?? []).map((z) => ({ name: z.ZoneName ?? "", zoneId: z.ZoneId ?? "", zoneType: z.ZoneType ?? "availability-zone", state: z.State ?? "" }));
        },
        async subnetZones(subnetIds) {
            const out = await get().ec2.send(new (sdk().ec2.DescribeSubnetsCommand)({ SubnetIds: [...subnetIds] }));
            return Object.fromEntries((out.Subnets ?? []).map((s) => [s.SubnetId ?? "", s.AvailabilityZone ?? ""]));
        },
        async instanceTypeZones(instanceTypes) {
            const zones: Record<string, string[]> = Object.fromEntries(instanceTypes.map((t) => [t, []]));
            const { paginateDescribeInstanceTypeOfferings } = sdk().ec2;
            for await (const page of paginateDescribeInstanceTypeOfferings({ client: get().ec2 }, { LocationType: "availability-zone", Filters: [{ Name: "instance-type", Values: [...instanceTypes] }] })) {
                for (const o of page.InstanceTypeOfferings ?? []) if (o.InstanceType && o.Location) (zones[o.InstanceType] ??= []).push(o.Location);
            }
            return zones;
        },
        async instanceTypeVcpus(instanceTypes) {
            const vcpus: Record<string, number> = {};
            // One call per type: a type EC2 does not know fails the whole call (InvalidInstanceType).
            for (const type of instanceTypes) {
                try {
                    const out = await get().ec2.send(new (sdk().ec2.DescribeInstanceTypesCommand)({ InstanceTypes: [type as import("@aws-sdk/client-ec2")._InstanceType] }));
                    const v = out.InstanceTypes?.[0]?.VCpuInfo?.DefaultVCpus;
                    if (v !== undefined) vcpus[type] = v;
                } catch (e) {
                    if ((e as { name?: string }).name !== "InvalidInstanceType") throw e;
                }
            }
            return vcpus;
        },
        async serviceQuota(quotaCode) {
            const { GetServiceQuotaCommand, GetAWSDefaultServiceQuotaCommand } = sdk().quotas;
            try {
                const out = await get().quotas.send(new GetServiceQuotaCommand({ ServiceCode: "ec2", QuotaCode: quotaCode }));
                return { value: out.Quota?.Value ?? 0, name: out.Quota?.QuotaName ?? quotaCode, isDefault: false };
            } catch (e) {
                // An account that never changed a quota may have no applied value to read: AWS's default is the value then.
                if ((e as { name?: string }).name !== "NoSuchResourceException") throw e;
                const out = await get().quotas.send(new GetAWSDefaultServiceQuotaCommand({ ServiceCode: "ec2", QuotaCode: quotaCode }));
                return { value: out.Quota?.Value ?? 0, name: out.Quota?.QuotaName ?? quotaCode, isDefault: true };
            }
        },
    };
};
