import { cronProblem } from "../../components/config/validators";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** Kubernetes reads 5 fields; a 6-field (seconds) or TZ= schedule is rejected or misread. */
export const cronJobSchedule = resourcePolicy({
    name: "job-cronjob-schedule",
    description: "Every CronJob's schedule parses as a Kubernetes 5-field cron expression.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "CronJob")) return;
        const s = args.props.spec?.schedule;
        const what = describe(args.type, args.props, args.name);
        if (typeof s !== "string") report(`${what}: spec.schedule must be set`);
        else if (cronProblem(s)) report(`${what}: spec.schedule "${s}" must be ${cronProblem(s)}`);
    },
});
