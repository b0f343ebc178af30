import { DAY_MS } from "../../components/config/validators";
import { formatHours, maxIntervalMs } from "../lib/cron";
import { byComponent, databases, scheduleOf } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

/** The guide's RPO: never more than a day of data lost. */
export const daily = stackPolicy({
    name: "backup-daily",
    description: "Every database has a backup CronJob (component=backup) whose schedule, computed from the cron in its time zone, never leaves more than 24 hours between runs.",
    checklist: "backups",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const dbs = databases(args.resources);
        const backups = byComponent(args.resources, "backup", "CronJob");
        if (dbs.length > 0 && backups.length === 0) {
            for (const db of dbs) report(`${db.type} ${db.name}: no backup CronJob (label app.kubernetes.io/component=backup) in the stack`, db.urn);
        }
        const { now } = packSettings(args);
        for (const b of backups) {
            const cron = scheduleOf(b);
            if (!cron) continue; // job-cronjob-schedule or job-cronjob-time-zone reports it
            const { schedule } = cron;
            const gap = maxIntervalMs(schedule, cron.timeZone, now, 400);
            if (gap > DAY_MS) {
                report(`CronJob/${b.name}: spec.schedule "${schedule}" leaves up to ${formatHours(gap)} between backups; the RPO is 24 h`, b.resource.urn);
            }
        }
    },
});
