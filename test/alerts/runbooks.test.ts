// Every alert's runbook_url must land on a runbook: a heading in docs/runbook.md whose GitHub anchor is the URL's
// fragment.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ALERT, alertRuleGroups, METRICS, PUBLIC_PROBE_JOB, RUNBOOK_BASE, runbookAnchor } from "../../components/monitoring/alert-rules";
import { settingsSchema } from "../../components/config/settings-schema";

const DOCS = path.join(__dirname, "..", "..", "docs");

/** GitHub's heading anchor: lower case, punctuation other than - and _ dropped, spaces to -. */
function githubAnchor(heading: string): string {
    return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function section(text: string, title: string): string {
    const start = text.indexOf(`\n## ${title}\n`);
    assert.ok(start >= 0, `no "## ${title}" section`);
    const next = text.indexOf("\n## ", start + 1);
    return next < 0 ? text.slice(start) : text.slice(start, next);
}

describe("alert runbooks", () => {
    const incident = `\n${fs.readFileSync(path.join(DOCS, "runbook.md"), "utf8")}`;
    const runbooks = new Map(incident.split(/\n## /).slice(1).map((block) => {
        const [heading, ...body] = block.split("\n");
        return [githubAnchor(heading), body.join("\n").trim()] as const;
    }));

    it("has one runbook per alert in docs/runbook.md, at the anchor its runbook_url names", () => {
        // The URLs as Prometheus will carry them: from the rendered rules, not from the helper that builds them.
        const defaults = settingsSchema("production", "production", new Date("2026-11-25")).shape.alerts.parse(undefined);
        const rules = alertRuleGroups(defaults, { namespace: "ns", environment: "production", backendJob: "svc", backendContainer: "backend",
            publicProbeJob: PUBLIC_PROBE_JOB })
            .flatMap((g) => g.rules).filter((r) => "alert" in r && r.alert);
        assert.strictEqual(new Set(rules.map((r: any) => r.alert)).size, Object.values(ALERT).length);
        for (const rule of rules as any[]) {
            const [base, fragment] = String(rule.annotations.runbook_url).split("#");
            assert.strictEqual(base, RUNBOOK_BASE, `${rule.alert} points at docs/runbook.md`);
            assert.ok(runbooks.has(fragment), `${rule.alert}: no runbook heading at #${fragment}`);
        }
        for (const alert of Object.values(ALERT)) {
            const body = runbooks.get(runbookAnchor(alert));
            assert.ok(body !== undefined, `no runbook heading for ${alert} (#${runbookAnchor(alert)})`);
            assert.ok(body.length > 200, `the runbook for ${alert} says too little`);
        }
        assert.strictEqual(runbooks.size, Object.values(ALERT).length, "no runbook without an alert");
    });

    it("lists the stable anchors", () => {
        const listed = [...incident.matchAll(/`#([a-z0-9-]+)`/g)].map((m) => m[1]).sort();
        assert.deepStrictEqual(listed, Object.values(ALERT).map(runbookAnchor).sort());
    });

    it("documents every metric name the rules read", () => {
        const monitoring = section(`\n${fs.readFileSync(path.join(DOCS, "operations.md"), "utf8")}`, "Monitoring and alerts");
        for (const metric of Object.values(METRICS)) assert.ok(monitoring.includes(`\`${metric}`), `${metric} is not documented`);
    });
});
