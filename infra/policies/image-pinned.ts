/**
 * Advisory: the environment image is pinned by digest. A tag can be pushed again, so two
 * nodes pulling the same tag a week apart can run different bytes; a digest cannot.
 */
import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { environmentImageUses } from "./environment";

export const environmentImagePinnedByDigest: StackValidationPolicy = {
    name: "environment-image-pinned-by-digest",
    description: "The environment image every workload runs is pinned by digest (…:tag@sha256:…), so everyone runs the same bytes.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const uses = environmentImageUses(args.resources);
        if (uses.length === 0) args.notApplicable("the stack runs no notebook, runner or pre-puller workload");
        const reported = new Set<string>();
        for (const use of uses) {
            if (use.image === undefined || use.image.includes("@sha256:") || reported.has(use.image)) continue;
            reported.add(use.image);
            report(
                `${use.where} runs '${use.image}', pinned by tag only: the tag can be pushed again, and then two nodes run two environments under one name. ` +
                    `Pin the digest in ml-team-env:environment.image (…:${use.image.split(":").pop()}@sha256:<digest>; the pipeline's image-publish job prints it).`,
                use.resource.urn,
            );
        }
    },
};
