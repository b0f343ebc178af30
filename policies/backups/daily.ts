import { DAY_MS } from "../../components/config/validators";
import { formatHours, maxIntervalMs } from "../lib/cron";
import { byComponent, scheduleOf } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

/** The guide's RPO: never more than a day of data lost. Judges every backup CronJob it is given (relational). */
export const daily = stackPolicy({
    name: "backup-daily",
    description: "Every backup CronJob (component=backup) has a schedule that, computed from the cron in its time zone, never leaves more than 24 hours between runs.",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        // That a database has a backup at all is backup-present's (completeness); this judges the ones there are.
        const { now } = packSettings(args);
        for (const b of byComponent(args.resources, "backup", "CronJob")) {
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
