/**
 * What the `jupyterhubDnsRecord` output says, per HTTPS mode: exactly which records to make and
 * what happens if one is late, or that the stack made them. Pure, so the wording is tested.
 */

/** A DNS record as a DNS console asks for it. */
export interface DnsRecord {
    readonly name: string;
    readonly type: string;
    readonly value: string;
}

/** What the hub's DNS needs, by HTTPS mode. */
export type HubDnsSituation =
    /** ACM on the load balancer; the stack made both records in the zone. */
    | { readonly mode: "acm"; readonly host: string; readonly route53Zone: string; readonly loadBalancer: string | undefined }
    /** ACM on the load balancer; both records by hand. */
    | { readonly mode: "acm"; readonly host: string; readonly validation: DnsRecord | undefined; readonly loadBalancer: string | undefined }
    /** The chart's Let's Encrypt (Traefik in the autohttps pod). */
    | { readonly mode: "letsencrypt"; readonly host: string; readonly hubNamespace: string; readonly loadBalancer: string | undefined }
    /** Just the hub's address record (the certificate is someone else's concern: the hub component on ACM). */
    | { readonly mode: "cname"; readonly host: string; readonly loadBalancer: string | undefined }
    /** The team's own ingress controller. */
    | { readonly mode: "ingress"; readonly host: string; readonly hubNamespace: string };

const AFTER_DEPLOY = "the proxy-public load balancer (known after deploy)";

/** `name TYPE value`, with names and values as written (ACM's end in a dot). */
function line(r: DnsRecord): string {
    return `${r.name} ${r.type} ${r.value}`;
}

/** The text of the `jupyterhubDnsRecord` stack output. */
export function dnsInstructions(s: HubDnsSituation): string {
    const lb = (s.mode === "ingress" ? undefined : s.loadBalancer) ?? AFTER_DEPLOY;
    switch (s.mode) {
        case "acm":
            if ("route53Zone" in s) return `nothing to do: this stack made ${s.host} CNAME ${lb} and the certificate's validation record in the Route 53 zone ${s.route53Zone}`;
            return [
                `make two DNS records: (1) ${s.validation ? line(s.validation) : "the certificate's validation record (known after deploy)"}, which ACM checks before it issues the certificate (\`pulumi up\` waits up to 75 minutes for it and fails after; run it again once the record resolves; ACM gives up 72 hours after the request); keep it, ACM renews with it;`,
                `(2) ${s.host} CNAME ${lb}, the hub's address (HTTPS works as soon as it resolves; nothing to restart)`,
            ].join(" ");
        case "letsencrypt":
            return `make ${s.host} CNAME ${lb}. The autohttps pod asks Let's Encrypt once, when it starts: if the name did not resolve by then, it does not retry (zero-to-jupyterhub-k8s#1602) until you run \`kubectl -n ${s.hubNamespace} rollout restart deployment/autohttps\` after it resolves. https: acm has no such step`;
        case "cname":
            return `make ${s.host} CNAME ${lb}`;
        case "ingress":
            return `${s.host} → your ingress controller's address (kubectl get ingress -n ${s.hubNamespace})`;
    }
}
