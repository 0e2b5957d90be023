/**
 * How secrets look to a policy, asked of @pulumi/policy's own code: what the
 * `tokens-and-kubeconfig-are-secrets` policy relies on (see infra/policies/secrets.ts).
 */
import { Secret, UnknownValueError } from "@pulumi/policy";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { rawProps, SDK_IS_SPECIAL_PROXY, SDK_SPECIAL_PROXY_TARGET, secretness } from "../../infra/policies";
import { sdkProps } from "./policy-harness";

/** A secret as the engine marshals it (`KeepSecrets: true`). */
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

describe("what @pulumi/policy 1.21.0 shows a policy of the engine's secret markers", () => {
    const wire = { kubeconfig: secret("apiVersion: v1"), stringData: { token: secret("glrt-abc"), empty: "" }, name: "plain" };

    it("validateResource / validateStack: none; secrets arrive unwrapped, indistinguishable from plain values", () => {
        const props = sdkProps(wire, false);
        expect(props.kubeconfig).toBe("apiVersion: v1");
        expect(rawProps(props)).toEqual({ kubeconfig: "apiVersion: v1", stringData: { token: "glrt-abc", empty: "" }, name: "plain" });
        expect(secretness(rawProps(props).kubeconfig)).toBe("plain");
    });

    it("remediateResource: every secret is a Secret behind the SDK's proxies, which unwrap on read", () => {
        const props = sdkProps(wire, true);
        expect(props.kubeconfig).toBe("apiVersion: v1");
        const raw = rawProps(props);
        expect(raw.kubeconfig).toBeInstanceOf(Secret);
        expect(secretness(raw.kubeconfig)).toBe("secret");
        expect(secretness(raw.stringData)).toBe("secret");
        expect(secretness(raw.name)).toBe("plain");
    });

    it("rawProps takes the proxies off by the SDK's own keys (proxy.js, internal to the SDK)", () => {
        const proxy = jest.requireActual("@pulumi/policy/proxy") as { isSpecialProxy: string; getSpecialProxyTarget: string };
        expect(SDK_IS_SPECIAL_PROXY).toBe(proxy.isSpecialProxy);
        expect(SDK_SPECIAL_PROXY_TARGET).toBe(proxy.getSpecialProxyTarget);
    });

    it("an unknown value carries no secret marker: neither plain nor secret", () => {
        const raw = rawProps(sdkProps({ kubeconfig: rpc.unknownValue, stringData: { a: secret("x"), b: rpc.unknownValue } }, true));
        expect(() => sdkProps({ kubeconfig: rpc.unknownValue }, false).kubeconfig).toThrow(UnknownValueError);
        expect(secretness(raw.kubeconfig)).toBe("unknown");
        expect(secretness(raw.stringData)).toBe("unknown");
        expect(secretness({ a: new Secret("x"), b: rpc.unknownValue, c: "plain" })).toBe("plain");
    });
});
