import { hpasTargeting, k8sObjects, minimumReplicas } from "../lib/graph";
import { packSettings, stackPolicy } from "../lib/policy";

/** The guide: production never runs a single pod of anything, so a node drain or a crash is not an outage. */
export const minReplicas = stackPolicy({
    name: "workload-min-replicas",
    description: "In production every Deployment runs at least 2 replicas: its HPA's minReplicas, or spec.replicas without an HPA.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        if (packSettings(args).environment !== "production") return;
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler");
        for (const d of k8sObjects(args.resources, "Deployment", "StatefulSet")) {
            const min = minimumReplicas(d, hpas);
            if (min.value < 2) {
                const field = hpasTargeting(d, hpas).length > 0 ? min.source : `${min.source}${d.props.spec?.replicas === undefined ? " (unset: 1)" : ""}`;
                report(`${d.kind}/${d.name}: ${field} must be at least 2 in production, got ${min.value}`, d.resource.urn);
            }
        }
    },
});
