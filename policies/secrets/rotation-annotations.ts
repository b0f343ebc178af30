import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";
import { isCredentialSecret, rotationRecord } from "../lib/rotation";

/** Auditors read when each credential was rotated and is due from these annotations. */
export const rotationAnnotations = resourcePolicy({
    name: "secret-rotation-annotations",
    description: "Every Secret that holds credentials carries rotated-at, max-age-days, next-rotation-due (ISO dates) and secret-kind annotations.",
    checklist: "secrets",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Secret") || !isCredentialSecret(args.props)) return;
        const what = describe(args.type, args.props, args.name);
        for (const p of rotationRecord(args.props).problems) report(`${what}: ${p}`);
    },
});
