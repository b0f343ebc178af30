// The audit over what synth writes for the committed stacks: the same answers the rendered manifests give.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ANNOTATION, LABEL } from "../../components/lib/labels";
import { SecretKind } from "../../components/app/rotation";
import { MAX_AGE_DAYS } from "../../components/config/settings-schema";
import { auditCommand } from "../../tools/lib/audit-cli";
import { AuditReport } from "../../tools/lib/audit-report";
import { MOCK_SECRET_MARKER } from "../../tools/lib/program";
import { synth, SynthResult } from "../../tools/synth";
import { TODAY } from "../support/stacks";

// Typed by SecretKind: a new kind of credential does not compile here until its limit is listed.
const KIND_LIMIT: Record<SecretKind, number> = {
    "jwt": MAX_AGE_DAYS.jwt, "database-password": MAX_AGE_DAYS.databasePassword, "stripe": MAX_AGE_DAYS.stripe, "twilio": MAX_AGE_DAYS.twilio,
    "object-storage-key": MAX_AGE_DAYS.backupS3, "redis-password": MAX_AGE_DAYS.redis,
    "pagerduty-routing-key": MAX_AGE_DAYS.pagerdutyRoutingKey, "slack-webhook": MAX_AGE_DAYS.slackWebhook,
    "object-storage-prune-key": MAX_AGE_DAYS.backupPruneS3,
};

const tempDirs: string[] = [];
const removeTempDirs = () => { for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); };
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
}

/** The export's resources that are CronJobs carrying this component label (as `pulumi stack export` stores them). */
function isCronJob(r: any, component: string): boolean {
    const labels = (r.outputs?.metadata ?? r.inputs?.metadata)?.labels ?? {};
    return r.type === "kubernetes:batch/v1:CronJob" && labels[LABEL.component] === component;
}

for (const stack of ["staging", "production"] as const) {
    describe(`audit over synth's ${stack} export`, () => {
        let result: SynthResult;
        let exportFile: string;
        let report: AuditReport;
        let code: number;
        let markdown: string;
        const bodies = (kind: string, component?: string) => result.manifests
            .filter((m) => m.kind === kind && (component === undefined || m.body.metadata?.labels?.[LABEL.component] === component));

        before(async () => {
            result = await synth({ stack, now: TODAY, outDir: tempDir(`audit-synth-${stack}-`) });
            exportFile = path.join(result.outDir, "stack-export.json");
            // synth describes the committed configuration: no live status, so the audit is told so (--declared).
            const run = auditCommand([exportFile, "--now", TODAY, "--format", "json", "--declared"]);
            code = run.code;
            report = JSON.parse(run.stdout);
            markdown = auditCommand([exportFile, "--now", TODAY, "--declared"]).stdout;
        });
        after(removeTempDirs);

        /** synth's export without the CronJobs of one component, audited as the CLI would (markdown and JSON). */
        function auditWithout(component: string) {
            const doc = JSON.parse(fs.readFileSync(exportFile, "utf8"));
            const before = doc.deployment.resources.length;
            doc.deployment.resources = doc.deployment.resources.filter((r: any) => !isCronJob(r, component));
            assert.strictEqual(doc.deployment.resources.length, before - 1, `one ${component} CronJob in the export`);
            const file = path.join(tempDir(`audit-synth-${stack}-no-${component}-`), "stack-export.json");
            fs.writeFileSync(file, JSON.stringify(doc));
            const md = auditCommand([file, "--now", TODAY, "--declared"]);
            const js = auditCommand([file, "--now", TODAY, "--format", "json", "--declared"]);
            return { code: md.code, jsonCode: js.code, markdown: md.stdout, report: JSON.parse(js.stdout) as AuditReport };
        }

        it("the export as synth writes it passes: exit 0, no problems", () => {
            assert.deepStrictEqual(report.problems, []);
            assert.strictEqual(report.result, "pass");
            assert.strictEqual(code, 0);
            assert.match(markdown, /^\*\*Result: PASS\*\* — declared configuration only/m);
        });

        it("without --declared it is no pass: exit 1, the missing live status named, and the hint that this is synth's export", () => {
            const run = auditCommand([exportFile, "--now", TODAY, "--format", "json"]);
            assert.strictEqual(run.code, 1);
            const live = JSON.parse(run.stdout) as AuditReport;
            assert.strictEqual(live.problems.length, 1, live.problems.join("\n"));
            assert.match(live.problems[0], new RegExp(`^the export holds no live status for backup CronJob backup, restore-test CronJob restore-test, maintenance CronJob maintenance, ` +
                `migration Job ${(result.run.outputs.audit as any).release.migrationJob}: run pulumi refresh --stack ${stack} .*audit it with --declared\\)$`));
        });

        for (const component of ["backup", "restore-test"]) {
            it(`the export without its ${component} CronJob fails: exit 1 and the problem line`, () => {
                const run = auditWithout(component);
                const problem = `no ${component} CronJob (label ${LABEL.component}=${component})`;
                assert.deepStrictEqual([run.code, run.jsonCode], [1, 1]);
                assert.deepStrictEqual(run.report.problems, [problem]);
                assert.strictEqual(run.report.result, "fail");
                assert.ok(run.markdown.split("\n").includes(`- ${problem}`), run.markdown);
                assert.match(run.markdown, /\*\*Result: FAIL\*\* \(1 problem\)/);
                // Only the removed CronJob is gone from the report; the other one is still found.
                const other = component === "backup" ? run.report.restoreTests : run.report.backups;
                assert.strictEqual(other.length, 1);
                assert.strictEqual((component === "backup" ? run.report.backups : run.report.restoreTests).length, 0);
            });
        }

        it("reads every resource and names the stack", () => {
            assert.strictEqual(report.resourceCount, result.run.resources.length);
            assert.deepStrictEqual([report.project, report.stack], ["fork-knife", stack]);
        });

        it("finds every rotation-annotated Secret, with the guide's limit and the due date it implies", () => {
            const expected = bodies("Secret").filter((m) => m.body.metadata.annotations?.[ANNOTATION.secretKind]).map((m) => m.name).sort();
            assert.ok(expected.length > 0);
            assert.deepStrictEqual(report.secrets.map((s) => s.name).sort(), expected);
            for (const s of report.secrets) {
                assert.strictEqual(s.maxAgeDays, KIND_LIMIT[s.kind as SecretKind], s.name);
                const due = new Date(Date.parse(s.rotatedAt!) + s.maxAgeDays! * 86400000).toISOString().slice(0, 10);
                assert.ok(s.dueDate! <= due, `${s.name}: due ${s.dueDate}, rotated ${s.rotatedAt} + ${s.maxAgeDays}`);
                assert.strictEqual(s.status === "overdue", s.dueDate! < TODAY, s.name);
            }
        });

        it("reports the backup and restore-test CronJobs the manifests hold, with their schedules and time zones", () => {
            assert.deepStrictEqual(report.backups.map((b) => b.name).sort(), bodies("CronJob", "backup").map((m) => m.name).sort());
            assert.deepStrictEqual(report.restoreTests.map((b) => b.name).sort(), bodies("CronJob", "restore-test").map((m) => m.name).sort());
            assert.strictEqual(report.backups.length, 1);
            assert.strictEqual(report.restoreTests.length, 1);
            for (const [entries, component] of [[report.backups, "backup"], [report.restoreTests, "restore-test"]] as const) {
                for (const e of entries) {
                    const m = bodies("CronJob", component).find((x) => x.name === e.name)!;
                    assert.deepStrictEqual([e.schedule, e.timeZone, e.suspended], [m.body.spec.schedule, m.body.spec.timeZone, false]);
                    assert.ok(e.nextRun, `${e.name} has a next run`);
                }
            }
        });

        it("shows the release: the Deployments' image and the migration Job they wait for", () => {
            const audit = result.run.outputs.audit as any;
            assert.deepStrictEqual(report.release.migrations.map((m) => m.name), [audit.release.migrationJob]);
            assert.deepStrictEqual(report.release.workloads.map((w) => w.component).sort(), ["backend", "worker"]);
            for (const w of report.release.workloads) {
                assert.ok(w.images[0].includes(`:${audit.release.tag}`), w.images[0]);
                assert.strictEqual(w.migrationJob, audit.release.migrationJob);
            }
        });

        it("shows the scaling ranges the stack settings declare", () => {
            const scaling = (result.run.outputs.audit as any).scaling;
            for (const component of ["backend", "worker"]) {
                const hpa = report.scaling.find((s) => s.component === component)!;
                assert.deepStrictEqual([hpa.minReplicas, hpa.maxReplicas], [scaling[component].minReplicas, scaling[component].maxReplicas]);
            }
        });

        it("prints no secret value", () => {
            assert.doesNotMatch(markdown + JSON.stringify(report), new RegExp(`${MOCK_SECRET_MARKER}|SENTINEL|ciphertext`));
        });
    });
}
