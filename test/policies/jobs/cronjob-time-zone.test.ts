import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-cronjob-time-zone", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-cronjob-time-zone", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        c.spec.timeZone = "UTC+2";
        assert.deepStrictEqual(await violations("job-cronjob-time-zone", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.timeZone must be an IANA time zone name such as Etc/UTC or Europe/Berlin, got UTC+2"]);
    });
});
