// The inhibition convention of AlertRouting, run by a real Alertmanager (Debian's prometheus-alertmanager) on the
// alertmanager.yml the AlertmanagerConfig stands for (alertmanagerConfigFile, production's committed routing), on
// loopback, with every alert of the PrometheusRule the program renders for production. Each cause alert fires in
// turn: exactly the alerts it explains are silenced (written out below, not derived from the labels), everything
// else stays active (other signals, the causes themselves, the same alerts in another namespace), and once the
// cause resolves every alert is active again.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ALERT, AlertName, Rule } from "../../components/monitoring/alert-rules";
import { alertmanagerConfigFile, INHIBIT_LABEL } from "../../components/monitoring/alert-routing";
import { committedSettings, renderedAlerts } from "./rendered";
import { Server, startServer, waitFor } from "../support/processes";
import { scratchDirs } from "../support/tools";

const ALERTMANAGER = process.env.ALERTMANAGER ?? "/usr/bin/prometheus-alertmanager";
const INSTALL = "apt-get install -y prometheus-alertmanager (as root; tools/test-prereqs.sh does it before npm test)";
const SETTINGS = committedSettings("production");
const NS = SETTINGS.namespace;
const OTHER_NS = `${NS}-other`;

type Labels = Record<string, string>;

/**
 * What each cause explains, as an on-call engineer reads it: the alerts it silences while it fires (with it, when a
 * critical cause fires, the warning causes of its signal fire too: they are its symptoms). Only a critical cause
 * silences a critical alert: a page never disappears behind a warning's inference.
 */
const EXPLAINS: Partial<Record<AlertName, { alsoFiring: AlertName[]; silences: AlertName[] }>> = {
    // The total outage: pods, ingress, DNS or TLS. Everything the backend reports is its symptom.
    [ALERT.publicHealthCheckFailing]: {
        alsoFiring: [ALERT.metricsMissing],
        silences: [ALERT.healthCheckFailing, ALERT.highErrorRate, ALERT.highLatency, ALERT.queueDepth, ALERT.queueStalled, ALERT.metricsMissing],
    },
    // Metrics missing hides the backend's warnings, not its pages (the kubelet's probes and the error rate).
    [ALERT.metricsMissing]: { alsoFiring: [], silences: [ALERT.highLatency, ALERT.queueDepth, ALERT.queueStalled] },
    [ALERT.postgresMetricsAbsent]: { alsoFiring: [], silences: [ALERT.databaseConnections] },
    [ALERT.redisMetricsAbsent]: { alsoFiring: [], silences: [ALERT.redisMemory] },
    // The backup and migration alerts are critical: kube-state-metrics missing (a warning) must not hide them. The
    // prune's failure is a warning read from the same series: without them it is the cause's symptom.
    [ALERT.kubeStateMetricsAbsent]: { alsoFiring: [], silences: [ALERT.backupPruneFailed] },
    [ALERT.healthProbeMetricsAbsent]: { alsoFiring: [], silences: [] },
};

describe("inhibition under a real Alertmanager", function () {
    this.timeout(180_000);
    const scratch = scratchDirs("alertmanager");
    let am: Server | undefined;
    let base = "";

    before(async () => {
        assert.ok(fs.existsSync(ALERTMANAGER), `prometheus-alertmanager not found at ${ALERTMANAGER}; install it: ${INSTALL}`);
        const dir = scratch();
        // Receivers point at a closed loopback port: this test looks at inhibition, not delivery.
        const config = alertmanagerConfigFile({
            namespace: NS, routing: SETTINGS.alerting, pagerdutyUrl: "http://127.0.0.1:9/v2/enqueue",
            secrets: { pager: { value: "0123456789abcdef0123456789abcdef" }, team: { value: "http://127.0.0.1:9/slack" } },
        });
        const configFile = path.join(dir, "alertmanager.yml");
        fs.writeFileSync(configFile, YAML.stringify(config));
        // startServer picks a free loopback port, and another one if it was taken before Alertmanager bound it.
        am = await startServer({
            name: "alertmanager", dir,
            argv: (port) => [ALERTMANAGER, `--config.file=${configFile}`, `--storage.path=${path.join(dir, `data-${port}`)}`,
                `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"],
            ready: async (port) => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok,
        });
        base = `http://127.0.0.1:${am.port}`;
        rules = await renderedAlerts("production");
        const isCause = (r: Rule) => r.labels?.[INHIBIT_LABEL.cause] === "true";
        ordinary = rules.filter((r) => !isCause(r)).map((r) => r.alert as AlertName);
        causes = rules.filter(isCause).map((r) => r.alert as AlertName);
        // Every alert of the namespace that is not a cause, and the same alerts in another namespace, fire all along.
        await post([...ordinary.map((n) => labelsOf(n)), ...ordinary.map((n) => labelsOf(n, OTHER_NS))], 3_600_000);
    });

    after(async () => { await am?.stop(10_000); });

    let rules: Rule[] = [];
    let ordinary: AlertName[] = [];
    let causes: AlertName[] = [];
    const labelsOf = (name: AlertName, namespace = NS): Labels =>
        ({ alertname: name, namespace, ...rules.find((r) => r.alert === name)!.labels });
    const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

    async function post(alerts: Labels[], endsInMs: number): Promise<void> {
        const now = Date.now();
        const body = alerts.map((labels) => ({
            labels, annotations: { summary: labels.alertname },
            startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + endsInMs).toISOString(),
        }));
        const posted = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        assert.strictEqual(posted.status, 200, await posted.text());
    }

    /** Waits until Alertmanager reports exactly these alerts, each inhibited (true) or active (false). */
    async function expectState(want: Array<[Labels, boolean]>, what: string): Promise<void> {
        let seen = "";
        // Alertmanager computes inhibition when the API is asked, once the inhibitor has taken in the source alerts.
        await waitFor(what, async () => {
            const alerts = await (await fetch(`${base}/api/v2/alerts`)).json() as Array<{ labels: Labels; status: { inhibitedBy: string[]; state: string } }>;
            const byKey = new Map(alerts.map((a) => [key(a.labels), a.status]));
            const wrong = want.filter(([labels, inhibited]) => {
                const status = byKey.get(key(labels));
                return !status || (status.state === "suppressed" && status.inhibitedBy.length > 0) !== inhibited
                    || status.state !== (inhibited ? "suppressed" : "active");
            }).map(([l, inhibited]) => `${l.alertname} (${l.namespace}) should be ${inhibited ? "inhibited" : "active"}: ` +
                `${JSON.stringify(byKey.get(key(l)) ?? "absent")}`);
            const wanted = new Set(want.map(([l]) => key(l)));
            const extra = alerts.filter((a) => !wanted.has(key(a.labels))).map((a) => `unexpected ${a.labels.alertname} (${a.labels.namespace})`);
            seen = [...wrong, ...extra].join("; ");
            return wrong.length + extra.length === 0 ? true : undefined;
        }, { timeoutMs: 60_000, intervalMs: 200, lastSeen: () => seen });
    }

    const allActive = (): Array<[Labels, boolean]> =>
        [...ordinary.map((n): [Labels, boolean] => [labelsOf(n), false]), ...ordinary.map((n): [Labels, boolean] => [labelsOf(n, OTHER_NS), false])];

    it("renders every cause this test knows, and knows every cause rendered", () => {
        assert.deepStrictEqual([...causes].sort(), Object.keys(EXPLAINS).sort());
        for (const explained of Object.values(EXPLAINS).flatMap((e) => [...e!.silences, ...e!.alsoFiring])) {
            assert.ok(rules.some((r) => r.alert === explained), `${explained} is not rendered`);
        }
    });

    it("with no cause firing, every alert of both namespaces is active", async () => {
        await expectState(allActive(), "every posted alert to be active");
    });

    for (const [cause, explains] of Object.entries(EXPLAINS) as Array<[AlertName, { alsoFiring: AlertName[]; silences: AlertName[] }]>) {
        it(`${cause} silences exactly ${explains.silences.join(", ") || "nothing"}, in its namespace only, until it resolves`, async () => {
            const firing = [cause, ...explains.alsoFiring];
            await post(firing.map((n) => labelsOf(n)), 3_600_000);
            try {
                await expectState([
                    ...firing.map((n): [Labels, boolean] => [labelsOf(n), explains.silences.includes(n)]),
                    ...ordinary.map((n): [Labels, boolean] => [labelsOf(n), explains.silences.includes(n)]),
                    ...ordinary.map((n): [Labels, boolean] => [labelsOf(n, OTHER_NS), false]),
                ], `${cause} to silence exactly what it explains`);
            } finally {
                // Resolved even when the check failed, so the next cause starts from the same ground.
                await post(firing.map((n) => labelsOf(n)), -1_000);
            }
            await expectState(allActive(), `every alert to be active again once ${cause} resolved`);
        });
    }
});
