/**
 * The Unix cron of EC2 Auto Scaling scheduled actions (PutScheduledUpdateGroupAction
 * `Recurrence`: five fields, "[Minute] [Hour] [Day_of_Month] [Month_of_Year] [Day_of_Week]"),
 * parsed strictly so a schedule AWS would refuse or read differently is refused here, and
 * walked over a year to tell how many hours warm capacity runs.
 */

export interface Cron {
    readonly minutes: ReadonlySet<number>;
    readonly hours: ReadonlySet<number>;
    readonly daysOfMonth: ReadonlySet<number>;
    readonly months: ReadonlySet<number>;
    readonly daysOfWeek: ReadonlySet<number>;
    /** Day-of-month and day-of-week given as `*`: cron matches either restricted field when both are restricted. */
    readonly anyDayOfMonth: boolean;
    readonly anyDayOfWeek: boolean;
}

interface FieldSpec {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

function value(text: string, spec: FieldSpec): number {
    const upper = text.toUpperCase();
    const named = spec.names?.indexOf(upper) ?? -1;
    if (named >= 0) return spec.min + named;
    if (!/^\d+$/.test(text)) throw new Error(`'${text}' is not a number${spec.names ? ` or a name (${spec.names[0]}–${spec.names[spec.names.length - 1]})` : ""} in the ${spec.name} field`);
    const n = Number(text);
    if (n < spec.min || n > spec.max) throw new Error(`${n} is outside ${spec.min}–${spec.max} in the ${spec.name} field${spec.name === "day of week" ? " (Sunday is 0)" : ""}`);
    return n;
}

function field(text: string, spec: FieldSpec): Set<number> {
    const out = new Set<number>();
    for (const item of text.split(",")) {
        const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
        if (!m) throw new Error(`'${item}' is not a value, range or step in the ${spec.name} field`);
        const step = m[2] === undefined ? 1 : Number(m[2]);
        if (step < 1) throw new Error(`step 0 in the ${spec.name} field`);
        let lo: number;
        let hi: number;
        if (m[1] === "*") [lo, hi] = [spec.min, spec.max];
        else if (m[1]!.includes("-")) {
            const [a, b, ...rest] = m[1]!.split("-");
            if (rest.length > 0 || !a || !b) throw new Error(`'${m[1]}' is not a range in the ${spec.name} field`);
            [lo, hi] = [value(a, spec), value(b, spec)];
            if (lo > hi) throw new Error(`range ${m[1]} runs backwards in the ${spec.name} field`);
        } else {
            lo = value(m[1]!, spec);
            hi = m[2] === undefined ? lo : spec.max;
        }
        for (let v = lo; v <= hi; v += step) out.add(v);
    }
    return out;
}

/** Parses a five-field cron, or says what is wrong with it. */
export function parseCron(text: string): { ok: true; cron: Cron } | { ok: false; error: string } {
    const parts = text.trim().split(/\s+/);
    if (parts.length !== 5) return { ok: false, error: `has ${parts.length} field${parts.length === 1 ? "" : "s"}; Auto Scaling's cron has 5: minute hour day-of-month month day-of-week, e.g. "0 8 * * MON-FRI"` };
    const names = new Set(FIELDS.flatMap((f) => f.names ?? []));
    if (parts.some((p) => /[?LW#]/i.test(p.replace(/[A-Za-z]{3}/g, (w) => (names.has(w.toUpperCase()) ? "" : w))))) {
        return { ok: false, error: "uses ?, L, W or # (EventBridge/Quartz syntax); Auto Scaling reads Unix cron: use * and ranges such as MON-FRI" };
    }
    try {
        const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts.map((p, i) => field(p, FIELDS[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
        return { ok: true, cron: { minutes, hours, daysOfMonth, months, daysOfWeek, anyDayOfMonth: parts[2] === "*", anyDayOfWeek: parts[4] === "*" } };
    } catch (e) {
        return { ok: false, error: `${(e as Error).message}; the form is minute hour day-of-month month day-of-week, e.g. "0 8 * * MON-FRI"` };
    }
}

/** Whether a cron's day fields (and month) match a day (its UTC date read as the local date). */
function dayMatches(c: Cron, day: Date): boolean {
    if (!c.months.has(day.getUTCMonth() + 1)) return false;
    const dom = c.daysOfMonth.has(day.getUTCDate());
    const dow = c.daysOfWeek.has(day.getUTCDay());
    if (c.anyDayOfMonth && c.anyDayOfWeek) return true;
    if (c.anyDayOfMonth) return dow;
    if (c.anyDayOfWeek) return dom;
    return dom || dow;
}

/** The minutes of a day a cron fires at, ascending. */
function firingMinutes(c: Cron): number[] {
    return [...c.hours].flatMap((h) => [...c.minutes].map((m) => h * 60 + m)).sort((a, b) => a - b);
}

/**
 * Hours per month between a start cron and the next stop cron, averaged over a year (2027,
 * not a leap year; daylight saving shifts are ignored), or why there are none: either never
 * fires, or both fire in the same minute (the group would get two actions at once).
 */
export function warmHoursPerMonth(start: Cron, stop: Cron): { hours: number } | { problem: string } {
    const events: { minute: number; warm: boolean }[] = [];
    const startTimes = firingMinutes(start);
    const stopTimes = firingMinutes(stop);
    for (let d = 0; d < 365; d++) {
        const day = new Date(Date.UTC(2027, 0, 1 + d));
        const s = dayMatches(start, day) ? startTimes : [];
        const e = dayMatches(stop, day) ? stopTimes : [];
        const clash = s.find((m) => e.includes(m));
        if (clash !== undefined) return { problem: `start and stop both fire at ${day.toISOString().slice(0, 10)} ${String(Math.floor(clash / 60)).padStart(2, "0")}:${String(clash % 60).padStart(2, "0")}` };
        for (const m of s) events.push({ minute: d * 1440 + m, warm: true });
        for (const m of e) events.push({ minute: d * 1440 + m, warm: false });
    }
    if (!events.some((e) => e.warm)) return { problem: "start never fires in a year" };
    if (!events.some((e) => !e.warm)) return { problem: "stop never fires in a year" };
    events.sort((a, b) => a.minute - b.minute);
    // The year wraps: the state before the first event is the state after the last.
    let warm = events[events.length - 1]!.warm;
    let since = 0;
    let warmMinutes = 0;
    for (const e of events) {
        if (warm) warmMinutes += e.minute - since;
        warm = e.warm;
        since = e.minute;
    }
    if (warm) warmMinutes += 365 * 1440 - since;
    return { hours: warmMinutes / 60 / 12 };
}
