/**
 * The AWS side of the preflight: asks AWS, through `AwsDoctorApi`, what the checks in
 * `aws-checks.ts` judge. Without credentials every AWS check is skipped with the reason and
 * how to provide them; a call the principal may not make skips that check only.
 */
import { ClusterConfig, EksClusterConfig } from "../config/schema";
import { AwsApiFactory, AwsDoctorApi, awsErrorText, AwsErrorKind, classifyAwsError } from "./aws-api";
import { evaluateOfferings, evaluateQuota, evaluateZones, knownVcpus, nodePools, quotaCheckId, quotaDemands, skippedAwsChecks, zoneCountOf } from "./aws-checks";
import { CheckResult } from "./report";

/** How to give the SDK's default chain credentials, for the skip message. */
export const AWS_CREDENTIALS_HOWTO =
    "give the AWS SDK credentials the way the Pulumi AWS provider will use them: `aws configure` (a default profile), `aws sso login --profile NAME` then `export AWS_PROFILE=NAME`, or `export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...`; then run doctor again";

type Attempt<T> = { ok: true; value: T } | { ok: false; kind: AwsErrorKind; text: string };

async function attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
    try {
        return { ok: true, value: await call() };
    } catch (e) {
        return { ok: false, kind: classifyAwsError(e), text: awsErrorText(e) };
    }
}

/** The skip reason for a call that failed: a missing permission is named as the IAM action. */
function failedCall(action: string, a: { kind: AwsErrorKind; text: string }): string {
    return a.kind === "access-denied" ? `the credentials may not call ${action} (${a.text})` : `${action} failed: ${a.text}`;
}

function check(id: string, title: string, status: CheckResult["status"], summary: string, extra: { details?: string[]; fix?: string; command?: string } = {}): CheckResult {
    return { id: `aws.${id}`, group: "aws", title, status, summary, ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}), ...(extra.fix ? { fix: extra.fix } : {}), ...(extra.command ? { command: extra.command } : {}) };
}

/** Runs the AWS checks for a stack's cluster config. */
export async function runAwsChecks(cluster: ClusterConfig, factory: AwsApiFactory, progress: (line: string) => void = () => undefined): Promise<CheckResult[]> {
    if (cluster.mode !== "eks") {
        return [check("cluster", "cluster", "skipped", `cluster.mode is '${cluster.mode}': the stack creates no AWS resources, so there is nothing to check in AWS`)];
    }
    progress(`checking AWS in ${cluster.region}...`);
    return eksChecks(cluster, factory(cluster.region));
}

async function eksChecks(cluster: EksClusterConfig, api: AwsDoctorApi): Promise<CheckResult[]> {
    const region = cluster.region;
    const pools = nodePools(cluster);
    const zones = zoneCountOf(cluster);
    // Demands from the package's own table first, so a skip can still say what each quota must allow.
    const offline = quotaDemands(pools, zones, knownVcpus).demands;

    const identity = await attempt(() => api.callerIdentity());
    if (!identity.ok) {
        if (identity.kind === "no-credentials") {
            return [
                check("credentials", "credentials", "skipped", "no AWS credentials found (no AWS_ACCESS_KEY_ID, no AWS_PROFILE or default profile, no SSO session, no instance or task role); every AWS check was skipped", { fix: AWS_CREDENTIALS_HOWTO }),
                ...skippedAwsChecks("needs AWS credentials", offline),
            ];
        }
        return [
            check("credentials", "credentials", "problem", `AWS credentials were found but do not work: ${identity.text}`, {
                fix: "renew them (`aws sso login`, new access keys) or point AWS_PROFILE at a working profile; check with `aws sts get-caller-identity`",
            }),
            ...skippedAwsChecks("the AWS credentials do not work", offline),
        ];
    }
    const results: CheckResult[] = [
        check("credentials", "credentials", "ok", `account ${identity.value.account} as ${identity.value.arn}`, {
            details: ["this principal creates the cluster and becomes its admin (an access entry; an assumed role resolves to its role)"],
        }),
    ];

    const optIn = await attempt(() => api.regionOptInStatus(region));
    if (optIn.ok && (optIn.value === undefined || optIn.value === "not-opted-in")) {
        results.push(
            optIn.value === undefined
                ? check("region", "region", "problem", `${region} is not a region this account's partition has`, { fix: "set cluster.region to a region of the account's partition" })
                : check("region", "region", "problem", `${region} is an opt-in region that account ${identity.value.account} has not enabled: every call there fails`, {
                      fix: "enable it (AWS console → Account → AWS Regions) or pick another cluster.region",
                      command: `aws account enable-region --region-name ${region}`,
                  }),
        );
        return [...results, ...skippedAwsChecks(`${region} is not usable by this account`, offline, "region")];
    }
    results.push(optIn.ok ? check("region", "region", "ok", `${region} is enabled for account ${identity.value.account} (${optIn.value})`) : check("region", "region", "skipped", failedCall("ec2:DescribeRegions", optIn)));

    // Zones: the ones the VPC will use.
    const zoneList = await attempt(() => api.availabilityZones());
    const subnets = cluster.vpc === "create" ? undefined : await attempt(() => api.subnetZones((cluster.vpc as { privateSubnetIds: string[] }).privateSubnetIds));
    let used: string[] = [];
    if (!zoneList.ok) results.push(check("zones", "zones", "skipped", failedCall("ec2:DescribeAvailabilityZones", zoneList)));
    else if (subnets && !subnets.ok) {
        // A subnet EC2 does not know fails DescribeSubnets as a whole (InvalidSubnetID.NotFound), naming it.
        results.push(
            /^InvalidSubnetID/.test(subnets.text)
                ? check("zones", "zones", "problem", `a subnet of cluster.vpc.privateSubnetIds is not in ${region}: ${subnets.text}`, { fix: "list private subnets of the VPC in cluster.region" })
                : check("zones", "zones", "skipped", failedCall("ec2:DescribeSubnets", subnets)),
        );
    } else {
        const evaluated = evaluateZones(cluster, zoneList.value, subnets?.value);
        results.push(evaluated.check);
        used = evaluated.used;
    }

    // Instance types offered in those zones.
    const types = [...new Set(pools.flatMap((p) => p.instanceTypes))];
    if (used.length === 0) results.push(check("instance-types", "instance types", "skipped", "the zones the pools use are not known"));
    else {
        const offered = await attempt(() => api.instanceTypeZones(types));
        results.push(offered.ok ? evaluateOfferings(pools, used, offered.value, region) : check("instance-types", "instance types", "skipped", failedCall("ec2:DescribeInstanceTypeOfferings", offered)));
    }

    // Quotas: sizes this package does not know are asked of EC2.
    const unknownSizes = types.filter((t) => knownVcpus(t) === undefined);
    const asked = unknownSizes.length > 0 ? await attempt(() => api.instanceTypeVcpus(unknownSizes)) : { ok: true as const, value: {} as Readonly<Record<string, number>> };
    const sizes = asked.ok ? asked.value : {};
    const { demands, unchecked } = quotaDemands(pools, zones, (t) => knownVcpus(t) ?? sizes[t]);
    for (const d of demands) {
        const q = await attempt(() => api.serviceQuota(d.quota.code));
        const { id, title } = quotaCheckId(d.quota);
        results.push(q.ok ? evaluateQuota(d, q.value, region) : check(id, title, "skipped", `${failedCall("servicequotas:GetServiceQuota", q)}; the pools can reach ${d.needed ?? "an unknown number of"} vCPUs of '${d.quota.name}'`));
    }
    if (unchecked.length > 0) {
        results.push(
            check("quota.other", "other quotas", "skipped", `doctor knows the G and VT, P and Standard vCPU quotas only; check by hand the quota of ${unchecked.map((u) => `${u.instanceType} (${u.pool})`).join(", ")}`, {
                command: `aws service-quotas list-service-quotas --service-code ec2 --region ${region}`,
            }),
        );
    }
    return results;
}
