import { LABEL } from "../../components/lib/labels";
import { componentOf, k8sObjects } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

/**
 * The guide's "Set Up Alerts": a stack nobody is paged for is not production-ready. alert-thresholds only
 * judges the rules that exist, so turning fork-knife:alerts off (or losing the label the tools find the rule
 * by) would pass it silently; this is the check that they exist. Staging may run without alerting, so only
 * production fails.
 */
export const alertRulesPresent = stackPolicy({
    name: "alert-rules-present",
    description: `The stack declares a PrometheusRule labelled ${LABEL.component}=alerts (mandatory in production, advisory in staging).`,
    checklist: "release",
    enforcementLevel: "mandatory",
    kind: "completeness",
    stagingEnforcementLevel: "advisory",
    validateStack: (args, report) => {
        const rules = k8sObjects(args.resources, "PrometheusRule");
        if (rules.some((r) => componentOf(r) === "alerts")) return;
        const others = rules.map((r) => `PrometheusRule/${r.name} (${LABEL.component}=${componentOf(r) ?? "unset"})`);
        report(`no PrometheusRule labelled ${LABEL.component}=alerts, so none of the guide's alerts can fire`
            + (others.length > 0 ? `; found only ${others.join(", ")}` : "; set fork-knife:alerts.enabled: true"));
    },
});
