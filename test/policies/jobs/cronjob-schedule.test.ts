import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-schedule", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-schedule", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        c.spec.schedule = "0 0 3 * * *";
        assert.deepStrictEqual(await violations("job-cronjob-schedule", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.schedule \"0 0 3 * * *\" must be a 5-field cron expression (minute hour day-of-month month day-of-week), got 6 fields"]);
    });
});
