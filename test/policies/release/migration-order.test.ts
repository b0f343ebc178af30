import * as assert from "assert";
import { clone, deployment, job, NAMES, res, violations } from "../support";

describe("policy release-migration-order", () => {
    const migrationComponent = res("fork-knife:release:MigrationJob", "migration", { jobName: "migrate-1" });
    const migration = res("Job", "migration", job(), { parent: migrationComponent.urn });
    it("passes a Deployment that depends on the migration component and names its Job", async () => {
        const app = res("fork-knife:app:AppService", "backend", {}, { dependencies: [migrationComponent.urn] });
        const d = res("Deployment", NAMES.resource, deployment(), { parent: app.urn });
        assert.deepStrictEqual(await violations("release-migration-order", [migrationComponent, migration, app, d]), []);
    });
    it("flags a Deployment of the same image that may roll out first", async () => {
        const d = clone(deployment());
        delete d.spec.template.metadata.annotations;
        assert.deepStrictEqual(await violations("release-migration-order", [migrationComponent, migration, res("Deployment", NAMES.resource, d)]), [
            "Deployment/fk-backend: must depend on migration Job/migrate-1 (dependsOn), so it rolls out only after the migration succeeded",
            'Deployment/fk-backend: spec.template.metadata.annotations["fork-knife.io/migration-job"] must be migrate-1, got unset',
        ]);
    });
});
