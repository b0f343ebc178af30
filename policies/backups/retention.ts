import { ANNOTATION } from "../../components/lib/labels";
import { byComponent } from "../lib/backups";
import { packSettings, stackPolicy } from "../lib/policy";

/** The guide: 7 days of dumps in staging, 30 in production. */
export const MIN_RETENTION_DAYS = { staging: 7, production: 30 } as const;

export const retention = stackPolicy({
    name: "backup-retention",
    description: "Every backup CronJob keeps dumps at least 7 days in staging and 30 days in production (retention-days annotation).",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const { environment } = packSettings(args);
        const min = MIN_RETENTION_DAYS[environment];
        for (const b of byComponent(args.resources, "backup", "CronJob")) {
            const raw = b.props.metadata?.annotations?.[ANNOTATION.retentionDays];
            const days = Number(raw);
            if (raw === undefined || !Number.isFinite(days)) {
                report(`CronJob/${b.name}: metadata.annotations["${ANNOTATION.retentionDays}"] must state the retention in days`, b.resource.urn);
            } else if (days < min) {
                report(`CronJob/${b.name}: metadata.annotations["${ANNOTATION.retentionDays}"] must be at least ${min} in ${environment}, got ${days}`, b.resource.urn);
            }
        }
    },
});
