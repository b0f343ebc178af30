// When the quarterly maintenance may run: never while a backup or a restore test may still be running. REINDEX
// CONCURRENTLY and ANALYZE read every index and table; next to pg_dump they slow both down and can make the
// backup miss its deadline. Pure functions over cron schedules, used by the settings' cross-key rules.
import { CronExpressionParser } from "cron-parser";
import { cronZone } from "../config/validators";
import { BACKUP_RUN_SECONDS } from "./recovery-objectives";

/** How long a backup or restore-test run may occupy the database after its scheduled time: the CronJob's
 *  1 h starting deadline plus the Job's 6 h active deadline (components/data/recovery-objectives.ts). */
export const BACKUP_RUN_HOURS = BACKUP_RUN_SECONDS / 3600;
/** The maintenance CronJob's own starting deadline: a run missed by more than this is skipped, not run late. */
export const MAINTENANCE_STARTING_DEADLINE_SECONDS = 600;
/** The overlap check looks at every run in this period: two years cover every weekday/date combination a quarterly
 *  or daily schedule produces in practice, and both sides of every DST change. */
const HORIZON = { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2028-01-01T00:00:00Z") };

export interface Window { start: Date; end: Date }

/** Every run of a schedule in the horizon, as the window it may occupy. */
export function runWindows(schedule: string, timeZone: string, durationMs: number, from = HORIZON.from, to = HORIZON.to): Window[] {
    const it = CronExpressionParser.parse(schedule, { tz: cronZone(timeZone), currentDate: new Date(from.getTime() - durationMs) });
    const out: Window[] = [];
    // next() past the horizon rather than hasNext(), which computes every run twice.
    for (;;) {
        let start: Date;
        try {
            start = it.next().toDate();
        } catch {
            break; // no further run that cron-parser can find
        }
        if (start > to) break;
        out.push({ start, end: new Date(start.getTime() + durationMs) });
    }
    return out;
}

export interface Overlap { maintenance: Window; other: Window }

/** The first maintenance window met by a run of the other schedule (each run occupying `otherMs`), or undefined.
 *  Only the other schedule's runs near each maintenance run are generated: a daily backup over two years would be
 *  730 cron steps per settings check. */
export function firstOverlap(maintenance: Window[], otherSchedule: string, timeZone: string, otherMs: number): Overlap | undefined {
    // One parsed expression, moved with reset(): parsing (the zone's rules included) costs far more than a step.
    const it = CronExpressionParser.parse(otherSchedule, { tz: cronZone(timeZone) });
    for (const m of maintenance) {
        // A run that started more than otherMs before this window ended before it.
        it.reset(new Date(m.start.getTime() - otherMs));
        for (;;) {
            const start = it.next().toDate();
            if (start >= m.end) break;
            const other = { start, end: new Date(start.getTime() + otherMs) };
            if (other.end > m.start) return { maintenance: m, other };
        }
    }
    return undefined;
}

export interface MaintenanceTimes {
    schedule: string; deadlineMinutes: number;
    timeZone: string; backupSchedule: string; restoreTestSchedule: string;
}

/** One line per clash with the backup or the restore test, naming both runs; empty when the schedule is clear. */
export function maintenanceWindowProblems(t: MaintenanceTimes): string[] {
    const maintenanceMs = MAINTENANCE_STARTING_DEADLINE_SECONDS * 1000 + t.deadlineMinutes * 60_000;
    const ours = runWindows(t.schedule, t.timeZone, maintenanceMs);
    const problems: string[] = [];
    const fmt = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
    for (const [what, key, schedule] of [["backup", "backup.schedule", t.backupSchedule], ["restore test", "backup.restoreTestSchedule", t.restoreTestSchedule]] as const) {
        const clash = firstOverlap(ours, schedule, t.timeZone, BACKUP_RUN_HOURS * 3_600_000);
        if (!clash) continue;
        problems.push(`must not overlap the ${what} window: the run at ${fmt(clash.maintenance.start)} may last until ` +
            `${fmt(clash.maintenance.end)} (10-minute starting deadline + maintenance.deadlineMinutes ${t.deadlineMinutes}), and the ${what} ` +
            `starting ${fmt(clash.other.start)} may run until ${fmt(clash.other.end)} (${key} "${schedule}" in ${t.timeZone}, ` +
            `${BACKUP_RUN_HOURS} h with its deadlines)`);
    }
    return problems;
}
