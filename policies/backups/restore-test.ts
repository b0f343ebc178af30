import { byComponent, databases } from "../lib/backups";
import { stackPolicy } from "../lib/policy";

/**
 * The guide: a backup nobody restored is a hope, not a backup. A completeness policy (the restore test must
 * exist); backup-restore-test-schedule judges how often the ones there are run.
 */
export const restoreTest = stackPolicy({
    name: "backup-restore-test",
    description: "A stack with backups or a database has a restore-test CronJob (component=restore-test).",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "completeness",
    validateStack: (args, report) => {
        const backups = byComponent(args.resources, "backup", "CronJob");
        const dbs = databases(args.resources);
        if (backups.length === 0 && dbs.length === 0) return;
        const tests = byComponent(args.resources, "restore-test", "CronJob");
        if (tests.length === 0) {
            // Named and attached like backup-present's: the backup CronJob when there is one, else each database.
            if (backups.length > 0) {
                report(`CronJob/${backups[0].name}: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has backups`, backups[0].resource.urn);
            } else {
                for (const db of dbs) report(`${db.type} ${db.name}: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has a database`, db.urn);
            }
        }
    },
});
