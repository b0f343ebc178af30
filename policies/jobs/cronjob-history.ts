import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** With no history there is nothing to read when a backup failed last night. */
export const cronJobHistory = resourcePolicy({
    name: "job-cronjob-history",
    description: "Every CronJob keeps at least one successful and one failed Job (history limits above 0).",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "CronJob")) return;
        const what = describe(args.type, args.props, args.name);
        for (const field of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"]) {
            const v = args.props.spec?.[field];
            if (v !== undefined && !(v > 0)) report(`${what}: spec.${field} must be above 0, got ${v}`);
        }
    },
});
