// The alert pipeline's real parts for the end-to-end test: Prometheus, Alertmanager, the exporters, redis-server,
// a /health server and the PagerDuty / Slack receivers, each on a free loopback port in one scratch directory.
import { spawn, spawnSync, ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RuleGroup } from "../../components/monitoring/alert-rules";
import { TestPostgres } from "../support/postgres";
import { httpGet, httpOk, Server, startHttpServer, startServer, waitFor } from "../support/processes";

export const BIN = {
    prometheus: "/usr/bin/prometheus",
    alertmanager: "/usr/bin/prometheus-alertmanager",
    amtool: "/usr/bin/amtool",
    postgresExporter: "/usr/bin/prometheus-postgres-exporter",
    redisExporter: "/usr/bin/prometheus-redis-exporter",
    blackbox: "/usr/bin/prometheus-blackbox-exporter",
    redisServer: "/usr/bin/redis-server",
    redisCli: "/usr/bin/redis-cli",
} as const;

export const INSTALL = "apt-get install -y prometheus prometheus-alertmanager prometheus-postgres-exporter " +
    "prometheus-redis-exporter prometheus-blackbox-exporter redis-server (as root; tools/test-prereqs.sh does it before npm test)";

/** Fails (never skips) naming the install command when a binary is missing. */
export function requireBinaries(): void {
    const missing = Object.values(BIN).filter((b) => !fs.existsSync(b));
    if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}; install them: ${INSTALL}`);
}

// ---------------------------------------------------------------- receivers

export interface Delivery { receiver: "pager" | "team"; path: string; at: number; body: any; text: string }

/** PagerDuty Events v2 and Slack incoming-webhook stand-ins: they record what Alertmanager posts. */
export async function startReceivers() {
    const deliveries: Delivery[] = [];
    const http = await startHttpServer((req, res) => {
        let raw = "";
        req.setEncoding("utf8");
        req.on("data", (c) => { raw += c; });
        req.on("end", () => {
            const receiver = req.url?.startsWith("/pagerduty") ? "pager" : req.url?.startsWith("/slack") ? "team" : undefined;
            if (req.method !== "POST" || !receiver) { res.writeHead(404).end(); return; }
            let body: any = raw;
            try { body = JSON.parse(raw); } catch { /* kept as text: the assertion will say so */ }
            deliveries.push({ receiver, path: req.url!, at: Date.now(), body, text: raw });
            // What the real services answer: Events v2 202 with a status, Slack 200 "ok".
            if (receiver === "pager") res.writeHead(202, { "content-type": "application/json" }).end('{"status":"success","message":"Event processed"}');
            else res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        });
    });
    return { ...http, deliveries, pagerUrl: `http://127.0.0.1:${http.port}/pagerduty`, slackUrl: `http://127.0.0.1:${http.port}/slack` };
}

// ---------------------------------------------------------------- the /health server

/** The backend's /health as the probe sees it: 200, or 503 for the next `failNext` requests. */
export async function startHealthServer(healthPath: string) {
    const state = { failNext: 0, requests: 0, failed: 0 };
    const http = await startHttpServer((req, res) => {
        if (req.url !== healthPath) { res.writeHead(404).end(); return; }
        state.requests++;
        if (state.failNext > 0) {
            state.failNext--;
            state.failed++;
            res.writeHead(503, { "content-type": "application/json" }).end('{"status":"error","database":"unreachable"}');
            return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    });
    return { ...http, state, url: `http://127.0.0.1:${http.port}${healthPath}` };
}

// ---------------------------------------------------------------- redis

export async function startRedis(dir: string, maxmemory: string): Promise<Server> {
    return startServer({
        name: "redis-server", dir,
        argv: (port) => [BIN.redisServer, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--maxmemory", maxmemory, "--maxmemory-policy", "noeviction", "--dir", dir, "--daemonize", "no"],
        ready: async (port) => redisCli(port, ["PING"]).trim() === "PONG",
    });
}

export function redisCli(port: number, args: string[], input?: string): string {
    const r = spawnSync(BIN.redisCli, ["-h", "127.0.0.1", "-p", String(port), ...args], { encoding: "utf8", input, timeout: 30_000 });
    if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
}

export function redisMemory(port: number): { used: number; max: number } {
    const info = redisCli(port, ["INFO", "memory"]);
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1]);
    return { used: field("used_memory"), max: field("maxmemory") };
}

/**
 * Adds values until used_memory reaches `percent` of maxmemory, in steps of about 0.4 % of 4 MiB. A value with its
 * string header fits the 16 KiB jemalloc size class exactly, so each key costs a predictable amount (APPEND's
 * greedy preallocation, or a value one byte over the class, would jump by a quarter).
 */
export function fillRedis(port: number, percent: number, prefix: string): { used: number; max: number } {
    const value = "x".repeat(16 * 1024 - 64);
    let n = 0;
    for (let round = 0; round < 200; round++) {
        const m = redisMemory(port);
        const want = (m.max * percent) / 100;
        if (m.used >= want) return m;
        // Three quarters of the estimate at a time, then measure again: converges from below, never overshoots much.
        const keys = Math.max(1, Math.floor(((want - m.used) / (16 * 1024 + 128)) * 0.75));
        const commands = Array.from({ length: keys }, () => `SET ${prefix}-${n++} ${value}`).join("\n");
        redisCli(port, [], `${commands}\n`);
    }
    throw new Error(`could not fill Redis to ${percent} % of maxmemory`);
}

// ---------------------------------------------------------------- exporters

export async function startRedisExporter(dir: string, redisPort: number): Promise<Server> {
    return startServer({
        name: "redis_exporter", dir,
        argv: (port) => [BIN.redisExporter, "-redis.addr", `redis://127.0.0.1:${redisPort}`, "-web.listen-address", `127.0.0.1:${port}`],
        ready: async (port) => /^redis_up 1$/m.test((await httpGet(`http://127.0.0.1:${port}/metrics`)).body),
    });
}

export async function startPostgresExporter(dir: string, pg: TestPostgres): Promise<Server> {
    const dsn = `postgresql://${pg.user}:${encodeURIComponent(pg.password)}@${pg.host}:${pg.port}/postgres?sslmode=disable`;
    return startServer({
        name: "postgres_exporter", dir,
        argv: (port) => [BIN.postgresExporter, `--web.listen-address=127.0.0.1:${port}`],
        env: { DATA_SOURCE_NAME: dsn },
        ready: async (port) => /^pg_up 1$/m.test((await httpGet(`http://127.0.0.1:${port}/metrics`)).body),
    });
}

export async function startBlackbox(dir: string): Promise<Server> {
    const config = path.join(dir, "blackbox.yml");
    // The module the Probe names (http_2xx), as the prometheus-community chart configures it.
    fs.writeFileSync(config, YAML.stringify({
        modules: { http_2xx: { prober: "http", timeout: "5s", http: { preferred_ip_protocol: "ip4", valid_status_codes: [] } } },
    }));
    return startServer({
        name: "blackbox_exporter", dir,
        argv: (port) => [BIN.blackbox, `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`],
        ready: async (port) => httpOk(`http://127.0.0.1:${port}/-/healthy`),
    });
}

// ---------------------------------------------------------------- alertmanager

export async function startAlertmanager(dir: string, configYaml: string): Promise<Server> {
    const config = path.join(dir, "alertmanager.yml");
    fs.writeFileSync(config, configYaml);
    const check = spawnSync(BIN.amtool, ["check-config", config], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`amtool check-config refused the Alertmanager configuration:\n${check.stdout}${check.stderr}`);
    const storage = path.join(dir, "alertmanager-data");
    fs.mkdirSync(storage, { recursive: true });
    return startServer({
        name: "alertmanager", dir,
        argv: (port) => [BIN.alertmanager, `--config.file=${config}`, `--storage.path=${storage}`,
            `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=debug"],
        ready: async (port) => httpOk(`http://127.0.0.1:${port}/-/ready`),
    });
}

// ---------------------------------------------------------------- prometheus

export interface ScrapeTargets {
    namespace: string;
    alertmanagerPort: number;
    postgresExporterPort: number;
    redisExporterPort: number;
    blackboxPort: number;
    /** From the rendered Probe: its jobName, module and the URL it probes (here the local /health). */
    probe: { job: string; module: string; target: string; labels: Record<string, string> };
    scrapeInterval: string;
    probeInterval: string;
}

/** The scrape configuration the Prometheus Operator generates for the ServiceMonitors and the Probe, by hand. */
export function prometheusConfig(t: ScrapeTargets): string {
    const exporter = (job: string, port: number) => ({
        job_name: job,
        static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { namespace: t.namespace } }],
    });
    return YAML.stringify({
        global: { scrape_interval: t.scrapeInterval, scrape_timeout: t.scrapeInterval, evaluation_interval: "1s" },
        rule_files: ["rules.yaml"],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${t.alertmanagerPort}`] }] }] },
        scrape_configs: [
            exporter("postgres-exporter", t.postgresExporterPort),
            exporter("redis-exporter", t.redisExporterPort),
            {
                job_name: t.probe.job,
                scrape_interval: t.probeInterval,
                scrape_timeout: t.probeInterval,
                metrics_path: "/probe",
                params: { module: [t.probe.module] },
                static_configs: [{ targets: [t.probe.target], labels: t.probe.labels }],
                relabel_configs: [
                    { source_labels: ["__address__"], target_label: "__param_target" },
                    { source_labels: ["__param_target"], target_label: "instance" },
                    { target_label: "__address__", replacement: `127.0.0.1:${t.blackboxPort}` },
                ],
            },
        ],
    }, { lineWidth: 0 });
}

export async function startPrometheus(dir: string, config: string): Promise<Server> {
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
    // Rules come later (reload), once every target is scraped: an absent() rule must not see a rig still starting.
    fs.writeFileSync(path.join(dir, "rules.yaml"), "groups: []\n");
    const storage = path.join(dir, "prometheus-data");
    return startServer({
        name: "prometheus", dir,
        argv: (port) => [BIN.prometheus, `--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${storage}`,
            `--web.listen-address=127.0.0.1:${port}`, "--web.enable-lifecycle"],
        ready: async (port) => httpOk(`http://127.0.0.1:${port}/-/ready`),
        readyTimeoutMs: 90_000,
    });
}

export async function loadRules(prometheus: Server, dir: string, groups: RuleGroup[]): Promise<void> {
    fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }, { lineWidth: 0 }));
    const r = await fetch(`http://127.0.0.1:${prometheus.port}/-/reload`, { method: "POST" });
    if (!r.ok) throw new Error(`Prometheus refused the rules (${r.status}): ${await r.text()}\n${prometheus.tail()}`);
}

/** A thin client of the Prometheus HTTP API. */
export class PromApi {
    constructor(private readonly port: number) {}

    private async get(p: string): Promise<any> {
        const r = await fetch(`http://127.0.0.1:${this.port}${p}`);
        const body = await r.json() as any;
        if (body.status !== "success") throw new Error(`${p}: ${JSON.stringify(body)}`);
        return body.data;
    }

    /** An instant query: [labels, value, server time in seconds] per series. */
    async query(expr: string): Promise<Array<{ labels: Record<string, string>; value: number; time: number }>> {
        const data = await this.get(`/api/v1/query?query=${encodeURIComponent(expr)}`);
        return data.result.map((r: any) => ({ labels: r.metric, value: Number(r.value[1]), time: Number(r.value[0]) }));
    }

    /** The one value of a query that yields one series, or undefined. */
    async scalar(expr: string): Promise<{ value: number; time: number } | undefined> {
        const r = await this.query(expr);
        return r.length === 1 ? { value: r[0].value, time: r[0].time } : undefined;
    }

    async alerts(): Promise<Array<{ name: string; state: string; labels: Record<string, string> }>> {
        const data = await this.get("/api/v1/alerts");
        return data.alerts.map((a: any) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
    }

    async targets(): Promise<Array<{ job: string; health: string; lastError: string }>> {
        const data = await this.get("/api/v1/targets?state=active");
        return data.activeTargets.map((t: any) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }));
    }

    /** Rule groups loaded and the oldest of their last evaluations (seconds since the epoch, server time). */
    async ruleGroups(): Promise<{ names: string[]; oldestEvaluation: number }> {
        const data = await this.get("/api/v1/rules");
        const groups = data.groups as Array<{ name: string; lastEvaluation: string }>;
        const times = groups.map((g) => Date.parse(g.lastEvaluation) / 1000);
        return { names: groups.map((g) => g.name), oldestEvaluation: times.length ? Math.min(...times) : 0 };
    }

    /** Waits until every group has been evaluated at least `evaluations` times after `since` (server seconds). */
    async evaluatedAfter(since: number, evaluations = 2, timeoutMs = 30_000): Promise<void> {
        await waitFor(`every rule group to be evaluated ${evaluations} times after ${new Date(since * 1000).toISOString()}`, async () => {
            const g = await this.ruleGroups();
            return g.oldestEvaluation >= since + evaluations ? true : undefined;
        }, { timeoutMs });
    }
}

// ---------------------------------------------------------------- connections held open

/** `count` psql sessions that each hold one backend open until stopped. */
export function holdConnections(pg: TestPostgres, count: number): ChildProcess[] {
    return Array.from({ length: count }, () => spawn(path.join(pg.binDir, "psql"), ["-X", "-q", "-d", "postgres", "-c", "SELECT pg_sleep(3600)"],
        { env: { ...process.env, ...pg.env }, stdio: "ignore" }));
}

/** A thin client of Alertmanager's v2 API. */
export class AmApi {
    constructor(private readonly port: number) {}

    /** The alerts Alertmanager holds with this alertname: labels, annotations, the receivers it routed them to. */
    async alerts(alertname: string): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; receivers: string[]; state: string }>> {
        const r = await fetch(`http://127.0.0.1:${this.port}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
        if (!r.ok) throw new Error(`Alertmanager /api/v2/alerts: ${r.status} ${await r.text()}`);
        const body = await r.json() as any[];
        return body.map((a) => ({ labels: a.labels, annotations: a.annotations, receivers: a.receivers.map((x: any) => x.name), state: a.status.state }));
    }
}
