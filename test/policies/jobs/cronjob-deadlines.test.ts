import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-deadlines", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-deadlines", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags a missing startingDeadlineSeconds", async () => {
        const c = clone(cronJob());
        delete c.spec.startingDeadlineSeconds;
        assert.deepStrictEqual(await violations("job-cronjob-deadlines", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.startingDeadlineSeconds must be set"]);
    });
    it("flags a Job template without activeDeadlineSeconds", async () => {
        const c = clone(cronJob());
        delete c.spec.jobTemplate.spec.activeDeadlineSeconds;
        assert.deepStrictEqual(await violations("job-cronjob-deadlines", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.jobTemplate.spec.activeDeadlineSeconds must be set"]);
    });
});
