import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditCommand } from "../../tools/lib/audit-cli";
import { parseExport, SECRET_SIG, SECRET_SIG_KEY } from "../../tools/lib/audit-export";
import { AuditReport, buildReport } from "../../tools/lib/audit-report";
import { SECRET_SIG as PULUMI_SIG, SECRET_SIG_KEY as PULUMI_SIG_KEY } from "../../tools/lib/program";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "exports");
const fixture = (name: string) => path.join(FIXTURES, name);
const NOW = "2026-11-01";
const LEAKS = /PLAINTEXTMARKER|CIPHERTEXTMARKER|sk_live|c2VjcmV0|"ciphertext"|"plaintext"/;

function audit(file: string, ...extra: string[]) {
    return auditCommand([file, "--now", NOW, ...extra]);
}
function json(file: string): { code: number; report: AuditReport } {
    const run = audit(file, "--format", "json");
    return { code: run.code, report: JSON.parse(run.stdout) };
}
const tempDirs: string[] = [];
function tmpFile(name: string, text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
    tempDirs.push(dir);
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
}
const removeTempDirs = () => { for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); };
const statuses = (r: AuditReport) => Object.fromEntries(r.secrets.map((s) => [s.kind, s.status]));

describe("audit: hand-written exports", () => {
    it("uses Pulumi's own secret marker", () => {
        assert.strictEqual(SECRET_SIG_KEY, PULUMI_SIG_KEY);
        assert.strictEqual(SECRET_SIG, PULUMI_SIG);
    });

    it("all current: every secret ok with its due date, backups and restore tests found, exit 0", () => {
        const { code, report } = json(fixture("all-current.json"));
        assert.strictEqual(code, 0);
        assert.strictEqual(report.result, "pass");
        assert.deepStrictEqual(statuses(report), { "jwt": "ok", "database-password": "ok", "stripe": "ok", "twilio": "ok" });
        const jwt = report.secrets.find((s) => s.kind === "jwt")!;
        assert.deepStrictEqual([jwt.rotatedAt, jwt.maxAgeDays, jwt.dueDate, jwt.daysLeft], ["2026-10-01", 90, "2026-12-30", 59]);
        assert.deepStrictEqual(report.backups.map((b) => [b.schedule, b.timeZone, b.retentionDays, b.target]),
            [["0 3 * * *", "Europe/Berlin", 30, "s3://fork-knife-backups/production"]]);
        // 03:00 in Berlin is 02:00 UTC in November (CET).
        assert.strictEqual(report.backups[0].nextRun, "2026-11-01T02:00:00.000Z");
        assert.deepStrictEqual(report.restoreTests.map((t) => [t.schedule, t.timeZone]), [["0 4 1 */3 *", "Europe/Berlin"]]);
        assert.deepStrictEqual(report.release.workloads.map((w) => [w.component, w.images, w.migrationJob]), [
            ["backend", ["ghcr.io/fork-knife/backend:2026.11.3"], "migrate-2026-11-3-a1b2c3"],
            ["worker", ["ghcr.io/fork-knife/backend:2026.11.3"], "migrate-2026-11-3-a1b2c3"],
        ]);
        assert.deepStrictEqual(report.release.migrations.map((m) => [m.name, m.succeeded]), [["migrate-2026-11-3-a1b2c3", true]]);
        assert.deepStrictEqual(report.scaling.map((s) => [s.component, s.minReplicas, s.maxReplicas]), [["backend", 3, 10], ["worker", 2, 6]]);
        assert.deepStrictEqual(report.protected.map((p) => p.type), ["kubernetes:core/v1:Namespace", "kubernetes:core/v1:PersistentVolumeClaim"]);
        assert.deepStrictEqual(report.missingLabels.map((m) => [m.name, m.missing.length]), [["hand-made", 4]]);
        assert.deepStrictEqual([report.project, report.stack], ["fork-knife", "production"]);
    });

    it("one due soon: a warning with the days left, still exit 0", () => {
        const { code, report } = json(fixture("one-due-soon.json"));
        assert.strictEqual(code, 0);
        assert.deepStrictEqual(statuses(report), { "jwt": "ok", "database-password": "ok", "stripe": "ok", "twilio": "due-soon" });
        assert.ok(report.warnings.some((w) => w.includes("fork-knife-twilio (twilio) is due in 9 days (2026-11-10)")), report.warnings.join("\n"));
    });

    it("one overdue: exit 1 and the problem names the secret and its due date", () => {
        const run = audit(fixture("one-overdue.json"));
        assert.strictEqual(run.code, 1);
        assert.match(run.stdout, /\*\*Result: FAIL\*\* \(1 problem\)/);
        assert.match(run.stdout, /fork-knife-jwt \(jwt\) is overdue: due 2026-09-29, 33 days ago/);
        assert.match(run.stdout, /\| fork-knife-jwt \| fork-knife-production \| jwt \| 2026-07-01 \| 90 \| 2026-09-29 \| -33 \| \*\*OVERDUE\*\* \|/);
    });

    it("turns due-soon into overdue as --now moves past the due date", () => {
        assert.strictEqual(auditCommand([fixture("one-due-soon.json"), "--now", "2026-11-10"]).code, 0);
        assert.strictEqual(auditCommand([fixture("one-due-soon.json"), "--now", "2026-11-11"]).code, 1);
        assert.strictEqual(auditCommand([fixture("all-current.json"), "--now", "2026-10-16"]).code, 0);
    });

    it("no backup CronJob: exit 1", () => {
        const { code, report } = json(fixture("no-backup.json"));
        assert.strictEqual(code, 1);
        assert.deepStrictEqual(report.problems, ["no backup CronJob (label app.kubernetes.io/component=backup)"]);
        assert.strictEqual(report.restoreTests.length, 1);
    });

    it("finds resources by labels and annotations, not by names", () => {
        const text = fs.readFileSync(fixture("all-current.json"), "utf8");
        const renamed = text.replace(/::([a-z-]+)"/g, "::x-$1-renamed\"").replace(/"name": "(pg-backup|pg-restore-test|fork-knife-jwt)"/g, "\"name\": \"zz-$1\"");
        const report = buildReport(parseExport(renamed), new Date(NOW));
        assert.strictEqual(report.result, "pass");
        assert.deepStrictEqual(report.backups.map((b) => b.name), ["zz-pg-backup"]);
        // A CronJob called "backup" without the backup label is not a backup.
        const unlabelled = text.replace('"app.kubernetes.io/component": "backup", "app.kubernetes.io/part-of": "fork-knife",\n              "app.kubernetes.io/managed-by": "pulumi", "fork-knife.io/environment": "production" },\n            "annotations": { "fork-knife.io/retention-days"',
            '"app.kubernetes.io/component": "nightly", "app.kubernetes.io/part-of": "fork-knife",\n              "app.kubernetes.io/managed-by": "pulumi", "fork-knife.io/environment": "production" },\n            "annotations": { "fork-knife.io/retention-days"');
        assert.notStrictEqual(unlabelled, text);
        assert.deepStrictEqual(buildReport(parseExport(unlabelled), new Date(NOW)).problems, ["no backup CronJob (label app.kubernetes.io/component=backup)"]);
    });

    it("fails on a missing restore test, a suspended backup and a secret without a rotation date", () => {
        const doc = JSON.parse(fs.readFileSync(fixture("all-current.json"), "utf8"));
        const rs: any[] = doc.deployment.resources;
        doc.deployment.resources = rs.filter((r) => r.outputs?.metadata?.labels?.["app.kubernetes.io/component"] !== "restore-test");
        doc.deployment.resources.find((r: any) => r.outputs?.metadata?.name === "pg-backup").outputs.spec.suspend = true;
        delete doc.deployment.resources.find((r: any) => r.outputs?.metadata?.name === "fork-knife-db").outputs.metadata.annotations["fork-knife.io/rotated-at"];
        const report = buildReport(parseExport(JSON.stringify(doc)), new Date(NOW));
        assert.deepStrictEqual(report.problems.sort(), [
            "backup CronJob pg-backup is suspended",
            "no restore-test CronJob (label app.kubernetes.io/component=restore-test)",
            "secret fork-knife-production/fork-knife-db (database-password): rotation cannot be checked (no rotated-at annotation)",
        ]);
    });

    it("holds a secret to the guide's limit when its annotation allows longer", () => {
        const text = fs.readFileSync(fixture("all-current.json"), "utf8")
            .replace('"fork-knife.io/secret-kind": "jwt", "fork-knife.io/rotated-at": "2026-10-01", "fork-knife.io/max-age-days": "90"',
                '"fork-knife.io/secret-kind": "jwt", "fork-knife.io/rotated-at": "2026-07-01", "fork-knife.io/max-age-days": "400"');
        const jwt = buildReport(parseExport(text), new Date(NOW)).secrets.find((s) => s.kind === "jwt")!;
        assert.deepStrictEqual([jwt.maxAgeDays, jwt.status], [90, "overdue"]);
        assert.match(jwt.notes.join(), /exceeds the guide's 90/);
    });

    it("never prints secret values, encrypted or in plain text, in either format", () => {
        for (const file of ["all-current.json", "plaintext-secrets.json", "one-overdue.json"]) {
            const source = fs.readFileSync(fixture(file), "utf8");
            assert.match(source, /PLAINTEXTMARKER|CIPHERTEXTMARKER/);
            for (const format of ["markdown", "json"]) {
                const run = audit(fixture(file), "--format", format);
                assert.doesNotMatch(run.stdout + run.stderr, LEAKS, `${file} ${format}`);
            }
        }
        const { code, report } = json(fixture("plaintext-secrets.json"));
        assert.strictEqual(code, 0);
        assert.strictEqual(report.secrets.length, 4);
    });
});

describe("audit: bad input", () => {
    after(removeTempDirs);

    const cases: [string, RegExp][] = [
        ["truncated.json", /^audit: .*truncated\.json: not valid JSON: it ends early \(truncated\?\)\n$/],
        ["version-2.json", /^audit: .*version-2\.json: deployment version 2 is not supported: expected 3/],
        ["not-an-export.json", /^audit: .*not-an-export\.json: not a Pulumi stack export/],
    ];
    for (const [file, message] of cases) {
        it(`${file}: exit 2, one line, nothing from the file`, () => {
            const run = audit(fixture(file));
            assert.strictEqual(run.code, 2);
            assert.strictEqual(run.stdout, "");
            assert.match(run.stderr, message);
            assert.strictEqual(run.stderr.trim().split("\n").length, 1);
            assert.doesNotMatch(run.stderr, LEAKS);
        });
    }

    it("a syntax error in the middle is reported by position, not by quoting the text around it", () => {
        const text = fs.readFileSync(fixture("plaintext-secrets.json"), "utf8").replace('"PLAINTEXTMARKER02', '"PLAINTEXTMARKER02" ]');
        const run = auditCommand([tmpFile("broken.json", text), "--now", NOW]);
        assert.strictEqual(run.code, 2);
        assert.match(run.stderr, /not valid JSON: syntax error/);
        assert.doesNotMatch(run.stderr, LEAKS);
    });

    it("a missing file, a resource without urn, bad --now and --format: exit 2 with a one-line reason", () => {
        assert.match(audit(path.join(FIXTURES, "nope.json")).stderr, /cannot read .*nope\.json: ENOENT/);
        const noUrn = tmpFile("x.json", JSON.stringify({ version: 3, deployment: { resources: [{ type: "pulumi:pulumi:Stack" }] } }));
        assert.match(audit(noUrn).stderr, /resource #1 has no urn or type/);
        assert.match(auditCommand([fixture("all-current.json"), "--now", "yesterday"]).stderr, /--now yesterday: must be an ISO 8601 date/);
        assert.match(audit(fixture("all-current.json"), "--format", "html").stderr, /--format html: must be markdown or json/);
        assert.match(auditCommand([]).stderr, /expected one export file, got 0/);
        for (const run of [audit(noUrn), auditCommand([])]) assert.strictEqual(run.code, 2);
    });

    it("the npm script: exit codes 1 and 2, no stack trace", function () {
        this.timeout(120000);
        const npm = (file: string) => spawnSync("npm", ["run", "--silent", "audit", "--", file, "--now", NOW], { cwd: ROOT, encoding: "utf8" });
        const overdue = npm(fixture("one-overdue.json"));
        assert.strictEqual(overdue.status, 1, overdue.stderr);
        assert.match(overdue.stdout, /is overdue/);
        const truncated = npm(fixture("truncated.json"));
        assert.strictEqual(truncated.status, 2);
        assert.strictEqual(truncated.stderr.trim().split("\n").length, 1, truncated.stderr);
        assert.doesNotMatch(truncated.stderr, /\bat .*\.ts:\d+/);
    });
});
