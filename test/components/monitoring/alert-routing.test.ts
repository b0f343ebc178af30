// AlertRouting under Pulumi mocks: an AlertmanagerConfig that passes the Prometheus Operator schema, routes each
// severity to the receiver the guide names, reads its credentials from Secrets that carry rotation records, and
// never holds a credential itself; and alertmanagerConfigFile, the alertmanager.yml the operator makes of it.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
    ALERTMANAGER_CONFIG_NAME, AlertingSettings, alertmanagerConfigFile, alertmanagerConfigSpec, AlertRouting, AlertRoutingArgs,
    GROUP_BY, operatorReceiverName, ROUTING_SECRETS,
} from "../../../components/monitoring/alert-routing";
import { settingsSchema } from "../../../components/config/settings-schema";
import { ANNOTATION, LABEL } from "../../../components/lib/labels";
import { isSecretValue, MOCK_SECRET_MARKER, ProgramRun, RecordedResource, redactSecrets, revealSecrets, runProgram } from "../../../tools/lib/program";
import { toManifest } from "../../../tools/lib/render";
import { validateManifest } from "../../../tools/lib/schema";
import { loadStackConfig } from "../../../tools/lib/stack-config";
import { runStack } from "../../support/stacks";

const NOW = new Date("2026-11-25T00:00:00Z");
const routingFor = (env: "staging" | "production", over: Record<string, unknown> = {}): AlertingSettings =>
    settingsSchema(env, env, NOW).shape.alerting.parse(over);
const ROUTING_KEY = `${MOCK_SECRET_MARKER}routingkey0123456789abcdef0123`;
const WEBHOOK = `https://hooks.slack.example/services/${MOCK_SECRET_MARKER}`;
const AMC = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";
const SECRET = "kubernetes:core/v1:Secret";

function args(env: "staging" | "production", over: Partial<AlertRoutingArgs> = {}): AlertRoutingArgs {
    return {
        namespace: `fork-knife-${env}`, environment: env, routing: routingFor(env),
        ...(env === "production" ? { pager: { routingKey: pulumi.secret(ROUTING_KEY), rotatedAt: "2026-09-01" } } : {}),
        team: { webhookUrl: pulumi.secret(WEBHOOK), rotatedAt: "2026-03-15" },
        ...over,
    };
}

async function run(a: AlertRoutingArgs): Promise<ProgramRun> {
    return runProgram({ stack: a.environment, config: {}, secretKeys: [], program: () => { new AlertRouting("alerting", a); } });
}

const body = (r: RecordedResource) => revealSecrets(r.inputs) as any;
const ofType = (r: ProgramRun, type: string) => r.resources.filter((x) => x.type === type);

describe("AlertRouting", () => {
    const runs = {} as Record<"staging" | "production", ProgramRun>;
    before(async () => {
        runs.production = await run(args("production"));
        runs.staging = await run(args("staging"));
    });

    it("declares one AlertmanagerConfig, fork-knife-routing, in the namespace, valid against the operator's schema", async () => {
        for (const env of ["staging", "production"] as const) {
            const [amc] = ofType(runs[env], AMC);
            assert.ok(amc, env);
            const b = body(amc);
            assert.strictEqual(b.metadata.name, ALERTMANAGER_CONFIG_NAME);
            assert.strictEqual(b.metadata.namespace, `fork-knife-${env}`);
            assert.strictEqual(b.metadata.labels[LABEL.component], "alerts");
            assert.strictEqual(b.metadata.labels.release, "kube-prometheus-stack");
            assert.deepStrictEqual(await validateManifest(toManifest(amc)), [], env);
            const component = runs[env].resources.find((r) => r.type === "fork-knife:monitoring:AlertRouting")!;
            assert.strictEqual(amc.parent, component.urn);
        }
    });

    it("the schema check can fail: a match operator or a duration the operator does not know is refused", async () => {
        const [amc] = ofType(runs.production, AMC);
        const spoiled = [
            (m: any) => { m.spec.inhibitRules[0].sourceMatch[0].matchType = "=="; },
            (m: any) => { m.spec.route.groupWait = "soon"; },
        ];
        for (const spoil of spoiled) {
            const manifest = toManifest(amc);
            spoil(manifest.body);
            assert.strictEqual((await validateManifest(manifest)).length, 1, spoil.toString());
        }
    });

    it("production: critical → pager (PagerDuty), warning → team (Slack), grouped by alertname and namespace, the guide's timings", () => {
        const spec = body(ofType(runs.production, AMC)[0]).spec;
        assert.deepStrictEqual(spec.route.groupBy, ["alertname", "namespace"]);
        assert.deepStrictEqual([spec.route.groupWait, spec.route.groupInterval, spec.route.repeatInterval], ["30s", "5m", "4h"]);
        const bySeverity = Object.fromEntries(spec.route.routes.map((r: any) => [r.matchers[0].value, r.receiver]));
        assert.deepStrictEqual(bySeverity, { critical: "pager", warning: "team" });
        for (const r of spec.route.routes) assert.deepStrictEqual([r.matchers.length, r.matchers[0].name, r.matchers[0].matchType], [1, "severity", "="]);
        const pager = spec.receivers.find((r: any) => r.name === "pager");
        const team = spec.receivers.find((r: any) => r.name === "team");
        assert.deepStrictEqual(pager.pagerdutyConfigs[0].routingKey, { name: "fork-knife-alerting-pagerduty", key: "routingKey" });
        assert.deepStrictEqual(team.slackConfigs[0].apiURL, { name: "fork-knife-alerting-slack", key: "webhookUrl" });
        assert.strictEqual(pager.pagerdutyConfigs[0].sendResolved, true);
        assert.strictEqual(team.slackConfigs[0].sendResolved, true);
        assert.match(JSON.stringify(pager.pagerdutyConfigs[0].details), /runbook_url/);
        assert.match(team.slackConfigs[0].text, /Runbook: \{\{ \.Annotations\.runbook_url \}\}/);
        // An alert of a severity the routing does not know pages: the route's own receiver.
        assert.strictEqual(spec.route.receiver, "pager");
    });

    it("staging: every severity reaches the team; no pager receiver, no pager Secret", () => {
        const spec = body(ofType(runs.staging, AMC)[0]).spec;
        assert.deepStrictEqual(spec.receivers.map((r: any) => r.name), ["team"]);
        assert.deepStrictEqual(spec.route.routes.map((r: any) => r.receiver), ["team", "team"]);
        assert.strictEqual(spec.route.receiver, "team");
        assert.deepStrictEqual(ofType(runs.staging, SECRET).map((s) => body(s).metadata.name), ["fork-knife-alerting-slack"]);
    });

    it("keeps each credential in its own Secret with a rotation record; the AlertmanagerConfig only refers to them", () => {
        const secrets = ofType(runs.production, SECRET);
        const byName = Object.fromEntries(secrets.map((s) => [body(s).metadata.name, s]));
        const pager = byName[ROUTING_SECRETS.pager.name];
        const team = byName[ROUTING_SECRETS.team.name];
        assert.deepStrictEqual(
            [pager, team].map((s) => { const a = body(s).metadata.annotations; return [a[ANNOTATION.secretKind], a[ANNOTATION.rotatedAt], a[ANNOTATION.maxAgeDays], a[ANNOTATION.nextRotationDue]]; }),
            [["pagerduty-routing-key", "2026-09-01", "365", "2027-09-01"], ["slack-webhook", "2026-03-15", "365", "2027-03-15"]],
        );
        assert.strictEqual(body(pager).stringData.routingKey, ROUTING_KEY);
        assert.strictEqual(body(team).stringData.webhookUrl, WEBHOOK);
        for (const s of [pager, team]) assert.ok(isSecretValue(s.inputs.stringData), "stringData is a Pulumi secret");
        const amc = ofType(runs.production, AMC)[0];
        assert.ok(!JSON.stringify(amc.inputs).includes(MOCK_SECRET_MARKER), "no credential in the AlertmanagerConfig");
        for (const s of secrets) assert.ok(amc.dependencies.includes(s.urn), "the config waits for its Secrets");
        const everything = JSON.stringify(runs.production.resources.map((r) => redactSecrets({ inputs: r.inputs, outputs: r.outputs })));
        assert.ok(!everything.includes(MOCK_SECRET_MARKER), "a credential leaked past the secret wrapper");
    });

    it("takes timings, severities and the Slack channel from settings", async () => {
        const routing = routingFor("production", { severities: { warning: "pager" }, groupWait: "5s", groupInterval: "1h", repeatInterval: "24h", slackChannel: "#oncall" });
        const spec = body(ofType(await run(args("production", { routing })), AMC)[0]).spec;
        assert.deepStrictEqual([spec.route.groupWait, spec.route.groupInterval, spec.route.repeatInterval], ["5s", "1h", "24h"]);
        assert.deepStrictEqual(spec.route.routes.map((r: any) => r.receiver), ["pager", "pager"]);
        // Nothing routes to the team: no Slack receiver and no Slack Secret.
        assert.deepStrictEqual(spec.receivers.map((r: any) => r.name), ["pager"]);
    });

    it("refuses a routing whose receiver has no credential, naming the receiver", () => {
        assert.throws(() => alertmanagerConfigSpec(routingFor("production"), { team: { name: "s", key: "k" } }), /route to pager, but no credential/);
        assert.throws(() => new AlertRouting("x", args("production", { pager: undefined })), /alerts route to pager, but no pager credential/);
    });
});

describe("AlertRouting in the program", () => {
    it("follows alerts.enabled: without the operator's rules there is no AlertmanagerConfig either", async () => {
        const alerts = JSON.parse(loadStackConfig({ stack: "production" }).config["fork-knife:alerts"]);
        const on = await runStack("production");
        const off = await runStack("production", { set: { "fork-knife:alerts": { ...alerts, enabled: false } } });
        assert.strictEqual(ofType(on, AMC).length, 1);
        assert.strictEqual(ofType(off, AMC).length, 0);
        assert.strictEqual((revealSecrets(off.outputs.audit) as any).alerting, null);
    });
});

describe("alertmanagerConfigFile: the operator's translation", () => {
    const routing = routingFor("production");
    const file = alertmanagerConfigFile({
        namespace: "fork-knife-production", routing, pagerdutyUrl: "http://127.0.0.1:9/v2/enqueue",
        secrets: { pager: { file: "/run/secrets/routing-key" }, team: { value: "http://127.0.0.1:9/slack" } },
    });
    const pager = operatorReceiverName("fork-knife-production", "pager");
    const team = operatorReceiverName("fork-knife-production", "team");

    it("names receivers <namespace>/<config>/<receiver> and hangs the route under a root with the namespace matcher and continue", () => {
        assert.strictEqual(pager, "fork-knife-production/fork-knife-routing/pager");
        assert.deepStrictEqual(file.receivers.map((r: any) => r.name), ["null", pager, team]);
        assert.strictEqual(file.route.receiver, "null");
        const top = file.route.routes[0];
        assert.deepStrictEqual(top.matchers, ['namespace="fork-knife-production"']);
        assert.strictEqual(top.continue, true);
        assert.deepStrictEqual(top.group_by, [...GROUP_BY]);
        assert.deepStrictEqual(top.routes, [
            { receiver: pager, matchers: ['severity="critical"'] },
            { receiver: team, matchers: ['severity="warning"'] },
        ]);
    });

    it("takes credentials as files or values and lets a test point the endpoints at a local server", () => {
        const p = file.receivers[1].pagerduty_configs[0];
        const s = file.receivers[2].slack_configs[0];
        assert.deepStrictEqual([p.routing_key_file, p.routing_key, p.url], ["/run/secrets/routing-key", undefined, "http://127.0.0.1:9/v2/enqueue"]);
        assert.deepStrictEqual([s.api_url, s.api_url_file], ["http://127.0.0.1:9/slack", undefined]);
        const plainUrl = alertmanagerConfigFile({ namespace: "n", routing, secrets: { pager: { value: "k" }, team: { file: "/w" } } });
        assert.strictEqual(plainUrl.receivers[1].pagerduty_configs[0].url, undefined, "PagerDuty's own endpoint unless overridden");
        assert.strictEqual(plainUrl.receivers[2].slack_configs[0].api_url_file, "/w");
    });

    it("inhibits by signal and cause: any cause the ordinary warnings, a critical cause every ordinary alert and the warning causes, confined to the namespace", () => {
        const ns = 'namespace="fork-knife-production"';
        assert.deepStrictEqual(file.inhibit_rules, [
            { source_matchers: ['cause="true"', 'signal=~".+"', ns], target_matchers: ['cause=""', 'severity="warning"', 'signal=~".+"', ns], equal: ["namespace", "signal"] },
            { source_matchers: ['cause="true"', 'severity="critical"', 'signal=~".+"', ns], target_matchers: ['cause=""', 'signal=~".+"', ns], equal: ["namespace", "signal"] },
            { source_matchers: ['cause="true"', 'severity="critical"', 'signal=~".+"', ns], target_matchers: ['cause="true"', 'severity="warning"', 'signal=~".+"', ns], equal: ["namespace", "signal"] },
        ]);
    });
});
