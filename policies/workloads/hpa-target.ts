import { k8sObjects, refersTo } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

/** An HPA pointing at nothing scales nothing, silently. */
export const hpaTarget = stackPolicy({
    name: "workload-hpa-target",
    description: "Every HPA's scaleTargetRef names a Deployment (or other scalable workload) declared in the same namespace.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const targets = k8sObjects(args.resources, "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController");
        for (const h of k8sObjects(args.resources, "HorizontalPodAutoscaler")) {
            const ref = h.props.spec?.scaleTargetRef ?? {};
            if (!targets.some((t) => t.kind === ref.kind && t.namespace === h.namespace && refersTo(t, ref.name))) {
                report(`HorizontalPodAutoscaler/${h.name}: spec.scaleTargetRef ${ref.kind ?? "?"}/${ref.name ?? "?"} does not exist in namespace ${h.namespace}`, h.resource.urn);
            }
        }
    },
});
