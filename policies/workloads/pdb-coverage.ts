import { k8sObjects } from "../lib/graph";
import { selectorMatches } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

/** Without a PodDisruptionBudget a node drain may evict every replica at once. */
export const pdbCoverage = stackPolicy({
    name: "workload-pdb-coverage",
    description: "Every Deployment and StatefulSet has a PodDisruptionBudget in its namespace whose selector matches its pods.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const pdbs = k8sObjects(args.resources, "PodDisruptionBudget");
        for (const d of k8sObjects(args.resources, "Deployment", "StatefulSet")) {
            const labels = d.props.spec?.template?.metadata?.labels;
            if (!pdbs.some((p) => p.namespace === d.namespace && selectorMatches(p.props.spec?.selector, labels))) {
                report(`${d.kind}/${d.name}: no PodDisruptionBudget in namespace ${d.namespace} selects spec.template.metadata.labels`, d.resource.urn);
            }
        }
    },
});
