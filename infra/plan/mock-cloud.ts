/**
 * What the mock runtime answers in place of AWS and Kubernetes: the outputs a provider
 * would compute (ARNs, endpoints, ids) so that programs that chain them can run offline.
 * Values are obviously fake (account 123456789012) and deterministic, so plans diff cleanly.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

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

/** Outputs the mock gives a newly registered resource. */
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
        return { id, state };
    }
    if (type === "pulumi-nodejs:dynamic:Resource") {
        // What GitLab would return for the ids other resources use.
        const n = parseInt(hex(name, 6), 16) % 100000;
        if (inputs.kind === "gitlab:Project") Object.assign(state, { projectId: 1000 + n, webUrl: `${inputs.gitlabUrl}/${inputs.path}` });
        if (inputs.kind === "gitlab:ProtectedBranch") state.protectedBranchId = n;
        if (inputs.kind === "gitlab:ProjectMember") state.userId = n;
        if (inputs.kind === "gitlab:ApprovalRule") state.ruleId = n;
        if (inputs.kind === "ml-team-env:GeneratedSecret") state.value = hex(`generated:${name}`, inputs.bytes * 2);
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
    }
    return { id, state };
}

/** Answers to provider functions (data sources) the programs call. */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:sts::${MOCK_ACCOUNT_ID}:assumed-role/deployer/session`, userId: "AROAMOCK:session", id: MOCK_ACCOUNT_ID };
        case "aws:iam/getSessionContext:getSessionContext":
            return { arn: args.inputs.arn, issuerArn: MOCK_DEPLOYER_ARN, issuerName: "deployer", issuerId: "AROAMOCK", sessionName: "session" };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
            return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, description: "US West (Oregon)", endpoint: `ec2.${MOCK_REGION}.amazonaws.com` };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: ["a", "b", "c"].map((z) => MOCK_REGION + z), zoneIds: ["usw2-az1", "usw2-az2", "usw2-az3"], id: MOCK_REGION };
        default:
            return args.inputs;
    }
}
