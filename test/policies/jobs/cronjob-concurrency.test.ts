import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-concurrency", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-concurrency", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        delete c.spec.concurrencyPolicy;
        assert.deepStrictEqual(await violations("job-cronjob-concurrency", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.concurrencyPolicy must be Forbid, got unset (Allow)"]);
    });
});
