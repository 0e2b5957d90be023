import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DnsRecord } from "./dns-instructions";

export interface HubCertificateArgs {
    /** The hub's host name, the certificate's only name. */
    readonly host: string;
    /**
     * The public Route 53 hosted zone the host is in (`example.com`): the validation record is made
     * there and the certificate waits for it. Without one, someone makes the record by hand while
     * `pulumi up` waits (it is logged as soon as ACM names it). @default none
     */
    readonly route53Zone?: string;
    /** The AWS provider of the cluster's account and region: the load balancer that uses the certificate is there. */
    readonly provider: aws.Provider;
}

/**
 * The hub's TLS certificate from ACM, validated by DNS. This is what takes HTTPS off the
 * load balancer's timeline: ACM checks a record of its own (`_<token>.<host>` CNAME), which can
 * exist before the load balancer does, and keeps checking for up to 72 hours, so a late record
 * only delays issuance. The chart's Let's Encrypt path asks once, from the autohttps pod, before
 * the hub's record can point at a load balancer that does not exist yet, and does not ask again
 * until that pod is recreated (zero-to-jupyterhub-k8s#1602). ACM renews the certificate itself as
 * long as the validation record stays.
 *
 * `certificateArn` comes from the CertificateValidation, so whatever uses it (the load balancer's
 * TLS listener) waits until the certificate is issued; a listener on a certificate still pending
 * validation is refused by ELB.
 */
export class HubCertificate extends pulumi.ComponentResource {
    /** The issued certificate's ARN (known once ACM has issued it). */
    readonly certificateArn: pulumi.Output<string>;
    /** The record ACM checks; keep it, ACM renews with it. */
    readonly validationRecord: pulumi.Output<DnsRecord>;
    /** The Route 53 zone's id, with `route53Zone`. */
    readonly zoneId: pulumi.Output<string> | undefined;

    constructor(name: string, args: HubCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ml-team-env:https:HubCertificate", name, {}, opts);
        const inAws = { parent: this, provider: args.provider };
        const certificate = new aws.acm.Certificate(name, { domainName: args.host, validationMethod: "DNS" }, inAws);
        // One name, so one validation option.
        this.validationRecord = certificate.domainValidationOptions.apply((options) => {
            const o = options[0]!;
            return { name: o.resourceRecordName, type: o.resourceRecordType, value: o.resourceRecordValue };
        });
        let validationRecordFqdns: pulumi.Input<string>[] | undefined;
        if (args.route53Zone !== undefined) {
            const zone = aws.route53.getZoneOutput({ name: args.route53Zone, privateZone: false }, inAws);
            this.zoneId = zone.zoneId;
            const record = new aws.route53.Record(
                `${name}-validation`,
                {
                    zoneId: zone.zoneId,
                    name: this.validationRecord.name,
                    type: this.validationRecord.type,
                    records: [this.validationRecord.value],
                    ttl: 300,
                    // A certificate re-requested for the same name gets the same record; take it over.
                    allowOverwrite: true,
                },
                inAws,
            );
            validationRecordFqdns = [record.fqdn];
        } else {
            // Shown while `pulumi up` runs (it waits for this record below), not only in the outputs at
            // the end. 75 minutes: the provider's default create timeout of a CertificateValidation
            // (terraform-provider-aws internal/service/acm/certificate_validation.go).
            this.validationRecord.apply((r) =>
                pulumi.log.warn(`The hub's certificate is validated through this DNS record; make it now if it does not exist yet, and keep it (ACM renews with it): ${r.name} ${r.type} ${r.value}. \`pulumi up\` waits up to 75 minutes for ACM to see it.`, certificate),
            );
        }
        const validation = new aws.acm.CertificateValidation(name, { certificateArn: certificate.arn, ...(validationRecordFqdns ? { validationRecordFqdns } : {}) }, inAws);
        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn, validationRecord: this.validationRecord });
    }
}
