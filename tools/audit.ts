// Auditor's report from `pulumi stack export` (or synth's stack-export.json). See docs/auditing.md.
import { auditCommand } from "./lib/audit-cli";

try {
    const run = auditCommand(process.argv.slice(2));
    process.stdout.write(run.stdout);
    process.stderr.write(run.stderr);
    process.exitCode = run.code;
} catch (e) {
    // A bug, not bad input: still one line, so nothing from the export is echoed with a stack trace.
    process.stderr.write(`audit: internal error: ${(e as Error).message.split("\n")[0]}\n`);
    process.exitCode = 2;
}
