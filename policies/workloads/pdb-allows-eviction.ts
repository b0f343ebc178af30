import { k8sObjects, minimumReplicas } from "../lib/graph";
import { selectorMatches } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

function zero(v: unknown): boolean {
    return v === 0 || v === "0" || v === "0%";
}

/** A budget that allows no disruption blocks every node drain and cluster upgrade. */
export const pdbAllowsEviction = stackPolicy({
    name: "workload-pdb-allows-eviction",
    description: "No PodDisruptionBudget blocks every eviction: maxUnavailable is not 0, minAvailable is not 100 % and stays below the workload's minimum (HPA minReplicas).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler");
        const workloads = k8sObjects(args.resources, "Deployment", "StatefulSet");
        for (const p of k8sObjects(args.resources, "PodDisruptionBudget")) {
            const spec = p.props.spec ?? {};
            const what = `PodDisruptionBudget/${p.name}`;
            if (zero(spec.maxUnavailable)) report(`${what}: spec.maxUnavailable must be at least 1, got ${spec.maxUnavailable}`, p.resource.urn);
            if (spec.minAvailable === "100%") report(`${what}: spec.minAvailable must be below 100%`, p.resource.urn);
            if (typeof spec.minAvailable !== "number") continue;
            for (const w of workloads) {
                if (w.namespace !== p.namespace || !selectorMatches(spec.selector, w.props.spec?.template?.metadata?.labels)) continue;
                const min = minimumReplicas(w, hpas);
                if (spec.minAvailable >= min.value) {
                    report(`${what}: spec.minAvailable (${spec.minAvailable}) must be below ${w.kind}/${w.name}'s minimum of ${min.value} (${min.source})`, p.resource.urn);
                }
            }
        }
    },
});
