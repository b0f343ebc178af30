import * as assert from "assert";
import { clone, job, res, violations } from "../support";

function stack(opts: { dependsOn: boolean; annotate: boolean }) {
    const backup = res("Job", "pre-backup", job("pre-migration-backup", "pre-migration-backup-1"));
    const m = clone(job());
    if (opts.annotate) m.metadata.annotations["fork-knife.io/pre-migration-backup"] = "pre-migration-backup-1";
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
});
