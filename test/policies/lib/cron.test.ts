import * as assert from "assert";
import { DAY_MS } from "../../../components/config/validators";
import { maxIntervalMs } from "../../../policies/lib/cron";

describe("policies/lib/cron maxIntervalMs", () => {
    const from = new Date("2026-11-25T00:00:00Z");
    it("computes the longest gap in the CronJob's time zone", () => {
        assert.strictEqual(maxIntervalMs("0 3 * * *", "Europe/Berlin", from, 30), DAY_MS);
        assert.strictEqual(maxIntervalMs("0 3 * * 1-5", "Etc/UTC", from, 30), 3 * DAY_MS);
    });
    it("returns Infinity instead of throwing for a time zone or expression cron-parser cannot read", () => {
        assert.strictEqual(maxIntervalMs("0 3 * * *", "Mars/Base", from, 30), Infinity);
        assert.strictEqual(maxIntervalMs("not a cron", "Etc/UTC", from, 30), Infinity);
    });
});
