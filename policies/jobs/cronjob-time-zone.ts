import { timeZoneProblem } from "../../components/config/validators";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** Without a time zone the schedule follows the controller manager's clock, which nobody chose. */
export const cronJobTimeZone = resourcePolicy({
    name: "job-cronjob-time-zone",
    description: "Every CronJob names an IANA time zone in spec.timeZone.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "CronJob")) return;
        const tz = args.props.spec?.timeZone;
        const what = describe(args.type, args.props, args.name);
        if (typeof tz !== "string") report(`${what}: spec.timeZone must be set (e.g. Etc/UTC)`);
        else if (timeZoneProblem(tz)) report(`${what}: spec.timeZone must be ${timeZoneProblem(tz)}, got ${tz}`);
    },
});
