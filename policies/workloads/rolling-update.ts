import { describe, isKind } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** The guide's zero-downtime deploys: new pods must be Ready before old ones go. */
export const rollingUpdate = resourcePolicy({
    name: "workload-rolling-update",
    description: "Deployments roll out with RollingUpdate, and the backend's never takes a serving pod away first (maxUnavailable: 0).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Deployment")) return;
        const what = describe(args.type, args.props, args.name);
        const strategy = args.props.spec?.strategy ?? {};
        if (strategy.type !== undefined && strategy.type !== "RollingUpdate") {
            report(`${what}: spec.strategy.type must be RollingUpdate, got ${strategy.type}`);
        }
        const backend = args.props.metadata?.labels?.["app.kubernetes.io/component"] === "backend";
        const maxUnavailable = strategy.rollingUpdate?.maxUnavailable;
        if (backend && !(maxUnavailable === 0 || maxUnavailable === "0%" || maxUnavailable === "0")) {
            report(`${what}: spec.strategy.rollingUpdate.maxUnavailable must be 0 for the backend, got ${maxUnavailable ?? "unset (25%)"}`);
        }
    },
});
