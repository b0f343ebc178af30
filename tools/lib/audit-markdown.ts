// The audit report as Markdown: what an auditor reads in the weekly workflow's summary or attaches to evidence.
import { ANNOTATION } from "../../components/lib/labels";
import { AuditReport, DUE_SOON_DAYS, ScheduleEntry } from "./audit-report";

const cell = (v: unknown): string => (v === undefined || v === null || v === "" ? "—" : String(v).replace(/\|/g, "\\|").replace(/\r?\n/g, " "));

function table(head: string[], rows: unknown[][]): string[] {
    if (rows.length === 0) return ["_None._", ""];
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`), ""];
}

const STATUS: Record<string, string> = { "ok": "ok", "due-soon": "due soon", "overdue": "**OVERDUE**", "unknown": "**UNKNOWN**" };

function schedules(entries: ScheduleEntry[], withRetention: boolean): string[] {
    return table(
        ["CronJob", "Namespace", "Schedule", "Time zone", "Next run (UTC)", "Last success", ...(withRetention ? ["Retention (days)", "Target"] : []), "Suspended"],
        entries.map((e) => [e.name, e.namespace, e.schedule ? `\`${e.schedule}\`` : undefined, e.timeZone ?? "Etc/UTC (default)", e.nextRun,
            e.lastSuccess, ...(withRetention ? [e.retentionDays, e.target] : []), e.suspended ? "**yes**" : "no"]),
    );
}

export function renderMarkdown(report: AuditReport, source: string): string {
    const title = [report.project, report.stack].filter(Boolean).join(" / ") || "stack";
    const out: string[] = [
        `# Audit: ${title}`, "",
        `Source: \`${source}\` (${report.resourceCount} resources${report.exportedAt ? `, exported ${report.exportedAt}` : ""}). ` +
        `Audited as of ${report.now.slice(0, 10)}.`, "",
        `**Result: ${report.result.toUpperCase()}**${report.problems.length ? ` (${report.problems.length} problem${report.problems.length === 1 ? "" : "s"})` : ""}`, "",
    ];
    if (report.problems.length) out.push("## Problems", "", ...report.problems.map((p) => `- ${p}`), "");
    if (report.warnings.length) out.push("## Warnings", "", ...report.warnings.map((w) => `- ${w}`), "");
    out.push("## Secrets", "", `Due soon means within ${DUE_SOON_DAYS} days. Values are never read; dates come from the ` +
        `\`${ANNOTATION.rotatedAt}\` and \`${ANNOTATION.maxAgeDays}\` annotations and the guide's limits.`, "",
        ...table(["Secret", "Namespace", "Kind", "Rotated", "Max age (days)", "Due", "Days left", "Status", "Notes"],
            report.secrets.map((s) => [s.name, s.namespace, s.kind, s.rotatedAt, s.maxAgeDays, s.dueDate, s.daysLeft, STATUS[s.status], s.notes.join("; ")])));
    out.push("## Backups", "", ...schedules(report.backups, true));
    out.push("## Restore tests", "", ...schedules(report.restoreTests, false));
    out.push("## Release", "", ...table(["Workload", "Component", "Image", "Waits for migration Job"],
        report.release.workloads.map((w) => [w.name, w.component, w.images.join(", "), w.migrationJob])));
    out.push("Migration Jobs:", "", ...table(["Job", "Image", "Succeeded"],
        report.release.migrations.map((m) => [m.name, m.images.join(", "), m.succeeded === undefined ? "not recorded" : m.succeeded ? "yes" : "no"])));
    out.push("## Scaling", "", ...table(["HPA", "Component", "Target", "Min replicas", "Max replicas"],
        report.scaling.map((s) => [s.name, s.component, s.target, s.minReplicas, s.maxReplicas])));
    out.push("## Protected resources", "", ...table(["Resource", "Type"], report.protected.map((p) => [p.name, p.type])));
    out.push("## Resources missing required labels", "", ...table(["Resource", "Type", "Missing"],
        report.missingLabels.map((m) => [m.name, m.type, m.missing.join(", ")])));
    return out.join("\n");
}
