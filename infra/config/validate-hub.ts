/**
 * The hub's HTTPS settings across keys: what each mode needs, where it can run, and the one
 * mode with a step no one can automate (z2jh's Let's Encrypt). Pure; reports through the
 * caller's `err`/`warn` so every problem comes back at once.
 */
import { JupyterHubConfig } from "./schema";

type Path = readonly PropertyKey[];

export interface HubHttpsContext {
    err(path: Path, message: string): void;
    warn(message: string): void;
}

/** Checks `jupyterhub.https` and the keys it needs against the cluster mode. */
export function checkHubHttps(hub: JupyterHubConfig, https: "acm" | "letsencrypt" | "ingress", clusterMode: "eks" | "existing" | "none" | undefined, ctx: HubHttpsContext): void {
    if (https === "acm" && clusterMode === "existing") {
        ctx.err(["jupyterhub", "https"], "acm puts an ACM certificate on the AWS load balancer of an EKS cluster this stack makes; on an existing cluster use https: ingress (or letsencrypt)");
    }
    if (hub.route53Zone !== undefined && https !== "acm") {
        ctx.err(["jupyterhub", "route53Zone"], `works with https: acm only (the stack makes the certificate's record and the hub's there); with https: ${https} remove it`);
    }
    if (hub.route53Zone !== undefined && !hub.host.endsWith(`.${hub.route53Zone}`)) {
        ctx.err(["jupyterhub", "route53Zone"], `must be a zone the host ${hub.host} is in, below its apex (the hub's record is a CNAME, which the apex cannot hold): e.g. ${hub.host.split(".").slice(1).join(".")}`);
    }
    if (https === "letsencrypt" && !hub.letsEncryptEmail) {
        ctx.err(["jupyterhub", "letsEncryptEmail"], "is required with https: letsencrypt: Let's Encrypt registers the certificate to it and sends expiry notices there");
    }
    if (https === "letsencrypt") {
        ctx.warn(
            "jupyterhub.https letsencrypt: the autohttps pod asks Let's Encrypt once, when it starts, and the hub's DNS record can only be made after `pulumi up` has made the load balancer; if the name does not resolve then, HTTPS stays off until `kubectl -n jupyterhub rollout restart deployment/autohttps` (zero-to-jupyterhub-k8s#1602)." +
                (clusterMode === "eks" ? " On EKS, https: acm has no such step (with route53Zone, no DNS step at all)." : ""),
        );
    }
    if (https === "ingress" && !hub.ingressClassName) {
        ctx.err(["jupyterhub", "ingressClassName"], "is required with https: ingress: name the IngressClass of your cluster's ingress controller (kubectl get ingressclass), or use another https mode");
    }
}
