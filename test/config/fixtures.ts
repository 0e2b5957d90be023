import { SECRET_KEYS, SecretKey } from "../../infra/config/schema";
import { validateStackConfig } from "../../infra/config/validate";

/** A valid stack config (the `ml-team-env:*` namespace without the prefix), fresh each call, with `change` applied. */
export function validRaw(change: (raw: Record<string, any>) => void = () => undefined): Record<string, any> {
    const raw: Record<string, any> = {
        environment: { image: "registry.example.com/ml/pytorch-cuda:v2.8" },
        cluster: {
            mode: "eks",
            region: "us-west-2",
            publicAccessCidrs: ["84.17.32.0/24"],
            gpuNodePool: { instanceTypes: ["g5.xlarge"], minSize: 0, desiredSize: 0, maxSize: 4 },
        },
        gitlab: { tier: "free", project: { path: "ml-team/vision-models" } },
        jupyterhub: { host: "notebooks.example.com", oauthClientId: "abc123", letsEncryptEmail: "ml@example.com" },
        team: {
            members: [
                { username: "alice", role: "maintainer", gpus: 2 },
                { username: "bob", role: "developer", gpus: 1 },
                { username: "chen.wei", role: "developer", gpus: 1 },
            ],
        },
    };
    change(raw);
    return raw;
}

export const ALL_SECRETS: ReadonlySet<SecretKey> = new Set(Object.values(SECRET_KEYS));

/** The day the package's EKS version data was checked: tests fix "today" to it. */
export const TODAY = new Date("2026-11-25T12:00:00Z");

/** The valid dev config with `change` applied, validated with every secret present on TODAY. */
export function validateDev(change: (raw: Record<string, any>) => void = () => undefined): ReturnType<typeof validateStackConfig> {
    return validateStackConfig(validRaw(change), { stack: "dev", secretsPresent: ALL_SECRETS, today: TODAY });
}
