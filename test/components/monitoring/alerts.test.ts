// Alerts under Pulumi mocks: a PrometheusRule and a ServiceMonitor that pass the Prometheus Operator schemas,
// scoped to the stack's namespace, selected by the labels the README documents, scraping the Service that
// AppService really creates, with thresholds taken from the stack's settings.
import * as assert from "assert";
import { ALERT, AlertSettings, GUIDE_THRESHOLDS, looserThanGuide, PUBLIC_PROBE_JOB, Rule, RUNBOOK_BASE, ThresholdKey } from "../../../components/monitoring/alert-rules";
import { Alerts, DEFAULT_PROMETHEUS_SELECTOR } from "../../../components/monitoring/alerts";
import { egressFromSettings } from "../../../components/lib/network-policy";
import { SIGNALS } from "../../../components/monitoring/alert-routing";
import { AppService } from "../../../components/app/app-service";
import { standardLabels } from "../../../components/lib/labels";
import { readSettings, settingsSchema } from "../../../components/config/settings";
import { ProgramRun, RecordedResource, revealSecrets, runProgram } from "../../../tools/lib/program";
import { toManifest } from "../../../tools/lib/render";
import { validateManifest } from "../../../tools/lib/schema";
import { stackConfig, TODAY } from "../../support/stacks";

const CR = "kubernetes:monitoring.coreos.com/v1:";

/** The production stack file (optionally with other alert settings), through readSettings, into Alerts + the backend. */
function render(alerts?: Record<string, unknown>): Promise<ProgramRun> {
    const c = stackConfig("production", alerts ? { set: { "fork-knife:alerts": alerts } } : {});
    return runProgram({
        stack: "production", config: c.config, secretKeys: c.secretKeys, now: TODAY,
        program: () => {
            const s = readSettings();
            const backend = new AppService("backend", {
                namespace: s.namespace, environment: s.environment, component: "backend", image: "ghcr.io/fork-knife/backend:1",
                http: { port: s.backend.port, healthPath: s.backend.healthPath }, scaling: s.backend,
                resources: s.backend.resources, egress: egressFromSettings(s),
                metrics: { port: s.backend.metricsPort, namespaceLabels: s.backend.metricsNamespaceLabels },
            });
            new Alerts("alerts", {
                namespace: s.namespace, environment: s.environment, settings: s.alerts,
                backendService: { name: "fork-knife-backend", port: "metrics", metricsPath: "/metrics" },
                publicProbeJob: PUBLIC_PROBE_JOB,
            }, { dependsOn: [backend] });
        },
    });
}

const byKind = (run: ProgramRun, kind: string) => run.resources.filter((r) => r.type === `${CR}${kind}`);
const body = (r: RecordedResource) => revealSecrets(r.inputs) as any;
const alertRules = (run: ProgramRun): Rule[] => body(byKind(run, "PrometheusRule")[0]).spec.groups.flatMap((g: any) => g.rules);
const rule = (run: ProgramRun, alert: string) => alertRules(run).find((r) => r.alert === alert)!;

describe("Alerts", () => {
    let prod: ProgramRun;
    before(async () => { prod = await render(); });

    it("declares one PrometheusRule and one ServiceMonitor under a fork-knife:monitoring:Alerts component", () => {
        const component = prod.resources.filter((r) => r.type === "fork-knife:monitoring:Alerts");
        assert.strictEqual(component.length, 1);
        for (const kind of ["PrometheusRule", "ServiceMonitor"]) {
            const found = byKind(prod, kind);
            assert.strictEqual(found.length, 1, kind);
            assert.strictEqual(found[0].parent, component[0].urn, `${kind} is a child of the component`);
            assert.strictEqual(body(found[0]).metadata.namespace, "fork-knife-production");
        }
    });

    it("renders manifests that pass the Prometheus Operator schemas", async () => {
        const manifests = [...byKind(prod, "PrometheusRule"), ...byKind(prod, "ServiceMonitor")].map(toManifest);
        const problems = (await Promise.all(manifests.map(validateManifest))).flat();
        assert.deepStrictEqual(problems, []);
        // The schema check has teeth: a rule without expr is refused.
        const broken = toManifest(byKind(prod, "PrometheusRule")[0]);
        delete broken.body.spec.groups[0].rules[0].expr;
        assert.notStrictEqual((await validateManifest(broken)).length, 0);
    });

    it("carries the standard labels plus the label Prometheus selects rules and monitors by", () => {
        const expected = { ...standardLabels("alerts", "production"), ...DEFAULT_PROMETHEUS_SELECTOR };
        for (const kind of ["PrometheusRule", "ServiceMonitor"]) {
            assert.deepStrictEqual(body(byKind(prod, kind)[0]).metadata.labels, expected, kind);
        }
    });

    it("scrapes the backend Service that AppService creates: its labels, its named port, its name as the job", () => {
        const service = body(prod.resources.find((r) => r.type === "kubernetes:core/v1:Service")!);
        const monitor = body(byKind(prod, "ServiceMonitor")[0]).spec;
        for (const [k, v] of Object.entries(monitor.selector.matchLabels)) assert.strictEqual(service.metadata.labels[k], v, k);
        const worker = standardLabels("worker", "production");
        assert.ok(Object.entries(monitor.selector.matchLabels).some(([k, v]) => worker[k] !== v), "the worker is not selected");
        assert.deepStrictEqual(monitor.namespaceSelector.matchNames, [service.metadata.namespace]);
        assert.ok(service.spec.ports.some((p: any) => p.name === monitor.endpoints[0].port), "the port name exists on the Service");
        // The metrics port, which only the monitoring namespace may reach; the public port serves the app only.
        assert.strictEqual(monitor.endpoints[0].port, "metrics");
        assert.strictEqual(service.spec.ports.find((p: any) => p.name === "metrics").port, 9464);
        assert.strictEqual(monitor.endpoints[0].path, "/metrics");
        // The Prometheus Operator names the job after the Service; the rules select on it.
        const errorRatio = alertRules(prod).find((r) => r.record?.includes("error_ratio"))!;
        assert.match(errorRatio.expr, new RegExp(`job="${service.metadata.name}"`));
    });

    it("scopes every expression to the stack's namespace and labels every alert for routing", () => {
        const rules = alertRules(prod);
        assert.deepStrictEqual(rules.filter((r) => r.alert).map((r) => r.alert).sort(), Object.values(ALERT).sort());
        for (const r of rules) {
            const selectors = r.expr.match(/\{[^}]*\}/g) ?? [];
            assert.ok(selectors.length > 0, `${r.alert ?? r.record} selects something`);
            for (const sel of selectors) assert.match(sel, /namespace="fork-knife-production"/, `${r.alert ?? r.record}: ${sel}`);
            if (!r.alert) continue;
            assert.match(r.labels!.severity, /^(critical|warning)$/, `${r.alert}: severity ${r.labels!.severity}`);
            assert.strictEqual(r.labels!.team, "backend");
            assert.strictEqual(r.labels!.environment, "production");
            assert.ok(r.annotations!.summary && r.annotations!.description, `${r.alert} has summary and description`);
            assert.strictEqual(r.annotations!.runbook_url, `${RUNBOOK_BASE}#${r.alert.toLowerCase()}`);
        }
        // The guide: critical → pager, warning → team; a failing health check pages.
        assert.strictEqual(rule(prod, ALERT.healthCheckFailing).labels!.severity, "critical");
    });

    it("uses the guide's thresholds by default", () => {
        assert.match(rule(prod, ALERT.healthCheckFailing).expr, /\[5m\]\)\) >= 3$/);
        assert.match(rule(prod, ALERT.highErrorRate).expr, /\* 100 > 5\nand\n.*\* 100 > 5$/);
        assert.strictEqual(rule(prod, ALERT.highErrorRate).for, "5m");
        assert.match(rule(prod, ALERT.databaseConnections).expr, / > 80$/);
        assert.match(rule(prod, ALERT.diskUsage).expr, / > 85$/);
        assert.match(rule(prod, ALERT.highLatency).expr, /^histogram_quantile\(0\.95, .* > 1$/);
        assert.match(rule(prod, ALERT.backupMissing).expr, /\n> 111600$/);
        assert.match(rule(prod, ALERT.queueDepth).expr, / > 1000$/);
        assert.match(rule(prod, ALERT.queueStalled).expr, /\* 60 < 1\n/);
        assert.match(rule(prod, ALERT.redisMemory).expr, / > 80$/);
        assert.match(rule(prod, ALERT.publicHealthCheckFailing).expr, /\[5m\]\)\) >= 3$/);
        assert.strictEqual(rule(prod, ALERT.publicHealthCheckFailing).labels!.severity, "critical");
        // The total-outage cause of the routing's inhibition convention (signal/cause, docs/operations.md).
        assert.deepStrictEqual([rule(prod, ALERT.publicHealthCheckFailing).labels!.signal, rule(prod, ALERT.publicHealthCheckFailing).labels!.cause],
            ["backend", "true"]);
        for (const a of [ALERT.kubeStateMetricsAbsent, ALERT.postgresMetricsAbsent, ALERT.redisMetricsAbsent, ALERT.healthProbeMetricsAbsent, ALERT.metricsMissing]) {
            assert.strictEqual(rule(prod, a).labels!.cause, "true", a);
            assert.strictEqual(rule(prod, a).labels!.severity, "warning", a);
        }
        // Every signal a rule names is one the routing's inhibit rules know.
        for (const r of alertRules(prod).filter((x) => x.labels?.signal)) assert.ok((SIGNALS as readonly string[]).includes(r.labels!.signal), `${r.alert}: ${r.labels!.signal}`);
        // The kubelet health check is a symptom of the total outage: an ordinary alert of the backend's signal, which
        // only a critical cause silences (alert-routing.ts inhibitRules); the disk alert joins no signal.
        assert.deepStrictEqual([rule(prod, ALERT.healthCheckFailing).labels!.signal, rule(prod, ALERT.healthCheckFailing).labels!.cause], ["backend", undefined]);
        assert.strictEqual(rule(prod, ALERT.diskUsage).labels!.signal, undefined);
        assert.strictEqual(rule(prod, ALERT.databaseConnections).labels!.signal, rule(prod, ALERT.postgresMetricsAbsent).labels!.signal);
        assert.strictEqual(rule(prod, ALERT.redisMemory).labels!.signal, rule(prod, ALERT.redisMetricsAbsent).labels!.signal);
    });

    it("takes thresholds, durations and the team from fork-knife:alerts", async () => {
        const run = await render({
            healthCheckFailures: 2, healthCheckWindowMinutes: 10, errorRatePercent: 2.5, errorRateForMinutes: 3,
            databaseConnectionsPercent: 70, diskUsagePercent: 90, p95LatencySeconds: 0.5, backupMaxAgeHours: 12,
            queueDepthWarning: 250, minJobsPerMinute: 4, team: "payments",
        });
        assert.match(rule(run, ALERT.healthCheckFailing).expr, /\[10m\]\)\) >= 2$/);
        assert.match(rule(run, ALERT.highErrorRate).expr, /\* 100 > 2\.5\nand\n.*\* 100 > 2\.5$/);
        assert.strictEqual(rule(run, ALERT.highErrorRate).for, "3m");
        assert.match(rule(run, ALERT.databaseConnections).expr, / > 70$/);
        assert.match(rule(run, ALERT.diskUsage).expr, / > 90$/);
        assert.match(rule(run, ALERT.highLatency).expr, / > 0\.5$/);
        assert.match(rule(run, ALERT.backupMissing).expr, /\n> 43200$/);
        assert.match(rule(run, ALERT.queueDepth).expr, / > 250$/);
        assert.match(rule(run, ALERT.queueStalled).expr, /\* 60 < 4\n/);
        assert.strictEqual(rule(run, ALERT.highErrorRate).annotations!.threshold, "2.5");
        for (const r of alertRules(run).filter((x) => x.alert)) assert.strictEqual(r.labels!.team, "payments", r.alert);
    });

    it("declares nothing but the component when alerts are disabled", async () => {
        const run = await render({ enabled: false });
        assert.strictEqual(run.resources.filter((r) => r.type.startsWith(CR)).length, 0);
        const component = run.resources.find((r) => r.type === "fork-knife:monitoring:Alerts")!;
        assert.strictEqual(component.outputs.enabled, false);
    });
});

describe("GUIDE_THRESHOLDS", () => {
    const defaults: AlertSettings = settingsSchema("production", "production", new Date(TODAY)).shape.alerts.parse(undefined);

    it("are the settings' defaults, key for key", () => {
        for (const [key, g] of Object.entries(GUIDE_THRESHOLDS)) assert.strictEqual(defaults[key as ThresholdKey], g.guide, key);
        const numeric = Object.keys(defaults).filter((k) => typeof defaults[k as keyof AlertSettings] === "number").sort();
        assert.deepStrictEqual(Object.keys(GUIDE_THRESHOLDS).sort(), numeric, "every numeric alert setting is described");
    });

    it("name each looser setting and accept stricter ones", () => {
        assert.deepStrictEqual(looserThanGuide(defaults), []);
        const stricter = { ...defaults, errorRatePercent: 2, healthCheckWindowMinutes: 10, minJobsPerMinute: 5, backupMaxAgeHours: 12 };
        assert.deepStrictEqual(looserThanGuide(stricter), []);
        const looser = looserThanGuide({ ...defaults, errorRatePercent: 10, healthCheckWindowMinutes: 2, minJobsPerMinute: 0 });
        assert.strictEqual(looser.length, 3);
        assert.match(looser.join("\n"), /alerts\.errorRatePercent = 10 percent is looser than the guide's 5 \(ForkKnifeHighErrorRate\)/);
        assert.match(looser.join("\n"), /alerts\.healthCheckWindowMinutes = 2/);
        assert.match(looser.join("\n"), /alerts\.minJobsPerMinute = 0/);
    });
});
