// Writes the rule groups and the promtool unit-test files for a set of scenarios into a directory.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AlertName, Rule, RuleGroup } from "../../components/monitoring/alert-rules";
import { EXPECTED_SEVERITY, Scenario } from "./scenarios";

export const RULES_FILE = "rules.yaml";

export function writeRules(dir: string, groups: RuleGroup[]): string {
    const file = path.join(dir, RULES_FILE);
    fs.writeFileSync(file, YAML.stringify({ groups }, { lineWidth: 0 }));
    return file;
}

/** promtool compares annotations too; the rules only template `{{ $labels.name }}`, which this expands. */
export function expandAnnotations(annotations: Record<string, string>, labels: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(annotations).map(([k, v]) => {
        const out = v.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, name: string) => {
            if (!(name in labels)) throw new Error(`annotation ${k} uses $labels.${name}, which the alert does not carry`);
            return labels[name];
        });
        if (out.includes("{{")) throw new Error(`annotation ${k} uses a template this test cannot expand: ${v}`);
        return [k, out];
    }));
}

export function alertRule(groups: RuleGroup[], alert: AlertName): Rule {
    const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
    if (!rule) throw new Error(`no rule for alert ${alert}`);
    return rule;
}

/** One promtool test file for the scenarios of one alert; returns its path. */
export function writeAlertTests(dir: string, groups: RuleGroup[], alert: AlertName, scenarios: Scenario[]): string {
    const rule = alertRule(groups, alert);
    const tests = scenarios.filter((s) => s.alert === alert).map((s) => ({
        interval: s.interval,
        input_series: s.series,
        alert_rule_test: s.checks.map((c) => ({
            eval_time: `${c.at}s`,
            alertname: alert,
            exp_alerts: c.firing.map((l) => {
                // The rule's own labels, but the severity the guide asks for: promtool fails on a rule that drifts from it.
                const labels = { ...l, ...rule.labels, severity: EXPECTED_SEVERITY[alert] };
                return { exp_labels: labels, exp_annotations: expandAnnotations(rule.annotations ?? {}, labels) };
            }),
        })),
    }));
    const file = path.join(dir, `${alert}.test.yaml`);
    fs.writeFileSync(file, YAML.stringify({ rule_files: [RULES_FILE], evaluation_interval: "1m", tests }, { lineWidth: 0 }));
    return file;
}
