// The audit report as Markdown: what an auditor reads in the weekly workflow's summary or attaches to evidence.
//
// Every value that comes from the state (names, images, schedules, annotations, the project and stack names) is
// attacker-controlled as far as this report is concerned: anyone who can label a Kubernetes object or name a
// resource writes into it. `text()` makes such a value inert: no HTML (a rendered `<img>` in a job summary), no
// emphasis, links or code spans, and never a line break, so no value can start a line of its own and fake
// "**Result: PASS**". Only this file's own literals carry Markdown.
import { ANNOTATION } from "../../components/lib/labels";
import { AuditReport, DUE_SOON_DAYS, formatHours, FreshnessEntry, ScheduleEntry } from "./audit-report";

const HTML: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "\"": "&quot;" };

/** A value from the state as inert Markdown text on one line. */
export function text(v: unknown): string {
    return String(v)
        // Line and paragraph breaks of every kind, and other control characters, become a space.
        .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
        .replace(/[<>&"]/g, (c) => HTML[c])
        // Characters that open inline Markdown: emphasis, code spans, links and images, table cells, math,
        // strikethrough. Line-start constructs (headings, lists, quotes) cannot occur: no value starts a line.
        .replace(/[\\`*_[\]|~$]/g, (c) => `\\${c}`);
}

const cell = (v: unknown): string => (v === undefined || v === null || v === "" ? "—" : text(v));

/** A cell the renderer itself formats (a status word): the only cells not escaped. */
class Markup { constructor(readonly md: string) {} }
const raw = (md: string) => new Markup(md);
const rowCell = (v: unknown): string => (v instanceof Markup ? v.md : cell(v));

function table(head: string[], rows: unknown[][]): string[] {
    if (rows.length === 0) return ["_None._", ""];
    return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(rowCell).join(" | ")} |`), ""];
}

const STATUS: Record<string, string> = { "ok": "ok", "due-soon": "due soon", "overdue": "**OVERDUE**", "unknown": "**UNKNOWN**" };
const FRESHNESS: Record<FreshnessEntry["status"], string> = {
    "ok": "ok", "stale": "**TOO OLD**", "none": "**NONE RECORDED**", "no-live-status": "**NO LIVE STATUS**",
};

function schedules(entries: ScheduleEntry[], withRetention: boolean): string[] {
    return table(
        ["CronJob", "Namespace", "Schedule", "Time zone", "Next run (UTC)", "Last success", "Live status", ...(withRetention ? ["Retention (days)", "Target"] : []), "Suspended"],
        entries.map((e) => [e.name, e.namespace, e.schedule, e.timeZone ?? "Etc/UTC (default)", e.nextRun,
            e.lastSuccess, raw(e.liveStatus ? "yes" : "**no** (export without `pulumi refresh`)"),
            ...(withRetention ? [e.retentionDays, e.target] : []), raw(e.suspended ? "**yes**" : "no")]),
    );
}

export function renderMarkdown(report: AuditReport, source: string): string {
    const title = [report.project, report.stack].filter(Boolean).map(text).join(" / ") || "stack";
    const verdict = `**Result: ${report.result.toUpperCase()}**` +
        (report.problems.length ? ` (${report.problems.length} problem${report.problems.length === 1 ? "" : "s"})` : "") +
        (report.declaredOnly ? " — declared configuration only (`--declared`): nothing live was checked" : "");
    const out: string[] = [
        `# Audit: ${title}`, "",
        `Source: ${text(source)} (${report.resourceCount} resources${report.exportedAt ? `, exported ${text(report.exportedAt)}` : ""}). ` +
        `Audited as of ${report.now.slice(0, 10)}.`, "",
        verdict, "",
    ];
    if (report.problems.length) out.push("## Problems", "", ...report.problems.map((p) => `- ${text(p)}`), "");
    if (report.warnings.length) out.push("## Warnings", "", ...report.warnings.map((w) => `- ${text(w)}`), "");
    out.push("## Secrets", "", `Due soon means within ${DUE_SOON_DAYS} days. Values are never read; dates come from the ` +
        `\`${ANNOTATION.rotatedAt}\` and \`${ANNOTATION.maxAgeDays}\` annotations and the guide's limits.`, "",
        ...table(["Secret", "Namespace", "Kind", "Rotated", "Max age (days)", "Due", "Days left", "Status", "Notes"],
            report.secrets.map((s) => [s.name, s.namespace, s.kind, s.rotatedAt, s.maxAgeDays, s.dueDate, s.daysLeft, raw(STATUS[s.status]), s.notes.join("; ")])));
    if (!report.declaredOnly) {
        out.push("## Recovery points", "", "The newest success of each, from the CronJobs' `status.lastSuccessfulTime` or the newest " +
            "completed Job of the same kind, whichever is newer (docs/auditing.md).", "",
            ...table(["What", "Newest success", "Read from", "Age", "Limit", "Limit from", "Status"],
                report.freshness.map((f) => [f.what, f.newest, f.source, f.ageHours === undefined ? undefined : formatHours(f.ageHours),
                    formatHours(f.limitHours), f.limitBasis, raw(FRESHNESS[f.status])])));
    }
    out.push("## Backups", "", ...schedules(report.backups, true));
    out.push("## Restore tests", "", ...schedules(report.restoreTests, false));
    out.push("## Database maintenance", "", ...schedules(report.maintenance, false));
    out.push("## Release", "", `Declared image: ${cell(report.release.declaredImage)}. Migration Job of this release: ${cell(report.release.migrationJob)}.`, "",
        ...table(["Workload", "Component", "Image", "Waits for migration Job"],
            report.release.workloads.map((w) => [w.name, w.component, w.images.join(", "), w.migrationJob])));
    out.push("Migration Jobs:", "", ...table(["Job", "Image", "Current release", "Succeeded"],
        report.release.migrations.map((m) => [m.name, m.images.join(", "), raw(m.current ? "yes" : "no"),
            raw(!m.liveStatus ? "not recorded (no live status)" : m.succeeded ? "yes" : "**no**")])));
    out.push("## Scaling", "", ...table(["HPA", "Component", "Target", "Min replicas", "Max replicas"],
        report.scaling.map((s) => [s.name, s.component, s.target, s.minReplicas, s.maxReplicas])));
    out.push("## Protected resources", "", ...table(["Resource", "Type"], report.protected.map((p) => [p.name, p.type])));
    out.push("## Resources missing required labels", "", ...table(["Resource", "Type", "Missing"],
        report.missingLabels.map((m) => [m.name, m.type, m.missing.join(", ")])));
    return out.join("\n");
}
