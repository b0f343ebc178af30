import { hpasTargeting, k8sObjects } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

/** A static count fights the HPA: every `pulumi up` resets the scale to it. */
export const noReplicasUnderHpa = stackPolicy({
    name: "workload-no-replicas-under-hpa",
    description: "A Deployment scaled by an HPA does not set spec.replicas.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler");
        for (const d of k8sObjects(args.resources, "Deployment", "StatefulSet")) {
            const h = hpasTargeting(d, hpas)[0];
            if (h && d.props.spec?.replicas !== undefined) {
                report(`${d.kind}/${d.name}: spec.replicas must be unset because HorizontalPodAutoscaler/${h.name} owns the replica count`, d.resource.urn);
            }
        }
    },
});
