/**
 * HTTPS that comes up by itself on EKS: an ACM certificate validated by DNS, on the hub's
 * network load balancer. With the Route 53 zone the stack makes every record; without, the
 * output says exactly which two to make and what happens if one is late.
 */
import * as fs from "fs";
import * as path from "path";
import { dnsInstructions } from "../../infra/https/dns-instructions";
import { RecordedResource } from "../../infra/plan/mock-runtime";
import { ROOT, ofType, one, runStack, runStackYaml } from "../harness";

const devYaml = () => fs.readFileSync(path.join(ROOT, "stacks/Pulumi.dev.yaml"), "utf8");
const hubRelease = (rs: RecordedResource[]) => one(rs, "kubernetes:helm.sh/v3:Release", "dev-jupyterhub");

describe("https: acm with the Route 53 zone (the dev stack)", () => {
    let resources: RecordedResource[];
    let outputs: Record<string, any>;
    beforeAll(async () => {
        ({ resources, outputs } = await runStack("dev"));
    });

    it("validates the certificate through a record the stack makes in the zone, and waits for it", () => {
        const certificate = one(resources, "aws:acm/certificate:Certificate");
        expect(certificate.inputs).toMatchObject({ domainName: "notebooks.dev.example.com", validationMethod: "DNS" });
        const record = one(resources, "aws:route53/record:Record", "dev-hub-certificate-validation");
        expect(record.inputs).toMatchObject({ type: "CNAME", ttl: 300, zoneId: expect.stringMatching(/^Z0[0-9A-F]+$/) });
        expect(record.inputs.name).toMatch(/^_[0-9a-f]+\.notebooks\.dev\.example\.com\.$/);
        expect(record.inputs.records).toEqual([expect.stringMatching(/\.acm-validations\.aws\.$/)]);
        const validation = one(resources, "aws:acm/certificateValidation:CertificateValidation");
        expect(validation.inputs.validationRecordFqdns).toEqual([record.inputs.name]);
        expect(validation.dependencies).toEqual(expect.arrayContaining([certificate.urn, record.urn]));
    });

    it("ends TLS at the load balancer with the issued certificate, no autohttps pod and no plain-HTTP port", () => {
        const release = hubRelease(resources);
        const validation = one(resources, "aws:acm/certificateValidation:CertificateValidation");
        // The values take the ARN from the validation: the release waits until ACM has issued it.
        expect(release.dependencies).toContain(validation.urn);
        const { proxy } = release.inputs.values;
        expect(proxy.https).toEqual({ enabled: true, type: "offload" });
        expect(proxy.service).toEqual({
            type: "LoadBalancer",
            disableHttpPort: true,
            annotations: {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": expect.stringMatching(/^arn:aws:acm:us-west-2:123456789012:certificate\//),
                "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
                "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            },
        });
        expect(proxy.traefik).toBeUndefined();
    });

    it("points the host at the load balancer in the zone once the hub is up, and says there is nothing to do", () => {
        const record = one(resources, "aws:route53/record:Record", "dev-hub-dns");
        expect(record.inputs).toMatchObject({ name: "notebooks.dev.example.com", type: "CNAME", ttl: 300, records: [expect.stringMatching(/\.elb\.us-west-2\.amazonaws\.com$/)] });
        expect(record.inputs.zoneId).toBe(one(resources, "aws:route53/record:Record", "dev-hub-certificate-validation").inputs.zoneId);
        expect(outputs.jupyterhubDnsRecord).toBe(`nothing to do: this stack made notebooks.dev.example.com CNAME ${record.inputs.records[0]} and the certificate's validation record in the Route 53 zone dev.example.com`);
    });
});

describe("https: acm without a zone", () => {
    let resources: RecordedResource[];
    let outputs: Record<string, any>;
    beforeAll(async () => {
        ({ resources, outputs } = await runStackYaml("dev", devYaml().replace(/\n\s*route53Zone: .*/, "")));
    });

    it("makes no DNS record and names both records the team must make, the certificate's first", () => {
        expect(ofType(resources, "aws:route53/record:Record")).toEqual([]);
        expect(one(resources, "aws:acm/certificateValidation:CertificateValidation").inputs.validationRecordFqdns).toBeUndefined();
        const text: string = outputs.jupyterhubDnsRecord;
        expect(text).toMatch(/^make two DNS records: \(1\) _[0-9a-f]+\.notebooks\.dev\.example\.com\. CNAME _[0-9a-f]+\.[0-9a-f]+\.acm-validations\.aws\., which ACM checks/);
        expect(text).toMatch(/`pulumi up` waits up to 75 minutes for it and fails after; run it again once the record resolves/);
        expect(text).toMatch(/\(2\) notebooks\.dev\.example\.com CNAME a[0-9a-f]+-[0-9a-f]+\.elb\.us-west-2\.amazonaws\.com, the hub's address \(HTTPS works as soon as it resolves; nothing to restart\)$/);
    });
});

describe("the DNS instructions of the other modes", () => {
    it("letsencrypt: the record, and the restart it needs when the record is late", () => {
        expect(dnsInstructions({ mode: "letsencrypt", host: "hub.example.org", hubNamespace: "jupyterhub", loadBalancer: "lb.example" })).toBe(
            "make hub.example.org CNAME lb.example. The autohttps pod asks Let's Encrypt once, when it starts: if the name did not resolve by then, it does not retry (zero-to-jupyterhub-k8s#1602) until you run `kubectl -n jupyterhub rollout restart deployment/autohttps` after it resolves. https: acm has no such step",
        );
    });

    it("ingress: the team's controller", () => {
        expect(dnsInstructions({ mode: "ingress", host: "hub.example.org", hubNamespace: "jupyterhub" })).toBe("hub.example.org → your ingress controller's address (kubectl get ingress -n jupyterhub)");
    });
});
