import { ANNOTATION } from "../../components/lib/labels";
import { addDays, isoDay } from "../../components/config/validators";
import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";
import { DEFAULT_MAX_AGE_DAYS, isCredentialSecret, MAX_AGE_BY_KIND, rotationRecord } from "../lib/rotation";

/** The guide: JWT keys 90 days, database passwords 180, Stripe and Twilio keys 365. */
export const maxAge = resourcePolicy({
    name: "secret-max-age",
    description: "Every credential Secret's max-age-days, and its next-rotation-due date, stay within the guide's limit for its kind (JWT 90, database 180, Stripe and Twilio 365 days).",
    checklist: "secrets",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Secret") || !isCredentialSecret(args.props)) return;
        const r = rotationRecord(args.props);
        const what = describe(args.type, args.props, args.name);
        const limit: number = (r.kind ? MAX_AGE_BY_KIND[r.kind] : undefined) ?? DEFAULT_MAX_AGE_DAYS;
        const kind = r.kind ?? "unknown kind";
        if (r.maxAgeDays !== undefined && r.maxAgeDays > limit) {
            report(`${what}: metadata.annotations["${ANNOTATION.maxAgeDays}"] must be at most ${limit} for ${kind}, got ${r.maxAgeDays}`);
        }
        if (r.rotatedAt && r.due && r.due.getTime() > addDays(r.rotatedAt, limit).getTime()) {
            report(`${what}: metadata.annotations["${ANNOTATION.nextRotationDue}"] ${isoDay(r.due)} is more than ${limit} days after rotated-at ${isoDay(r.rotatedAt)}`);
        }
    },
});
