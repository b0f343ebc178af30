import * as assert from "assert";
import { cronJob, outcome, res, violations } from "../support";

const backup = res("CronJob", "backup", cronJob());
const db = res("fork-knife:data:Database", "database", { maxConnections: 100, poolSizePerPod: 5, reservedConnections: 4 });

describe("policy backup-restore-test", () => {
    it("passes quarterly and monthly restore tests", async () => {
        for (const schedule of ["0 4 1 */3 *", "0 4 1 * *"]) {
            assert.deepStrictEqual(await violations("backup-restore-test", [backup, res("CronJob", "rt", cronJob("restore-test", schedule))]), [], schedule);
        }
    });
    it("flags a missing restore test and a half-yearly one", async () => {
        const missing = await outcome("backup-restore-test", [backup]);
        assert.deepStrictEqual(missing.violations, [{ urn: backup.urn,
            message: "CronJob/backup: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has backups" }]);
        const v = await violations("backup-restore-test", [backup, res("CronJob", "rt", cronJob("restore-test", "0 4 1 1,7 *"))]);
        assert.deepStrictEqual(v, ['CronJob/restore-test: spec.schedule "0 4 1 1,7 *" leaves up to 184 days between restore tests; at least quarterly (92 days)']);
    });
    it("flags a database without backups or a restore test on the database resource, as backup-daily does", async () => {
        const o = await outcome("backup-restore-test", [db]);
        assert.deepStrictEqual(o.violations, [{ urn: db.urn,
            message: "fork-knife:data:Database database: no restore-test CronJob (label app.kubernetes.io/component=restore-test) in a stack that has a database" }]);
    });
});
