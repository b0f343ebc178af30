import { ANNOTATION } from "../../components/lib/labels";
import { byComponent } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

const OFF_CLUSTER = /^s3:\/\/[^/]+/;

/** The guide's DR plan survives losing the cluster: production's backups live in object storage, never on a volume of it. */
export const offCluster = stackPolicy({
    name: "backup-off-cluster",
    description: "In production every backup CronJob and Job writes to an s3:// target (backup.target), and no backup PersistentVolumeClaim exists: a PVC is lost with the cluster.",
    checklist: "backups",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        if (packSettings(args).environment !== "production") return;
        const fix = "production's backup.target must be s3://bucket/prefix (off the cluster)";
        for (const c of byComponent(args.resources, "backup", "CronJob")) {
            const target = c.props.metadata?.annotations?.[ANNOTATION.backupTarget];
            if (typeof target !== "string" || !OFF_CLUSTER.test(target)) {
                report(`CronJob/${c.name}: backs up to ${target ?? "an unstated target"} (annotation ${ANNOTATION.backupTarget}): ${fix}`, c.resource.urn);
            }
        }
        for (const component of ["backup", "pre-migration-backup"]) {
            for (const o of byComponent(args.resources, component, "CronJob", "Job")) {
                const spec = o.kind === "CronJob" ? o.props.spec?.jobTemplate?.spec : o.props.spec;
                for (const container of spec?.template?.spec?.containers ?? []) {
                    const env = (container.env ?? []).find((e: { name?: string }) => e.name === "BACKUP_TARGET");
                    if (env && typeof env.value === "string" && !OFF_CLUSTER.test(env.value)) {
                        report(`${o.kind}/${o.name}: container ${container.name} has BACKUP_TARGET=${env.value}: ${fix}`, o.resource.urn);
                    }
                }
            }
        }
        for (const v of byComponent(args.resources, "backup", "PersistentVolumeClaim")) {
            report(`PersistentVolumeClaim/${v.name}: backups on a volume of the cluster are lost with it: ${fix}`, v.resource.urn);
        }
    },
});
