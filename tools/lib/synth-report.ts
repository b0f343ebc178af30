// report.md of `npm run synth`: what was rendered, whether it is schema-valid, and every policy's verdict.
import type { SynthResult } from "../synth";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderReport(result: SynthResult, now: string): string {
    const kinds = new Map<string, number>();
    for (const m of result.manifests) kinds.set(`${m.apiVersion} ${m.kind}`, (kinds.get(`${m.apiVersion} ${m.kind}`) ?? 0) + 1);
    const lines: string[] = [
        `# Synth report: ${result.stack} (${result.environment})`,
        "",
        `Rendered offline under Pulumi mocks, rotation dates as of ${now}. Secret values are never read: they appear as placeholders.`,
        "",
        `**Result:** ${result.exitCode === 0 ? "clean" : "FAILED"} · ${result.manifests.length} Kubernetes objects · ` +
        `${result.schemaProblems.length} schema problem(s) · ` +
        `${result.policies.filter((p) => p.status === "fail").length} mandatory policy failure(s) · ` +
        `${result.policies.filter((p) => p.status === "warn").length} advisory warning(s)`,
        "",
        "## Objects",
        "",
        "| apiVersion kind | count |",
        "| --- | ---: |",
        ...[...kinds].sort().map(([k, n]) => `| ${k} | ${n} |`),
        "",
        "## Schema validation (kubernetes-models)",
        "",
        result.schemaProblems.length === 0
            ? "Every manifest is valid against its schema."
            : ["| object | problem |", "| --- | --- |", ...result.schemaProblems.map((p) => `| ${p.kind}/${p.name} | ${cell(p.message)} |`)].join("\n"),
        "",
        "## Policies",
        "",
        "| policy | checklist | enforcement | result | violations |",
        "| --- | --- | --- | --- | --- |",
        ...result.policies.map((p) => `| ${p.policy} | ${p.checklist} | ${p.enforcementLevel} | ${p.status} | ` +
            `${cell(p.violations.map((v) => v.message).join("; ")) || "—"} |`),
        "",
    ];
    return lines.join("\n");
}
