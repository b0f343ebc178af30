// The label and annotation vocabulary of DESIGN.md ("Names"). Tools and auditors find resources by these,
// never by resource names, so every component takes its labels from here.
import { Environment } from "../config/settings-schema";

export const PART_OF = "fork-knife";

export const COMPONENTS = [
    "backend", "worker", "migration", "backup", "pre-migration-backup", "restore-test", "restore", "alerts", "secrets",
    "platform",
    "maintenance",
    "backup-prune",
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export const LABEL = {
    name: "app.kubernetes.io/name",
    component: "app.kubernetes.io/component",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
    version: "app.kubernetes.io/version",
    environment: "fork-knife.io/environment",
} as const;

export const ANNOTATION = {
    rotatedAt: "fork-knife.io/rotated-at",
    maxAgeDays: "fork-knife.io/max-age-days",
    nextRotationDue: "fork-knife.io/next-rotation-due",
    secretKind: "fork-knife.io/secret-kind",
    generation: "fork-knife.io/generation",
    migrationJob: "fork-knife.io/migration-job",
    preMigrationBackup: "fork-knife.io/pre-migration-backup",
    /** Break-glass on a migration Job: why it runs without a pre-migration backup (backup.skipPreMigrationBackup).
     *  Policy backup-pre-migration accepts it in place of the backup, so the waiver shows in the rendered Job. */
    preMigrationBackupSkipped: "fork-knife.io/pre-migration-backup-skipped",
    rotationChecksum: "fork-knife.io/rotation-checksum",
    /** On backup CronJobs: how long dumps are kept, for policies and auditors. */
    retentionDays: "fork-knife.io/retention-days",
    /** On backup CronJobs: where dumps go (pvc or s3://bucket/prefix). */
    backupTarget: "fork-knife.io/backup-target",
    replaceUnready: "pulumi.com/replaceUnready",
} as const;

/** Labels that never change for a workload, so they are safe in immutable selectors. */
export function selectorLabels(component: ComponentName): Record<string, string> {
    return { [LABEL.name]: PART_OF, [LABEL.component]: component };
}

/** The full label set of DESIGN.md for one component of one environment. */
export function standardLabels(component: ComponentName, environment: Environment): Record<string, string> {
    return {
        ...selectorLabels(component),
        [LABEL.partOf]: PART_OF,
        [LABEL.managedBy]: "pulumi",
        [LABEL.environment]: environment,
    };
}
