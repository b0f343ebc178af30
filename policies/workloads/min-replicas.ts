import { hpasTargeting, k8sObjects, minimumReplicas } from "../lib/graph";
import { packSettings, stackPolicy } from "../lib/policy";

/**
 * The guide: production never runs a single pod of anything, so a node drain or a crash is not an outage.
 * A Deployment's floor is its HPA's minReplicas, or spec.replicas without one. An HPA whose target is not
 * declared alongside (split manifests, another chart) still states the floor it will hold that target to, so
 * it is judged on its own; minReplicas unset is Kubernetes' default of 1.
 */
export const minReplicas = stackPolicy({
    name: "workload-min-replicas",
    description: "In production every Deployment runs at least 2 replicas (its HPA's minReplicas, or spec.replicas without an HPA), and so does every HPA whose target is declared elsewhere.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        if (packSettings(args).environment !== "production") return;
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler");
        const judged = new Set<string>();
        for (const d of k8sObjects(args.resources, "Deployment", "StatefulSet")) {
            const scaledBy = hpasTargeting(d, hpas);
            for (const h of scaledBy) judged.add(h.resource.urn);
            const min = minimumReplicas(d, hpas);
            if (min.value < 2) {
                const field = scaledBy.length > 0 ? min.source : `${min.source}${d.props.spec?.replicas === undefined ? " (unset: 1)" : ""}`;
                report(`${d.kind}/${d.name}: ${field} must be at least 2 in production, got ${min.value}`, d.resource.urn);
            }
        }
        // HPAs of a Deployment above were judged through it (one violation, on the Deployment).
        for (const h of hpas.filter((x) => !judged.has(x.resource.urn))) {
            const min = h.props.spec?.minReplicas;
            if ((min ?? 1) < 2) {
                report(`HorizontalPodAutoscaler/${h.name}: spec.minReplicas${min === undefined ? " (unset: 1)" : ""} must be at least 2 in production, got ${min ?? 1}`, h.resource.urn);
            }
        }
    },
});
