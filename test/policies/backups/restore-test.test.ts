import * as assert from "assert";
import { cronJob, outcome, res, violations } from "../support";

const backup = res("CronJob", "backup", cronJob());
const db = res("fork-knife:data:Database", "database", { maxConnections: 100, poolSizePerPod: 5, reservedConnections: 4 });

describe("policy backup-restore-test", () => {
    it("passes a stack with backups and a restore test, whatever its schedule (backup-restore-test-schedule's concern)", async () => {
        for (const schedule of ["0 4 1 */3 *", "0 4 1 1 *"]) {
            assert.deepStrictEqual(await violations("backup-restore-test", [backup, res("CronJob", "rt", cronJob("restore-test", schedule))]), [], schedule);
        }
    });
    it("asks nothing of a stack without backups or a database", async () => {
        assert.deepStrictEqual(await violations("backup-restore-test", [res("Deployment", "d", { metadata: { name: "d" } })]), []);
    });
    it("flags a missing restore test on the backup CronJob", async () => {
        const missing = await outcome("backup-restore-test", [backup]);
        assert.deepStrictEqual(missing.violations, [{ urn: backup.urn,
            message: "CronJob/backup: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has backups" }]);
        assert.equal(missing.kind, "completeness");
    });
    it("flags a database without backups or a restore test on the database resource, as backup-daily does", async () => {
        const o = await outcome("backup-restore-test", [db]);
        assert.deepStrictEqual(o.violations, [{ urn: db.urn,
            message: "fork-knife:data:Database database: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has a database" }]);
    });
});
