import { DAY_MS } from "../../components/config/validators";
import { QUARTER_DAYS } from "../../components/data/recovery-objectives";
import { formatHours, maxIntervalMs } from "../lib/cron";
import { byComponent, databases, scheduleOf } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

/** A quarter is at most 92 days (components/data/recovery-objectives.ts). */
export const MAX_RESTORE_TEST_INTERVAL_DAYS = QUARTER_DAYS;

/** The guide: a backup nobody restored is a hope, not a backup; test restores at least quarterly. */
export const restoreTest = stackPolicy({
    name: "backup-restore-test",
    description: "A stack with backups has a restore-test CronJob (component=restore-test) that runs at least quarterly (never more than 92 days apart).",
    checklist: "backups",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const backups = byComponent(args.resources, "backup", "CronJob");
        const dbs = databases(args.resources);
        if (backups.length === 0 && dbs.length === 0) return;
        const tests = byComponent(args.resources, "restore-test", "CronJob");
        if (tests.length === 0) {
            // Named and attached like backup-daily's: the backup CronJob when there is one, else each database.
            if (backups.length > 0) {
                report(`CronJob/${backups[0].name}: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has backups`, backups[0].resource.urn);
            } else {
                for (const db of dbs) report(`${db.type} ${db.name}: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has a database`, db.urn);
            }
        }
        const { now } = packSettings(args);
        for (const t of tests) {
            const cron = scheduleOf(t);
            if (!cron) continue; // job-cronjob-schedule or job-cronjob-time-zone reports it
            const { schedule } = cron;
            const gap = maxIntervalMs(schedule, cron.timeZone, now, 800);
            if (gap > MAX_RESTORE_TEST_INTERVAL_DAYS * DAY_MS) {
                report(`CronJob/${t.name}: spec.schedule "${schedule}" leaves up to ${formatHours(gap)} between restore tests; at least quarterly (${MAX_RESTORE_TEST_INTERVAL_DAYS} days)`, t.resource.urn);
            }
        }
    },
});
