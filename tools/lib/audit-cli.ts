// `npm run audit -- EXPORT.json [--format markdown|json] [--now DATE]`: exit 0 when the stack passes,
// 1 when a secret is overdue, backups, restore tests or maintenance runs are missing or too old, the release did not complete,
// or the export holds no live status (taken without `pulumi refresh`); 2 when the input or the arguments are
// wrong (one line on stderr, never a stack trace). `--declared` audits synth's export of the committed
// configuration, which has no live status, and says in the result line that nothing live was checked.
import { parseArgs } from "util";
import { parseIsoDate } from "../../components/config/validators";
import { ExportError, readExport } from "./audit-export";
import { renderMarkdown } from "./audit-markdown";
import { buildReport } from "./audit-report";

export interface AuditRun { code: 0 | 1 | 2; stdout: string; stderr: string }

const USAGE = "usage: npm run audit -- EXPORT.json [--format markdown|json] [--now YYYY-MM-DD] [--declared]";

export function auditCommand(argv: string[], clock: () => Date = () => new Date()): AuditRun {
    const fail = (message: string): AuditRun => ({ code: 2, stdout: "", stderr: `audit: ${message}\n` });
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: {
            format: { type: "string", default: "markdown" }, now: { type: "string" },
            // synth's export (the committed configuration) has no live status: judge only what is declared, and say so.
            declared: { type: "boolean", default: false },
        } });
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
        report = buildReport(readExport(file), now, { declaredOnly: values.declared === true });
    } catch (e) {
        if (e instanceof ExportError) return fail(`${file}: ${e.message}`);
        throw e;
    }
    const stdout = values.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : `${renderMarkdown(report, file)}\n`;
    return { code: report.result === "pass" ? 0 : 1, stdout, stderr: "" };
}
