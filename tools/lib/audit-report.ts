// What an auditor asks of a stack, answered from its state: secrets and their due dates, backups and
// restore tests, the running release, scaling ranges, protected resources, and resources without the
// labels everything else relies on. Resources are found by labels and annotations (DESIGN.md), never by name.
import { CronExpressionParser } from "cron-parser";
import { ANNOTATION, LABEL } from "../../components/lib/labels";
import { MAX_AGE_BY_KIND } from "../../components/app/rotation-limits";
import { addDays, DAY_MS, isoDay, parseIsoDate } from "../../components/config/validators";
import { at, list, num, StackState, StateResource, str, stringMap, urnName } from "./audit-export";

/** A secret due within this many days is reported as due soon (a warning, not a failure). */
export const DUE_SOON_DAYS = 14;

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
}
export interface WorkloadEntry { component: string; name: string; images: string[]; migrationJob?: string }
export interface MigrationEntry { name: string; images: string[]; succeeded?: boolean }
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
    release: { workloads: WorkloadEntry[]; migrations: MigrationEntry[] };
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
            nextRun = CronExpressionParser.parse(schedule, { currentDate: now, tz: timeZone ?? "Etc/UTC" }).next().toISOString() ?? undefined;
        } catch { /* reported as a problem by the caller through the missing nextRun */ }
    }
    const retention = Number(k.annotations[ANNOTATION.retentionDays]);
    return {
        component: k.labels[LABEL.component], name: k.name, namespace: k.namespace, schedule, timeZone, nextRun,
        lastSuccess: str(s, "status", "lastSuccessfulTime"),
        retentionDays: Number.isInteger(retention) && retention > 0 ? retention : undefined,
        target: k.annotations[ANNOTATION.backupTarget],
        suspended: at(s, "spec", "suspend") === true,
    };
}

const images = (k: K8s, ...podSpec: string[]) =>
    list(k.r.state, ...podSpec, "containers").map((_, i) => str(k.r.state, ...podSpec, "containers", i, "image") ?? "[not readable]");

export function buildReport(state: StackState, now: Date): AuditReport {
    const report: AuditReport = {
        project: state.project, stack: state.stack, exportedAt: state.exportedAt, now: now.toISOString(),
        resourceCount: state.resources.length, result: "pass", problems: [], warnings: [], secrets: [], backups: [],
        restoreTests: [], release: { workloads: [], migrations: [] }, scaling: [], protected: [], missingLabels: [],
    };
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
        else if (k.kind === "Job" && component === "migration") {
            const succeeded = num(r.state, "status", "succeeded");
            report.release.migrations.push({ name: k.name, images: images(k, "spec", "template", "spec"), succeeded: succeeded === undefined ? undefined : succeeded > 0 });
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
    judge(report);
    return report;
}

function judge(report: AuditReport): void {
    const { problems, warnings } = report;
    for (const s of report.secrets) {
        const where = `secret ${s.namespace ? `${s.namespace}/` : ""}${s.name} (${s.kind})`;
        if (s.status === "overdue") problems.push(`${where} is overdue: due ${s.dueDate}, ${-s.daysLeft!} days ago`);
        if (s.status === "unknown") problems.push(`${where}: rotation cannot be checked (${s.notes.join("; ")})`);
        if (s.status === "due-soon") warnings.push(`${where} is due in ${s.daysLeft} days (${s.dueDate})`);
    }
    if (report.secrets.length === 0) warnings.push(`no Secret carries the ${ANNOTATION.secretKind} annotation: rotation cannot be audited`);
    for (const [what, entries] of [["backup", report.backups], ["restore-test", report.restoreTests]] as const) {
        if (entries.length === 0) problems.push(`no ${what} CronJob (label ${LABEL.component}=${what})`);
        for (const e of entries) {
            if (e.suspended) problems.push(`${what} CronJob ${e.name} is suspended`);
            if (!e.nextRun) problems.push(`${what} CronJob ${e.name} has no valid schedule (${e.schedule ?? "none"} in ${e.timeZone ?? "Etc/UTC"})`);
        }
    }
    for (const b of report.backups) if (b.retentionDays === undefined) warnings.push(`backup CronJob ${b.name} does not declare its retention (${ANNOTATION.retentionDays})`);
    if (report.missingLabels.length > 0) warnings.push(`${report.missingLabels.length} Kubernetes resource(s) lack required labels`);
    report.result = problems.length > 0 ? "fail" : "pass";
}
