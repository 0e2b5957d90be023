/**
 * The small schema pieces every section of the stack config uses: whole numbers with the key
 * they are for in the message, non-empty strings, Kubernetes labels and tolerations.
 */
import { z } from "zod";

export const int = (what: string) => z.number({ error: `must be a whole number (${what})` }).int({ error: `must be a whole number (${what})` });
export const nonNegInt = (what: string) => int(what).min(0, { error: `must be 0 or more (${what})` });
export const posInt = (what: string) => int(what).min(1, { error: `must be 1 or more (${what})` });
export const nonEmpty = (what: string) => z.string({ error: `must be a string (${what})` }).trim().min(1, { error: `must not be empty (${what})` });

/** Kubernetes label keys/values and selectors. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
export const labelMap = z.record(
    z.string().regex(LABEL_KEY, { error: "label keys are [prefix/]name with letters, digits, '-', '_', '.'" }),
    z.string().regex(LABEL_VALUE, { error: "label values are at most 63 letters, digits, '-', '_', '.'" }),
);

export const toleration = z.strictObject({
    key: nonEmpty("taint key"),
    operator: z.enum(["Equal", "Exists"]).default("Equal"),
    value: z.string().optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});
