import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** A run that missed its slot by hours, or one that never ends, is worse than a reported failure. */
export const cronJobDeadlines = resourcePolicy({
    name: "job-cronjob-deadlines",
    description: "Every CronJob sets startingDeadlineSeconds and its Job template's activeDeadlineSeconds.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "CronJob")) return;
        const what = describe(args.type, args.props, args.name);
        const spec = args.props.spec ?? {};
        if (!(spec.startingDeadlineSeconds > 0)) report(`${what}: spec.startingDeadlineSeconds must be set`);
        if (!(spec.jobTemplate?.spec?.activeDeadlineSeconds > 0)) report(`${what}: spec.jobTemplate.spec.activeDeadlineSeconds must be set`);
    },
});
