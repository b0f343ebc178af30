import { ANNOTATION, LABEL } from "../../components/lib/labels";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** The guide: a migration that fails twice needs a person; one that hangs must not hold the release forever. */
export const migrationJob = resourcePolicy({
    name: "job-migration",
    description: "The migration Job has an activeDeadlineSeconds, a backoffLimit of at most 1, and pulumi.com/replaceUnready so a failed run is replaced.",
    checklist: "jobs",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Job") || args.props.metadata?.labels?.[LABEL.component] !== "migration") return;
        const what = describe(args.type, args.props, args.name);
        const spec = args.props.spec ?? {};
        if (!(spec.activeDeadlineSeconds > 0)) report(`${what}: spec.activeDeadlineSeconds must be set`);
        if (spec.backoffLimit === undefined || spec.backoffLimit > 1) report(`${what}: spec.backoffLimit must be 0 or 1, got ${spec.backoffLimit ?? "unset (6)"}`);
        if (args.props.metadata?.annotations?.[ANNOTATION.replaceUnready] !== "true") {
            report(`${what}: metadata.annotations["${ANNOTATION.replaceUnready}"] must be "true"`);
        }
    },
});
