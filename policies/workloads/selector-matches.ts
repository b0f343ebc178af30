import { describe, isKind, selectorMatches } from "../lib/k8s";
import { resourcePolicy } from "../lib/policy";

/** A controller whose selector misses its own template's labels is rejected by the API or orphans pods. */
export const selectorMatchesTemplate = resourcePolicy({
    name: "workload-selector-matches",
    description: "Every Deployment, StatefulSet, DaemonSet and ReplicaSet has a selector that matches its pod template's labels.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!isKind(args.type, "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")) return;
        const what = describe(args.type, args.props, args.name);
        const selector = args.props.spec?.selector;
        const labels = args.props.spec?.template?.metadata?.labels;
        if (!selector || (!selector.matchLabels && !selector.matchExpressions)) report(`${what}: spec.selector must be set`);
        else if (!selectorMatches(selector, labels)) report(`${what}: spec.selector does not match spec.template.metadata.labels`);
    },
});
