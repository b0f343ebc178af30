import * as assert from "assert";
import { cronJob, res, violations } from "../support";

const backup = res("CronJob", "backup", cronJob());

describe("policy backup-restore-test", () => {
    it("passes quarterly and monthly restore tests", async () => {
        for (const schedule of ["0 4 1 */3 *", "0 4 1 * *"]) {
            assert.deepStrictEqual(await violations("backup-restore-test", [backup, res("CronJob", "rt", cronJob("restore-test", schedule))]), [], schedule);
        }
    });
    it("flags a missing restore test and a half-yearly one", async () => {
        assert.match((await violations("backup-restore-test", [backup]))[0], /no restore-test CronJob/);
        const v = await violations("backup-restore-test", [backup, res("CronJob", "rt", cronJob("restore-test", "0 4 1 1,7 *"))]);
        assert.deepStrictEqual(v, ['CronJob/restore-test: spec.schedule "0 4 1 1,7 *" leaves up to 184 days between restore tests; at least quarterly (92 days)']);
    });
});
