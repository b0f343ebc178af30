import * as assert from "assert";
import { cronJob, outcome, res, violations } from "../support";

const POLICY = "backup-restore-test-schedule";

describe("policy backup-restore-test-schedule", () => {
    it("passes quarterly and monthly restore tests", async () => {
        for (const schedule of ["0 4 1 */3 *", "0 4 1 * *", "0 4 1 1,4,7,10 *"]) {
            assert.deepStrictEqual(await violations(POLICY, [res("CronJob", "rt", cronJob("restore-test", schedule))]), [], schedule);
        }
    });
    it("flags a half-yearly restore test, even without a backup in sight (relational)", async () => {
        const o = await outcome(POLICY, [res("CronJob", "rt", cronJob("restore-test", "0 4 1 1,7 *"))]);
        assert.deepStrictEqual(o.violations.map((v) => v.message), ['CronJob/restore-test: spec.schedule "0 4 1 1,7 *" leaves up to 184 days between restore tests; at least quarterly (92 days)']);
        assert.equal(o.kind, "relational");
    });
    it("boundary: exactly 92 days passes; 92 days and one hour (a DST change in between) fails", async () => {
        // In UTC, Jul 1 → Oct 1 and Oct 1 → Jan 1 are 92 days exactly: just inside.
        assert.deepStrictEqual(await violations(POLICY, [res("CronJob", "rt", cronJob("restore-test", "0 4 1 1,4,7,10 *"))]), []);
        // In Berlin, Oct 1 04:00 CEST → Jan 1 04:00 CET is 92 days and 1 hour: just outside.
        const berlin = cronJob("restore-test", "0 4 1 1,4,7,10 *");
        berlin.spec.timeZone = "Europe/Berlin";
        const v = await violations(POLICY, [res("CronJob", "rt", berlin)]);
        assert.equal(v.length, 1);
        assert.match(v[0], /^CronJob\/restore-test: spec.schedule "0 4 1 1,4,7,10 \*" leaves up to 92 days between restore tests/);
    });
    it("leaves an unparsable schedule to job-cronjob-schedule", async () => {
        assert.deepStrictEqual(await violations(POLICY, [res("CronJob", "rt", cronJob("restore-test", "not a cron"))]), []);
    });
});
