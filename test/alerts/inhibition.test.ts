// The inhibition convention of AlertRouting, run by a real Alertmanager (Debian's prometheus-alertmanager) on the
// alertmanager.yml the AlertmanagerConfig stands for, on loopback: a cause alert (`cause="true"`) silences the
// ordinary alerts of its `signal` in its namespace, a critical cause also silences the warning causes of its signal,
// and nothing else is silenced: another signal, another namespace, an alert without a signal, the causes themselves.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as YAML from "yaml";
import { alertmanagerConfigFile } from "../../components/monitoring/alert-routing";
import { settingsSchema } from "../../components/config/settings-schema";
import { scratchDirs } from "../support/tools";

const ALERTMANAGER = process.env.ALERTMANAGER ?? "/usr/bin/prometheus-alertmanager";
const INSTALL = "apt-get install -y prometheus-alertmanager (as root; tools/test-prereqs.sh does it before npm test)";
const NS = "fork-knife-production";

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, last: () => string = () => ""): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last() ? `; last seen: ${last()}` : ""}`);
        await new Promise((r) => setTimeout(r, 200));
    }
}

interface TestAlert { id: string; labels: Record<string, string>; inhibited: boolean }

const alert = (id: string, labels: Record<string, string>, inhibited: boolean): TestAlert =>
    ({ id, labels: { namespace: NS, ...labels }, inhibited });

const SCENARIO: TestAlert[] = [
    alert("postgres data absent (cause)", { alertname: "ForkKnifePostgresMetricsAbsent", severity: "warning", signal: "postgres", cause: "true" }, false),
    alert("connections high, same signal", { alertname: "ForkKnifeDatabaseConnectionsHigh", severity: "warning", signal: "postgres" }, true),
    alert("connections high, other namespace", { alertname: "ForkKnifeDatabaseConnectionsHigh", severity: "warning", signal: "postgres", namespace: "fork-knife-staging" }, false),
    alert("queue depth, other signal", { alertname: "ForkKnifeQueueDepthHigh", severity: "warning", signal: "redis" }, false),
    alert("total outage (critical cause)", { alertname: "ForkKnifeHealthCheckFailing", severity: "critical", signal: "backend", cause: "true" }, false),
    alert("metrics missing (warning cause, same signal)", { alertname: "ForkKnifeMetricsMissing", severity: "warning", signal: "backend", cause: "true" }, true),
    alert("error rate, same signal", { alertname: "ForkKnifeHighErrorRate", severity: "critical", signal: "backend" }, true),
    alert("backup failed, no signal", { alertname: "ForkKnifeBackupFailed", severity: "critical" }, false),
];

describe("inhibition under a real Alertmanager", function () {
    this.timeout(180_000);
    const scratch = scratchDirs("alertmanager");
    let am: ChildProcess | undefined;
    let base = "";
    let log = "";

    before(async () => {
        assert.ok(fs.existsSync(ALERTMANAGER), `prometheus-alertmanager not found at ${ALERTMANAGER}; install it: ${INSTALL}`);
        const dir = scratch();
        const routing = settingsSchema("production", "production", new Date()).shape.alerting.parse({});
        // Receivers point at a closed loopback port: this test looks at inhibition, not delivery.
        const config = alertmanagerConfigFile({
            namespace: NS, routing, pagerdutyUrl: "http://127.0.0.1:9/v2/enqueue",
            secrets: { pager: { value: "0123456789abcdef0123456789abcdef" }, team: { value: "http://127.0.0.1:9/slack" } },
        });
        const configFile = path.join(dir, "alertmanager.yml");
        fs.writeFileSync(configFile, YAML.stringify(config));
        // A port picked free can be taken before Alertmanager binds it: try again with another one.
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            log = "";
            const child = spawn(ALERTMANAGER, [`--config.file=${configFile}`, `--storage.path=${path.join(dir, `data-${attempt}`)}`,
                `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"], { stdio: ["ignore", "pipe", "pipe"] });
            child.stdout!.on("data", (d) => { log += d; });
            child.stderr!.on("data", (d) => { log += d; });
            let exited = false;
            child.once("exit", () => { exited = true; });
            base = `http://127.0.0.1:${port}`;
            const ready = await until(`Alertmanager ready on ${base}/-/ready`, 60_000, async () => {
                if (exited) return false;
                return (await fetch(`${base}/-/ready`)).ok ? true : undefined;
            }, () => log.slice(-500));
            if (ready) { am = child; break; }
            if (attempt >= 3 || !/address already in use/.test(log)) throw new Error(`Alertmanager exited: ${log.slice(-1000)}`);
        }
        const now = Date.now();
        const body = SCENARIO.map((a) => ({
            labels: a.labels, annotations: { summary: a.id },
            startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(),
        }));
        const posted = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        assert.strictEqual(posted.status, 200, await posted.text());
    });

    after(async () => {
        if (!am || am.exitCode !== null) return;
        const exit = new Promise((r) => am!.once("exit", r));
        am.kill("SIGTERM");
        await Promise.race([exit, new Promise((r) => setTimeout(r, 10_000))]);
        if (am.exitCode === null) am.kill("SIGKILL");
    });

    it("silences exactly the alerts a cause explains", async () => {
        const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
        let seen = "";
        // Alertmanager computes inhibition when the API is asked, once the inhibitor has taken in the source alerts.
        const statuses = await until("every posted alert, with the expected inhibition", 60_000, async () => {
            const alerts = await (await fetch(`${base}/api/v2/alerts`)).json() as Array<{ labels: Record<string, string>; status: { inhibitedBy: string[]; state: string } }>;
            const byKey = new Map(alerts.map((a) => [key(a.labels), a.status]));
            const result = SCENARIO.map((a) => ({ id: a.id, status: byKey.get(key(a.labels)) }));
            seen = result.map((r) => `${r.id}: ${r.status ? `${r.status.state}, inhibited by ${r.status.inhibitedBy.length}` : "absent"}`).join("; ");
            const settled = result.every((r, i) => r.status && (r.status.inhibitedBy.length > 0) === SCENARIO[i].inhibited);
            return settled ? result : undefined;
        }, () => seen);
        for (const [i, r] of statuses.entries()) {
            assert.strictEqual(r.status!.state, SCENARIO[i].inhibited ? "suppressed" : "active", r.id);
        }
    });
});
