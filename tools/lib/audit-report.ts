// What an auditor asks of a stack, answered from its state: secrets and their due dates, backups and
// restore tests, the running release, scaling ranges, protected resources, and resources without the
// labels everything else relies on. Resources are found by labels and annotations (DESIGN.md), never by name.
import { CronExpressionParser } from "cron-parser";
import { ANNOTATION, LABEL } from "../../components/lib/labels";
import { MAX_AGE_BY_KIND } from "../../components/app/rotation-limits";
import { addDays, cronZone, DAY_MS, isoDay, parseIsoDate } from "../../components/config/validators";
import { maxSuccessAgeHours, QUARTER_DAYS, RPO_HOURS } from "../../components/data/recovery-objectives";
import { at, list, num, StackState, StateResource, str, stringMap, urnName } from "./audit-export";

/** A secret due within this many days is reported as due soon (a warning, not a failure). */
export const DUE_SOON_DAYS = 14;

const HOUR_MS = 3_600_000;

/** Components whose completed Jobs count as backups, and as restore tests. */
const BACKUP_JOB_COMPONENTS = ["backup", "pre-migration-backup"];
const RESTORE_TEST_JOB_COMPONENTS = ["restore-test"];
const MAINTENANCE_JOB_COMPONENTS = ["maintenance"];

export type SecretStatus = "ok" | "due-soon" | "overdue" | "unknown";

export interface SecretEntry {
    name: string; namespace?: string; kind: string;
    rotatedAt?: string; maxAgeDays?: number; dueDate?: string; daysLeft?: number;
    status: SecretStatus; notes: string[];
}
export interface ScheduleEntry {
    component: string; name: string; namespace?: string;
    schedule?: string; timeZone?: string; nextRun?: string; lastSuccess?: string;
    retentionDays?: number; target?: string; suspended: boolean;
    /** Whether the export holds the CronJob's live status (it does after `pulumi refresh`). */
    liveStatus: boolean;
    /** The CronJob's startingDeadlineSeconds and its Job's activeDeadlineSeconds (0 when not declared). */
    startingDeadlineSeconds: number;
    activeDeadlineSeconds: number;
}

/** The newest successful run of a schedule, from its CronJob's status or from a completed Job in the state. */
export interface FreshnessEntry {
    what: "backup" | "restore-test" | "maintenance";
    /** ISO time of the newest success, or undefined when none is recorded. */
    newest?: string;
    /** Where it was read: `CronJob <name> status.lastSuccessfulTime` or `Job <name> status.completionTime`. */
    source?: string;
    ageHours?: number;
    limitHours: number;
    /** How the limit is made up, in words. */
    limitBasis: string;
    status: "ok" | "stale" | "none" | "no-live-status";
}
export interface WorkloadEntry { component: string; name: string; images: string[]; migrationJob?: string }
export interface MigrationEntry { name: string; images: string[]; succeeded?: boolean; liveStatus: boolean; current: boolean }
export interface ScalingEntry { component: string; name: string; target?: string; minReplicas?: number; maxReplicas?: number }
export interface ResourceRef { type: string; name: string; urn: string }

export interface AuditReport {
    project?: string; stack?: string; exportedAt?: string; now: string; resourceCount: number;
    result: "pass" | "fail";
    /** Why the audit fails (exit 1). */
    problems: string[];
    /** What an auditor should look at, without failing the audit. */
    warnings: string[];
    secrets: SecretEntry[];
    backups: ScheduleEntry[];
    restoreTests: ScheduleEntry[];
    /** The guide's quarterly database maintenance (REINDEX, ANALYZE): the CronJob labelled component=maintenance. */
    maintenance: ScheduleEntry[];
    /** Whether live checks were skipped on request (`--declared`, for synth's export of the committed config). */
    declaredOnly: boolean;
    freshness: FreshnessEntry[];
    /** The release the stack declares (its `audit` outputs), and the running workloads and migration Jobs. */
    release: { declaredImage?: string; migrationJob?: string; workloads: WorkloadEntry[]; migrations: MigrationEntry[] };
    scaling: ScalingEntry[];
    protected: ResourceRef[];
    missingLabels: (ResourceRef & { missing: string[] })[];
}

const REQUIRED_LABELS = [LABEL.name, LABEL.component, LABEL.partOf, LABEL.managedBy, LABEL.environment];

interface K8s { r: StateResource; kind: string; name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string> }

function k8sView(r: StateResource): K8s | undefined {
    if (!r.custom || !r.type.startsWith("kubernetes:")) return undefined;
    return {
        r,
        kind: r.type.slice(r.type.lastIndexOf(":") + 1),
        name: str(r.state, "metadata", "name") ?? urnName(r.urn),
        namespace: str(r.state, "metadata", "namespace"),
        labels: stringMap(r.state, "metadata", "labels"),
        annotations: stringMap(r.state, "metadata", "annotations"),
    };
}

export function secretEntry(k: K8s, now: Date): SecretEntry {
    const a = k.annotations;
    const kind = a[ANNOTATION.secretKind];
    const notes: string[] = [];
    const rotated = a[ANNOTATION.rotatedAt] === undefined ? undefined : parseIsoDate(a[ANNOTATION.rotatedAt]);
    const annotatedMax = a[ANNOTATION.maxAgeDays] === undefined ? undefined : Number(a[ANNOTATION.maxAgeDays]);
    const guideMax = (MAX_AGE_BY_KIND as Record<string, number>)[kind];
    let maxAgeDays = annotatedMax !== undefined && Number.isInteger(annotatedMax) && annotatedMax > 0 ? annotatedMax : undefined;
    if (annotatedMax !== undefined && maxAgeDays === undefined) notes.push(`max-age-days "${a[ANNOTATION.maxAgeDays]}" is not a number of days`);
    if (guideMax !== undefined && (maxAgeDays === undefined || maxAgeDays > guideMax)) {
        if (maxAgeDays !== undefined) notes.push(`annotated max age ${maxAgeDays} days exceeds the guide's ${guideMax}; the guide's limit applies`);
        maxAgeDays = guideMax;
    }
    const entry: SecretEntry = { name: k.name, namespace: k.namespace, kind, maxAgeDays, status: "unknown", notes };
    if (rotated === undefined) notes.push("no rotated-at annotation");
    else if (typeof rotated === "string") notes.push(`rotated-at "${a[ANNOTATION.rotatedAt]}" is not ${rotated}`);
    else entry.rotatedAt = isoDay(rotated);
    if (typeof rotated !== "object" || maxAgeDays === undefined) {
        if (maxAgeDays === undefined) notes.push("no max age: unknown kind without a max-age-days annotation");
        return entry;
    }
    let due = addDays(rotated, maxAgeDays);
    const annotatedDue = a[ANNOTATION.nextRotationDue] === undefined ? undefined : parseIsoDate(a[ANNOTATION.nextRotationDue]);
    if (annotatedDue instanceof Date && isoDay(annotatedDue) !== isoDay(due)) {
        notes.push(`next-rotation-due annotation says ${isoDay(annotatedDue)}; the earlier date applies`);
        if (annotatedDue < due) due = annotatedDue;
    }
    entry.dueDate = isoDay(due);
    entry.daysLeft = Math.floor((due.getTime() - now.getTime()) / DAY_MS);
    entry.status = due.getTime() < now.getTime() ? "overdue" : entry.daysLeft <= DUE_SOON_DAYS ? "due-soon" : "ok";
    return entry;
}

function scheduleEntry(k: K8s, now: Date): ScheduleEntry {
    const s = k.r.state;
    const schedule = str(s, "spec", "schedule");
    const timeZone = str(s, "spec", "timeZone");
    let nextRun: string | undefined;
    if (schedule) {
        try {
            nextRun = CronExpressionParser.parse(schedule, { currentDate: now, tz: cronZone(timeZone ?? "Etc/UTC") }).next().toISOString() ?? undefined;
        } catch { /* reported as a problem by the caller through the missing nextRun */ }
    }
    const retention = Number(k.annotations[ANNOTATION.retentionDays]);
    return {
        component: k.labels[LABEL.component], name: k.name, namespace: k.namespace, schedule, timeZone, nextRun,
        lastSuccess: str(s, "status", "lastSuccessfulTime"),
        retentionDays: Number.isInteger(retention) && retention > 0 ? retention : undefined,
        target: k.annotations[ANNOTATION.backupTarget],
        suspended: at(s, "spec", "suspend") === true,
        liveStatus: at(s, "status") !== undefined && typeof at(s, "status") === "object",
        startingDeadlineSeconds: num(s, "spec", "startingDeadlineSeconds") ?? 0,
        activeDeadlineSeconds: num(s, "spec", "jobTemplate", "spec", "activeDeadlineSeconds") ?? 0,
    };
}

/** A Job's completion time when it succeeded, else undefined. */
function completedAt(k: K8s): string | undefined {
    const s = k.r.state;
    const succeeded = (num(s, "status", "succeeded") ?? 0) > 0 ||
        list(s, "status", "conditions").some((_, i) => str(s, "status", "conditions", i, "type") === "Complete" && str(s, "status", "conditions", i, "status") === "True");
    const time = str(s, "status", "completionTime");
    return succeeded && time !== undefined && !Number.isNaN(Date.parse(time)) ? time : undefined;
}

const images = (k: K8s, ...podSpec: string[]) =>
    list(k.r.state, ...podSpec, "containers").map((_, i) => str(k.r.state, ...podSpec, "containers", i, "image") ?? "[not readable]");

export interface BuildOptions {
    /** Skip the checks that need live status (synth's export of the committed configuration has none). */
    declaredOnly?: boolean;
}

export function buildReport(state: StackState, now: Date, options: BuildOptions = {}): AuditReport {
    const stackOutputs = state.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.state;
    const report: AuditReport = {
        project: state.project, stack: state.stack, exportedAt: state.exportedAt, now: now.toISOString(),
        resourceCount: state.resources.length, result: "pass", problems: [], warnings: [], secrets: [], backups: [],
        restoreTests: [], maintenance: [], declaredOnly: options.declaredOnly === true, freshness: [],
        release: { declaredImage: str(stackOutputs, "audit", "image"), migrationJob: str(stackOutputs, "audit", "release", "migrationJob"), workloads: [], migrations: [] },
        scaling: [], protected: [], missingLabels: [],
    };
    const completedJobs: { component: string; name: string; time: string }[] = [];
    for (const r of state.resources) {
        if (r.protect) report.protected.push({ type: r.type, name: urnName(r.urn), urn: r.urn });
        const k = k8sView(r);
        if (!k) continue;
        const missing = REQUIRED_LABELS.filter((l) => !k.labels[l]);
        if (missing.length > 0) report.missingLabels.push({ type: r.type, name: k.name, urn: r.urn, missing });
        const component = k.labels[LABEL.component];
        if (k.kind === "Secret" && k.annotations[ANNOTATION.secretKind] !== undefined) report.secrets.push(secretEntry(k, now));
        else if (k.kind === "CronJob" && component === "backup") report.backups.push(scheduleEntry(k, now));
        else if (k.kind === "CronJob" && component === "restore-test") report.restoreTests.push(scheduleEntry(k, now));
        else if (k.kind === "CronJob" && component === "maintenance") report.maintenance.push(scheduleEntry(k, now));
        else if (k.kind === "Job" && component === "migration") {
            const succeeded = num(r.state, "status", "succeeded");
            report.release.migrations.push({
                name: k.name, images: images(k, "spec", "template", "spec"), succeeded: succeeded === undefined ? undefined : succeeded > 0,
                liveStatus: typeof at(r.state, "status") === "object", current: false,
            });
        } else if (k.kind === "Job") {
            const time = completedAt(k);
            if (time !== undefined) completedJobs.push({ component, name: k.name, time });
        } else if (k.kind === "Deployment" || k.kind === "StatefulSet") {
            report.release.workloads.push({
                component, name: k.name, images: images(k, "spec", "template", "spec"),
                migrationJob: str(r.state, "spec", "template", "metadata", "annotations", ANNOTATION.migrationJob),
            });
        } else if (k.kind === "HorizontalPodAutoscaler") {
            report.scaling.push({
                component, name: k.name, target: str(r.state, "spec", "scaleTargetRef", "name"),
                minReplicas: num(r.state, "spec", "minReplicas") ?? 1, maxReplicas: num(r.state, "spec", "maxReplicas"),
            });
        }
    }
    // The current release's migration Job: the one the Stack's outputs name, else the one the Deployments wait for.
    const current = report.release.migrationJob ?? report.release.workloads.find((w) => w.migrationJob)?.migrationJob;
    for (const m of report.release.migrations) m.current = m.name === current;
    report.release.migrationJob = current;
    if (!report.declaredOnly) {
        report.freshness = [
            freshness("backup", report.backups, completedJobs.filter((j) => BACKUP_JOB_COMPONENTS.includes(j.component)), RPO_HOURS,
                `RPO ${RPO_HOURS} h (the guide's daily backup)`, now),
            freshness("restore-test", report.restoreTests, completedJobs.filter((j) => RESTORE_TEST_JOB_COMPONENTS.includes(j.component)),
                QUARTER_DAYS * 24, `a quarter (the guide's quarterly restore test; the longest quarter has ${QUARTER_DAYS} days)`, now),
            freshness("maintenance", report.maintenance, completedJobs.filter((j) => MAINTENANCE_JOB_COMPONENTS.includes(j.component)),
                QUARTER_DAYS * 24, `a quarter (the guide's quarterly database maintenance; the longest quarter has ${QUARTER_DAYS} days)`, now),
        ];
    }
    judge(report, state.writer);
    return report;
}

/**
 * The newest success among the CronJobs' `status.lastSuccessfulTime` and the completed Jobs of the same kind,
 * judged against `baseHours` plus the longest time a run may take (its CronJob's starting and active deadlines), by
 * the same derivation as the backup-missing alert's default (components/data/recovery-objectives.ts).
 */
function freshness(what: FreshnessEntry["what"], cronJobs: ScheduleEntry[], jobs: { name: string; time: string }[],
    baseHours: number, basis: string, now: Date): FreshnessEntry {
    const limitHours = Math.max(baseHours, ...cronJobs.map((c) => maxSuccessAgeHours(baseHours, c.startingDeadlineSeconds, c.activeDeadlineSeconds)));
    const allowance = limitHours - baseHours;
    const limitBasis = allowance > 0 ? `${basis} + ${formatHours(allowance)} a run may take (its starting and active deadlines)` : basis;
    const candidates = [
        ...cronJobs.filter((c) => c.lastSuccess !== undefined && !Number.isNaN(Date.parse(c.lastSuccess)))
            .map((c) => ({ time: c.lastSuccess!, source: `CronJob ${c.name} status.lastSuccessfulTime` })),
        ...jobs.map((j) => ({ time: j.time, source: `Job ${j.name} status.completionTime` })),
    ].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    const newest = candidates[0];
    if (!newest) {
        const live = cronJobs.every((c) => c.liveStatus);
        return { what, limitHours, limitBasis, status: live ? "none" : "no-live-status" };
    }
    const ageHours = (now.getTime() - Date.parse(newest.time)) / HOUR_MS;
    return { what, newest: newest.time, source: newest.source, ageHours, limitHours, limitBasis, status: ageHours > limitHours ? "stale" : "ok" };
}

/** "7 h", "61 days 3 h": ages people read at a glance (whole hours, rounded down). */
export function formatHours(hours: number): string {
    const whole = Math.floor(hours);
    if (whole < 48) return `${whole} h`;
    const days = Math.floor(whole / 24);
    return `${days} days${whole % 24 ? ` ${whole % 24} h` : ""}`;
}

function judge(report: AuditReport, writer: string | undefined): void {
    const { problems, warnings } = report;
    for (const s of report.secrets) {
        const where = `secret ${s.namespace ? `${s.namespace}/` : ""}${s.name} (${s.kind})`;
        if (s.status === "overdue") problems.push(`${where} is overdue: due ${s.dueDate}, ${-s.daysLeft!} days ago`);
        if (s.status === "unknown") problems.push(`${where}: rotation cannot be checked (${s.notes.join("; ")})`);
        if (s.status === "due-soon") warnings.push(`${where} is due in ${s.daysLeft} days (${s.dueDate})`);
    }
    if (report.secrets.length === 0) warnings.push(`no Secret carries the ${ANNOTATION.secretKind} annotation: rotation cannot be audited`);
    for (const [what, entries] of [["backup", report.backups], ["restore-test", report.restoreTests], ["maintenance", report.maintenance]] as const) {
        if (entries.length === 0) problems.push(`no ${what} CronJob (label ${LABEL.component}=${what})`);
        for (const e of entries) {
            if (e.suspended) problems.push(`${what} CronJob ${e.name} is suspended`);
            if (!e.nextRun) problems.push(`${what} CronJob ${e.name} has no valid schedule (${e.schedule ?? "none"} in ${e.timeZone ?? "Etc/UTC"})`);
        }
    }
    if (!report.declaredOnly) judgeLive(report, writer);
    else warnings.push("declared configuration only (--declared): the age of the newest backup and restore test, the migration Job and the deployed image were not checked");
    for (const b of report.backups) if (b.retentionDays === undefined) warnings.push(`backup CronJob ${b.name} does not declare its retention (${ANNOTATION.retentionDays})`);
    if (report.missingLabels.length > 0) warnings.push(`${report.missingLabels.length} Kubernetes resource(s) lack required labels`);
    report.result = problems.length > 0 ? "fail" : "pass";
}

/** The checks that need the live state of a refreshed stack. */
function judgeLive(report: AuditReport, writer: string | undefined): void {
    const { problems, warnings } = report;
    // Without live status an old backup looks the same as a fresh one: that is a finding of its own, never a pass.
    const blind = [
        ...[...report.backups, ...report.restoreTests, ...report.maintenance].filter((c) => !c.liveStatus).map((c) => `${c.component} CronJob ${c.name}`),
        ...report.release.migrations.filter((m) => m.current && !m.liveStatus).map((m) => `migration Job ${m.name}`),
    ];
    if (blind.length > 0) {
        problems.push(`the export holds no live status for ${blind.join(", ")}: run pulumi refresh --stack ${report.stack ?? "<stack>"} ` +
            "before pulumi stack export, then audit the new export" +
            (writer === "fork-knife-synth" ? " (this is synth's export of the declared configuration: audit it with --declared)" : ""));
    }
    const cronJobsOf = { "backup": report.backups, "restore-test": report.restoreTests, "maintenance": report.maintenance };
    for (const f of report.freshness) {
        const label = f.what === "backup" ? "backup" : f.what === "restore-test" ? "restore test" : "maintenance run";
        if (f.status === "stale") {
            problems.push(`newest successful ${label} is ${formatHours(f.ageHours!)} old (${f.source} = ${f.newest}); ` +
                `limit ${formatHours(f.limitHours)}: ${f.limitBasis}`);
        } else if (f.status === "none" && cronJobsOf[f.what].length > 0) {
            problems.push(`no successful ${label} is recorded (no ${f.what} CronJob status.lastSuccessfulTime, no completed ${f.what} Job)`);
        }
    }
    const current = report.release.migrationJob;
    const job = report.release.migrations.find((m) => m.current);
    if (current === undefined) warnings.push("the current release names no migration Job (Stack output audit.release.migrationJob)");
    else if (!job) problems.push(`migration Job ${current} of the current release is not in the state`);
    else if (job.liveStatus && job.succeeded !== true) problems.push(`migration Job ${current} of the current release has not completed (status.succeeded is not above 0)`);

    const declared = report.release.declaredImage;
    if (declared === undefined) {
        problems.push("the Stack has no audit.image output: the declared image is unknown, so the deployed one cannot be checked");
        return;
    }
    if (!/@sha256:[0-9a-f]{64}$/.test(declared)) warnings.push(`the declared image ${declared} is not pinned to a digest: the deployed image cannot be proven`);
    for (const w of report.release.workloads.filter((x) => x.component === "backend" || x.component === "worker")) {
        const other = w.images.filter((i) => i !== declared);
        if (other.length > 0) problems.push(`${w.component} Deployment ${w.name} runs ${other.join(", ")}, not the declared ${declared}`);
    }
}
