// HealthProbe under Pulumi mocks: a Probe that passes the Prometheus Operator schema, probes publicUrl + healthPath
// every 30 s through the configured blackbox exporter, and whose job and namespace are what the outside rules select.
import * as assert from "assert";
import { alertRuleGroups, ALERT, PUBLIC_PROBE_JOB } from "../../../components/monitoring/alert-rules";
import { HealthProbe, probeTarget, proberSpec } from "../../../components/monitoring/health-probe";
import { DEFAULT_PROMETHEUS_SELECTOR } from "../../../components/monitoring/alerts";
import { standardLabels } from "../../../components/lib/labels";
import { settingsSchema } from "../../../components/config/settings-schema";
import { ProgramRun, RecordedResource, revealSecrets, runProgram } from "../../../tools/lib/program";
import { toManifest } from "../../../tools/lib/render";
import { validateManifest } from "../../../tools/lib/schema";
import { runStack, stackConfig, TODAY } from "../../support/stacks";

const PROBE = "kubernetes:monitoring.coreos.com/v1:Probe";
const body = (r: RecordedResource) => revealSecrets(r.inputs) as any;
const probes = (run: ProgramRun) => run.resources.filter((r) => r.type === PROBE);

function render(args: { publicUrl: string; healthPath?: string; proberUrl?: string; module?: string }): Promise<ProgramRun> {
    const c = stackConfig("production");
    return runProgram({
        stack: "production", config: c.config, secretKeys: c.secretKeys, now: TODAY,
        program: () => {
            new HealthProbe("health-probe", {
                namespace: "fork-knife-production", environment: "production", publicUrl: args.publicUrl,
                healthPath: args.healthPath ?? "/health", proberUrl: args.proberUrl ?? "http://blackbox.monitoring.svc:9115",
                module: args.module ?? "http_2xx",
            });
        },
    });
}

describe("HealthProbe", () => {
    let run: ProgramRun;
    before(async () => { run = await render({ publicUrl: "https://api.fork-knife.example.com" }); });

    it("declares one Probe under a fork-knife:monitoring:HealthProbe component, valid for the operator's schema", async () => {
        const component = run.resources.filter((r) => r.type === "fork-knife:monitoring:HealthProbe");
        assert.strictEqual(component.length, 1);
        const [probe] = probes(run);
        assert.strictEqual(probes(run).length, 1);
        assert.strictEqual(probe.parent, component[0].urn);
        assert.deepStrictEqual(await validateManifest(toManifest(probe)), []);
        // The schema check has teeth: a prober without its url is refused.
        const broken = toManifest(probe);
        delete broken.body.spec.prober.url;
        assert.notStrictEqual((await validateManifest(broken)).length, 0);
    });

    it("probes publicUrl + healthPath every 30 s with http_2xx, through the configured blackbox exporter", () => {
        const spec = body(probes(run)[0]).spec;
        assert.deepStrictEqual(spec.targets.staticConfig.static, ["https://api.fork-knife.example.com/health"]);
        assert.strictEqual(spec.interval, "30s");
        assert.strictEqual(spec.module, "http_2xx");
        assert.deepStrictEqual(spec.prober, { url: "blackbox.monitoring.svc:9115", scheme: "http", path: "/probe" });
        assert.ok(parseInt(spec.scrapeTimeout, 10) < 30, "a hanging probe times out before the next one");
    });

    it("labels its series with the job and namespace the outside rules select", () => {
        const b = body(probes(run)[0]);
        assert.strictEqual(b.spec.jobName, PUBLIC_PROBE_JOB);
        assert.strictEqual(b.spec.targets.staticConfig.labels.namespace, b.metadata.namespace);
        const defaults = settingsSchema("production", "production", new Date(TODAY)).shape.alerts.parse(undefined);
        const rules = alertRuleGroups(defaults,
            { namespace: b.metadata.namespace, environment: "production", backendJob: "x", backendContainer: "backend", publicProbeJob: b.spec.jobName })
            .flatMap((g) => g.rules);
        const outside = rules.find((r) => r.alert === ALERT.publicHealthCheckFailing)!;
        assert.ok(outside.expr.includes(`probe_success{namespace="${b.metadata.namespace}", job="${b.spec.jobName}"}`), outside.expr);
        assert.deepStrictEqual(b.metadata.labels, { ...standardLabels("alerts", "production"), ...DEFAULT_PROMETHEUS_SELECTOR });
    });

    it("joins URL and path without doubling or dropping the slash, and keeps a base path", () => {
        assert.strictEqual(probeTarget("https://a.example/", "/health"), "https://a.example/health");
        assert.strictEqual(probeTarget("https://a.example/api/", "/healthz"), "https://a.example/api/healthz");
        assert.strictEqual(probeTarget("https://a.example:8443", "/health"), "https://a.example:8443/health");
    });

    it("splits the prober URL the way the operator wants it: host:port, scheme, path", () => {
        assert.deepStrictEqual(proberSpec("https://bb.example"), { url: "bb.example:443", scheme: "https", path: "/probe" });
        assert.deepStrictEqual(proberSpec("http://bb:9115/custom/probe"), { url: "bb:9115", scheme: "http", path: "/custom/probe" });
    });
});

describe("HealthProbe in the program", () => {
    it("production: a Probe of the committed publicUrl, and the outside rules in the PrometheusRule", async () => {
        const run = await runStack("production");
        const [probe] = probes(run);
        assert.deepStrictEqual(body(probe).spec.targets.staticConfig.static, ["https://api.fork-knife.example.com/health"]);
        const rule = body(run.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!);
        const alerts = rule.spec.groups.flatMap((g: any) => g.rules).map((r: any) => r.alert);
        assert.ok(alerts.includes(ALERT.publicHealthCheckFailing) && alerts.includes(ALERT.healthProbeMetricsAbsent));
    });

    it("staging without publicUrl: no Probe and no outside rules (nothing to fire about a probe never wanted)", async () => {
        const run = await runStack("staging", { set: { "fork-knife:publicUrl": "" } }).catch((e) => e);
        // An empty string is not a URL: refused, not silently treated as absent.
        assert.ok(run instanceof Error, "an empty publicUrl is refused");
        const c = stackConfig("staging");
        delete c.config["fork-knife:publicUrl"];
        const without = await runProgram({ stack: "staging", config: c.config, secretKeys: c.secretKeys, now: TODAY });
        assert.strictEqual(probes(without).length, 0);
        const rule = body(without.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!);
        const alerts = rule.spec.groups.flatMap((g: any) => g.rules).map((r: any) => r.alert);
        assert.ok(!alerts.includes(ALERT.publicHealthCheckFailing) && !alerts.includes(ALERT.healthProbeMetricsAbsent));
        assert.ok(alerts.includes(ALERT.redisMemory) && alerts.includes(ALERT.postgresMetricsAbsent));
    });
});
