// The rollback break-glass (docs/release.md, "Rollback"): backup.skipPreMigrationBackup drops this release's
// pre-migration dump, and the waiver shows in the rendered migration Job, the audit output and the policy pack.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { evaluatePolicies, OfflineResource } from "../../policies/offline";
import { ProgramRun, redactSecrets, revealSecrets } from "../../tools/lib/program";
import { loadStackConfig } from "../../tools/lib/stack-config";
import { plain, runStack, TODAY, withComponent } from "../support/stacks";

const REASON = "rollback to 2026.11.2: its migrations already ran, INC-4711";
const SKIPPED = "fork-knife.io/pre-migration-backup-skipped";

async function failures(run: ProgramRun): Promise<string[]> {
    const resources: OfflineResource[] = run.resources.map((r) => ({
        urn: r.urn, type: r.type, name: r.name, parent: r.parent, dependencies: r.dependencies, protect: r.protect,
        props: redactSecrets(r.custom ? r.inputs : r.outputs) as Record<string, unknown>,
    }));
    const outcomes = await evaluatePolicies(resources, { environment: "production", now: new Date(`${TODAY}T00:00:00Z`), only: ["backup-pre-migration"] });
    return outcomes.filter((o) => o.status === "fail").flatMap((o) => o.violations.map((v) => `${o.policy}: ${v.message}`));
}

describe("backup.skipPreMigrationBackup under Pulumi mocks (production)", () => {
    const backup = JSON.parse(loadStackConfig({ stack: "production" }).config["fork-knife:backup"]);
    let normal: ProgramRun;
    let waived: ProgramRun;
    before(async () => {
        normal = await runStack("production");
        waived = await runStack("production", { set: { "fork-knife:backup": { ...backup, skipPreMigrationBackup: { reason: REASON, until: "2026-11-26" } } } });
    });

    it("without the waiver: one pre-migration backup Job, the migration depends on it, no skip annotation, audit says not skipped", async () => {
        const [pre] = withComponent(normal, "Job", "pre-migration-backup");
        assert.ok(pre, "a pre-migration backup Job");
        const [migration] = withComponent(normal, "Job", "migration");
        assert.ok(migration.dependencies.includes(pre.urn));
        assert.equal(plain(migration).metadata.annotations[SKIPPED], undefined);
        assert.deepEqual((revealSecrets(normal.outputs.audit) as any).backups.preMigrationBackup, { skipped: false });
        assert.deepEqual(await failures(normal), []);
    });

    it("with it: no pre-migration backup Job, no dependency on one, the reason on the migration Job", () => {
        assert.equal(withComponent(waived, "Job", "pre-migration-backup").length, 0);
        const [migration] = withComponent(waived, "Job", "migration");
        const annotations = plain(migration).metadata.annotations;
        assert.equal(annotations[SKIPPED], REASON);
        assert.equal(annotations["fork-knife.io/pre-migration-backup"], undefined);
        const jobs = waived.resources.filter((r) => r.type === "kubernetes:batch/v1:Job").map((r) => r.urn);
        assert.deepEqual(migration.dependencies.filter((d) => jobs.includes(d)), []);
    });

    it("records the waiver in the audit output: skipped, reason, until and the release it covers", () => {
        const audit = revealSecrets(waived.outputs.audit) as any;
        assert.deepEqual(audit.backups.preMigrationBackup, { skipped: true, reason: REASON, until: "2026-11-26", release: audit.release.migrationJob });
        assert.match(audit.release.migrationJob, /^migrate-2026-11-3-[0-9a-f]{6}$/);
        assert.equal(audit.backups.preMigrationBackupJob, null);
    });

    it("passes policy backup-pre-migration through the annotation; the same stack without it would not", async () => {
        assert.deepEqual(await failures(waived), []);
        const [migration] = withComponent(waived, "Job", "migration");
        const stripped = { ...waived, resources: waived.resources.map((r) => r !== migration ? r : { ...r, inputs: { ...(r.inputs as any),
            metadata: { ...(r.inputs as any).metadata, annotations: { ...(r.inputs as any).metadata.annotations, [SKIPPED]: undefined } } } }) };
        assert.match((await failures(stripped as ProgramRun)).join("\n"), /no pre-migration backup Job/);
    });
});

/** The fenced yaml block of a document that contains `marker`. */
function yamlBlock(file: string, marker: string): string {
    const text = fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8");
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes(marker));
    assert.equal(blocks.length, 1, `${file}: one yaml block with ${marker}`);
    return blocks[0];
}

describe("the documents' rollback and migration-status snippets hold against the program", () => {
    it("release.md's stack-file lines parse and waive the production dump", async () => {
        const snippet = YAML.parse(yamlBlock("docs/release.md", "skipPreMigrationBackup"))["fork-knife:backup"];
        const backup = JSON.parse(loadStackConfig({ stack: "production" }).config["fork-knife:backup"]);
        const run = await runStack("production", { set: { "fork-knife:backup": { ...backup, ...snippet } } });
        assert.equal(withComponent(run, "Job", "pre-migration-backup").length, 0);
        const audit = revealSecrets(run.outputs.audit) as any;
        assert.equal(audit.backups.preMigrationBackup.reason, snippet.skipPreMigrationBackup.reason);
    });

    it("operations.md's one-off migration Job is the rendered migration Job with another name and command", async () => {
        const doc = YAML.parse(yamlBlock("docs/operations.md", "prisma\", \"migrate\", \"status"));
        const run = await runStack("production");
        const [rendered] = withComponent(run, "Job", "migration").map(plain);
        const pod = rendered.spec.template.spec;
        const docPod = doc.spec.template.spec;
        assert.equal(doc.metadata.namespace, rendered.metadata.namespace);
        assert.match(doc.metadata.name, /^<migration-job>-status$/);
        assert.deepEqual(docPod.containers[0].command, ["npx", "--no", "prisma", "migrate", "status"]);
        for (const key of ["serviceAccountName", "automountServiceAccountToken", "securityContext", "volumes", "restartPolicy"]) {
            assert.deepEqual(docPod[key], pod[key], key);
        }
        const [c, d] = [pod.containers[0], docPod.containers[0]];
        for (const key of ["name", "env", "securityContext", "resources", "volumeMounts"]) assert.deepEqual(d[key], c[key], `container ${key}`);
        assert.equal(d.image, "<image>");
        // The migration's NetworkPolicy must select the one-off pod, or default-deny cuts it off from PostgreSQL.
        const policy = run.resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(plain)
            .find((n: any) => n.spec.podSelector.matchExpressions?.some((e: any) => e.values.includes("migration")));
        assert.ok(policy, "a NetworkPolicy for the migration");
        const labels = doc.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels ?? {})) assert.equal(labels[k], v, k);
        for (const e of policy.spec.podSelector.matchExpressions) assert.ok(e.operator === "In" && e.values.includes(labels[e.key]), e.key);
        for (const [k, v] of Object.entries(labels)) assert.equal(rendered.spec.template.metadata.labels[k], v, `label ${k}`);
    });
});
