import * as assert from "assert";
import { alertRuleGroups, ALERT, PUBLIC_PROBE_JOB, RuleGroup } from "../../../components/monitoring/alert-rules";
import { settingsSchema } from "../../../components/config/settings-schema";
import { durationMs } from "../../../policies/release/alert-thresholds";
import { clone, metadata, res, violations } from "../support";

const guide = settingsSchema("production", "production", new Date()).shape.alerts.parse({});
const ctx = { namespace: "fork-knife-production", environment: "production" as const, backendJob: "fork-knife-backend", backendContainer: "backend" };
const prometheusRule = (groups: unknown, name = "alerts") => res("PrometheusRule", name, { metadata: metadata("backend", name), spec: { groups } });
const rule = (alerts: typeof guide) => prometheusRule(alertRuleGroups(alerts, ctx));

/** The guide's rules with one alert replaced by a hand-written one (same group). */
function withAlert(alert: string, written: Record<string, unknown>): RuleGroup[] {
    return clone(alertRuleGroups(guide, ctx)).map((g) => ({ ...g, rules: g.rules.map((r) => (r.alert === alert ? { alert, ...written } as never : r)) }));
}
const errorRate = (expr: string, extra: Record<string, unknown> = {}) =>
    withAlert(ALERT.highErrorRate, { expr, for: "5m", annotations: { threshold: "5" }, ...extra });
const WHERE = "PrometheusRule/alerts group fork-knife.backend, alert ForkKnifeHighErrorRate";

describe("policy alert-thresholds", () => {
    it("passes the guide's rules, and a stricter error rate", async () => {
        assert.deepStrictEqual(await violations("alert-thresholds", [rule(guide)]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [rule({ ...guide, errorRatePercent: 2 })]), []);
    });
    it("passes hand-written rules as strict as the guide, with durations written other ways", async () => {
        const written = errorRate('job:errors:ratio_rate5m{namespace="x"} * 100 > 4', { for: "4m59s" });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(written)]), []);
        const bool = withAlert(ALERT.healthCheckFailing, { expr: "sum(increase(prober_probe_total[5m])) >= bool 3", annotations: { threshold: "3" } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(bool)]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(errorRate("x * 100 > 5", { for: "300s" }))]), []);
    });
    it("flags a looser threshold, a longer for, and a missing alert", async () => {
        const v = await violations("alert-thresholds", [rule({ ...guide, errorRatePercent: 10, errorRateForMinutes: 15 })]);
        assert.deepStrictEqual(v, [
            `${WHERE}: annotations.threshold must be at most the guide's 5 percent, got 10`,
            `${WHERE}: expr compares > 10, looser than the guide's > 5`,
            `${WHERE}: expr compares > 10, looser than the guide's > 5`,
            `${WHERE}: for must be at most 5m, got 15m`,
        ]);
        const groups = alertRuleGroups(guide, ctx).map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert !== ALERT.diskUsage) }));
        const missing = await violations("alert-thresholds", [prometheusRule(groups)]);
        assert.deepStrictEqual(missing, ["PrometheusRule/alerts: alert ForkKnifeDiskUsageHigh of the guide is missing"]);
    });
    it("flags a copy of a critical alert demoted to warning, and a severity the routing does not know; passes a louder or unset one", async () => {
        const labelled = (severity: string | undefined) => errorRate("x * 100 > 5", severity === undefined ? {} : { labels: { severity } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(labelled("warning"))]),
            [`${WHERE}: labels.severity must be critical as the guide's (critical → pager), got warning`]);
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(labelled("page"))]),
            [`${WHERE}: labels.severity must be one of critical, warning (the severities the routing knows), got page`]);
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(labelled("critical"))]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(labelled(undefined))]), []);
        // A warning of the guide raised to critical is louder, not looser.
        const latency = withAlert(ALERT.highLatency, { expr: "x > 1", for: "5m", labels: { severity: "critical" }, annotations: { threshold: "1" } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(latency)]), []);
    });
    it("flags a for written in days, in several units, or with a zero part, and one that does not parse", async () => {
        for (const f of ["1d", "1h30m", "10m0s", "5m1s"]) {
            assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(errorRate("x * 100 > 5", { for: f }))]),
                [`${WHERE}: for must be at most 5m, got ${f}`], f);
        }
        for (const f of ["5 minutes", "1.5h", "-5m", "5M"]) {
            assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(errorRate("x * 100 > 5", { for: f }))]),
                [`${WHERE}: for must be a Prometheus duration such as 5m or 1h30m, got ${f}`], f);
        }
        assert.deepStrictEqual([durationMs("1h30m"), durationMs("10m0s"), durationMs("1w"), durationMs("250ms"), durationMs(undefined)],
            [5_400_000, 600_000, 604_800_000, 250, 0]);
    });
    it("flags an expression that compares looser than its threshold annotation says, or compares nothing", async () => {
        // The annotation says 5, the comparison that decides says 50: Prometheus reads the expression.
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(errorRate("x * 100 > 50"))]),
            [`${WHERE}: expr compares > 50, looser than the guide's > 5`]);
        // >= 3 failures is the guide; > 3 waits for a fourth.
        const strict = withAlert(ALERT.healthCheckFailing, { expr: "sum(increase(prober_probe_total[5m])) > 3", annotations: { threshold: "3" } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(strict)]),
            ["PrometheusRule/alerts group fork-knife.backend, alert ForkKnifeHealthCheckFailing: expr compares > 3, looser than the guide's >= 3"]);
        // Below-thresholds are looser when lower: fewer than 0.5 jobs a minute instead of 1.
        const slow = withAlert(ALERT.queueStalled, { expr: "rate(done[5m]) * 60 < 0.5 and waiting > 0", for: "10m", annotations: { threshold: "1" } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(slow)]),
            ["PrometheusRule/alerts group fork-knife.worker, alert ForkKnifeQueueProcessingSlow: expr compares < 0.5, looser than the guide's < 1"]);
        // Backup age is compared in seconds: 48 h written as 172800 is looser than the guide's 31 h (111600 s: RPO 24 h + the backup run's 1 h starting and 6 h active deadlines).
        const backup = withAlert(ALERT.backupMissing, { expr: "time() - last_success > 172800", for: "5m", annotations: { threshold: "26" } });
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(backup)]),
            ["PrometheusRule/alerts group fork-knife.jobs, alert ForkKnifeBackupMissing: expr compares > 172800, looser than the guide's > 111600"]);
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule(errorRate("x == 1"))]),
            [`${WHERE}: expr must compare > 5 and > 5 as the guide does, found no > or >= comparison with a number`]);
    });
    it("flags a loose copy of an alert whichever copy comes last", async () => {
        const loose = { name: "extra", rules: [{ alert: ALERT.highErrorRate, expr: "x * 100 > 20", for: "5m", annotations: { threshold: "20" } }] };
        const expected = [
            "PrometheusRule/extra group extra, alert ForkKnifeHighErrorRate: annotations.threshold must be at most the guide's 5 percent, got 20",
            "PrometheusRule/extra group extra, alert ForkKnifeHighErrorRate: expr compares > 20, looser than the guide's > 5",
        ];
        // Loose copy first, the guide's copy last (the one a last-wins map would keep).
        assert.deepStrictEqual(await violations("alert-thresholds", [prometheusRule([loose], "extra"), rule(guide)]), expected);
        assert.deepStrictEqual(await violations("alert-thresholds", [rule(guide), prometheusRule([loose], "extra")]), expected);
    });
});

describe("policy alert-thresholds: the outside health check", () => {
    const PROBE_TYPE = "kubernetes:monitoring.coreos.com/v1:Probe";
    const probe = res(PROBE_TYPE, "health-probe", { metadata: metadata("backend", "fork-knife-public-health"), spec: { jobName: PUBLIC_PROBE_JOB } });
    const withOutside = prometheusRule(alertRuleGroups(guide, { ...ctx, publicProbeJob: PUBLIC_PROBE_JOB }));

    it("requires the outside alerts only when the stack probes its public URL", async () => {
        // No Probe (staging without publicUrl): the outside rules are not declared, and nothing is missing.
        assert.deepStrictEqual(await violations("alert-thresholds", [rule(guide)]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [withOutside, probe]), []);
        assert.deepStrictEqual(await violations("alert-thresholds", [rule(guide), probe]), [
            `PrometheusRule/alerts: alert ${ALERT.publicHealthCheckFailing} of the guide is missing`,
            `PrometheusRule/alerts: alert ${ALERT.healthProbeMetricsAbsent} of the guide is missing`,
        ]);
    });

    it("flags an outside check that waits for more failures or a longer window than the guide", async () => {
        const loose = prometheusRule(alertRuleGroups({ ...guide, healthCheckFailures: 4 }, { ...ctx, publicProbeJob: PUBLIC_PROBE_JOB }));
        const v = await violations("alert-thresholds", [loose, probe]);
        assert.ok(v.some((x) => x.includes(`alert ${ALERT.publicHealthCheckFailing}: expr compares >= 4, looser than the guide's >= 3`)), v.join("\n"));
    });
});
