// The guide's "Key Metrics to Monitor" and "Set Up Alerts" as Prometheus rule groups: a pure function of the
// alert settings, so the Alerts component and the promtool tests render exactly the same rules.
import type { Environment, ParsedSettings, SEVERITIES } from "../config/settings-schema";
import { BACKUP_DEADLINE_SECONDS, BACKUP_MISSING_AFTER_HOURS, BACKUP_STARTING_DEADLINE_SECONDS, RPO_HOURS } from "../data/recovery-objectives";

export type AlertSettings = ParsedSettings["alerts"];

/** Where every rule's runbook_url points: one anchor per alert in docs/runbook.md. */
export const RUNBOOK_BASE = "https://github.com/fork-knife/fork-knife-infra/blob/main/docs/runbook.md";

/** The metric names the rules read: a contract with the application and the cluster's exporters (docs/operations.md, "Metric contract"). */
export const METRICS = {
    httpRequests: "http_requests_total",
    httpDuration: "http_request_duration_seconds",
    queueWaiting: "fork_knife_queue_waiting_jobs",
    queueCompleted: "fork_knife_queue_jobs_completed_total",
    probes: "prober_probe_total",
    pgBackends: "pg_stat_database_numbackends",
    pgMaxConnections: "pg_settings_max_connections",
    volumeAvailable: "kubelet_volume_stats_available_bytes",
    volumeCapacity: "kubelet_volume_stats_capacity_bytes",
    probeSuccess: "probe_success",
    redisMemoryUsed: "redis_memory_used_bytes",
    redisMemoryMax: "redis_memory_max_bytes",
    ksmCronjobLabels: "kube_cronjob_labels",
} as const;

/** The scrape job the outside health Probe's series carry (the Probe's `jobName`). */
export const PUBLIC_PROBE_JOB = "fork-knife-public-health";

/**
 * The inhibition convention (docs/operations.md, "Severities and routing"), defined once here and used by the rules
 * and by AlertRouting's inhibit rules. Alerts join by label, never by a list of names:
 * - `signal`: the source an alert reads or watches;
 * - `cause="true"`: the alert reports that its signal is gone (absent data, metrics missing, total outage).
 * A cause silences the ordinary warnings of its signal in its namespace; only a critical cause (the total outage)
 * also silences the ordinary critical alerts and the warning causes of its signal, so a page never disappears
 * behind a warning's inference. An alert without `signal` is never inhibited.
 */
export const INHIBIT_LABEL = { signal: "signal", cause: "cause" } as const;
export const SIGNAL = {
    /** The backend: its pods' probes, its scraped /metrics, and its public health seen from outside. */
    backend: "backend",
    postgres: "postgres",
    redis: "redis",
    kubeStateMetrics: "kube-state-metrics",
    /** The blackbox probe itself. */
    probe: "probe",
} as const;
export type Signal = (typeof SIGNAL)[keyof typeof SIGNAL];

/** The labels a rule sets to join the inhibition: its signal, and `cause="true"` when it reports the signal gone. */
export function inhibitionLabels(signal: Signal, cause = false): Record<string, string> {
    return { [INHIBIT_LABEL.signal]: signal, ...(cause ? { [INHIBIT_LABEL.cause]: "true" } : {}) };
}

/** kube-state-metrics exposes Kubernetes labels only when allow-listed; this is the component label's name there. */
export const KSM_COMPONENT_LABEL = "label_app_kubernetes_io_component";

export const ALERT = {
    healthCheckFailing: "ForkKnifeHealthCheckFailing",
    highErrorRate: "ForkKnifeHighErrorRate",
    highLatency: "ForkKnifeHighLatencyP95",
    metricsMissing: "ForkKnifeMetricsMissing",
    databaseConnections: "ForkKnifeDatabaseConnectionsHigh",
    diskUsage: "ForkKnifeDiskUsageHigh",
    backupMissing: "ForkKnifeBackupMissing",
    backupFailed: "ForkKnifeBackupFailed",
    restoreTestFailed: "ForkKnifeRestoreTestFailed",
    migrationFailed: "ForkKnifeMigrationFailed",
    queueDepth: "ForkKnifeQueueDepthHigh",
    queueStalled: "ForkKnifeQueueProcessingSlow",
    publicHealthCheckFailing: "ForkKnifePublicHealthCheckFailing",
    healthProbeMetricsAbsent: "ForkKnifeHealthProbeMetricsAbsent",
    kubeStateMetricsAbsent: "ForkKnifeKubeStateMetricsAbsent",
    postgresMetricsAbsent: "ForkKnifePostgresMetricsAbsent",
    redisMetricsAbsent: "ForkKnifeRedisMetricsAbsent",
    redisMemory: "ForkKnifeRedisMemoryHigh",
    backupPruneFailed: "ForkKnifeBackupPruneFailed",
} as const;
export type AlertName = (typeof ALERT)[keyof typeof ALERT];

/**
 * The signal each alert reads. ForkKnifeHealthCheckFailing (the backend pods' kubelet probes) is a symptom of the
 * total outage, so it joins `backend`: the outside check (a critical cause) silences it, the metrics-missing warning
 * cannot. ForkKnifeDiskUsageHigh (kubelet volume stats) reads nothing a cause alert watches: no signal, never inhibited.
 */
const SIGNAL_OF: Partial<Record<AlertName, Record<string, string>>> = {
    ForkKnifeHealthCheckFailing: inhibitionLabels(SIGNAL.backend),
    ForkKnifeHighErrorRate: inhibitionLabels(SIGNAL.backend),
    ForkKnifeHighLatencyP95: inhibitionLabels(SIGNAL.backend),
    ForkKnifeQueueDepthHigh: inhibitionLabels(SIGNAL.backend),
    ForkKnifeQueueProcessingSlow: inhibitionLabels(SIGNAL.backend),
    ForkKnifeMetricsMissing: inhibitionLabels(SIGNAL.backend, true),
    ForkKnifeDatabaseConnectionsHigh: inhibitionLabels(SIGNAL.postgres),
    ForkKnifeBackupMissing: inhibitionLabels(SIGNAL.kubeStateMetrics),
    ForkKnifeBackupFailed: inhibitionLabels(SIGNAL.kubeStateMetrics),
    ForkKnifeRestoreTestFailed: inhibitionLabels(SIGNAL.kubeStateMetrics),
    ForkKnifeMigrationFailed: inhibitionLabels(SIGNAL.kubeStateMetrics),
    ForkKnifeBackupPruneFailed: inhibitionLabels(SIGNAL.kubeStateMetrics),
};

/** Rendered only when the stack has an outside health Probe (publicUrl set): see RuleContext.publicProbeJob. */
export const OUTSIDE_ALERTS: readonly AlertName[] = [ALERT.publicHealthCheckFailing, ALERT.healthProbeMetricsAbsent];

/**
 * Exactly the severities the routing knows (SEVERITIES): critical pages the on-call developer (production; the team
 * channel in staging), warning reaches the team channel, looked at in working hours.
 */
export type Severity = (typeof SEVERITIES)[number];

/** Fixed parts of the rules that the guide does not make configurable. */
export const FIXED = {
    latencyForMinutes: 5,
    resourceForMinutes: 5,
    backupMissingForMinutes: 5,
    queueForMinutes: 10,
    metricsMissingForMinutes: 10,
    rateWindow: "5m",
    shortRateWindow: "1m",
} as const;

export interface RuleContext {
    /** The stack's namespace: every expression is scoped to it, so stacks can share one Prometheus. */
    namespace: string;
    /** staging or production, copied onto every alert for routing. */
    environment: Environment;
    /** The scrape job of the backend: the Prometheus Operator names it after the Service. */
    backendJob: string;
    /** The backend's container name, as the kubelet labels its probe results. */
    backendContainer: string;
    /** The outside health Probe's scrape job, when the stack declares one (publicUrl set); no outside rules without it. */
    publicProbeJob?: string;
}

export interface Rule {
    alert?: string;
    record?: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}
export interface RuleGroup { name: string; rules: Rule[] }

export function runbookUrl(alert: AlertName): string {
    return `${RUNBOOK_BASE}#${runbookAnchor(alert)}`;
}

/** GitHub's anchor for a heading that is exactly the alert name. */
export function runbookAnchor(alert: AlertName): string {
    return alert.toLowerCase();
}

export const RECORD = {
    errorRatio: (window: string) => `fork_knife:http_requests:error_ratio_rate${window}`,
} as const;

export function alertRuleGroups(s: AlertSettings, ctx: RuleContext): RuleGroup[] {
    const ns = `namespace="${ctx.namespace}"`;
    const app = `${ns}, job="${ctx.backendJob}"`;
    const alert = (name: AlertName, severity: Severity, spec: { expr: string; forMinutes: number; summary: string;
        description: string; threshold?: number; labels?: Record<string, string> }): Rule => ({
        alert: name,
        expr: spec.expr,
        ...(spec.forMinutes > 0 ? { for: `${spec.forMinutes}m` } : {}),
        labels: { severity, team: s.team, environment: ctx.environment, ...SIGNAL_OF[name], ...spec.labels },
        annotations: {
            summary: spec.summary,
            description: spec.description,
            runbook_url: runbookUrl(name),
            ...(spec.threshold !== undefined ? { threshold: String(spec.threshold) } : {}),
        },
    });
    const ratio = (window: string) => ({
        record: RECORD.errorRatio(window),
        expr: `sum by (namespace) (rate(${METRICS.httpRequests}{${app}, status_code=~"5.."}[${window}]))\n` +
            `/\nsum by (namespace) (rate(${METRICS.httpRequests}{${app}}[${window}]))`,
    });
    const failedJobs = (component: string) =>
        `max by (namespace, job_name) (kube_job_failed{${ns}, condition="true"}) == 1\n` +
        `and on (namespace, job_name)\n` +
        `max by (namespace, job_name) (kube_job_labels{${ns}, ${KSM_COMPONENT_LABEL}=~"${component}"})`;
    const maxAge = s.backupMaxAgeHours * 3600;

    return [
        {
            name: "fork-knife.backend",
            // The error ratios are recorded in the same group as the alert that reads them: rules of one group run
            // in order, so the alert always sees this evaluation's ratio, never the previous one.
            rules: [
                ratio(FIXED.shortRateWindow),
                ratio(FIXED.rateWindow),
                alert(ALERT.healthCheckFailing, "critical", {
                    // Counted per pod and probe, so one flapping pod pages and two half-healthy pods do not add up.
                    expr: `sum by (namespace, pod, probe_type) (increase(${METRICS.probes}{${ns}, container="${ctx.backendContainer}", ` +
                        `probe_type=~"Liveness|Readiness", result="failed"}[${s.healthCheckWindowMinutes}m])) >= ${s.healthCheckFailures}`,
                    forMinutes: 0,
                    summary: "Backend health check failing",
                    description: `The {{ $labels.probe_type }} probe of {{ $labels.pod }} (/health) failed at least ` +
                        `${s.healthCheckFailures} times in ${s.healthCheckWindowMinutes} minutes.`,
                    threshold: s.healthCheckFailures,
                }),
                alert(ALERT.highErrorRate, "critical", {
                    // Two windows: the long one proves it lasted, the short one ends the alert as soon as it stops.
                    expr: `${RECORD.errorRatio(FIXED.rateWindow)}{${ns}} * 100 > ${s.errorRatePercent}\n` +
                        `and\n${RECORD.errorRatio(FIXED.shortRateWindow)}{${ns}} * 100 > ${s.errorRatePercent}`,
                    forMinutes: s.errorRateForMinutes,
                    summary: "Backend 5xx error rate too high",
                    description: `More than ${s.errorRatePercent} % of the backend's requests in {{ $labels.namespace }} ` +
                        `answered 5xx for ${s.errorRateForMinutes} minutes.`,
                    threshold: s.errorRatePercent,
                }),
                alert(ALERT.highLatency, "warning", {
                    expr: `histogram_quantile(0.95, sum by (namespace, le) (rate(${METRICS.httpDuration}_bucket{${app}}[${FIXED.rateWindow}])))` +
                        ` > ${s.p95LatencySeconds}`,
                    forMinutes: FIXED.latencyForMinutes,
                    summary: "Backend P95 latency too high",
                    description: `The 95th percentile of backend request durations in {{ $labels.namespace }} is above ` +
                        `${s.p95LatencySeconds} s.`,
                    threshold: s.p95LatencySeconds,
                }),
                alert(ALERT.metricsMissing, "warning", {
                    // Every other backend rule is silent without metrics; this one says so.
                    expr: `sum by (namespace, job) (up{${app}}) == 0\nor\nabsent(up{${app}})`,
                    forMinutes: FIXED.metricsMissingForMinutes,
                    summary: "Backend metrics are not being scraped",
                    description: "Prometheus has no reachable {{ $labels.job }} target in {{ $labels.namespace }}: " +
                        "the backend alerts cannot fire.",
                }),
            ],
        },
        {
            name: "fork-knife.database",
            rules: [
                alert(ALERT.databaseConnections, "warning", {
                    expr: `100 * sum by (namespace) (${METRICS.pgBackends}{${ns}})\n` +
                        `/ on (namespace) max by (namespace) (${METRICS.pgMaxConnections}{${ns}}) > ${s.databaseConnectionsPercent}`,
                    forMinutes: FIXED.resourceForMinutes,
                    summary: "Database connections near max_connections",
                    description: `Open connections use more than ${s.databaseConnectionsPercent} % of the database's ` +
                        `max_connections ({{ $labels.namespace }}).`,
                    threshold: s.databaseConnectionsPercent,
                }),
                alert(ALERT.diskUsage, "critical", {
                    expr: `100 * (1 - max by (namespace, persistentvolumeclaim) (${METRICS.volumeAvailable}{${ns}})\n` +
                        `/ max by (namespace, persistentvolumeclaim) (${METRICS.volumeCapacity}{${ns}})) > ${s.diskUsagePercent}`,
                    forMinutes: FIXED.resourceForMinutes,
                    summary: "Volume almost full",
                    description: `The volume claim {{ $labels.persistentvolumeclaim }} is more than ${s.diskUsagePercent} % full.`,
                    threshold: s.diskUsagePercent,
                }),
            ],
        },
        {
            name: "fork-knife.jobs",
            rules: [
                alert(ALERT.backupMissing, "critical", {
                    // A backup CronJob that never succeeded counts from its creation.
                    expr: `(\n  time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${ns}})\n  or\n` +
                        `  time() - max by (namespace, cronjob) (kube_cronjob_created{${ns}})\n)\n` +
                        `* on (namespace, cronjob) max by (namespace, cronjob) (kube_cronjob_labels{${ns}, ${KSM_COMPONENT_LABEL}="backup"})\n` +
                        `> ${maxAge}`,
                    forMinutes: FIXED.backupMissingForMinutes,
                    summary: "No successful backup",
                    description: `The backup CronJob {{ $labels.cronjob }} has not completed successfully for more than ` +
                        `${s.backupMaxAgeHours} hours (default ${BACKUP_MISSING_AFTER_HOURS} h: the RPO of ${RPO_HOURS} h plus the ` +
                        `${BACKUP_STARTING_DEADLINE_SECONDS / 3600} h a run may wait to start and its ${BACKUP_DEADLINE_SECONDS / 3600} h deadline).`,
                    threshold: s.backupMaxAgeHours,
                }),
                alert(ALERT.backupFailed, "critical", {
                    expr: failedJobs("backup|pre-migration-backup"),
                    forMinutes: 0,
                    summary: "Backup Job failed",
                    description: "The backup Job {{ $labels.job_name }} failed.",
                }),
                alert(ALERT.restoreTestFailed, "critical", {
                    expr: failedJobs("restore-test"),
                    forMinutes: 0,
                    summary: "Restore test failed",
                    description: "The restore test Job {{ $labels.job_name }} failed: the latest backup may not be restorable.",
                }),
                // backup.retentionMode prune-identity: no data is at risk (backups keep being made), but old ones
                // outlive backup.retentionDays until a prune succeeds, so the team hears of it, the pager does not.
                alert(ALERT.backupPruneFailed, "warning", {
                    expr: failedJobs("backup-prune"),
                    forMinutes: 0,
                    summary: "Backup prune failed",
                    description: "The backup-prune Job {{ $labels.job_name }} failed: backups older than backup.retentionDays are kept until a prune succeeds.",
                }),
                alert(ALERT.migrationFailed, "critical", {
                    expr: `max by (namespace, job_name) (kube_job_failed{${ns}, condition="true", job_name=~"migrate-.+"}) == 1`,
                    forMinutes: 0,
                    summary: "Database migration failed",
                    description: "The migration Job {{ $labels.job_name }} failed: the release is blocked.",
                }),
            ],
        },
        {
            name: "fork-knife.worker",
            rules: [
                alert(ALERT.queueDepth, "warning", {
                    // Every backend replica reports the same Redis queue, hence max, not sum.
                    expr: `max by (namespace, queue) (${METRICS.queueWaiting}{${app}}) > ${s.queueDepthWarning}`,
                    forMinutes: FIXED.queueForMinutes,
                    summary: "Job queue backing up",
                    description: `More than ${s.queueDepthWarning} jobs are waiting in queue {{ $labels.queue }}.`,
                    threshold: s.queueDepthWarning,
                }),
                alert(ALERT.queueStalled, "warning", {
                    // Only while work is waiting: an idle queue processes nothing and that is fine.
                    expr: `max by (namespace, queue) (rate(${METRICS.queueCompleted}{${app}}[${FIXED.rateWindow}])) * 60 < ${s.minJobsPerMinute}\n` +
                        `and on (namespace, queue)\nmax by (namespace, queue) (${METRICS.queueWaiting}{${app}}) > 0`,
                    forMinutes: FIXED.queueForMinutes,
                    summary: "Job processing too slow",
                    description: `Queue {{ $labels.queue }} has waiting jobs but completes fewer than ${s.minJobsPerMinute} ` +
                        `jobs per minute.`,
                    threshold: s.minJobsPerMinute,
                }),
                alert(ALERT.redisMemory, "warning", {
                    // maxmemory 0 means unlimited: no ratio exists, so `> 0` drops it here instead of dividing by zero
                    // into +Inf; ForkKnifeRedisMetricsAbsent reports that case.
                    expr: `100 * max by (namespace) (${METRICS.redisMemoryUsed}{${ns}})\n` +
                        `/ on (namespace) max by (namespace) (${METRICS.redisMemoryMax}{${ns}} > 0) > ${s.redisMemoryPercent}`,
                    forMinutes: FIXED.resourceForMinutes,
                    summary: "Redis memory near maxmemory",
                    description: `Redis uses more than ${s.redisMemoryPercent} % of its maxmemory ({{ $labels.namespace }}): ` +
                        "the queue will soon evict keys or refuse new jobs.",
                    threshold: s.redisMemoryPercent,
                    labels: inhibitionLabels(SIGNAL.redis),
                }),
            ],
        },
        ...(ctx.publicProbeJob ? [outsideGroup(s, ns, ctx.publicProbeJob, alert)] : []),
        absentDataGroup(ns, alert),
    ];
}

type AlertBuilder = (name: AlertName, severity: Severity, spec: { expr: string; forMinutes: number; summary: string;
    description: string; threshold?: number; labels?: Record<string, string> }) => Rule;

/**
 * The guide's health-check rule seen from outside, through the blackbox exporter: this is also the total-outage
 * alert (every pod down, or ingress, DNS or TLS broken), which no in-cluster signal sees.
 */
function outsideGroup(s: AlertSettings, ns: string, job: string, alert: AlertBuilder): RuleGroup {
    const probe = `${METRICS.probeSuccess}{${ns}, job="${job}"}`;
    const w = `${s.healthCheckWindowMinutes}m`;
    return {
        name: "fork-knife.outside",
        rules: [
            alert(ALERT.publicHealthCheckFailing, "critical", {
                // One raw sample per probe: samples minus successes counts failed probes exactly, with no subquery
                // whose resolution would count a failure twice or not at all.
                expr: `sum by (namespace, instance) (count_over_time(${probe}[${w}]) - sum_over_time(${probe}[${w}]))` +
                    ` >= ${s.healthCheckFailures}`,
                forMinutes: 0,
                summary: "Public health check failing from outside",
                description: `{{ $labels.instance }} failed at least ${s.healthCheckFailures} outside health checks in ` +
                    `${s.healthCheckWindowMinutes} minutes: users cannot reach the service (pods, ingress, DNS or TLS).`,
                threshold: s.healthCheckFailures,
                // The total-outage cause: silences the backend's ordinary alerts and its metrics-missing warning.
                labels: inhibitionLabels(SIGNAL.backend, true),
            }),
            alert(ALERT.healthProbeMetricsAbsent, "warning", {
                expr: `absent(${probe})`,
                forMinutes: FIXED.metricsMissingForMinutes,
                summary: "Outside health check is not running",
                description: "Prometheus has no probe_success series for the public health check ({{ $labels.namespace }}): " +
                    "the blackbox exporter or the Probe is missing, and a total outage would page nobody.",
                labels: inhibitionLabels(SIGNAL.probe, true),
            }),
        ],
    };
}

/** Alerts read exporters' series; when those are missing the alerts are silent, so say so instead. */
function absentDataGroup(ns: string, alert: AlertBuilder): RuleGroup {
    const absent = (...selectors: string[]) => selectors.map((sel) => `absent(${sel})`).join("\nor\n");
    const f = FIXED.metricsMissingForMinutes;
    return {
        name: "fork-knife.absent-data",
        rules: [
            alert(ALERT.kubeStateMetricsAbsent, "warning", {
                // The backup CronJob exists in every stack; without the allow-listed component label the backup
                // alerts cannot tell it apart, which is as blind as no kube-state-metrics at all.
                expr: absent(`${METRICS.ksmCronjobLabels}{${ns}, ${KSM_COMPONENT_LABEL}="backup"}`),
                forMinutes: f,
                summary: "kube-state-metrics series missing",
                description: "No kube_cronjob_labels series for the backup CronJob in {{ $labels.namespace }}: kube-state-metrics " +
                    "is down or does not allow-list app.kubernetes.io/component, so the backup, restore-test and migration alerts cannot fire.",
                labels: inhibitionLabels(SIGNAL.kubeStateMetrics, true),
            }),
            alert(ALERT.postgresMetricsAbsent, "warning", {
                expr: absent(`${METRICS.pgBackends}{${ns}}`, `${METRICS.pgMaxConnections}{${ns}}`),
                forMinutes: f,
                summary: "postgres_exporter series missing",
                description: "No postgres_exporter connection series in {{ $labels.namespace }}: the exporter is down or cannot " +
                    "reach the database, so ForkKnifeDatabaseConnectionsHigh cannot fire.",
                labels: inhibitionLabels(SIGNAL.postgres, true),
            }),
            alert(ALERT.redisMetricsAbsent, "warning", {
                // maxmemory 0 (unlimited) leaves the memory alert without a denominator: as blind as a missing series.
                expr: `label_replace(\n${absent(`${METRICS.redisMemoryUsed}{${ns}}`, `${METRICS.redisMemoryMax}{${ns}}`)}\n` +
                    `, "reason", "series-missing", "", "")\nor\n` +
                    `label_replace(max by (namespace) (${METRICS.redisMemoryMax}{${ns}}) == 0, "reason", "maxmemory-unset", "", "")`,
                forMinutes: f,
                summary: "Redis memory cannot be watched",
                description: "redis_exporter's memory series in {{ $labels.namespace }} are unusable ({{ $labels.reason }}): " +
                    "ForkKnifeRedisMemoryHigh cannot fire.",
                labels: inhibitionLabels(SIGNAL.redis, true),
            }),
        ],
    };
}

export type ThresholdKey = Exclude<keyof AlertSettings, "enabled" | "team">;

export interface GuideThreshold {
    /** The guide's value, which is also the default. */
    guide: number;
    /** Unit of the setting. */
    unit: "failures" | "minutes" | "percent" | "seconds" | "hours" | "jobs" | "jobs per minute";
    /** Direction in which a setting makes its alerts fire later or never: beyond the guide that way is looser. */
    looserWhen: "higher" | "lower";
    /** Alerts this setting moves. */
    alerts: AlertName[];
}

/** The guide's thresholds, for the policy pack's "alert rules no looser than the guide". */
export const GUIDE_THRESHOLDS: Record<ThresholdKey, GuideThreshold> = {
    healthCheckFailures: { guide: 3, unit: "failures", looserWhen: "higher", alerts: [ALERT.healthCheckFailing, ALERT.publicHealthCheckFailing] },
    healthCheckWindowMinutes: { guide: 5, unit: "minutes", looserWhen: "lower", alerts: [ALERT.healthCheckFailing, ALERT.publicHealthCheckFailing] },
    errorRatePercent: { guide: 5, unit: "percent", looserWhen: "higher", alerts: [ALERT.highErrorRate] },
    errorRateForMinutes: { guide: 5, unit: "minutes", looserWhen: "higher", alerts: [ALERT.highErrorRate] },
    databaseConnectionsPercent: { guide: 80, unit: "percent", looserWhen: "higher", alerts: [ALERT.databaseConnections] },
    diskUsagePercent: { guide: 85, unit: "percent", looserWhen: "higher", alerts: [ALERT.diskUsage] },
    p95LatencySeconds: { guide: 1, unit: "seconds", looserWhen: "higher", alerts: [ALERT.highLatency] },
    // The RPO (24 h) plus one run's start and finish (1 h starting deadline + 6 h Job deadline): recovery-objectives.ts.
    backupMaxAgeHours: { guide: BACKUP_MISSING_AFTER_HOURS, unit: "hours", looserWhen: "higher", alerts: [ALERT.backupMissing] },
    queueDepthWarning: { guide: 1000, unit: "jobs", looserWhen: "higher", alerts: [ALERT.queueDepth] },
    minJobsPerMinute: { guide: 1, unit: "jobs per minute", looserWhen: "lower", alerts: [ALERT.queueStalled] },
    redisMemoryPercent: { guide: 80, unit: "percent", looserWhen: "higher", alerts: [ALERT.redisMemory] },
};

/** One sentence per setting that is looser than the guide; empty when the settings hold the line. */
export function looserThanGuide(s: AlertSettings): string[] {
    return (Object.entries(GUIDE_THRESHOLDS) as [ThresholdKey, GuideThreshold][]).flatMap(([key, g]) => {
        const value = s[key];
        const looser = g.looserWhen === "higher" ? value > g.guide : value < g.guide;
        return looser
            ? [`alerts.${key} = ${value} ${g.unit} is looser than the guide's ${g.guide} (${g.alerts.join(", ")})`]
            : [];
    });
}
