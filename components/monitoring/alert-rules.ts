// The guide's "Key Metrics to Monitor" and "Set Up Alerts" as Prometheus rule groups: a pure function of the
// alert settings, so the Alerts component and the promtool tests render exactly the same rules.
import type { Environment, ParsedSettings } from "../config/settings-schema";
import { BACKUP_DEADLINE_SECONDS, BACKUP_MISSING_AFTER_HOURS, RPO_HOURS } from "../data/recovery-objectives";

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
} as const;

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
} as const;
export type AlertName = (typeof ALERT)[keyof typeof ALERT];

/** page: wake someone up; critical: the team's alert channel now; warning: the team looks during work hours. */
export type Severity = "page" | "critical" | "warning";

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
        description: string; threshold?: number }): Rule => ({
        alert: name,
        expr: spec.expr,
        ...(spec.forMinutes > 0 ? { for: `${spec.forMinutes}m` } : {}),
        labels: { severity, team: s.team, environment: ctx.environment },
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
                alert(ALERT.healthCheckFailing, "page", {
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
                        `${s.backupMaxAgeHours} hours (default: the RPO of ${RPO_HOURS} h plus the backup Job's ` +
                        `${BACKUP_DEADLINE_SECONDS / 3600} h deadline).`,
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
            ],
        },
    ];
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
    healthCheckFailures: { guide: 3, unit: "failures", looserWhen: "higher", alerts: [ALERT.healthCheckFailing] },
    healthCheckWindowMinutes: { guide: 5, unit: "minutes", looserWhen: "lower", alerts: [ALERT.healthCheckFailing] },
    errorRatePercent: { guide: 5, unit: "percent", looserWhen: "higher", alerts: [ALERT.highErrorRate] },
    errorRateForMinutes: { guide: 5, unit: "minutes", looserWhen: "higher", alerts: [ALERT.highErrorRate] },
    databaseConnectionsPercent: { guide: 80, unit: "percent", looserWhen: "higher", alerts: [ALERT.databaseConnections] },
    diskUsagePercent: { guide: 85, unit: "percent", looserWhen: "higher", alerts: [ALERT.diskUsage] },
    p95LatencySeconds: { guide: 1, unit: "seconds", looserWhen: "higher", alerts: [ALERT.highLatency] },
    // The RPO (24 h) plus the backup Job's deadline (6 h): the latest two healthy daily runs may finish that far apart.
    backupMaxAgeHours: { guide: BACKUP_MISSING_AFTER_HOURS, unit: "hours", looserWhen: "higher", alerts: [ALERT.backupMissing] },
    queueDepthWarning: { guide: 1000, unit: "jobs", looserWhen: "higher", alerts: [ALERT.queueDepth] },
    minJobsPerMinute: { guide: 1, unit: "jobs per minute", looserWhen: "lower", alerts: [ALERT.queueStalled] },
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
