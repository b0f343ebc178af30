import * as assert from "assert";
import { clone, job, res, violations } from "../support";

/** A backup Job and a migration Job; `annotate` is what the migration's pre-migration-backup annotation names (false: unset). */
function stack(opts: { dependsOn: boolean; annotate: boolean | string }) {
    const backup = res("Job", "pre-backup", job("pre-migration-backup", "pre-migration-backup-1"));
    const m = clone(job());
    if (opts.annotate !== false) m.metadata.annotations["fork-knife.io/pre-migration-backup"] = opts.annotate === true ? "pre-migration-backup-1" : opts.annotate;
    return [backup, res("Job", "migration", m, { dependencies: opts.dependsOn ? [backup.urn] : [] })];
}

describe("policy backup-pre-migration", () => {
    it("passes a migration that depends on and names the backup, and staging without one", async () => {
        assert.deepStrictEqual(await violations("backup-pre-migration", stack({ dependsOn: true, annotate: true })), []);
        assert.deepStrictEqual(await violations("backup-pre-migration", [res("Job", "migration", job())], { environment: "staging" }), []);
    });
    it("flags a production migration without the dependency, or without a backup at all", async () => {
        assert.deepStrictEqual(await violations("backup-pre-migration", stack({ dependsOn: false, annotate: true })),
            ["Job/migrate-1: must depend on Job/pre-migration-backup-1 (dependsOn), so the backup finishes before the migration starts"]);
        assert.match((await violations("backup-pre-migration", [res("Job", "migration", job())]))[0], /no pre-migration backup Job/);
    });
    it("flags a production migration that does not name the backup Job, or names another Job", async () => {
        assert.deepStrictEqual(await violations("backup-pre-migration", stack({ dependsOn: true, annotate: false })),
            ['Job/migrate-1: metadata.annotations["fork-knife.io/pre-migration-backup"] must name the pre-migration backup Job (pre-migration-backup-1), got unset']);
        assert.deepStrictEqual(await violations("backup-pre-migration", stack({ dependsOn: true, annotate: "pre-migration-backup-0" })),
            ['Job/migrate-1: metadata.annotations["fork-knife.io/pre-migration-backup"] must name the pre-migration backup Job (pre-migration-backup-1), got pre-migration-backup-0']);
    });
    describe("break-glass (backup.skipPreMigrationBackup)", () => {
        const skipped = (reason: string) => {
            const m = clone(job());
            m.metadata.annotations["fork-knife.io/pre-migration-backup-skipped"] = reason;
            return [res("Job", "migration", m)];
        };
        it("accepts a production migration without a backup Job when the Job carries a reason", async () => {
            assert.deepStrictEqual(await violations("backup-pre-migration", skipped("rollback to 2026.11.2, schema unchanged since")), []);
        });
        it("flags the skip annotation with an empty or blank reason", async () => {
            for (const reason of ["", "   "]) {
                assert.deepStrictEqual(await violations("backup-pre-migration", skipped(reason)),
                    ['Job/migrate-1: metadata.annotations["fork-knife.io/pre-migration-backup-skipped"] must give a reason for migrating without a pre-migration backup, got an empty value']);
            }
        });
        it("still flags a production migration with neither a backup Job nor the skip annotation", async () => {
            assert.match((await violations("backup-pre-migration", [res("Job", "migration", job())]))[0], /no pre-migration backup Job/);
        });
    });
});
