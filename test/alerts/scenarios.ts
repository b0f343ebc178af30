// Input series for promtool, derived from the alert settings: every alert gets series just past its threshold
// (it must fire at the first evaluation its `for` allows, and not one minute earlier) and series just short of
// it (it must stay silent). Values are generated, never copied from the rules, so a rule that drifts from its
// setting fails here.
import { ALERT, AlertName, AlertSettings, FIXED, KSM_COMPONENT_LABEL, METRICS, PUBLIC_PROBE_JOB } from "../../components/monitoring/alert-rules";

export const NS = "fork-knife-test";
export const OTHER_NS = "someone-else";
export const JOB = "fork-knife-backend";
export const CONTAINER = "backend";

export interface Series { series: string; values: string }
export interface Check {
    /** Seconds from the start of the series. */
    at: number;
    /** Label sets the expression yields for firing alerts (rule labels are added by the caller); [] = silent. */
    firing: Record<string, string>[];
    /** Why this check matters, for failure messages. */
    why: string;
}
export interface Scenario { alert: AlertName; title: string; interval: "15s" | "30s" | "1m"; series: Series[]; checks: Check[] }

/**
 * The severity each alert must fire with, written out from the issue and the guide rather than read from the rules:
 * critical → the pager (users affected, data or releases at risk), warning → the team channel. promtool compares
 * it with what the rendered rule sets.
 */
export const EXPECTED_SEVERITY: Record<AlertName, "critical" | "warning"> = {
    ForkKnifeHealthCheckFailing: "critical",
    ForkKnifeHighErrorRate: "critical",
    ForkKnifeHighLatencyP95: "warning",
    ForkKnifeMetricsMissing: "warning",
    ForkKnifeDatabaseConnectionsHigh: "warning",
    ForkKnifeDiskUsageHigh: "critical",
    ForkKnifeBackupMissing: "critical",
    ForkKnifeBackupFailed: "critical",
    ForkKnifeRestoreTestFailed: "critical",
    ForkKnifeBackupPruneFailed: "warning",
    ForkKnifeMigrationFailed: "critical",
    ForkKnifeQueueDepthHigh: "warning",
    ForkKnifeQueueProcessingSlow: "warning",
    ForkKnifePublicHealthCheckFailing: "critical",
    ForkKnifeHealthProbeMetricsAbsent: "warning",
    ForkKnifeKubeStateMetricsAbsent: "warning",
    ForkKnifePostgresMetricsAbsent: "warning",
    ForkKnifeRedisMetricsAbsent: "warning",
    ForkKnifeRedisMemoryHigh: "warning",
};

const PER_MIN = 4; // samples per minute at 15s

function series(metric: string, labels: Record<string, string>, values: Array<number | undefined>): Series {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(", ");
    return { series: `${metric}{${l}}`, values: values.map((v) => (v === undefined ? "_" : String(v))).join(" ") };
}
const times = (n: number, f: (i: number) => number | undefined) => Array.from({ length: n }, (_, i) => f(i));
const counter = (n: number, perSample: number) => times(n, (i) => i * perSample);
const flat = (n: number, v: number) => times(n, () => v);

/**
 * Checks around the `for` duration: the condition first holds at `activeFrom`; the alert must still be pending
 * one evaluation before `activeFrom + for` and firing exactly then.
 */
function forChecks(activeFrom: number, forMinutes: number, firing: Record<string, string>[]): Check[] {
    const fireAt = activeFrom + forMinutes * 60;
    return [
        ...(forMinutes > 0 ? [{ at: fireAt - 60, firing: [], why: `still pending one minute before its ${forMinutes}m for` }] : []),
        { at: fireAt, firing, why: `firing once the condition held for ${forMinutes}m` },
    ];
}
const silentAt = (at: number, why: string): Check => ({ at, firing: [], why });

function healthCheck(s: AlertSettings): Scenario[] {
    const n = s.healthCheckFailures;
    const w = s.healthCheckWindowMinutes;
    const jumpAt = (w + 1) * 60;
    const samples = (2 * w + 4) * PER_MIN;
    const pod = "fork-knife-backend-5d8f7-x2x9q";
    const probe = (failures: number, labels: Record<string, string> = {}) => series(METRICS.probes, {
        namespace: NS, pod, pod_uid: "3b7e", container: CONTAINER, probe_type: "Readiness", result: "failed", ...labels,
    }, times(samples, (i) => (i * 15 >= jumpAt ? failures : 0)));
    const noise = [
        series(METRICS.probes, { namespace: NS, pod, pod_uid: "3b7e", container: CONTAINER, probe_type: "Readiness", result: "successful" },
            counter(samples, 1)),
        probe(n + 5, { container: "worker" }),
        probe(n + 5, { probe_type: "Startup" }),
        probe(n + 5, { namespace: OTHER_NS }),
    ];
    // Failures one window apart: never n of them inside one window.
    const spreadSamples = (n + 1) * (w + 1) * PER_MIN + PER_MIN;
    const spread = series(METRICS.probes, { namespace: NS, pod, pod_uid: "3b7e", container: CONTAINER, probe_type: "Liveness", result: "failed" },
        times(spreadSamples, (i) => Math.min(n, Math.floor((i * 15) / ((w + 1) * 60)))));
    return [
        {
            alert: ALERT.healthCheckFailing, title: `${n} failures in ${w}m fire`, interval: "15s",
            series: [probe(n), ...noise],
            checks: [
                silentAt(jumpAt - 60, "before any failure"),
                { at: jumpAt, firing: [{ namespace: NS, pod, probe_type: "Readiness" }], why: `${n} failures inside ${w}m` },
                { at: jumpAt + (w - 1) * 60, firing: [{ namespace: NS, pod, probe_type: "Readiness" }], why: "still inside the window" },
                silentAt(jumpAt + w * 60, "the failures left the window"),
            ],
        },
        {
            alert: ALERT.healthCheckFailing, title: `${n - 1} failures in ${w}m stay silent`, interval: "15s",
            series: [probe(n - 1), ...noise],
            checks: [silentAt(jumpAt, `${n - 1} failures`), silentAt(jumpAt + 60, `${n - 1} failures`)],
        },
        // With a threshold of one failure, spreading them out proves nothing.
        ...(n < 2 ? [] : [{
            alert: ALERT.healthCheckFailing, title: `${n} failures spread over more than ${w}m stay silent`, interval: "15s" as const,
            series: [spread],
            checks: times(n, (k) => (k + 1) * (w + 1) * 60 + 60).map((at) => silentAt(at!, "one failure per window")),
        }]),
    ];
}

function errorRate(s: AlertSettings): Scenario[] {
    const t = s.errorRatePercent;
    const f = s.errorRateForMinutes;
    const total = 10_000; // requests per sample
    const samples = (f + 8) * PER_MIN;
    const requests = (errorsPerSample: (i: number) => number) => {
        let errors = 0;
        let ok = 0;
        const e: number[] = [];
        const o: number[] = [];
        for (let i = 0; i < samples; i++) {
            e.push(errors);
            o.push(ok);
            errors += errorsPerSample(i);
            ok += total - errorsPerSample(i);
        }
        const base = { namespace: NS, job: JOB, method: "GET", route: "/api/orders" };
        return [
            series(METRICS.httpRequests, { ...base, status_code: "500" }, e),
            series(METRICS.httpRequests, { ...base, status_code: "200" }, o),
            // Somebody else's errors must not count against this namespace.
            series(METRICS.httpRequests, { ...base, namespace: OTHER_NS, status_code: "503" }, counter(samples, total)),
        ];
    };
    const stopAt = (f + 3) * 60;
    return [
        {
            alert: ALERT.highErrorRate, title: `${t * 1.01} % errors fire after ${f}m`, interval: "15s",
            series: requests(() => (total * t * 1.01) / 100),
            checks: forChecks(60, f, [{ namespace: NS }]),
        },
        {
            alert: ALERT.highErrorRate, title: `${t * 0.99} % errors stay silent`, interval: "15s",
            series: requests(() => (total * t * 0.99) / 100),
            checks: [silentAt(60 + f * 60, "below the threshold"), silentAt((f + 7) * 60, "below the threshold")],
        },
        {
            // Multi-window: the 5m ratio is still above the threshold, the 1m one is not, so the alert resolves.
            alert: ALERT.highErrorRate, title: "an error burst that stopped resolves on the short window", interval: "15s",
            series: requests((i) => (i * 15 < stopAt ? (total * Math.min(100, 2 * t)) / 100 : 0)),
            checks: [
                { at: 60 + f * 60, firing: [{ namespace: NS }], why: "during the burst" },
                silentAt(stopAt + 120, "two minutes after the errors stopped"),
            ],
        },
    ];
}

function latency(s: AlertSettings): Scenario[] {
    const t = s.p95LatencySeconds;
    const lo = String(t * 0.9);
    const hi = String(t * 1.1);
    const samples = (FIXED.latencyForMinutes + 6) * PER_MIN;
    // 100 requests a sample; `fast` of them under lo, the rest between lo and hi. Linear interpolation puts the
    // P95 at lo + (hi - lo)(95 - fast)/(100 - fast): fast = 88 gives 1.017 t, fast = 92 gives 0.975 t.
    const buckets = (fast: number) => {
        const b = { namespace: NS, job: JOB, route: "/api/orders" };
        return [
            series(`${METRICS.httpDuration}_bucket`, { ...b, le: lo }, counter(samples, fast)),
            series(`${METRICS.httpDuration}_bucket`, { ...b, le: hi }, counter(samples, 100)),
            series(`${METRICS.httpDuration}_bucket`, { ...b, le: "+Inf" }, counter(samples, 100)),
        ];
    };
    return [
        {
            alert: ALERT.highLatency, title: `P95 at ${(1.0167 * t).toFixed(3)} s fires`, interval: "15s",
            series: buckets(88), checks: forChecks(60, FIXED.latencyForMinutes, [{ namespace: NS }]),
        },
        {
            alert: ALERT.highLatency, title: `P95 at ${(0.975 * t).toFixed(3)} s stays silent`, interval: "15s",
            series: buckets(92), checks: [silentAt((FIXED.latencyForMinutes + 5) * 60, "below the threshold")],
        },
    ];
}

function metricsMissing(): Scenario[] {
    const f = FIXED.metricsMissingForMinutes;
    const samples = (f + 3) * PER_MIN;
    const up = (pod: string, v: number) => series("up", { namespace: NS, job: JOB, pod, instance: `${pod}:3000` }, flat(samples, v));
    const expected = [{ namespace: NS, job: JOB }];
    return [
        {
            alert: ALERT.metricsMissing, title: "every backend target down fires", interval: "15s",
            series: [up("a", 0), up("b", 0)], checks: forChecks(0, f, expected),
        },
        {
            alert: ALERT.metricsMissing, title: "no backend target at all fires", interval: "15s",
            series: [series("up", { namespace: OTHER_NS, job: JOB, pod: "x", instance: "x:3000" }, flat(samples, 1))],
            checks: forChecks(0, f, expected),
        },
        {
            alert: ALERT.metricsMissing, title: "one target up stays silent", interval: "15s",
            series: [up("a", 0), up("b", 1)], checks: [silentAt((f + 2) * 60, "one target is scraped")],
        },
    ];
}

function databaseConnections(s: AlertSettings): Scenario[] {
    const p = s.databaseConnectionsPercent;
    const max = 500;
    const f = FIXED.resourceForMinutes;
    const samples = (f + 3) * PER_MIN;
    const conns = (n: number) => [
        series(METRICS.pgBackends, { namespace: NS, datname: "forkknife" }, flat(samples, n - 3)),
        series(METRICS.pgBackends, { namespace: NS, datname: "postgres" }, flat(samples, 3)),
        series(METRICS.pgMaxConnections, { namespace: NS, server: "db:5432" }, flat(samples, max)),
        series(METRICS.pgBackends, { namespace: OTHER_NS, datname: "forkknife" }, flat(samples, max)),
    ];
    const at = (max * p) / 100;
    return [
        {
            alert: ALERT.databaseConnections, title: `${at + 1}/${max} connections fire`, interval: "15s",
            series: conns(at + 1), checks: forChecks(0, f, [{ namespace: NS }]),
        },
        {
            alert: ALERT.databaseConnections, title: `${at - 1}/${max} connections stay silent`, interval: "15s",
            series: conns(at - 1), checks: [silentAt((f + 2) * 60, "below the threshold")],
        },
    ];
}

function diskUsage(s: AlertSettings): Scenario[] {
    const p = s.diskUsagePercent;
    const f = FIXED.resourceForMinutes;
    const samples = (f + 3) * PER_MIN;
    const capacity = 100e9;
    const volume = (namespace: string, pvc: string, usedPercent: number) => [
        series(METRICS.volumeAvailable, { namespace, persistentvolumeclaim: pvc, node: "n1" },
            flat(samples, (capacity * (100 - usedPercent)) / 100)),
        series(METRICS.volumeCapacity, { namespace, persistentvolumeclaim: pvc, node: "n1" }, flat(samples, capacity)),
    ];
    const backups = "fork-knife-backups";
    const database = "data-fork-knife-postgres-0";
    return [
        {
            alert: ALERT.diskUsage, title: `backup volume at ${p + 0.5} % fires, database volume at ${p - 0.5} % does not`,
            interval: "15s",
            series: [...volume(NS, backups, p + 0.5), ...volume(NS, database, p - 0.5), ...volume(OTHER_NS, "x", 99.9)],
            checks: forChecks(0, f, [{ namespace: NS, persistentvolumeclaim: backups }]),
        },
        {
            alert: ALERT.diskUsage, title: `database volume at ${p + 0.5} % fires, backup volume at ${p - 0.5} % does not`,
            interval: "15s",
            series: [...volume(NS, backups, p - 0.5), ...volume(NS, database, p + 0.5)],
            checks: forChecks(0, f, [{ namespace: NS, persistentvolumeclaim: database }]),
        },
    ];
}

function backupMissing(s: AlertSettings): Scenario[] {
    const h = s.backupMaxAgeHours;
    const f = FIXED.backupMissingForMinutes;
    const minutes = h * 60 + f + 4;
    const lastSuccess = 60;
    const cronjob = (name: string, component: string, lastOk: number | undefined, created: number) => [
        series("kube_cronjob_labels", { namespace: NS, cronjob: name, [KSM_COMPONENT_LABEL]: component }, flat(minutes, 1)),
        series("kube_cronjob_created", { namespace: NS, cronjob: name }, flat(minutes, created)),
        ...(lastOk === undefined ? [] : [series("kube_cronjob_status_last_successful_time", { namespace: NS, cronjob: name }, flat(minutes, lastOk))]),
    ];
    // The age first exceeds h hours at the evaluation after lastSuccess + h hours.
    const activeFrom = lastSuccess + h * 3600 + 60;
    const expected = [{ namespace: NS, cronjob: "fork-knife-backup" }];
    return [
        {
            alert: ALERT.backupMissing, title: `last success ${h}h ago fires after ${f}m; a restore test's age does not count`,
            interval: "1m",
            series: [...cronjob("fork-knife-backup", "backup", lastSuccess, 0), ...cronjob("fork-knife-restore-test", "restore-test", 0, 0)],
            checks: [silentAt(lastSuccess + h * 3600 - 60, `one minute short of ${h}h`), ...forChecks(activeFrom, f, expected)],
        },
        {
            alert: ALERT.backupMissing, title: `a backup CronJob that never succeeded fires ${h}h after its creation`, interval: "1m",
            series: cronjob("fork-knife-backup", "backup", undefined, lastSuccess),
            checks: [silentAt(lastSuccess + h * 3600 - 60, `one minute short of ${h}h`), ...forChecks(activeFrom, f, expected)],
        },
    ];
}

/** Jobs in one namespace: which failed at minute 5, which component each belongs to. */
function jobSeries(): Series[] {
    const samples = 12;
    const job = (name: string, component: string, fails: boolean) => [
        series("kube_job_labels", { namespace: NS, job_name: name, [KSM_COMPONENT_LABEL]: component }, flat(samples, 1)),
        series("kube_job_failed", { namespace: NS, job_name: name, condition: "true" }, times(samples, (i) => (fails && i >= 5 ? 1 : 0))),
        series("kube_job_failed", { namespace: NS, job_name: name, condition: "false" }, times(samples, (i) => (fails && i >= 5 ? 0 : 1))),
    ];
    return [
        ...job("fork-knife-backup-29391840", "backup", true),
        ...job("fork-knife-backup-29390400", "backup", false),
        ...job("pre-migration-backup-2026-11-3", "pre-migration-backup", true),
        ...job("fork-knife-restore-test-29391900", "restore-test", true),
        ...job("backup-prune-29392020", "backup-prune", true),
        ...job("backup-prune-29390580", "backup-prune", false),
        ...job("migrate-2026-11-3-3f1c9a", "migration", true),
        ...job("migrate-2026-11-2-77aa01", "migration", false),
        ...job("premigrate-check", "backend", true),
        series("kube_job_failed", { namespace: OTHER_NS, job_name: "migrate-x", condition: "true" }, flat(samples, 1)),
    ];
}

function jobFailures(): Scenario[] {
    const expect = (alert: AlertName, jobs: string[]): Scenario => ({
        alert, title: "fires once the Job's Failed condition is true, only for its component", interval: "1m",
        series: jobSeries(),
        checks: [
            silentAt(4 * 60, "before any Job failed"),
            { at: 5 * 60, firing: jobs.map((j) => ({ namespace: NS, job_name: j })), why: "right after the failure" },
        ],
    });
    return [
        expect(ALERT.backupFailed, ["fork-knife-backup-29391840", "pre-migration-backup-2026-11-3"]),
        expect(ALERT.restoreTestFailed, ["fork-knife-restore-test-29391900"]),
        expect(ALERT.backupPruneFailed, ["backup-prune-29392020"]),
        expect(ALERT.migrationFailed, ["migrate-2026-11-3-3f1c9a"]),
    ];
}

function queue(s: AlertSettings): Scenario[] {
    const q = s.queueDepthWarning;
    const m = s.minJobsPerMinute;
    const f = FIXED.queueForMinutes;
    const samples = (f + 8) * PER_MIN;
    const labels = (queueName: string, pod: string) => ({ namespace: NS, job: JOB, queue: queueName, pod });
    // Both backend replicas report the same Redis queue.
    const waiting = (queueName: string, n: number) => ["a", "b"].map((pod) =>
        series(METRICS.queueWaiting, labels(queueName, pod), flat(samples, n)));
    const completed = (queueName: string, perMinute: number) => ["a", "b"].map((pod) =>
        series(METRICS.queueCompleted, labels(queueName, pod), counter(samples, perMinute / PER_MIN)));
    const stalled = m > 0 ? [{ namespace: NS, queue: "default" }] : [];
    return [
        {
            alert: ALERT.queueDepth, title: `${q + 1} waiting fires, ${q - 1} does not`, interval: "15s",
            series: [...waiting("default", q + 1), ...waiting("emails", q - 1)],
            checks: forChecks(0, f, [{ namespace: NS, queue: "default" }]),
        },
        {
            alert: ALERT.queueStalled, title: `${m * 0.9} jobs/min with work waiting fires, ${m * 1.1} and an idle queue do not`,
            interval: "15s",
            series: [
                ...completed("default", m * 0.9), ...waiting("default", 50),
                ...completed("emails", m * 1.1), ...waiting("emails", 50),
                ...completed("idle", 0), ...waiting("idle", 0),
            ],
            checks: forChecks(60, f, stalled),
        },
    ];
}

/** The outside probe: one probe_success sample per 30 s probe, 1 = the public /health answered 2xx. */
function publicHealthCheck(s: AlertSettings): Scenario[] {
    const n = s.healthCheckFailures;
    const w = s.healthCheckWindowMinutes;
    const step = 30;
    const instance = "https://api.fork-knife.example.com/health";
    const E = (w + 2) * 60; // the evaluation at which the last failure lands
    const samples = (E + (w + 3) * 60) / step;
    const probe = (failedAt: number[], labels: Record<string, string> = {}) => series(METRICS.probeSuccess,
        { namespace: NS, job: PUBLIC_PROBE_JOB, instance, ...labels },
        times(samples, (i) => (failedAt.includes(i * step) ? 0 : 1)));
    /** n failure times from `first` to `last` seconds, on probe samples, evenly spread. */
    const spread = (count: number, first: number, last: number) => times(count, (k) =>
        count === 1 ? last : Math.round((first + ((last - first) * k) / (count - 1)) / step) * step) as number[];
    const fired = [{ namespace: NS, instance }];
    // Other probes failing all the time: another namespace's, and another job's in this namespace.
    const noise = [
        probe(times(samples, (i) => i * step) as number[], { namespace: OTHER_NS }),
        probe(times(samples, (i) => i * step) as number[], { job: "some-other-probe" }),
    ];
    // Spread over w minutes less 30 s: inside a w-minute window, outside a (w - 1)-minute one.
    const inside = spread(n, E - (w - 1) * 60 - step, E);
    // Spread over w minutes and 30 s: never n of them inside one w-minute window.
    const outside = spread(n, E - w * 60 - step, E);
    return [
        {
            alert: ALERT.publicHealthCheckFailing, title: `${n} failed probes within ${w}m fire at the ${n}th`, interval: "30s",
            series: [probe(inside), ...noise],
            checks: [
                silentAt(E - 60, `${n - 1} failures so far`),
                { at: E, firing: fired, why: `the ${n}th failure inside ${w}m` },
                silentAt(E + 60, "the first failure left the window"),
            ],
        },
        {
            alert: ALERT.publicHealthCheckFailing, title: `${n - 1} failed probes back to back stay silent`, interval: "30s",
            series: [probe(times(n - 1, (k) => E - k * step) as number[]), ...noise],
            checks: [silentAt(E, `${n - 1} failures`), silentAt(E + 60, `${n - 1} failures`)],
        },
        ...(n < 2 ? [] : [{
            alert: ALERT.publicHealthCheckFailing, title: `${n} failed probes spread over ${w}m30s stay silent`, interval: "30s" as const,
            series: [probe(outside)],
            checks: [silentAt(E - 60, "fewer than n so far"), silentAt(E, `never ${n} inside ${w}m`), silentAt(E + 60, "the window moved on")],
        }]),
        {
            alert: ALERT.publicHealthCheckFailing, title: "a total outage (every probe failing) fires", interval: "30s",
            series: [probe(times(samples, (i) => (i * step >= 60 ? i * step : -1)) as number[])],
            checks: [silentAt(0, "before the outage"), { at: 60 + Math.ceil(((n - 1) * step) / 60) * 60, firing: fired, why: `${n} failures in a row` }],
        },
    ];
}

/** An absent-data alert: silent while its series exist, firing after its `for` when they are missing. */
function absentData(alert: AlertName, present: Series[][], missing: Array<{ title: string; series: Series[]; firing: Record<string, string> }>): Scenario[] {
    const f = FIXED.metricsMissingForMinutes;
    return [
        ...present.map((p, k) => ({
            alert, title: `silent while the series exist (${k + 1})`, interval: "1m" as const, series: p,
            checks: [silentAt((f + 2) * 60, "the series are there")],
        })),
        ...missing.map((m) => ({
            alert, title: m.title, interval: "1m" as const, series: m.series, checks: forChecks(0, f, [m.firing]),
        })),
    ];
}

function absentDataScenarios(): Scenario[] {
    const n = FIXED.metricsMissingForMinutes + 4;
    const elsewhere = (metric: string) => series(metric, { namespace: OTHER_NS }, flat(n, 1));
    const ksm = (labels: Record<string, string>) => series(METRICS.ksmCronjobLabels, { namespace: NS, cronjob: "backup", ...labels }, flat(n, 1));
    const pg = (metric: string) => series(metric, { namespace: NS, server: "db:5432", datname: "forkknife" }, flat(n, 1));
    const redis = (metric: string, v: number) => series(metric, { namespace: NS, instance: "redis:9121" }, flat(n, v));
    const probe = series(METRICS.probeSuccess, { namespace: NS, job: PUBLIC_PROBE_JOB, instance: "https://x/health" }, flat(n, 0));
    return [
        ...absentData(ALERT.healthProbeMetricsAbsent, [[probe]], [{
            title: "no probe series in the namespace fires", firing: { namespace: NS, job: PUBLIC_PROBE_JOB },
            series: [series(METRICS.probeSuccess, { namespace: OTHER_NS, job: PUBLIC_PROBE_JOB, instance: "https://x/health" }, flat(n, 1)),
                series(METRICS.probeSuccess, { namespace: NS, job: "some-other-probe", instance: "https://x/health" }, flat(n, 1))],
        }]),
        ...absentData(ALERT.kubeStateMetricsAbsent, [[ksm({ [KSM_COMPONENT_LABEL]: "backup" })]], [
            { title: "kube-state-metrics down fires", series: [elsewhere(METRICS.ksmCronjobLabels)],
                firing: { namespace: NS, [KSM_COMPONENT_LABEL]: "backup" } },
            { title: "the component label not allow-listed fires", series: [ksm({})],
                firing: { namespace: NS, [KSM_COMPONENT_LABEL]: "backup" } },
        ]),
        ...absentData(ALERT.postgresMetricsAbsent, [[pg(METRICS.pgBackends), pg(METRICS.pgMaxConnections)]], [
            { title: "postgres_exporter down fires", series: [elsewhere(METRICS.pgBackends), elsewhere(METRICS.pgMaxConnections)],
                firing: { namespace: NS } },
            { title: "max_connections missing fires", series: [pg(METRICS.pgBackends)], firing: { namespace: NS } },
        ]),
        ...absentData(ALERT.redisMetricsAbsent, [[redis(METRICS.redisMemoryUsed, 5e8), redis(METRICS.redisMemoryMax, 1e9)]], [
            { title: "redis_exporter down fires", series: [elsewhere(METRICS.redisMemoryUsed), elsewhere(METRICS.redisMemoryMax)],
                firing: { namespace: NS, reason: "series-missing" } },
            { title: "maxmemory 0 (unlimited) fires: the memory alert is blind", series: [redis(METRICS.redisMemoryUsed, 5e8), redis(METRICS.redisMemoryMax, 0)],
                firing: { namespace: NS, reason: "maxmemory-unset" } },
        ]),
    ];
}

function redisMemory(s: AlertSettings): Scenario[] {
    const p = s.redisMemoryPercent;
    const f = FIXED.resourceForMinutes;
    const samples = (f + 3) * PER_MIN;
    const max = 1024 * 1024 * 1024;
    const redis = (usedPercent: number, maxBytes = max, namespace = NS) => [
        series(METRICS.redisMemoryUsed, { namespace, instance: "redis:9121" }, flat(samples, Math.round((maxBytes || max) * usedPercent / 100))),
        series(METRICS.redisMemoryMax, { namespace, instance: "redis:9121" }, flat(samples, maxBytes)),
    ];
    return [
        {
            alert: ALERT.redisMemory, title: `${p + 0.5} % of maxmemory fires`, interval: "15s",
            series: [...redis(p + 0.5), ...redis(99, max, OTHER_NS)], checks: forChecks(0, f, [{ namespace: NS }]),
        },
        {
            alert: ALERT.redisMemory, title: `${p - 0.5} % of maxmemory stays silent`, interval: "15s",
            series: redis(p - 0.5), checks: [silentAt((f + 2) * 60, "below the threshold")],
        },
        {
            alert: ALERT.redisMemory, title: "maxmemory 0 (unlimited) never divides into a false alert", interval: "15s",
            series: redis(500, 0), checks: [silentAt((f + 2) * 60, "no maxmemory, no ratio")],
        },
    ];
}

export function scenarios(s: AlertSettings): Scenario[] {
    return [
        ...healthCheck(s), ...errorRate(s), ...latency(s), ...metricsMissing(), ...databaseConnections(s),
        ...diskUsage(s), ...backupMissing(s), ...jobFailures(), ...queue(s),
        ...publicHealthCheck(s), ...absentDataScenarios(), ...redisMemory(s),
    ];
}
