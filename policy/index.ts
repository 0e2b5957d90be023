/**
 * The ml-team-env policy pack: `pulumi preview --policy-pack policy` (see README.md here).
 *
 * This file only builds the pack; the policies are `infra/policies` (pure, tested without a
 * pack). It is the only place a `PolicyPack` is constructed: the constructor starts the gRPC
 * server the Pulumi CLI talks to, and one process may serve one pack.
 *
 * The pack has no dependencies of its own: the CLI starts it from this folder with
 * `@pulumi/pulumi/cmd/run-policy-pack`, found by Node's resolution from here, which walks up to
 * the repository's node_modules, as does every import below. So `npm ci` at the root is the
 * whole setup, the pack runs exactly the @pulumi/policy, @pulumi/pulumi and TypeScript the
 * program and its tests run, and `../infra/policies` is plain source, not a package.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES, POLICY_PACK_NAME, POLICY_SDK_PATH } from "../infra/policies";

// A second copy of @pulumi/policy (an `npm install` run in this folder) would make the
// server's secrets `Secret`s of another class than the one the policies test for.
const sdk = require.resolve("@pulumi/policy");
if (sdk !== POLICY_SDK_PATH) {
    throw new Error(
        `the policy pack loads @pulumi/policy from ${sdk} but its policies from ${POLICY_SDK_PATH}: ` +
            `the pack runs on the repository's own dependencies. Remove policy/node_modules and run npm ci at the repository root.`,
    );
}

new PolicyPack(POLICY_PACK_NAME, {
    policies: POLICIES,
    description: "ml-team-env: the branch model's protections and the environment's rules (one image, GPU taints, retained volumes, secrets kept secret), checked before deploy.",
});
