/* eslint-disable @typescript-eslint/no-explicit-any */
import { ALERT, alertRuleGroups, AlertSettings, GUIDE_THRESHOLDS, OUTSIDE_ALERTS, Rule, ThresholdKey } from "../../components/monitoring/alert-rules";
import { SEVERITIES } from "../../components/config/settings-schema";
import { k8sObjects } from "../lib/graph";
import { stackPolicy } from "../lib/policy";

/** The setting each alert's `threshold` annotation carries (the ones that are not durations or windows). */
const THRESHOLD_BY_ALERT: Record<string, ThresholdKey> = Object.fromEntries(
    (Object.entries(GUIDE_THRESHOLDS) as [ThresholdKey, (typeof GUIDE_THRESHOLDS)[ThresholdKey]][])
        .filter(([, g]) => g.unit !== "minutes")
        .flatMap(([key, g]) => g.alerts.map((a) => [a, key])),
);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/** A Prometheus duration (`1h30m`, `10m0s`, `1d`) in milliseconds; 0 when unset, undefined when it does not parse. */
export function durationMs(duration: unknown): number | undefined {
    if (duration === undefined || duration === null || duration === "") return 0;
    const text = String(duration).trim();
    if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
    return total;
}

/** A comparison of the expression against a number literal: `> 5`, `>= bool 3`, `< 1`. */
interface Comparison { op: ">" | ">=" | "<" | "<="; value: number }

/** The expression's comparisons against literals, in order; `==`/`!=` (flags, not thresholds) are left out. */
export function comparisons(expr: unknown): Comparison[] {
    const out: Comparison[] = [];
    const re = /(>=|<=|>|<)\s*(?:bool\s+)?([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)(?![\w.])/gi;
    for (const m of String(expr ?? "").matchAll(re)) out.push({ op: m[1] as Comparison["op"], value: Number(m[2]) });
    return out;
}

const above = (c: Comparison) => c.op === ">" || c.op === ">=";

/** Whether `actual` fires later than `guide` (both the same direction): a higher bar above, a lower one below, or equal but strict. */
function looserComparison(actual: Comparison, guide: Comparison): boolean {
    if (above(guide)) return actual.value > guide.value || (actual.value === guide.value && actual.op === ">" && guide.op === ">=");
    return actual.value < guide.value || (actual.value === guide.value && actual.op === "<" && guide.op === "<=");
}

/** The guide's own rules: alertRuleGroups of the guide's values (the defaults). */
const GUIDE_RULES: Map<string, Rule> = (() => {
    const settings = Object.fromEntries(Object.entries(GUIDE_THRESHOLDS).map(([k, g]) => [k, g.guide]));
    const groups = alertRuleGroups({ enabled: true, team: "guide", ...settings } as AlertSettings,
        { namespace: "guide", environment: "production", backendJob: "guide", backendContainer: "guide", publicProbeJob: "guide" });
    return new Map(groups.flatMap((g) => g.rules).filter((r) => r.alert).map((r) => [r.alert!, r]));
})();

function show(c: Comparison): string {
    return `${c.op} ${c.value}`;
}

/** What is looser in one copy of an alert than the guide's rule, as sentences. */
function problems(name: string, rule: any, guide: Rule): string[] {
    const out: string[] = [];
    const key = THRESHOLD_BY_ALERT[name];
    if (key) {
        const g = GUIDE_THRESHOLDS[key];
        const value = Number(rule.annotations?.threshold);
        const looser = !Number.isFinite(value) || (g.looserWhen === "higher" ? value > g.guide : value < g.guide);
        if (looser) out.push(`annotations.threshold must be ${g.looserWhen === "higher" ? "at most" : "at least"} the guide's ${g.guide} ${g.unit}, got ${rule.annotations?.threshold ?? "unset"}`);
    }
    // The comparisons that decide when it fires: each one, by direction and in order, against the guide's.
    const wanted = comparisons(guide.expr);
    const got = comparisons(rule.expr);
    for (const direction of [true, false]) {
        const w = wanted.filter((c) => above(c) === direction);
        const a = got.filter((c) => above(c) === direction);
        if (w.length === 0) continue;
        if (a.length === 0) {
            out.push(`expr must compare ${w.map(show).join(" and ")} as the guide does, found no ${direction ? "> or >=" : "< or <="} comparison with a number`);
            continue;
        }
        a.forEach((c, i) => {
            const g = w[Math.min(i, w.length - 1)];
            if (looserComparison(c, g)) out.push(`expr compares ${show(c)}, looser than the guide's ${show(g)}`);
        });
    }
    // A warning copy of a critical alert reaches the team channel instead of the pager: as loose as a higher bar.
    // Unset is routed like critical (the routing's catch-all), so only a known, quieter or unknown severity is flagged.
    const severity = rule.labels?.severity;
    const guideSeverity = guide.labels?.severity;
    if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity)) {
        out.push(`labels.severity must be one of ${SEVERITIES.join(", ")} (the severities the routing knows), got ${severity}`);
    } else if (severity === "warning" && guideSeverity === "critical") {
        out.push(`labels.severity must be critical as the guide's (critical → pager), got warning`);
    }
    const forMs = durationMs(rule.for);
    const guideFor = durationMs(guide.for) ?? 0;
    if (forMs === undefined) out.push(`for must be a Prometheus duration such as 5m or 1h30m, got ${rule.for}`);
    else if (forMs > guideFor) out.push(`for must be at most ${guide.for ?? "0s (unset)"}, got ${rule.for}`);
    return out;
}

/** The guide's "Set Up Alerts": every alert present, none firing later than the guide says. */
export const alertThresholds = stackPolicy({
    name: "alert-thresholds",
    description: "When the stack has PrometheusRules, every alert of the guide is present and no copy of it is looser than the guide (the comparisons in its expression, its threshold annotation, its `for`, and its severity).",
    checklist: "release",
    enforcementLevel: "mandatory",
    kind: "completeness",
    validateStack: (args, report) => {
        const rules = k8sObjects(args.resources, "PrometheusRule");
        // No rules at all is alert-rules-present's violation (advisory in staging), not a threshold problem.
        if (rules.length === 0) return;
        const seen = new Map<string, { rule: Record<string, any>; where: string; urn: string }[]>();
        for (const r of rules) {
            for (const g of r.props.spec?.groups ?? []) {
                for (const rule of g?.rules ?? []) {
                    if (!rule?.alert) continue;
                    // Every copy counts: Prometheus evaluates them all, and the loosest decides when someone hears of it.
                    seen.set(rule.alert, [...(seen.get(rule.alert) ?? []), { rule, where: `PrometheusRule/${r.name} group ${g.name}`, urn: r.resource.urn }]);
                }
            }
        }
        // The outside rules read the Probe's series: without a Probe (staging without publicUrl) they are not declared.
        const hasProbe = k8sObjects(args.resources, "Probe").length > 0;
        for (const name of Object.values(ALERT)) {
            if (!hasProbe && OUTSIDE_ALERTS.includes(name)) continue;
            const copies = seen.get(name) ?? [];
            if (copies.length === 0) { report(`PrometheusRule/${rules[0].name}: alert ${name} of the guide is missing`, rules[0].resource.urn); continue; }
            for (const found of copies) {
                for (const p of problems(name, found.rule, GUIDE_RULES.get(name)!)) report(`${found.where}, alert ${name}: ${p}`, found.urn);
            }
        }
    },
});
