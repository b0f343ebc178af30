// `npm run audit -- EXPORT.json [--format markdown|json] [--now DATE]`: exit 0 when the stack passes,
// 1 when a secret is overdue or backups or restore tests are missing, 2 when the input or the arguments
// are wrong (one line on stderr, never a stack trace).
import { parseArgs } from "util";
import { parseIsoDate } from "../../components/config/validators";
import { ExportError, readExport } from "./audit-export";
import { renderMarkdown } from "./audit-markdown";
import { buildReport } from "./audit-report";

export interface AuditRun { code: 0 | 1 | 2; stdout: string; stderr: string }

const USAGE = "usage: npm run audit -- EXPORT.json [--format markdown|json] [--now YYYY-MM-DD]";

export function auditCommand(argv: string[], clock: () => Date = () => new Date()): AuditRun {
    const fail = (message: string): AuditRun => ({ code: 2, stdout: "", stderr: `audit: ${message}\n` });
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: { format: { type: "string", default: "markdown" }, now: { type: "string" } } });
    } catch (e) {
        return fail(`${(e as Error).message.split("\n")[0]}\n${USAGE}`);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) return fail(`expected one export file, got ${positionals.length}\n${USAGE}`);
    if (values.format !== "markdown" && values.format !== "json") return fail(`--format ${values.format}: must be markdown or json`);
    let now = clock();
    if (values.now !== undefined) {
        const d = parseIsoDate(values.now);
        if (typeof d === "string") return fail(`--now ${values.now}: must be ${d}`);
        now = d;
    }
    const file = positionals[0];
    let report;
    try {
        report = buildReport(readExport(file), now);
    } catch (e) {
        if (e instanceof ExportError) return fail(`${file}: ${e.message}`);
        throw e;
    }
    const stdout = values.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : `${renderMarkdown(report, file)}\n`;
    return { code: report.result === "pass" ? 0 : 1, stdout, stderr: "" };
}
