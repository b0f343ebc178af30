import * as assert from "assert";
import { standardLabels } from "../../../components/lib/labels";
import { clone, cronJob, job, res, violations } from "../support";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** A backup CronJob and a pre-migration Job writing to `target`, as BackupSchedule renders them. */
function backups(target: string) {
    const c = clone(cronJob());
    c.metadata.annotations["fork-knife.io/backup-target"] = target;
    c.spec.jobTemplate.spec.template.spec.containers[0].env = [{ name: "BACKUP_TARGET", value: target }];
    const pre = clone(job("pre-migration-backup", "pre-migrate-1"));
    pre.spec.template.spec.containers[0].env = [{ name: "BACKUP_TARGET", value: target }];
    return [res("CronJob", "backup", c), res("Job", "pre-migrate-1", pre)];
}
const volume = () => res(PVC, "backups", { metadata: { name: "backups", namespace: "fork-knife-production", labels: standardLabels("backup", "production") },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } } });

describe("policy backup-off-cluster", () => {
    it("passes production backups to s3://, and anything in staging", async () => {
        assert.deepStrictEqual(await violations("backup-off-cluster", backups("s3://fork-knife-backups/production")), []);
        assert.deepStrictEqual(await violations("backup-off-cluster", [...backups("pvc"), volume()], { environment: "staging" }), []);
    });

    it("flags a production backup to a PVC: the CronJob's target, each pod's BACKUP_TARGET and the volume, naming backup.target", async () => {
        const found = await violations("backup-off-cluster", [...backups("pvc"), volume()]);
        const fix = "production's backup.target must be s3://bucket/prefix (off the cluster)";
        assert.deepStrictEqual(found, [
            `CronJob/backup: backs up to pvc (annotation fork-knife.io/backup-target): ${fix}`,
            `CronJob/backup: container app has BACKUP_TARGET=pvc: ${fix}`,
            `Job/pre-migrate-1: container app has BACKUP_TARGET=pvc: ${fix}`,
            `PersistentVolumeClaim/backups: backups on a volume of the cluster are lost with it: ${fix}`,
        ]);
    });

    it("flags a CronJob that does not state its target, and a target that only looks like S3", async () => {
        const [unstated] = backups("s3://b/p");
        delete (unstated.props as any).metadata.annotations["fork-knife.io/backup-target"];
        assert.match((await violations("backup-off-cluster", [unstated]))[0], /CronJob\/backup: backs up to an unstated target/);
        assert.strictEqual((await violations("backup-off-cluster", backups("s3:/bucket"))).length, 3);
    });
});
