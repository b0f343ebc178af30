import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-history", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-history", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        c.spec.failedJobsHistoryLimit = 0;
        assert.deepStrictEqual(await violations("job-cronjob-history", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.failedJobsHistoryLimit must be above 0, got 0"]);
    });
});
