/**
 * What the mock runtime answers in place of AWS and Kubernetes: the outputs a provider
 * would compute (ARNs, endpoints, ids) so that programs that chain them can run offline.
 * Values are obviously fake (account 123456789012) and deterministic, so plans diff cleanly.
 *
 * With `unknownComputed` (what the offline plan uses) the answers are those of a
 * `pulumi preview` of a stack that does not exist yet instead: every value the cloud
 * computes (ids, ARNs, endpoints, GitLab project ids, the deploying account) is the SDK's
 * unknown sentinel, so the program sees it as unknown and everything derived from it is
 * unknown too. Inputs the program set stay known.
 */
import type * as pulumi from "@pulumi/pulumi";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { createHash } from "crypto";
import { DYNAMIC_RESOURCE_TYPE } from "./resource-types";

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-west-2";
export const MOCK_DEPLOYER_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/deployer`;

function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

/** Resource ids shaped like the real ones for the types whose ids other resources check. */
function mockId(type: string, name: string): string {
    const prefixes: Record<string, string> = {
        "aws:ec2/vpc:Vpc": "vpc-",
        "aws:ec2/subnet:Subnet": "subnet-",
        "aws:ec2/securityGroup:SecurityGroup": "sg-",
        "aws:ec2/internetGateway:InternetGateway": "igw-",
        "aws:ec2/natGateway:NatGateway": "nat-",
        "aws:ec2/eip:Eip": "eipalloc-",
        "aws:ec2/routeTable:RouteTable": "rtb-",
        "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    };
    const prefix = prefixes[type];
    return prefix ? `${prefix}0${hex(type + name, 16)}` : `${name}-id`;
}

/** The service part of an ARN for a Pulumi AWS type token, e.g. `aws:iam/role:Role` → `iam`. */
function arnFor(type: string, name: string): string {
    const mod = type.split(":")[1]?.split("/")[0] ?? "unknown";
    const kind = type.split(":")[2]?.toLowerCase() ?? "resource";
    return `arn:aws:${mod}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${kind}/${name}`;
}

/** Outputs the mock gives a newly registered resource (fake but deterministic computed values). */
export function mockResourceState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const { type, name, inputs } = args;
    const id = args.id || mockId(type, name);
    const state: Record<string, any> = { ...inputs };
    if (type.startsWith("kubernetes:")) {
        // The Kubernetes provider auto-names objects; the mock uses the logical name so plans are stable.
        if (type !== "kubernetes:helm.sh/v3:Release" && state.metadata && state.metadata.name === undefined) {
            state.metadata = { ...state.metadata, name };
        } else if (!state.metadata && !type.startsWith("kubernetes:helm.sh") && type !== "pulumi:providers:kubernetes") {
            state.metadata = { name };
        }
        if (type === "kubernetes:helm.sh/v3:Release") {
            state.status = { name: state.name ?? name, namespace: state.namespace ?? "default", status: "deployed" };
        }
        if (type === "kubernetes:core/v1:Service" && args.id) {
            // A Service read from the cluster (the hub's proxy-public): the load balancer EKS gave it.
            state.status = { loadBalancer: { ingress: [{ hostname: `a${hex(args.id, 32)}-${hex(`${args.id}lb`, 16)}.elb.${MOCK_REGION}.amazonaws.com` }] } };
        }
        return { id, state };
    }
    if (type === DYNAMIC_RESOURCE_TYPE) {
        // What GitLab would return for the ids other resources use.
        const n = parseInt(hex(name, 6), 16) % 100000;
        if (inputs.kind === "gitlab:Project") Object.assign(state, { projectId: 1000 + n, webUrl: `${inputs.gitlabUrl}/${inputs.path}` });
        if (inputs.kind === "gitlab:ProtectedBranch") state.protectedBranchId = n;
        if (inputs.kind === "gitlab:ProjectMember") state.userId = n;
        if (inputs.kind === "gitlab:ApprovalRule") Object.assign(state, { ruleId: n, ruleType: "any_approver" });
        // A runner's one-time token, shaped like GitLab's (glrt- prefix); obviously fake.
        if (inputs.kind === "gitlab:Runner") Object.assign(state, { runnerId: n, token: `glrt-mock-${hex(`runner:${name}`, 20)}` });
        return { id, state };
    }
    if (type.startsWith("random:")) {
        // @pulumi/random: a deterministic "random" value of the requested size.
        const seed = `random:${name}`;
        const bytes = Number(inputs.byteLength ?? inputs.length ?? 16);
        if (type === "random:index/randomId:RandomId" || type === "random:index/randomBytes:RandomBytes") {
            const buf = Buffer.from(hex(seed, 64).repeat(Math.ceil(bytes / 32)).slice(0, bytes * 2), "hex");
            Object.assign(state, { hex: buf.toString("hex"), b64Std: buf.toString("base64"), b64Url: buf.toString("base64url"), base64: buf.toString("base64"), dec: BigInt(`0x${buf.toString("hex") || "0"}`).toString() });
        } else {
            state.result = hex(seed, 64).repeat(Math.ceil(bytes / 64)).slice(0, bytes);
        }
        return { id, state };
    }
    if (type.startsWith("aws:")) {
        state.arn = state.arn ?? arnFor(type, name);
        state.name = state.name ?? name;
        state.tagsAll = state.tags ?? {};
    }
    switch (type) {
        case "aws:eks/cluster:Cluster":
            state.endpoint = `https://${hex(name, 32).toUpperCase()}.gr7.${MOCK_REGION}.eks.amazonaws.com`;
            state.certificateAuthority = { data: Buffer.from("mock-ca-certificate").toString("base64") };
            state.identities = [{ oidcs: [{ issuer: `https://oidc.eks.${MOCK_REGION}.amazonaws.com/id/${hex(name, 32).toUpperCase()}` }] }];
            state.version = state.version ?? "1.33";
            state.clusterSecurityGroupId = state.vpcConfig ? `sg-0${hex(name + "sg", 16)}` : undefined;
            break;
        case "aws:eks/nodeGroup:NodeGroup":
            state.resources = [{ autoscalingGroups: [{ name: `eks-${state.nodeGroupName ?? name}-${hex(name, 8)}` }], remoteAccessSecurityGroupId: "" }];
            state.status = "ACTIVE";
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(state.url ?? "").replace(/^https:\/\//, "")}`;
            break;
        case "aws:iam/role:Role":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${state.name}`;
            break;
        case "aws:iam/policy:Policy":
            state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/${state.name}`;
            break;
        case "aws:kms/key:Key":
            state.keyId = hex(name, 8) + "-" + hex(name + "k", 4) + "-" + hex(name + "e", 4) + "-" + hex(name + "y", 4) + "-" + hex(name + "i", 12);
            state.arn = `arn:aws:kms:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:key/${state.keyId}`;
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            state.latestVersion = 1;
            state.defaultVersion = 1;
            break;
        case "aws:acm/certificate:Certificate": {
            state.arn = `arn:aws:acm:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate/${hex(name, 8)}-${hex(name + "c", 4)}-${hex(name + "e", 4)}-${hex(name + "r", 4)}-${hex(name + "t", 12)}`;
            // ACM's validation record: `_<token>.<name>.` CNAME `_<token>.<token>.acm-validations.aws.`.
            const domain = String(inputs.domainName);
            state.domainValidationOptions = [
                { domainName: domain, resourceRecordName: `_${hex(`${domain}name`, 32)}.${domain}.`, resourceRecordType: "CNAME", resourceRecordValue: `_${hex(`${domain}value`, 32)}.${hex(domain, 10)}.acm-validations.aws.` },
            ];
            state.status = "ISSUED";
            break;
        }
        case "aws:route53/record:Record":
            state.fqdn = state.name;
            break;
    }
    return { id, state };
}

/**
 * The state of a resource in a preview of its creation: the inputs as given, every other
 * output unknown, and no id yet. A name the provider would generate (AWS and Kubernetes
 * autonaming add a random suffix) is unknown too. Resources read or imported by id,
 * components and providers are answered as they are in `mockResourceState`.
 */
function previewResourceState(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
    const full = mockResourceState(args);
    // An object read from a cluster that does not exist yet has no status to read.
    if (args.id && args.type.startsWith("kubernetes:") && "status" in full.state) return { ...full, state: { ...full.state, status: unknownValue } };
    if (!args.custom || args.id || args.type.startsWith("pulumi:providers:")) return full;
    const state: Record<string, any> = {};
    for (const [key, value] of Object.entries(full.state)) state[key] = key in args.inputs ? value : unknownValue;
    if (args.type.startsWith("kubernetes:") && !args.type.startsWith("kubernetes:helm.sh")) {
        const metadata = (args.inputs.metadata ?? {}) as Record<string, unknown>;
        if (metadata.name === undefined) state.metadata = { ...metadata, name: unknownValue };
    }
    // An empty id is unknown to the SDK: `resource.id` and everything built on it stay unknown.
    return { id: "", state };
}

/** Data-source answers that depend on who deploys (their credentials): unknown offline. */
const CREDENTIAL_CALLS: ReadonlySet<string> = new Set(["aws:index/getCallerIdentity:getCallerIdentity", "aws:iam/getSessionContext:getSessionContext"]);

/** `mockCall`, with answers that depend on the deployer's credentials unknown. */
function previewCall(args: pulumi.runtime.MockCallArgs, region = MOCK_REGION): Record<string, any> {
    const answer = mockCall(args, region);
    if (!CREDENTIAL_CALLS.has(args.token)) return answer;
    return Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, k in args.inputs ? v : unknownValue]));
}

/**
 * The mock cloud of one run: answers registrations and data-source calls, and remembers each
 * explicit AWS provider's region so data sources answer for the region asked.
 */
export class MockCloud {
    private readonly regions = new Map<string, string>();

    constructor(private readonly options: { readonly unknownComputed?: boolean } = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
        if (args.type === "pulumi:providers:aws" && typeof args.inputs.region === "string") this.regions.set(args.name, args.inputs.region);
        return this.options.unknownComputed ? previewResourceState(args) : mockResourceState(args);
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        // A provider reference is `urn::id`; the URN ends with the provider's logical name.
        const providerName = args.provider?.split("::")[3];
        const region = (providerName && this.regions.get(providerName)) || MOCK_REGION;
        return this.options.unknownComputed ? previewCall(args, region) : mockCall(args, region);
    }
}

/** `us-west-2` → `usw2`, as AWS zone ids start. */
function zoneIdPrefix(region: string): string {
    const [geo = "", direction = "", n = ""] = region.split("-");
    return `${geo}${direction.charAt(0)}${n}`;
}

/** Answers to provider functions (data sources) the programs call. */
export function mockCall(args: pulumi.runtime.MockCallArgs, region = MOCK_REGION): Record<string, any> {
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/deployer/session`, userId: "AROAMOCK:session", id: MOCK_ACCOUNT_ID };
        case "aws:iam/getSessionContext:getSessionContext":
            return { arn: args.inputs.arn, issuerArn: MOCK_DEPLOYER_ARN, issuerName: "deployer", issuerId: "AROAMOCK", sessionName: "session" };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
        case "aws:route53/getZone:getZone":
            // A public hosted zone of that name: Route 53 zone ids are `Z` and 13 to 32 letters and digits.
            return { ...args.inputs, zoneId: `Z0${hex(String(args.inputs.name), 18).toUpperCase()}`, id: `Z0${hex(String(args.inputs.name), 18).toUpperCase()}`, nameServers: [] };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            // Zone names are the region plus a letter; zone ids (`usw2-az1`) are shaped like AWS's.
            return { names: ["a", "b", "c"].map((z) => region + z), zoneIds: [1, 2, 3].map((n) => `${zoneIdPrefix(region)}-az${n}`), id: region };
        default:
            return args.inputs;
    }
}
