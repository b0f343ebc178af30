import * as assert from "assert";
import { cronJob, res, violations } from "../support";

const db = res("fork-knife:data:Database", "database", { maxConnections: 100, poolSizePerPod: 5, reservedConnections: 4 });

describe("policy backup-daily", () => {
    it("passes daily and more frequent schedules, computed from the cron", async () => {
        for (const schedule of ["0 3 * * *", "*/30 * * * *", "0 23 * * *", "@daily"]) {
            assert.deepStrictEqual(await violations("backup-daily", [db, res("CronJob", "backup", cronJob("backup", schedule))]), [], schedule);
        }
    });
    it("judges only the backup CronJobs it is given: a database without one is backup-present's", async () => {
        assert.deepStrictEqual(await violations("backup-daily", [db]), []);
        assert.deepStrictEqual(await violations("backup-daily", [res("CronJob", "backup", cronJob("backup", "0 3 * * 0"))]),
            ['CronJob/backup: spec.schedule "0 3 * * 0" leaves up to 7 days between backups; the RPO is 24 h'], "a weekly backup, no database in sight");
    });
    it("boundary: 24 h between runs passes (UTC), 25 h fails (Berlin's autumn clock change)", async () => {
        assert.deepStrictEqual(await violations("backup-daily", [res("CronJob", "backup", cronJob("backup", "0 3 * * *"))]), []);
        const berlin = cronJob("backup", "0 3 * * *");
        berlin.spec.timeZone = "Europe/Berlin";
        assert.deepStrictEqual(await violations("backup-daily", [res("CronJob", "backup", berlin)]),
            ['CronJob/backup: spec.schedule "0 3 * * *" leaves up to 25 h between backups; the RPO is 24 h']);
    });
    it("flags schedules that skip days, even when they look daily", async () => {
        const weekdays = await violations("backup-daily", [db, res("CronJob", "backup", cronJob("backup", "0 3 * * 1-5"))]);
        assert.deepStrictEqual(weekdays, ['CronJob/backup: spec.schedule "0 3 * * 1-5" leaves up to 3 days between backups; the RPO is 24 h']);
        const alternate = await violations("backup-daily", [db, res("CronJob", "backup", cronJob("backup", "0 3 */2 * *"))]);
        assert.match(alternate[0], /leaves up to 2 days between backups/);
    });
});
