import * as pulumi from "@pulumi/pulumi";

export interface GeneratedSecretInputs {
    readonly kind: string;
    /** Random bytes; the value is their hex encoding. */
    readonly bytes: number;
}

/**
 * A random value made once and kept in Pulumi state (encrypted), like @pulumi/random's
 * RandomPassword, which the registry reachable here does not serve. Changing `bytes`
 * makes a new value.
 */
export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<GeneratedSecretInputs, GeneratedSecretInputs & { value: string }> = {
    async diff(_id, olds, news) {
        const replace = olds.bytes !== news.bytes;
        return { changes: replace, replaces: replace ? ["bytes"] : [] };
    },
    async create(inputs) {
        // Required here, not at module level: this function is serialized into state.
        const { randomBytes } = require("crypto") as typeof import("crypto");
        return { id: `generated-${inputs.bytes}`, outs: { ...inputs, value: randomBytes(inputs.bytes).toString("hex") } };
    },
};

/** A generated secret value (`value` is a Pulumi secret). */
export class GeneratedSecret extends pulumi.dynamic.Resource {
    declare readonly value: pulumi.Output<string>;

    constructor(name: string, args: { bytes: number }, opts?: pulumi.CustomResourceOptions) {
        super(generatedSecretProvider, name, { kind: "ml-team-env:GeneratedSecret", bytes: args.bytes, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] });
    }
}
