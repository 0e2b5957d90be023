/**
 * IANA time zones as EC2 Auto Scaling takes them ("the canonical names of the IANA time
 * zones", PutScheduledUpdateGroupAction `TimeZone`), checked against Node's ICU database.
 */
import { nearest } from "./nearest";

/** Undefined when the zone is a canonical IANA name; otherwise what is wrong and the fix. */
export function timeZoneProblem(zone: string): string | undefined {
    let resolved: string;
    try {
        resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
        const near = nearest(zone, Intl.supportedValuesOf("timeZone"), 3);
        return `is not an IANA time zone${near ? `; did you mean '${near}'?` : ""} (names such as Europe/Berlin, America/New_York, UTC)`;
    }
    if (resolved !== zone) return `is an alias; Auto Scaling wants the canonical IANA name '${resolved}'`;
    return undefined;
}
