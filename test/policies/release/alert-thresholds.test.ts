import * as assert from "assert";
import { alertRuleGroups, ALERT } from "../../../components/alert-rules";
import { settingsSchema } from "../../../components/settings-schema";
import { metadata, res, violations } from "../support";

const guide = settingsSchema("production", "production", new Date()).shape.alerts.parse({});
const ctx = { namespace: "fork-knife-production", environment: "production" as const, backendJob: "fork-knife-backend", backendContainer: "backend" };
const rule = (alerts: typeof guide) => res("PrometheusRule", "alerts", { metadata: metadata("backend", "alerts"), spec: { groups: alertRuleGroups(alerts, ctx) } });

describe("policy alert-thresholds", () => {
    it("passes the guide's rules, and a stricter error rate", async () => {
        assert.deepStrictEqual(await violations("alert-thresholds", [rule(guide)]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [rule({ ...guide, errorRatePercent: 2 })]), []);
    });
    it("flags a looser threshold, a longer for, and a missing alert", async () => {
        const v = await violations("alert-thresholds", [rule({ ...guide, errorRatePercent: 10, errorRateForMinutes: 15 })]);
        assert.deepStrictEqual(v, [
            "PrometheusRule/alerts group fork-knife.backend, alert ForkKnifeHighErrorRate: annotations.threshold must be at most the guide's 5 percent, got 10",
            "PrometheusRule/alerts group fork-knife.backend, alert ForkKnifeHighErrorRate: for must be at most 5m, got 15m",
        ]);
        const groups = alertRuleGroups(guide, ctx).map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert !== ALERT.diskUsage) }));
        const missing = await violations("alert-thresholds", [res("PrometheusRule", "alerts", { metadata: metadata("backend", "alerts"), spec: { groups } })]);
        assert.deepStrictEqual(missing, ["PrometheusRule/alerts: alert ForkKnifeDiskUsageHigh of the guide is missing"]);
    });
});
