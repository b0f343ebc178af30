import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { auditCommand } from "../../tools/lib/audit-cli";
import { parseExport, SECRET_SIG, SECRET_SIG_KEY } from "../../tools/lib/audit-export";
import { AuditReport, buildReport } from "../../tools/lib/audit-report";
import { settingsSchema } from "../../components/config/settings-schema";
import { BACKUP_DEADLINE_SECONDS, BACKUP_STARTING_DEADLINE_SECONDS } from "../../components/data/recovery-objectives";
import { SECRET_SIG as PULUMI_SIG, SECRET_SIG_KEY as PULUMI_SIG_KEY } from "../../tools/lib/program";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "exports");
const fixture = (name: string) => path.join(FIXTURES, name);
const NOW = "2026-11-01";
const IMAGE = "ghcr.io/fork-knife/backend:2026.11.3@sha256:4f53cbd3b1b0a9d7e1c2f0a8e6b5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3";
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
            ["backend", [IMAGE], "migrate-2026-11-3-a1b2c3"],
            ["worker", [IMAGE], "migrate-2026-11-3-a1b2c3"],
        ]);
        assert.deepStrictEqual(report.release.migrations.map((m) => [m.name, m.succeeded, m.current]), [["migrate-2026-11-3-a1b2c3", true, true]]);
        assert.strictEqual(report.release.declaredImage, IMAGE);
        // 2026-10-31T02:04:12Z to 2026-11-01T00:00Z; the limit is the RPO plus the CronJob's 1 h starting and 6 h active deadlines.
        assert.deepStrictEqual(report.freshness.map((f) => [f.what, f.status, f.source, Math.round(f.ageHours! * 60), f.limitHours]), [
            ["backup", "ok", "CronJob pg-backup status.lastSuccessfulTime", 21 * 60 + 56, 31],
            ["restore-test", "ok", "CronJob pg-restore-test status.lastSuccessfulTime", 30 * 24 * 60 + 21 * 60 + 28, 92 * 24],
            // 2026-10-15T20:41:07Z: 16 days 3 h 19 min; a quarter plus its 10 min starting and 120 min active deadlines.
            ["maintenance", "ok", "CronJob maintenance status.lastSuccessfulTime", 16 * 24 * 60 + 3 * 60 + 19, 92 * 24 + 130 / 60],
        ]);
        assert.deepStrictEqual(report.maintenance.map((m) => [m.name, m.schedule, m.timeZone, m.liveStatus, m.suspended]),
            [["maintenance", "0 22 15 */3 *", "Europe/Berlin", true, false]]);
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
        // Backups age with --now too; this test is about the secret, so its lines are the ones compared.
        const secretProblems = (now: string) => (JSON.parse(auditCommand([fixture("one-due-soon.json"), "--now", now, "--format", "json"]).stdout) as AuditReport)
            .problems.filter((p) => p.startsWith("secret "));
        assert.deepStrictEqual(secretProblems("2026-11-10"), []);
        assert.deepStrictEqual(secretProblems("2026-11-11"), ["secret fork-knife-production/fork-knife-twilio (twilio) is overdue: due 2026-11-10, 1 days ago"]);
        assert.strictEqual(auditCommand([fixture("all-current.json"), "--now", "2026-10-31T12:00:00Z"]).code, 0);
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

/** An export fixture changed by `edit`, audited as of `now`. */
function edited(name: string, edit: (doc: any) => void, now = NOW): AuditReport {
    const doc = JSON.parse(fs.readFileSync(fixture(name), "utf8"));
    edit(doc);
    return buildReport(parseExport(JSON.stringify(doc)), new Date(now));
}
const byComponent = (doc: any, kind: string, component: string) => doc.deployment.resources.find((r: any) =>
    r.type.endsWith(`:${kind}`) && r.outputs?.metadata?.labels?.["app.kubernetes.io/component"] === component).outputs;

describe("audit: the refreshed state (live status)", () => {
    it("a backup 61 days old and a restore test 14 months old: exit 1, each line names the resource and its age", () => {
        const run = audit(fixture("stale-backup.json"));
        assert.strictEqual(run.code, 1, run.stdout);
        assert.match(run.stdout, /\*\*Result: FAIL\*\* \(2 problems\)/);
        const lines = run.stdout.split("\n");
        assert.ok(lines.includes("- newest successful backup is 61 days 3 h old (CronJob pg-backup status.lastSuccessfulTime = 2026-08-31T21:00:00Z); " +
            "limit 31 h: RPO 24 h (the guide's daily backup) + 7 h a run may take (its starting and active deadlines)"), run.stdout);
        assert.ok(lines.some((l) => /^- newest successful restore test is 425 days \d+ h old \(CronJob pg-restore-test status\.lastSuccessfulTime = 2025-09-01T02:31:40Z\); limit 92 days: a quarter \(the guide's quarterly restore test; the longest quarter has 92 days\)$/.test(l)), run.stdout);
        assert.match(run.stdout, /\| backup \| 2026-08-31T21:00:00Z \| CronJob pg-backup status.lastSuccessfulTime \| 61 days 3 h \| 31 h \|.*\*\*TOO OLD\*\* \|/);
    });

    it("a fresh one passes: exit 0, both recovery points ok", () => {
        const run = audit(fixture("all-current.json"));
        assert.strictEqual(run.code, 0, run.stdout);
        assert.match(run.stdout, /^\*\*Result: PASS\*\*$/m);
        assert.match(run.stdout, /\| backup \| 2026-10-31T02:04:12Z \| CronJob pg-backup status.lastSuccessfulTime \| 21 h \| 31 h \|.* \| ok \|/);
    });

    it("the backup limit is the RPO plus the run's deadlines: just inside passes, one second later fails", () => {
        const at = (now: string) => buildReport(parseExport(fs.readFileSync(fixture("all-current.json"), "utf8")), new Date(now)).freshness[0].status;
        assert.strictEqual(at("2026-11-01T09:04:12Z"), "ok"); // 31 h exactly
        assert.strictEqual(at("2026-11-01T09:04:13Z"), "stale");
        // Without declared deadlines the limit is the RPO itself.
        const bare = (now: string) => edited("all-current.json", (doc) => {
            const cron = byComponent(doc, "CronJob", "backup");
            delete cron.spec.startingDeadlineSeconds;
            delete cron.spec.jobTemplate.spec.activeDeadlineSeconds;
        }, now).freshness[0];
        assert.deepStrictEqual([bare("2026-11-01T02:04:12Z").status, bare("2026-11-01T02:04:12Z").limitHours], ["ok", 24]);
        assert.strictEqual(bare("2026-11-01T02:04:13Z").status, "stale");
    });

    it("one RPO figure: the audit's limit for the program's backup CronJob is the backup-missing alert's default, 31 h", () => {
        // The CronJob as backup-schedule.ts declares it (1 h starting deadline, 6 h Job deadline), read back from state.
        const limit = buildReport(parseExport(fs.readFileSync(fixture("all-current.json"), "utf8")), new Date(`${NOW}T00:00:00Z`)).freshness[0].limitHours;
        const alertDefault = settingsSchema("production", "production", new Date(`${NOW}T00:00:00Z`)).shape.alerts.parse(undefined).backupMaxAgeHours;
        assert.deepStrictEqual([limit, alertDefault], [31, 31]);
        assert.deepStrictEqual([BACKUP_STARTING_DEADLINE_SECONDS, BACKUP_DEADLINE_SECONDS], [3600, 21600]);
    });

    it("the restore test's limit is 92 days (the longest quarter) plus its deadlines: inside passes, outside fails", () => {
        const status = (now: string) => buildReport(parseExport(fs.readFileSync(fixture("all-current.json"), "utf8")), new Date(now)).freshness[1];
        // The fixture's restore-test CronJob declares no deadlines: exactly 92 days.
        assert.deepStrictEqual([status("2027-01-01T02:31:40Z").status, status("2027-01-01T02:31:40Z").limitHours], ["ok", 92 * 24]);
        assert.strictEqual(status("2027-01-01T02:31:41Z").status, "stale");
    });

    it("the quarterly maintenance: a fresh run passes, a stale one fails naming the CronJob and its age (exit 1)", () => {
        assert.strictEqual(audit(fixture("all-current.json")).code, 0);
        const doc = JSON.parse(fs.readFileSync(fixture("all-current.json"), "utf8"));
        byComponent(doc, "CronJob", "maintenance").status.lastSuccessfulTime = "2026-06-15T20:41:07Z";
        const run = auditCommand([tmpFile("stale-maintenance.json", JSON.stringify(doc)), "--now", NOW]);
        assert.strictEqual(run.code, 1, run.stdout);
        assert.match(run.stdout, /\*\*Result: FAIL\*\* \(1 problem\)/);
        assert.ok(run.stdout.split("\n").includes("- newest successful maintenance run is 138 days 3 h old (CronJob maintenance status.lastSuccessfulTime = " +
            "2026-06-15T20:41:07Z); limit 92 days 2 h: a quarter (the guide's quarterly database maintenance; the longest quarter has 92 days) " +
            "+ 2 h a run may take (its starting and active deadlines)"), run.stdout);
        assert.match(run.stdout, /\| maintenance \| 2026-06-15T20:41:07Z \| CronJob maintenance status.lastSuccessfulTime \| 138 days 3 h \| 92 days 2 h \|.*\*\*TOO OLD\*\* \|/);
        assert.match(run.stdout, /## Database maintenance\n\n\| CronJob \|.*\n.*\n\| maintenance \| fork-knife-production \| 0 22 15 \\\*\/3 \\\* \| Europe\/Berlin \|/);
    });

    it("the maintenance limit is 92 days plus its 10 min starting and 2 h active deadlines: just inside passes, one second later fails", () => {
        const at = (now: string) => buildReport(parseExport(fs.readFileSync(fixture("all-current.json"), "utf8")), new Date(now)).freshness[2];
        // 2026-10-15T20:41:07Z + 92 days = 2027-01-15T20:41:07Z, + 2 h 10 min.
        assert.deepStrictEqual([at("2027-01-15T22:51:07Z").what, at("2027-01-15T22:51:07Z").status], ["maintenance", "ok"]);
        assert.strictEqual(at("2027-01-15T22:51:08Z").status, "stale");
    });

    it("maintenance without live status says to refresh; none recorded, suspended or missing is a finding; a newer completed Job counts", () => {
        const noStatus = edited("all-current.json", (doc) => { delete byComponent(doc, "CronJob", "maintenance").status; });
        assert.deepStrictEqual([noStatus.result, noStatus.freshness[2].status], ["fail", "no-live-status"]);
        assert.deepStrictEqual(noStatus.problems, ["the export holds no live status for maintenance CronJob maintenance: run pulumi refresh --stack production " +
            "before pulumi stack export, then audit the new export"]);
        const never = edited("all-current.json", (doc) => { byComponent(doc, "CronJob", "maintenance").status = {}; });
        assert.deepStrictEqual(never.problems, ["no successful maintenance run is recorded (no maintenance CronJob status.lastSuccessfulTime, no completed maintenance Job)"]);
        const suspended = edited("all-current.json", (doc) => { byComponent(doc, "CronJob", "maintenance").spec.suspend = true; });
        assert.deepStrictEqual(suspended.problems, ["maintenance CronJob maintenance is suspended"]);
        const missing = edited("all-current.json", (doc) => {
            doc.deployment.resources = doc.deployment.resources.filter((r: any) => r.outputs?.metadata?.labels?.["app.kubernetes.io/component"] !== "maintenance");
        });
        assert.deepStrictEqual(missing.problems, ["no maintenance CronJob (label app.kubernetes.io/component=maintenance)"]);
        // A Job created by hand from the CronJob (kubectl create job --from=cronjob/maintenance) carries its labels and counts.
        const manual = edited("all-current.json", (doc) => {
            byComponent(doc, "CronJob", "maintenance").status.lastSuccessfulTime = "2026-06-15T20:41:07Z";
            doc.deployment.resources.push({
                urn: "urn:pulumi:production::fork-knife::kubernetes:batch/v1:Job::maintenance-manual", custom: true, type: "kubernetes:batch/v1:Job",
                outputs: { metadata: { name: "maintenance-manual", labels: { "app.kubernetes.io/component": "maintenance" } },
                    status: { succeeded: 1, completionTime: "2026-10-20T09:00:00Z" } },
            });
        });
        assert.deepStrictEqual([manual.result, manual.freshness[2].status, manual.freshness[2].source], ["pass", "ok", "Job maintenance-manual status.completionTime"]);
    });

    it("a newer completed backup Job counts when the CronJob's status is older or empty; a failed Job does not", () => {
        const job = (name: string, component: string, status: Record<string, unknown>) => ({
            urn: `urn:pulumi:production::fork-knife::kubernetes:batch/v1:Job::${name}`, custom: true, type: "kubernetes:batch/v1:Job",
            outputs: { metadata: { name, namespace: "fork-knife-production", labels: { "app.kubernetes.io/component": component } }, status },
        });
        const report = edited("stale-backup.json", (doc) => {
            byComponent(doc, "CronJob", "backup").status = {};
            doc.deployment.resources.push(
                job("pre-migration-backup-2026-11-3", "pre-migration-backup", { succeeded: 1, completionTime: "2026-10-31T20:00:00Z" }),
                job("backup-manual-1", "backup", { failed: 1, completionTime: "2026-10-31T23:00:00Z" }),
                job("backup-manual-0", "backup", { conditions: [{ type: "Complete", status: "True" }], completionTime: "2026-10-30T23:00:00Z" }));
        });
        assert.deepStrictEqual([report.freshness[0].status, report.freshness[0].source], ["ok", "Job pre-migration-backup-2026-11-3 status.completionTime"]);
        // A backup CronJob that never succeeded and no completed Job: its own problem.
        const none = edited("all-current.json", (doc) => { byComponent(doc, "CronJob", "backup").status = { lastScheduleTime: "2026-10-31T02:00:00Z" }; });
        assert.ok(none.problems.includes("no successful backup is recorded (no backup CronJob status.lastSuccessfulTime, no completed backup Job)"), none.problems.join("\n"));
    });

    it("an export without live status (no pulumi refresh): exit 1, one problem that says to refresh, never a pass", () => {
        const run = audit(fixture("no-status.json"));
        assert.strictEqual(run.code, 1);
        const { report } = json(fixture("no-status.json"));
        assert.deepStrictEqual(report.problems, ["the export holds no live status for backup CronJob pg-backup, restore-test CronJob pg-restore-test, maintenance CronJob maintenance, " +
            "migration Job migrate-2026-11-3-a1b2c3: run pulumi refresh --stack production before pulumi stack export, then audit the new export"]);
        assert.deepStrictEqual(report.freshness.map((f) => f.status), ["no-live-status", "no-live-status", "no-live-status"]);
        assert.match(run.stdout, /run pulumi refresh --stack production before pulumi stack export/);
        assert.match(run.stdout, /\| pg-backup \|.*\| \*\*no\*\* \(export without `pulumi refresh`\) \|/);
    });

    it("--declared audits the declared configuration only, and its result line says so", () => {
        const run = audit(fixture("no-status.json"), "--declared");
        assert.strictEqual(run.code, 0, run.stdout);
        assert.match(run.stdout, /^\*\*Result: PASS\*\* — declared configuration only \(`--declared`\): nothing live was checked$/m);
        assert.doesNotMatch(run.stdout, /## Recovery points/);
        // Declared-only still fails on what the declaration shows.
        assert.strictEqual(audit(fixture("one-overdue.json"), "--declared").code, 1);
    });

    it("the current release's migration Job must have completed and be in the state", () => {
        const failed = edited("all-current.json", (doc) => { byComponent(doc, "Job", "migration").status = { failed: 1 }; });
        assert.deepStrictEqual(failed.problems, ["migration Job migrate-2026-11-3-a1b2c3 of the current release has not completed (status.succeeded is not above 0)"]);
        const gone = edited("all-current.json", (doc) => {
            doc.deployment.resources = doc.deployment.resources.filter((r: any) => r.outputs?.metadata?.labels?.["app.kubernetes.io/component"] !== "migration");
        });
        assert.deepStrictEqual(gone.problems, ["migration Job migrate-2026-11-3-a1b2c3 of the current release is not in the state"]);
        // An old release's Job that failed long ago is history, not a problem.
        const old = edited("all-current.json", (doc) => {
            const current = doc.deployment.resources.find((r: any) => r.outputs?.metadata?.labels?.["app.kubernetes.io/component"] === "migration");
            const copy = JSON.parse(JSON.stringify(current));
            copy.urn += "-old";
            copy.outputs.metadata.name = "migrate-2026-10-1-ffffff";
            copy.outputs.status = { failed: 1 };
            doc.deployment.resources.push(copy);
        });
        assert.deepStrictEqual(old.problems, []);
    });

    it("the deployed image must equal the declared digest", () => {
        const other = "ghcr.io/fork-knife/backend:2026.11.3@sha256:" + "0".repeat(64);
        const drifted = edited("all-current.json", (doc) => { byComponent(doc, "Deployment", "worker").spec.template.spec.containers[0].image = other; });
        assert.deepStrictEqual(drifted.problems, [`worker Deployment worker runs ${other}, not the declared ${IMAGE}`]);
        const unknown = edited("all-current.json", (doc) => { delete doc.deployment.resources[0].outputs.audit; });
        assert.deepStrictEqual(unknown.problems, ["the Stack has no audit.image output: the declared image is unknown, so the deployed one cannot be checked"]);
        const unpinned = edited("all-current.json", (doc) => {
            doc.deployment.resources[0].outputs.audit.image = "ghcr.io/fork-knife/backend:2026.11.3";
            for (const c of ["backend", "worker"]) byComponent(doc, "Deployment", c).spec.template.spec.containers[0].image = "ghcr.io/fork-knife/backend:2026.11.3";
        });
        assert.deepStrictEqual(unpinned.problems, []);
        assert.ok(unpinned.warnings.some((w) => w.includes("is not pinned to a digest")), unpinned.warnings.join("\n"));
    });
});

describe("audit: values from the state are inert in Markdown", () => {
    const run = audit(fixture("hostile-values.json"));
    const lines = run.stdout.split("\n");

    it("HTML comes out as text", () => {
        assert.doesNotMatch(run.stdout, /<img|<script/i);
        assert.match(run.stdout, /&lt;img src=x onerror=alert\(document\.domain\)&gt;/);
        assert.match(run.stdout, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    });

    it("no value fakes the result line, starts a line, or opens a link or code span", () => {
        assert.strictEqual(run.code, 1);
        assert.deepStrictEqual(lines.filter((l) => /Result:/.test(l) && !/\\\*\\\*Result: PASS\\\*\\\*/.test(l)), [`**Result: FAIL** (1 problem)`]);
        assert.ok(lines.includes("- restore-test CronJob nightly  \\*\\*Result: PASS\\*\\*  is suspended"), run.stdout);
        assert.ok(!lines.some((l) => /^\s*(\*\*|[-*] \*\*)Result: PASS/.test(l)), run.stdout);
        assert.match(run.stdout, /\\\[click\\\]\(https/);
        assert.match(run.stdout, /\\`x\\` \\\| y/);
        // The multi-line name is one table row.
        assert.ok(lines.some((l) => /^\| nightly {2}\\\*\\\*Result: PASS\\\*\\\* {2}\| fork-knife-production \|/.test(l)), run.stdout);
    });

    it("the JSON format keeps values as they are (JSON has no markup to fake)", () => {
        const report = JSON.parse(audit(fixture("hostile-values.json"), "--format", "json").stdout) as AuditReport;
        assert.strictEqual(report.backups[0].name, "<img src=x onerror=alert(document.domain)>");
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
