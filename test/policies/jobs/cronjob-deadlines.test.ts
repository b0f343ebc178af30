import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-deadlines", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-deadlines", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        delete c.spec.startingDeadlineSeconds;
        assert.deepStrictEqual(await violations("job-cronjob-deadlines", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.startingDeadlineSeconds must be set"]);
    });
});
