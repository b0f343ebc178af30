import * as assert from "assert";
import { DAY_MS } from "../../../components/config/validators";
import { CronExpressionParser } from "cron-parser";
import { everyDayGapMs, maxIntervalMs } from "../../../policies/lib/cron";

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

describe("policies/lib/cron: schedules that run every day", () => {
    const from = new Date("2026-11-25T00:00:00Z");
    const HORIZON_DAYS = 40;
    /** The longest gap by walking every run with cron-parser itself: the oracle the shortcut must agree with. */
    function walked(expr: string, tz: string): number {
        const it = CronExpressionParser.parse(expr, { tz, currentDate: new Date(from.getTime() - 1) });
        const end = from.getTime() + HORIZON_DAYS * DAY_MS;
        let prev = from.getTime();
        let max = 0;
        for (;;) {
            const t = it.next().getTime();
            max = Math.max(max, t - prev);
            if (t >= end) return max;
            prev = t;
        }
    }
    for (const expr of ["0 3 * * *", "0 0 * * *", "30 23 * * *", "0 3,15 * * *", "0 0-5 * * *", "*/20 * * * *", "15 1,2,23 * * *",
        "0 3 ? * *", "0 3 * * 0-6", "0 3 * * 1-7", "0 3 * * 0,1,2,3,4,5,6", "0 3 1-31 * *", "0 3 * 1-12 *"]) {
        it(`"${expr}" in Etc/UTC: the every-day shortcut gives the walked longest gap`, () => {
            assert.notStrictEqual(everyDayGapMs(CronExpressionParser.parse(expr, { tz: "UTC" })), undefined, "takes the shortcut");
            assert.strictEqual(maxIntervalMs(expr, "Etc/UTC", from, HORIZON_DAYS), walked(expr, "Etc/UTC"));
        });
    }
    for (const [expr, gapDays] of [["0 3 1-30 * *", 2], ["0 3 * * 1-6", 2], ["0 3 * 1-11 *", 32], ["0 3 L * *", 31], ["0 3 * * 1#2", 28], ["0 3 2-31 * *", 2]] as const) {
        it(`"${expr}" misses days: no shortcut, and the walk finds its ${gapDays}-day gap`, () => {
            assert.strictEqual(everyDayGapMs(CronExpressionParser.parse(expr, { tz: "UTC" })), undefined);
            assert.strictEqual(maxIntervalMs(expr, "Etc/UTC", from, HORIZON_DAYS), walked(expr, "Etc/UTC"));
            assert.ok(maxIntervalMs(expr, "Etc/UTC", from, HORIZON_DAYS) >= gapDays * DAY_MS - 3_600_000);
        });
    }
    it("a zone with daylight saving is walked, not shortcut: its 25-hour night is found", () => {
        const autumn = new Date("2026-10-20T00:00:00Z");
        assert.strictEqual(maxIntervalMs("0 3 * * *", "Europe/Berlin", autumn, 30), DAY_MS + 3_600_000);
    });
});
