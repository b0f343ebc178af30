// How often a CronJob really runs, computed from its schedule (not string-matched): the longest gap between
// two consecutive runs over a horizon, in the CronJob's time zone.
import { CronExpression, CronExpressionParser } from "cron-parser";
import { cronZone, DAY_MS } from "../../components/config/validators";

const DESCRIPTORS: Record<string, string> = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
};

/**
 * The run after (or before) `t`; undefined when there is none, or when the expression or time zone does not parse.
 * One parsed expression per schedule and zone, moved with reset(): parsing (time zone rules included) costs far
 * more than stepping, and a daily schedule over 400 days takes 800 steps.
 */
function at(expr: string, tz: string, t: number, dir: "next" | "prev"): number | undefined {
    const it = parsed(expr, tz);
    if (!it) return undefined;
    try {
        it.reset(new Date(t));
        return (dir === "next" ? it.next() : it.prev()).getTime();
    } catch {
        return undefined;
    }
}

/**
 * The longest gap of a schedule that runs on every calendar day (every day of the month, month and weekday, no
 * L, W or # modifier), between its times of day and across midnight; undefined for any other schedule. Only for
 * a zone without offset changes: there every day has the same runs at the same instants of the day.
 */
export function everyDayGapMs(it: CronExpression): number | undefined {
    const f = it.fields;
    const covers = (values: readonly (number | string)[], from: number, to: number) => {
        const set = new Set(values.map((v) => (typeof v === "number" ? v : NaN)));
        for (let v = from; v <= to; v++) if (!set.has(v)) return false;
        return true;
    };
    const weekdays = f.dayOfWeek.values.map((d) => (d === 7 ? 0 : d));
    if (f.dayOfMonth.hasLastChar || f.dayOfWeek.hasLastChar || f.dayOfWeek.nthDay > 0 || f.dayOfMonth.values.some((v) => typeof v !== "number")) return undefined;
    if (!covers(f.dayOfMonth.values, 1, 31) || !covers(f.month.values, 1, 12) || !covers(weekdays, 0, 6)) return undefined;
    const seconds: number[] = [];
    for (const h of f.hour.values) for (const m of f.minute.values) for (const s of f.second.values) seconds.push((h * 60 + m) * 60 + s);
    seconds.sort((a, b) => a - b);
    let gap = 86_400 - seconds[seconds.length - 1] + seconds[0];
    for (let i = 1; i < seconds.length; i++) gap = Math.max(gap, seconds[i] - seconds[i - 1]);
    return gap * 1000;
}

const PARSED = new Map<string, CronExpression | undefined>();
function parsed(expr: string, tz: string): CronExpression | undefined {
    const key = `${tz}\0${expr}`;
    if (!PARSED.has(key)) {
        let it: CronExpression | undefined;
        try {
            it = CronExpressionParser.parse(DESCRIPTORS[expr.trim()] ?? expr, { tz: cronZone(tz) });
        } catch {
            it = undefined;
        }
        PARSED.set(key, it);
    }
    return PARSED.get(key);
}

/**
 * Longest interval between consecutive runs starting at `from` over `horizonDays`, in milliseconds.
 * Gaps inside one UTC day are under 24 h, so only the last run of a day and the first run of the next day
 * that has runs need comparing: at most one step per day, whatever the frequency. Infinity when it never runs, or
 * when the expression or time zone cannot be read (callers skip those: see scheduleOf in backups.ts).
 */
export function maxIntervalMs(expr: string, tz: string, from: Date, horizonDays = 800): number {
    const end = from.getTime() + horizonDays * DAY_MS;
    let first = at(expr, tz, from.getTime() - 1, "next");
    if (first === undefined) return Infinity;
    let max = first - from.getTime();
    // Stepping a daily schedule over the horizon costs a cron-parser step per day (most of synth's policy time);
    // a schedule that runs every day at the same UTC times repeats its gaps every day, so one day's tell them all.
    const everyDay = cronZone(tz) === "UTC" ? everyDayGapMs(parsed(expr, tz)!) : undefined;
    if (everyDay !== undefined) return Math.max(max, everyDay);
    while (first < end) {
        // Usually the next run is on a later day (a daily or rarer schedule): one step. When it is on the same
        // day, jump to that day's last run and the next day's first instead of walking every run in between.
        let last = first;
        let next = at(expr, tz, first, "next");
        if (next !== undefined && Math.floor(next / DAY_MS) === Math.floor(first / DAY_MS)) {
            const dayEnd = Math.floor(first / DAY_MS) * DAY_MS + DAY_MS;
            last = at(expr, tz, dayEnd, "prev") ?? first;
            next = at(expr, tz, dayEnd - 1, "next");
        }
        if (next === undefined) return Infinity;
        max = Math.max(max, next - last);
        first = next;
    }
    return max;
}

export function formatHours(ms: number): string {
    if (!Number.isFinite(ms)) return "never";
    const h = ms / 3_600_000;
    return h >= 48 ? `${Math.round((h / 24) * 10) / 10} days` : `${Math.round(h * 10) / 10} h`;
}
