/** Stack files, captured command output and fake AWS accounts for the doctor tests. */
import { stringify } from "yaml";
import { AwsApiFactory, AwsDoctorApi, ZoneInfo } from "../../infra/doctor/aws-api";
import { EC2_VCPU_QUOTAS } from "../../infra/doctor/aws-checks";
import { validRaw } from "../config/fixtures";
import { tempStack } from "../support/temp-stack";

export { capture } from "../support/cli-io";

/** A stack config (the `ml-team-env:*` keys without the prefix) with the test's changes. */
export function stackRaw(change: (raw: Record<string, any>) => void = () => undefined): Record<string, any> {
    const raw = validRaw();
    change(raw);
    return raw;
}

/**
 * Writes `stacks/Pulumi.<name>.yaml` in a fresh directory and returns the directory. The
 * OAuth secret is set (encrypted, as `pulumi config set --secret` writes it) unless `secrets` says otherwise.
 */
export function writeStack(name: string, raw: Record<string, any>, secrets: readonly string[] = ["jupyterhubOAuthClientSecret"]): string {
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) config[`ml-team-env:${k}`] = v;
    for (const s of secrets) config[`ml-team-env:${s}`] = { secure: "v1:AAAAAAAAAAAAAAAA:encrypted" };
    return tempStack(name, stringify({ config }), "ml-team-env-doctor-");
}

/** The error the SDK's default credential chain throws when no source has credentials. */
export function noCredentialsError(): Error {
    return Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
}

/** An SDK-shaped service error. */
export function awsError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

const QUOTA_NAMES = Object.fromEntries(Object.values(EC2_VCPU_QUOTAS).map((q) => [q.code, q.name]));

/** A fake account: four zones in the region, every type offered everywhere, generous quotas; override what a test needs. */
export function fakeAws(over: Partial<AwsDoctorApi> = {}): AwsApiFactory & { regions: string[] } {
    const regions: string[] = [];
    const factory = (region: string): AwsDoctorApi => {
        regions.push(region);
        const zones: ZoneInfo[] = ["a", "b", "c", "d"].map((s, i) => ({ name: `${region}${s}`, zoneId: `usw2-az${i + 1}`, zoneType: "availability-zone", state: "available" }));
        return {
            callerIdentity: async () => ({ account: "123456789012", arn: "arn:aws:iam::123456789012:user/deployer" }),
            regionOptInStatus: async () => "opt-in-not-required",
            availabilityZones: async () => zones,
            subnetZones: async (ids) => Object.fromEntries(ids.map((id, i) => [id, zones[i % zones.length]!.name])),
            instanceTypeZones: async (types) => Object.fromEntries(types.map((t) => [t, zones.map((z) => z.name)])),
            instanceTypeVcpus: async () => ({}),
            serviceQuota: async (code) => ({ value: 1000, name: QUOTA_NAMES[code] ?? code, isDefault: false }),
            ...over,
        };
    };
    return Object.assign(factory, { regions });
}

/** An account the default chain finds no credentials for. */
export const noAwsCredentials = fakeAws({
    callerIdentity: async () => {
        throw noCredentialsError();
    },
});
