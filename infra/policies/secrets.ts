/**
 * Tokens and kubeconfig are secrets: the Kubernetes provider's `kubeconfig` and the contents
 * of every Kubernetes Secret (the runner tokens, the hub Secret, pull secrets) must reach the
 * engine as Pulumi secrets, so state holds them encrypted and no preview prints them.
 *
 * How a policy can tell, with the engine and SDK this package pins (CLI engine
 * `sdk/go/common/resource/plugin/analyzer_plugin.go`, @pulumi/policy 1.21.0 `server.js`,
 * `deserialize.js`, `secret.js`, `proxy.js`):
 *
 * - The engine sends secret markers. `Analyze`, `AnalyzeStack` and `Remediate` all marshal
 *   properties with `KeepSecrets: true`: a secret arrives as `{ <sig>: <secret sig>, value }`.
 * - `validateResource` and `validateStack` cannot see them. For both, the SDK calls
 *   `deserializeProperties(props, false)`, which replaces every secret by its plain value: `props`
 *   holds no trace of secretness, `ResourceValidationArgs` and `PolicyResource` have no
 *   `isSecret`, and `opts.additionalSecretOutputs` covers outputs only. Any "is it a secret?"
 *   answered there would be a guess.
 * - `remediateResource` can. For it (and only for policies whose enforcement level is
 *   `remediate`) the SDK calls `deserializeProperties(props, true)`: each secret becomes a
 *   `Secret` (exported by @pulumi/policy) inside the raw object, wrapped in the SDK's
 *   `secretsPreservingProxy` (which unwraps on read) and `unknownCheckingProxy`. Both proxies
 *   hand out their target under the key `__getSpecialProxyTarget` (proxy.js
 *   `getSpecialProxyTarget`, which the SDK's own `serializeProperty` uses to turn a
 *   remediation's result back into secret markers). Reading the raw object that way and
 *   testing `instanceof Secret` is exactly the engine's own marker, nothing inferred.
 * - A value not known yet (a preview before the resources it comes from exist) carries no
 *   marker at all: the Node.js SDK sends an unknown input as the bare unknown sentinel, secret or
 *   not (see `secretness`). Neither plain nor secret, it is not judged in that preview;
 *   `pulumi up --policy-pack` judges it once known, before the resource is created.
 *
 * So this policy is declared `remediate`. Its `remediateResource` runs for every resource
 * before it is created or changed (the engine's remediation pass precedes analysis), records
 * which sensitive inputs arrived in plain text, and makes them secrets (returns them wrapped
 * in `Secret`), so even a `pulumi up` never writes them to state unencrypted. Its
 * `validateStack` turns the record into violations; the SDK runs a `remediate` policy's stack
 * validation as `mandatory` (server.js: "Stack policies cannot be remediated"), so the
 * preview fails with a message that says how to fix the program. The record lives from the
 * first remediation to that stack validation, which clears it (one deployment per pack process).
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
    UnknownValueError,
} from "@pulumi/policy";
import { HUB_SECRET } from "../workspaces/hub-objects";
import { TYPES } from "./common";

/**
 * Where this module's @pulumi/policy is. `instanceof Secret` only works when the pack's server
 * and these policies load the same copy: `policy/index.ts` checks that it resolves this one.
 */
export const POLICY_SDK_PATH = require.resolve("@pulumi/policy");

/** @pulumi/policy proxy.js `isSpecialProxy`: true on the SDK's props proxies. */
export const SDK_IS_SPECIAL_PROXY = "__isSpecialProxy";
/** @pulumi/policy proxy.js `getSpecialProxyTarget`: what the SDK's props proxies wrap. */
export const SDK_SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

/** The props as the SDK deserialized them, with its proxies taken off (secrets are `Secret` instances in a remediation). */
export function rawProps(props: unknown): Record<string, unknown> {
    let value = props as Record<string, unknown>;
    while (value !== null && typeof value === "object" && value[SDK_IS_SPECIAL_PROXY] === true) {
        value = value[SDK_SPECIAL_PROXY_TARGET] as Record<string, unknown>;
    }
    return value;
}

/**
 * Whether a raw value is one of the engine's "unknown" sentinels (a value only the deployment
 * will compute), asked of the SDK's own public `unknownCheckingProxy`, which throws
 * `UnknownValueError` when a property holding one is read.
 */
export function isUnknownValue(value: unknown): boolean {
    try {
        void unknownCheckingProxy({ value }).value;
        return false;
    } catch (e) {
        if (e instanceof UnknownValueError) return true;
        throw e;
    }
}

/**
 * Whether a raw value is a secret all through: `secret` when it is a `Secret`, or a list or
 * object whose every element is (the engine may mark a whole object or each of its values);
 * `plain` when any part is a plain value; `unknown` when no part is plain but some are not known
 * yet. Empty values hold nothing to protect.
 *
 * Unknown is not plain: the Node.js SDK sends an unknown input as the bare unknown sentinel even
 * when the output it comes from is secret (@pulumi/pulumi runtime/rpc.js serializeProperty:
 * `if (!isKnown) return unknownValue` before the secret check), so in a preview of values not
 * computed yet the engine itself does not know which will be secret. They are judged when known:
 * in `pulumi up --policy-pack`, before the resource is created.
 */
export function secretness(value: unknown): "secret" | "plain" | "unknown" {
    if (value instanceof Secret) return "secret";
    if (value === undefined || value === null || value === "") return "secret";
    if (typeof value === "string" && isUnknownValue(value)) return "unknown";
    const parts = Array.isArray(value) ? value : typeof value === "object" ? Object.values(value as Record<string, unknown>) : undefined;
    if (!parts) return "plain";
    const each = parts.map(secretness);
    return each.includes("plain") ? "plain" : each.includes("unknown") ? "unknown" : "secret";
}

/** The inputs that must be secrets, per resource type. */
export const SECRET_INPUTS: Readonly<Record<string, { readonly keys: readonly string[]; readonly what: string; readonly fix: string }>> = {
    [TYPES.kubernetesProvider]: {
        keys: ["kubeconfig"],
        what: "the cluster's kubeconfig",
        fix: "pass it as a secret: pulumi.secret(...) around a kubeconfig the program builds, and `pulumi config set --secret kubeconfig` for an existing cluster's",
    },
    [TYPES.secret]: {
        keys: ["data", "stringData"],
        what: `the contents of a Kubernetes Secret (runner tokens, the hub Secret '${HUB_SECRET}', image pull secrets)`,
        fix: "wrap every value in pulumi.secret(...) (or build it from outputs that are secrets, such as a gitlab:Runner token), as CiRunners and JupyterHub do",
    },
};

/** The sensitive inputs of a resource that are set in plain text (not secret, not unknown), from the raw props of a remediation. */
export function plainSensitiveInputs(type: string, raw: Record<string, unknown>): string[] {
    const rule = SECRET_INPUTS[type];
    if (!rule) return [];
    return rule.keys.filter((k) => raw[k] !== undefined && secretness(raw[k]) === "plain");
}

/** What the remediation pass saw, by URN, until the stack validation reads it. */
const observed = new Map<string, readonly string[]>();

export const tokensAndKubeconfigAreSecrets: ResourceValidationPolicy & StackValidationPolicy = {
    name: "tokens-and-kubeconfig-are-secrets",
    description: "The kubeconfig and the contents of every Kubernetes Secret (runner tokens, the hub's secrets) are Pulumi secrets, so state holds them encrypted and no preview prints them.",
    // `remediate` is what makes the SDK show this policy the engine's secret markers (see the
    // module comment); its verdict, in validateStack, is mandatory.
    enforcementLevel: "remediate",
    severity: "critical",
    remediateResource: (args: ResourceValidationArgs) => {
        if (!SECRET_INPUTS[args.type]) return undefined;
        const raw = rawProps(args.props);
        const plain = plainSensitiveInputs(args.type, raw);
        observed.set(args.urn, plain);
        if (plain.length === 0) return undefined;
        return { ...raw, ...Object.fromEntries(plain.map((k) => [k, new Secret(raw[k])])) };
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        try {
            const sensitive = args.resources.filter((r: PolicyResource) => SECRET_INPUTS[r.type] !== undefined);
            if (sensitive.length === 0) args.notApplicable("the stack has no kubeconfig and no Kubernetes Secret");
            const seen = sensitive.filter((r) => observed.has(r.urn));
            if (seen.length === 0) {
                args.notApplicable(
                    "secretness is visible to this policy only in the SDK's remediation pass, which did not run: keep this policy's enforcementLevel at 'remediate' (not mandatory or advisory) in the pack config",
                );
            }
            for (const r of seen) {
                const rule = SECRET_INPUTS[r.type]!;
                for (const key of observed.get(r.urn)!) {
                    report(
                        `${r.type} '${r.name}' sets ${key} in plain text, not as a Pulumi secret: ${rule.what} would sit unencrypted in state and show in previews and plans. ` +
                            `The pack made it a secret for this run (remediation), but fix the program: ${rule.fix}.`,
                        r.urn,
                    );
                }
            }
        } finally {
            observed.clear();
        }
    },
};
