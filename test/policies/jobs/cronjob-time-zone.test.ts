import * as assert from "assert";
import { evaluatePolicies } from "../../../policies/offline";
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
    it("flags a time zone the tz database does not know, and the whole pack evaluates it without throwing", async () => {
        // Computing runs in Mars/Base throws inside cron-parser; the backup policies must skip it, not crash synth.
        const backup = clone(cronJob());
        backup.spec.timeZone = "Mars/Base";
        const restore = clone(cronJob("restore-test", "0 4 1 */3 *"));
        restore.spec.timeZone = "Mars/Base";
        const db = res("fork-knife:data:Database", "database", { maxConnections: 100, poolSizePerPod: 5, reservedConnections: 4 });
        const outcomes = await evaluatePolicies([db, res("CronJob", "backup", backup), res("CronJob", "restore-test", restore)],
            { environment: "production", now: new Date("2026-11-25T00:00:00Z") });
        const byPolicy = Object.fromEntries(outcomes.map((o) => [o.policy, o.violations.map((v) => v.message)]));
        assert.deepStrictEqual(byPolicy["job-cronjob-time-zone"], [
            "CronJob/backup: spec.timeZone must be an IANA time zone name such as Etc/UTC or Europe/Berlin, got Mars/Base",
            "CronJob/restore-test: spec.timeZone must be an IANA time zone name such as Etc/UTC or Europe/Berlin, got Mars/Base",
        ]);
        // Not also reported as a schedule that never runs.
        assert.deepStrictEqual([byPolicy["backup-daily"], byPolicy["backup-restore-test"]], [[], []]);
    });
});
