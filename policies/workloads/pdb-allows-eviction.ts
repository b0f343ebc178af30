import { k8sObjects, minimumReplicas } from "../lib/graph";
import { selectorMatches } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

/** An IntOrString of a PodDisruptionBudget: a count, a percentage, or neither (Kubernetes rejects it). */
type Budget = { count: number } | { percent: number } | { invalid: true } | undefined;

function budget(v: unknown): Budget {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return { count: v };
    if (typeof v === "string" && /^\d+%$/.test(v)) return { percent: Number(v.slice(0, -1)) };
    return { invalid: true };
}

/** A budget against a workload's replica count, as the disruption controller computes it: percentages round up. */
function resolve(b: { count: number } | { percent: number }, replicas: number): number {
    return "count" in b ? b.count : Math.ceil((b.percent * replicas) / 100);
}

function show(raw: unknown, b: { count: number } | { percent: number }, replicas: number): string {
    return "count" in b ? String(raw) : `${raw} of ${replicas}, rounded up: ${resolve(b, replicas)}`;
}

/** A budget that allows no disruption blocks every node drain and cluster upgrade. */
export const pdbAllowsEviction = stackPolicy({
    name: "workload-pdb-allows-eviction",
    description: "No PodDisruptionBudget blocks every eviction: maxUnavailable (a percentage rounded up against the workload's minimum) is not 0, and minAvailable (likewise) stays below the workload's minimum (HPA minReplicas, else spec.replicas).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler");
        const workloads = k8sObjects(args.resources, "Deployment", "StatefulSet");
        for (const p of k8sObjects(args.resources, "PodDisruptionBudget")) {
            const spec = p.props.spec ?? {};
            const what = `PodDisruptionBudget/${p.name}`;
            const maxUnavailable = budget(spec.maxUnavailable);
            const minAvailable = budget(spec.minAvailable);
            for (const [field, b] of [["maxUnavailable", maxUnavailable], ["minAvailable", minAvailable]] as const) {
                if (b && "invalid" in b) report(`${what}: spec.${field} must be a whole number or a percentage such as 50%, got ${JSON.stringify(spec[field])}`, p.resource.urn);
            }
            // Whatever the workload: no eviction is ever allowed.
            if (maxUnavailable && !("invalid" in maxUnavailable) && resolve(maxUnavailable, 1) === 0) {
                report(`${what}: spec.maxUnavailable must be at least 1, got ${spec.maxUnavailable}`, p.resource.urn);
            }
            if (minAvailable && "percent" in minAvailable && minAvailable.percent >= 100) {
                report(`${what}: spec.minAvailable must be below 100%, got ${spec.minAvailable}`, p.resource.urn);
                continue;
            }
            if (!minAvailable || "invalid" in minAvailable) continue;
            for (const w of workloads) {
                if (w.namespace !== p.namespace || !selectorMatches(spec.selector, w.props.spec?.template?.metadata?.labels)) continue;
                const min = minimumReplicas(w, hpas);
                if (resolve(minAvailable, min.value) >= min.value) {
                    report(`${what}: spec.minAvailable (${show(spec.minAvailable, minAvailable, min.value)}) must be below ${w.kind}/${w.name}'s minimum of ${min.value} (${min.source})`, p.resource.urn);
                }
            }
        }
    },
});
