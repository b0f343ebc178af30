import { ANNOTATION } from "../../components/lib/labels";
import { byComponent } from "../lib/backups";
import { mustFollow, refersTo } from "../lib/graph";
import { packSettings, stackPolicy } from "../lib/policy";

/** The guide: in production, take a backup right before migrating, so a bad migration can be undone. */
export const preMigration = stackPolicy({
    name: "backup-pre-migration",
    description: "In production every migration Job depends on a pre-migration backup Job (component=pre-migration-backup) and names it in its pre-migration-backup annotation, unless the Job carries the break-glass annotation pre-migration-backup-skipped with a reason.",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "completeness",
    validateStack: (args, report) => {
        if (packSettings(args).environment !== "production") return;
        const backups = byComponent(args.resources, "pre-migration-backup", "Job");
        for (const m of byComponent(args.resources, "migration", "Job")) {
            // The documented break-glass (backup.skipPreMigrationBackup): visible on the Job, with a reason, or not at all.
            const skipped = m.props.metadata?.annotations?.[ANNOTATION.preMigrationBackupSkipped];
            if (typeof skipped === "string" && skipped.trim().length > 0) continue;
            if (skipped !== undefined) {
                report(`Job/${m.name}: metadata.annotations["${ANNOTATION.preMigrationBackupSkipped}"] must give a reason for migrating without a pre-migration backup, got an empty value`, m.resource.urn);
                continue;
            }
            if (backups.length === 0) {
                report(`Job/${m.name}: no pre-migration backup Job (label app.kubernetes.io/component=pre-migration-backup) precedes it`, m.resource.urn);
                continue;
            }
            const named = m.props.metadata?.annotations?.[ANNOTATION.preMigrationBackup];
            const backup = backups.find((b) => refersTo(b, named));
            if (!backup) {
                report(`Job/${m.name}: metadata.annotations["${ANNOTATION.preMigrationBackup}"] must name the pre-migration backup Job (${backups.map((b) => b.name).join(", ")}), got ${named ?? "unset"}`, m.resource.urn);
            } else if (!mustFollow(m.resource, backup.resource)) {
                report(`Job/${m.name}: must depend on Job/${backup.name} (dependsOn), so the backup finishes before the migration starts`, m.resource.urn);
            }
        }
    },
});
