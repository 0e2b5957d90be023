/**
 * Whether a secret of a run shows up in plain text in rendered chart objects. The secrets are
 * the values the SDK marked secret in the run (OAuth client secret, runner tokens, kubeconfig,
 * the hub's keys): they must reach pods only through Secrets the package manages (as Pulumi
 * secrets), never through Helm values, which Helm renders into ConfigMaps, Secrets the chart
 * makes from values (z2jh's hub Secret holds the whole values as `values.yaml`), container
 * env and arguments, and which Helm keeps in its release record and Pulumi in state.
 */
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { KubeObject } from "./helm-render";

/** One secret value of a run, and where the program set it. */
export interface RunSecret {
    /** `dev-jupyterhub-secrets stringData.gitlab-client-secret`. */
    readonly where: string;
    readonly value: string;
}

/**
 * Shorter secret strings are not looked for: a few characters match ordinary text by chance
 * (and none of the package's secrets is that short).
 */
const MIN_SECRET_LENGTH = 8;

function leaves(value: unknown, path: string): { path: string; value: string }[] {
    if (typeof value === "string") return [{ path, value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
    return [];
}

/** The value at a dotted path as the mock runtime records secret paths (`a.b[0].c`). */
function at(inputs: Record<string, unknown>, path: string): unknown {
    if (path === "(root)") return inputs;
    return path
        .split(/\.|\[(\d+)\]/)
        .filter((k) => k !== undefined && k !== "")
        .reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), inputs);
}

/** Every secret string of a run (at the paths the SDK marked secret). */
export function runSecrets(resources: readonly RecordedResource[]): RunSecret[] {
    return resources.flatMap((r) =>
        r.secretPaths.flatMap((p) =>
            leaves(at(r.inputs, p), p)
                .filter((l) => l.value.length >= MIN_SECRET_LENGTH)
                .map((l) => ({ where: `${r.name} ${l.path}`, value: l.value })),
        ),
    );
}

/**
 * The text of an object as the cluster and Helm's release record hold it: every string, with
 * a Secret's `data` and a ConfigMap's `binaryData` decoded from base64.
 */
function texts(o: KubeObject): { path: string; value: string }[] {
    return leaves(o, "").map((l) => {
        const encoded = (o.kind === "Secret" && l.path.startsWith("data.")) || (o.kind === "ConfigMap" && l.path.startsWith("binaryData."));
        return encoded ? { path: l.path, value: Buffer.from(l.value, "base64").toString("utf8") } : l;
    });
}

/** Each place a run secret appears in the objects: `Secret/hub data.values.yaml holds ...`. */
export function secretLeaks(objects: readonly KubeObject[], secrets: readonly RunSecret[]): string[] {
    return objects.flatMap((o) =>
        texts(o).flatMap((t) => secrets.filter((s) => t.value.includes(s.value)).map((s) => `${o.kind}/${o.metadata.name} ${t.path} holds the secret of ${s.where}`)),
    );
}
