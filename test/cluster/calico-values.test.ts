/**
 * Calico's Installation values (infra/cluster/calico-policy-engine.ts): Typha's placement. The
 * rendered Installation is checked against Calico's CRD in test/charts/rendered-releases.slow.test.ts.
 */
import { calicoValues } from "../../infra/cluster/calico-policy-engine";

const typhaAffinityOf = (values: Record<string, any>) => values.installation.typhaDeployment.spec.template.spec.affinity;
/** The operator's own default (tigera/operator v1.42.3 pkg/render/typha.go, affinity()), which the override replaces. */
const ZONE_SPREAD = {
    preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 1, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["calico-typha"] }] }, topologyKey: "topology.kubernetes.io/zone" } },
    ],
};

describe("Calico's Typha placement", () => {
    it("prefers the system nodes (Typha tolerates every taint), without requiring them, and keeps the operator's zone spread", () => {
        const affinity = typhaAffinityOf(calicoValues({ nodeSelector: { "ml-team-env/pool": "system" }, tolerations: [] }));
        // Preferred, not required: from 5 nodes the operator runs 3 Typhas, one per node (host network).
        expect(affinity).toEqual({
            nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "ml-team-env/pool", operator: "In", values: ["system"] }] } }] },
            podAntiAffinity: ZONE_SPREAD,
        });
    });

    it("with no system-node label (system pods may run anywhere), keeps only the zone spread", () => {
        expect(typhaAffinityOf(calicoValues({ nodeSelector: {}, tolerations: [] }))).toEqual({ podAntiAffinity: ZONE_SPREAD });
    });
});
