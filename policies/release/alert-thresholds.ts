import { ALERT, GUIDE_THRESHOLDS, ThresholdKey } from "../../components/alert-rules";
import { k8sObjects } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

/** The setting each alert's `threshold` annotation carries (the ones that are not durations or windows). */
const THRESHOLD_BY_ALERT: Record<string, ThresholdKey> = Object.fromEntries(
    (Object.entries(GUIDE_THRESHOLDS) as [ThresholdKey, (typeof GUIDE_THRESHOLDS)[ThresholdKey]][])
        .filter(([, g]) => g.unit !== "minutes")
        .flatMap(([key, g]) => g.alerts.map((a) => [a, key])),
);

function minutes(duration: unknown): number {
    const m = /^(\d+)([smh])$/.exec(String(duration ?? "0m"));
    if (!m) return 0;
    return Number(m[1]) * ({ s: 1 / 60, m: 1, h: 60 } as Record<string, number>)[m[2]];
}

/** The guide's "Set Up Alerts": every alert present, none firing later than the guide says. */
export const alertThresholds = stackPolicy({
    name: "alert-thresholds",
    description: "When the stack has PrometheusRules, every alert of the guide is present and none is looser than the guide (threshold annotation, and the error-rate alert's `for`).",
    checklist: "release",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const rules = k8sObjects(args.resources, "PrometheusRule");
        // No rules at all is alert-rules-present's violation (advisory in staging), not a threshold problem.
        if (rules.length === 0) return;
        const seen = new Map<string, { rule: Record<string, any>; where: string; urn: string }>();
        for (const r of rules) {
            for (const g of r.props.spec?.groups ?? []) {
                for (const rule of g?.rules ?? []) if (rule?.alert) seen.set(rule.alert, { rule, where: `PrometheusRule/${r.name} group ${g.name}`, urn: r.resource.urn });
            }
        }
        for (const name of Object.values(ALERT)) {
            const found = seen.get(name);
            if (!found) { report(`PrometheusRule/${rules[0].name}: alert ${name} of the guide is missing`, rules[0].resource.urn); continue; }
            const key = THRESHOLD_BY_ALERT[name];
            if (key) {
                const g = GUIDE_THRESHOLDS[key];
                const value = Number(found.rule.annotations?.threshold);
                const looser = !Number.isFinite(value) || (g.looserWhen === "higher" ? value > g.guide : value < g.guide);
                if (looser) report(`${found.where}, alert ${name}: annotations.threshold must be ${g.looserWhen === "higher" ? "at most" : "at least"} the guide's ${g.guide} ${g.unit}, got ${found.rule.annotations?.threshold ?? "unset"}`, found.urn);
            }
            if (name === ALERT.highErrorRate && minutes(found.rule.for) > GUIDE_THRESHOLDS.errorRateForMinutes.guide) {
                report(`${found.where}, alert ${name}: for must be at most ${GUIDE_THRESHOLDS.errorRateForMinutes.guide}m, got ${found.rule.for}`, found.urn);
            }
        }
    },
});
