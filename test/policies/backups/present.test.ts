import * as assert from "assert";
import { cronJob, outcome, res, violations } from "../support";

const db = res("fork-knife:data:Database", "database", { maxConnections: 100, poolSizePerPod: 5, reservedConnections: 4 });

describe("policy backup-present", () => {
    it("flags a database without a backup CronJob, on the database", async () => {
        const o = await outcome("backup-present", [db]);
        assert.deepStrictEqual(o.violations, [{ urn: db.urn, message: "fork-knife:data:Database database: no backup CronJob (label app.kubernetes.io/component=backup) in the stack" }]);
        assert.equal(o.kind, "completeness");
    });
    it("passes a database with a backup CronJob, whatever its schedule (backup-daily's concern)", async () => {
        assert.deepStrictEqual(await violations("backup-present", [db, res("CronJob", "backup", cronJob("backup", "0 3 * * 0"))]), []);
    });
    it("a CronJob of another component is no backup", async () => {
        assert.equal((await violations("backup-present", [db, res("CronJob", "rt", cronJob("restore-test"))])).length, 1);
    });
    it("asks nothing of a stack without a database", async () => {
        assert.deepStrictEqual(await violations("backup-present", [res("CronJob", "rt", cronJob("restore-test"))]), []);
    });
});
