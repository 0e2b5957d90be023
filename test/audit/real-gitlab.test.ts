/**
 * The audit against a real GitLab, when GITLAB_URL, GITLAB_TOKEN and GITLAB_AUDIT_PROJECT
 * (`group/name` of an existing project) are set. Read-only: it audits the project against the
 * default branch model and checks that the audit ran (exit 0, 1 or 3, never 2), that every row is
 * well-formed and that the formats render; it asserts nothing about the project's settings.
 */
import type { AuditReport } from "../../infra/audit/audit";
import type * as Format from "../../infra/audit/format";

const url = process.env.GITLAB_URL;
const token = process.env.GITLAB_TOKEN;
const project = process.env.GITLAB_AUDIT_PROJECT;
const real = Boolean(url && token && project);
if (!real) console.warn("SKIPPED: real-GitLab audit — set GITLAB_URL, GITLAB_TOKEN and GITLAB_AUDIT_PROJECT (group/name of an existing project) to audit it read-only against the default branch model.");

(real ? describe : describe.skip)("the audit against a real GitLab", () => {
    let report: AuditReport;
    let format: typeof Format;
    let parseXml: (xml: string) => unknown;

    beforeAll(async () => {
        // Loaded here, so a skipped suite costs no module loading.
        const [{ runAudit }, { defaultTarget }, support] = await Promise.all([import("../../infra/audit/audit"), import("../../infra/audit/expected"), import("./support")]);
        format = await import("../../infra/audit/format");
        parseXml = support.parseXml;
        report = await runAudit({ url: url!.replace(/\/+$/, ""), token: token!, project: project!, target: defaultTarget() });
    });

    it("reads the project and the server", () => {
        expect(report.project.path.toLowerCase()).toBe(project!.toLowerCase());
        expect(report.server.edition === "ce" || report.server.edition === "ee").toBe(true);
        expect([0, 1, 3]).toContain(report.exitCode);
    });

    it("gives every rule a status, an enforcer and, unless it passes, a reason", () => {
        expect(report.rows.length).toBeGreaterThan(15);
        for (const r of report.rows) {
            expect(["pass", "fail", "warn", "not-checked", "pending"]).toContain(r.status);
            expect(["gitlab", "ci", "nobody"]).toContain(r.enforcedBy);
            if (r.status !== "pass") expect(r.why).toBeTruthy();
        }
        expect(report.score.score).toBeGreaterThanOrEqual(0);
        expect(report.score.score).toBeLessThanOrEqual(10);
    });

    it("renders every format, without the token", () => {
        const text = format.formatText(report) + format.formatMarkdown(report) + format.formatJunit(report);
        expect(text).not.toContain(token!);
        expect(() => parseXml(format.formatJunit(report))).not.toThrow();
    });
});
