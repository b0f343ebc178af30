import * as assert from "assert";
import { clone, job, res, violations } from "../support";

describe("policy job-migration", () => {
    it("passes the migration Job as MigrationJob builds it", async () => {
        assert.deepStrictEqual(await violations("job-migration", [res("Job", "migration", job())]), []);
    });
    it("flags the default backoffLimit, no deadline and no replaceUnready", async () => {
        const j = clone(job());
        delete j.spec.backoffLimit;
        delete j.spec.activeDeadlineSeconds;
        delete j.metadata.annotations;
        assert.deepStrictEqual(await violations("job-migration", [res("Job", "migration", j)]), [
            "Job/migrate-1: spec.activeDeadlineSeconds must be set",
            "Job/migrate-1: spec.backoffLimit must be 0 or 1, got unset (6)",
            'Job/migrate-1: metadata.annotations["pulumi.com/replaceUnready"] must be "true"',
        ]);
    });
});
