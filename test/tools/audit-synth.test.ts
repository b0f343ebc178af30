// The audit over what synth writes for the committed stacks: the same answers the rendered manifests give.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ANNOTATION, LABEL } from "../../components/labels";
import { MAX_AGE_DAYS } from "../../components/settings-schema";
import { auditCommand } from "../../tools/lib/audit-cli";
import { AuditReport } from "../../tools/lib/audit-report";
import { MOCK_SECRET_MARKER } from "../../tools/lib/program";
import { synth, SynthResult } from "../../tools/synth";
import { TODAY } from "../support/stacks";

const KIND_LIMIT: Record<string, number> = {
    "jwt": MAX_AGE_DAYS.jwt, "database-password": MAX_AGE_DAYS.databasePassword, "stripe": MAX_AGE_DAYS.stripe, "twilio": MAX_AGE_DAYS.twilio,
};

for (const stack of ["staging", "production"] as const) {
    describe(`audit over synth's ${stack} export`, () => {
        let result: SynthResult;
        let report: AuditReport;
        let code: number;
        let markdown: string;
        const bodies = (kind: string, component?: string) => result.manifests
            .filter((m) => m.kind === kind && (component === undefined || m.body.metadata?.labels?.[LABEL.component] === component));

        before(async () => {
            result = await synth({ stack, now: TODAY, outDir: fs.mkdtempSync(path.join(os.tmpdir(), `audit-synth-${stack}-`)) });
            const file = path.join(result.outDir, "stack-export.json");
            const run = auditCommand([file, "--now", TODAY, "--format", "json"]);
            code = run.code;
            report = JSON.parse(run.stdout);
            markdown = auditCommand([file, "--now", TODAY]).stdout;
        });

        it("reads every resource and names the stack", () => {
            assert.strictEqual(report.resourceCount, result.run.resources.length);
            assert.deepStrictEqual([report.project, report.stack], ["fork-knife", stack]);
        });

        it("finds every rotation-annotated Secret, with the guide's limit and the due date it implies", () => {
            const expected = bodies("Secret").filter((m) => m.body.metadata.annotations?.[ANNOTATION.secretKind]).map((m) => m.name).sort();
            assert.ok(expected.length > 0);
            assert.deepStrictEqual(report.secrets.map((s) => s.name).sort(), expected);
            for (const s of report.secrets) {
                assert.strictEqual(s.maxAgeDays, KIND_LIMIT[s.kind], s.name);
                const due = new Date(Date.parse(s.rotatedAt!) + s.maxAgeDays! * 86400000).toISOString().slice(0, 10);
                assert.ok(s.dueDate! <= due, `${s.name}: due ${s.dueDate}, rotated ${s.rotatedAt} + ${s.maxAgeDays}`);
                assert.strictEqual(s.status === "overdue", s.dueDate! < TODAY, s.name);
            }
        });

        it("reports the backup and restore-test CronJobs the manifests hold, and fails exactly when one is missing", () => {
            assert.deepStrictEqual(report.backups.map((b) => b.name).sort(), bodies("CronJob", "backup").map((m) => m.name).sort());
            assert.deepStrictEqual(report.restoreTests.map((b) => b.name).sort(), bodies("CronJob", "restore-test").map((m) => m.name).sort());
            for (const b of report.backups) {
                const m = bodies("CronJob", "backup").find((x) => x.name === b.name)!;
                assert.deepStrictEqual([b.schedule, b.timeZone], [m.body.spec.schedule, m.body.spec.timeZone]);
            }
            const missing = report.problems.filter((p) => /^no (backup|restore-test) CronJob/.test(p)).length;
            assert.strictEqual(missing, (report.backups.length === 0 ? 1 : 0) + (report.restoreTests.length === 0 ? 1 : 0));
            assert.strictEqual(code, report.problems.length > 0 ? 1 : 0);
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
