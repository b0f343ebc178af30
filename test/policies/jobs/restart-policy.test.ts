import * as assert from "assert";
import { clone, cronJob, res, violations } from "../support";

describe("policy job-restart-policy", () => {
    it("passes a compliant CronJob", async () => {
        assert.deepStrictEqual(await violations("job-restart-policy", [res("CronJob", "backup", cronJob())]), []);
    });
    it("flags the violating field", async () => {
        const c = clone(cronJob());
        c.spec.jobTemplate.spec.template.spec.restartPolicy = "Always";
        assert.deepStrictEqual(await violations("job-restart-policy", [res("CronJob", "backup", c)]), ["CronJob/backup: spec.jobTemplate.spec.template.spec.restartPolicy must be Never or OnFailure, got Always"]);
    });
});
