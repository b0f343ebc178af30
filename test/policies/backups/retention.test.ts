import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

function retained(days: string) {
    const c = clone(cronJob());
    c.metadata.annotations["fork-knife.io/retention-days"] = days;
    return [res("CronJob", "backup", c)];
}

describe("policy backup-retention", () => {
    it("passes 30 days in production and 7 in staging", async () => {
        assert.deepStrictEqual(await violations("backup-retention", retained("30")), []);
        assert.deepStrictEqual(await violations("backup-retention", retained("7"), { environment: "staging" }), []);
    });
    it("flags 7 days in production and a missing annotation", async () => {
        assert.deepStrictEqual(await violations("backup-retention", retained("7")),
            ['CronJob/backup: metadata.annotations["fork-knife.io/retention-days"] must be at least 30 in production, got 7']);
        const c = clone(cronJob());
        delete c.metadata.annotations;
        assert.match((await violations("backup-retention", [res("CronJob", "backup", c)]))[0], /must state the retention in days/);
    });
});
