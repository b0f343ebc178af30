import { isoDay } from "../../components/config/validators";
import { describe, isKind } from "../lib/k8s";
import { packSettings, resourcePolicy } from "../lib/policy";
import { isCredentialSecret, rotationRecord } from "../lib/rotation";

/** The guide: an overdue credential blocks production updates until it is rotated; staging only warns. */
export const rotationOverdue = resourcePolicy({
    name: "secret-rotation-overdue",
    description: "A credential Secret past its next-rotation-due date is a violation: mandatory in production, advisory in staging.",
    checklist: "secrets",
    enforcementLevel: "mandatory",
    stagingEnforcementLevel: "advisory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Secret") || !isCredentialSecret(args.props)) return;
        const { now } = packSettings(args);
        const { due, kind } = rotationRecord(args.props);
        if (due && due.getTime() < now.getTime()) {
            report(`${describe(args.type, args.props, args.name)}: ${kind ?? "credential"} rotation was due on ${isoDay(due)} (next-rotation-due annotation); rotate it and update fork-knife:rotation`);
        }
    },
});
