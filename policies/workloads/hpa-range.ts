import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** An HPA whose ceiling is its floor cannot scale: it is a static replica count in disguise. */
export const hpaRange = resourcePolicy({
    name: "workload-hpa-range",
    description: "Every HPA can scale: maxReplicas is greater than minReplicas.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "HorizontalPodAutoscaler")) return;
        const min = args.props.spec?.minReplicas ?? 1;
        const max = args.props.spec?.maxReplicas;
        if (typeof max !== "number" || max <= min) {
            report(`${describe(args.type, args.props, args.name)}: spec.maxReplicas (${max ?? "unset"}) must be greater than spec.minReplicas (${min})`);
        }
    },
});
