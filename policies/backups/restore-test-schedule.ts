import { DAY_MS } from "../../components/config/validators";
import { QUARTER_DAYS } from "../../components/data/recovery-objectives";
import { formatHours, maxIntervalMs } from "../lib/cron";
import { byComponent, scheduleOf } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

/** A quarter is at most 92 days (components/data/recovery-objectives.ts). */
export const MAX_RESTORE_TEST_INTERVAL_DAYS = QUARTER_DAYS;

/** The guide: test restores at least quarterly. Judges every restore-test CronJob it is given (relational). */
export const restoreTestSchedule = stackPolicy({
    name: "backup-restore-test-schedule",
    description: "Every restore-test CronJob (component=restore-test) runs at least quarterly: its schedule, computed in its time zone, never leaves more than 92 days between runs.",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const { now } = packSettings(args);
        for (const t of byComponent(args.resources, "restore-test", "CronJob")) {
            const cron = scheduleOf(t);
            if (!cron) continue; // job-cronjob-schedule or job-cronjob-time-zone reports it
            const gap = maxIntervalMs(cron.schedule, cron.timeZone, now, 800);
            if (gap > MAX_RESTORE_TEST_INTERVAL_DAYS * DAY_MS) {
                report(`CronJob/${t.name}: spec.schedule "${cron.schedule}" leaves up to ${formatHours(gap)} between restore tests; at least quarterly (${MAX_RESTORE_TEST_INTERVAL_DAYS} days)`, t.resource.urn);
            }
        }
    },
});
