import { containerLabel, containersOf, podTemplate, serviceSelects } from "../lib/k8s";
import { k8sObjects } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

const WORKLOADS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];

/** Pods that a Service routes to must say when they can serve (readiness) and when they are stuck (liveness). */
export const probes = stackPolicy({
    name: "workload-probes",
    description: "Every container of a pod selected by a Service has a readiness probe and a liveness probe.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const services = k8sObjects(args.resources, "Service").filter((s) => s.props.spec?.type !== "ExternalName");
        for (const w of k8sObjects(args.resources, ...WORKLOADS)) {
            const pod = podTemplate(w.resource.type, w.props);
            if (!pod) continue;
            const svc = services.find((s) => s.namespace === w.namespace && serviceSelects(s.props.spec?.selector, pod.metadata?.labels));
            if (!svc) continue;
            for (const c of containersOf(pod, ["containers"])) {
                for (const probe of ["readinessProbe", "livenessProbe"]) {
                    if (!c.container?.[probe]) {
                        report(`${w.kind}/${w.name}, ${containerLabel(c)}: ${c.path}.${probe} must be set (Service/${svc.name} routes to this pod)`, w.resource.urn);
                    }
                }
            }
        }
    },
});
