import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface HubDnsRecordArgs {
    /** The hub's host name. */
    readonly host: string;
    /** The Route 53 hosted zone the host is in. */
    readonly zoneId: pulumi.Input<string>;
    /** The hub load balancer's DNS name (the proxy-public Service's status). */
    readonly loadBalancer: pulumi.Input<string>;
    /** The AWS provider of the zone's account. */
    readonly provider: aws.Provider;
}

/**
 * The hub's own DNS record in the team's Route 53 zone: a CNAME to the load balancer. A CNAME,
 * not an alias: the legacy service controller's NLB is named by the cluster, and its hosted-zone
 * id would need a lookup by that name; the host is never the zone apex (validation checks).
 * The provider waits until Route 53 reports the change INSYNC.
 */
export class HubDnsRecord extends pulumi.ComponentResource {
    readonly fqdn: pulumi.Output<string>;

    constructor(name: string, args: HubDnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:https:HubDnsRecord", name, {}, opts);
        const record = new aws.route53.Record(name, { zoneId: args.zoneId, name: args.host, type: "CNAME", ttl: 300, records: [args.loadBalancer] }, { parent: this, provider: args.provider });
        this.fqdn = record.fqdn;
        this.registerOutputs({ fqdn: this.fqdn });
    }
}
