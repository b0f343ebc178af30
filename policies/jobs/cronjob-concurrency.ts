import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** Two pg_dumps (or restore tests) at once double the load and race on the same files. */
export const cronJobConcurrency = resourcePolicy({
    name: "job-cronjob-concurrency",
    description: "Every CronJob sets concurrencyPolicy: Forbid.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "CronJob")) return;
        const p = args.props.spec?.concurrencyPolicy;
        if (p !== "Forbid") report(`${describe(args.type, args.props, args.name)}: spec.concurrencyPolicy must be Forbid, got ${p ?? "unset (Allow)"}`);
    },
});
