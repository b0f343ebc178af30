import { byComponent, databases } from "../lib/backups";
import { stackPolicy } from "../lib/policy";

/**
 * The guide: back up every database. A completeness policy: it asks for a CronJob that may be missing, so
 * `npm run policy` runs it only with --complete-stack; backup-daily judges the schedules of those that exist.
 */
export const present = stackPolicy({
    name: "backup-present",
    description: "Every database in the stack has a backup CronJob (component=backup).",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "completeness",
    validateStack: (args, report) => {
        if (byComponent(args.resources, "backup", "CronJob").length > 0) return;
        for (const db of databases(args.resources)) report(`${db.type} ${db.name}: no backup CronJob (label app.kubernetes.io/component=backup) in the stack`, db.urn);
    },
});
