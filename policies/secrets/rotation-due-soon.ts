import { DAY_MS, isoDay } from "../../components/config/validators";
import { describe, isKind } from "../lib/k8s";
import { packSettings, resourcePolicy } from "../lib/policy";
import { isCredentialSecret, rotationRecord, WARN_DAYS_BEFORE_DUE } from "../lib/rotation";

/** Two weeks' notice: enough to rotate a Stripe or Twilio key through their dashboards. */
export const rotationDueSoon = resourcePolicy({
    name: "secret-rotation-due-soon",
    description: "Warns when a credential Secret's next rotation is due within 14 days.",
    checklist: "secrets",
    enforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Secret") || !isCredentialSecret(args.props)) return;
        const { now } = packSettings(args);
        const { due, kind } = rotationRecord(args.props);
        if (!due) return;
        const daysLeft = Math.ceil((due.getTime() - now.getTime()) / DAY_MS);
        if (daysLeft >= 0 && daysLeft <= WARN_DAYS_BEFORE_DUE) {
            report(`${describe(args.type, args.props, args.name)}: ${kind ?? "credential"} rotation is due on ${isoDay(due)}, in ${daysLeft} day(s) (next-rotation-due annotation)`);
        }
    },
});
