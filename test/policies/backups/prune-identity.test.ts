import * as assert from "assert";
import { standardLabels } from "../../../components/lib/labels";
import { clone, cronJob, deployment, job, res, violations } from "../support";

const POLICY = "backup-prune-identity";

/** The backup CronJob and a pre-migration Job running backup.sh with this RETENTION_MODE (undefined: not set). */
function backups(mode: string | undefined) {
    const env = () => (mode === undefined ? [] : [{ name: "RETENTION_MODE", value: mode }]);
    const c = clone(cronJob());
    Object.assign(c.spec.jobTemplate.spec.template.spec.containers[0], { command: ["bash", "/scripts/backup.sh"], env: env() });
    const pre = clone(job("pre-migration-backup", "pre-migrate-1"));
    Object.assign(pre.spec.template.spec.containers[0], { command: ["bash", "/scripts/backup.sh"], env: env() });
    return [res("CronJob", "backup", c), res("Job", "pre-migrate-1", pre)];
}

/** A backup-prune CronJob holding its key in Secret backup-prune-s3-credentials. */
function pruneCronJob() {
    const c = clone(cronJob());
    c.metadata.name = "backup-prune";
    c.metadata.labels = standardLabels("backup-prune", "production");
    const container = c.spec.jobTemplate.spec.template.spec.containers[0];
    Object.assign(container, { command: ["bash", "/scripts/backup.sh", "prune"], env: [{ name: "RETENTION_MODE", value: "prune-identity" }],
        envFrom: [{ secretRef: { name: "backup-prune-s3-credentials" } }] });
    return res("CronJob", "backup-prune", c);
}

describe("policy backup-prune-identity", () => {
    it("passes production backups in lifecycle or prune-identity mode, and script mode in staging", async () => {
        assert.deepStrictEqual(await violations(POLICY, backups("lifecycle")), []);
        assert.deepStrictEqual(await violations(POLICY, [...backups("prune-identity"), pruneCronJob()]), []);
        assert.deepStrictEqual(await violations(POLICY, backups("script"), { environment: "staging" }), []);
    });

    it("flags production backup pods whose key prunes: RETENTION_MODE=script, or backup.sh without RETENTION_MODE (its default)", async () => {
        const fix = "in production the backup pods' key must not delete backups; set backup.retentionMode to lifecycle or prune-identity";
        assert.deepStrictEqual(await violations(POLICY, backups("script")), [
            `CronJob/backup: container app has RETENTION_MODE=script: ${fix} (component backup)`,
            `Job/pre-migrate-1: container app has RETENTION_MODE=script: ${fix} (component pre-migration-backup)`,
        ]);
        assert.strictEqual((await violations(POLICY, backups(undefined))).length, 2);
        // A backup pod that is not backup.sh (another chart's) and states no mode is not this policy's to judge.
        const [other] = backups(undefined);
        (other.props as any).spec.jobTemplate.spec.template.spec.containers[0].command = ["/bin/velero-backup"];
        assert.deepStrictEqual(await violations(POLICY, [other]), []);
    });

    it("flags any other pod that references the backup-prune pods' Secret, by envFrom, secretKeyRef or volume, in any environment", async () => {
        const [backup, pre] = backups("prune-identity");
        // Named twice in one pod (envFrom and a variable): one line per pod and Secret.
        (backup.props as any).spec.jobTemplate.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: "backup-prune-s3-credentials" } }];
        (backup.props as any).spec.jobTemplate.spec.template.spec.containers[0].env.push({ name: "K", valueFrom: { secretKeyRef: { name: "backup-prune-s3-credentials", key: "k" } } });
        (pre.props as any).spec.template.spec.containers[0].env.push({ name: "KEY", valueFrom: { secretKeyRef: { name: "backup-prune-s3-credentials", key: "k" } } });
        const app = clone(deployment());
        app.spec.template.spec.volumes = [{ name: "keys", secret: { secretName: "backup-prune-s3-credentials" } }];
        const resources = [backup, pre, res("Deployment", "backend-res", app), pruneCronJob()];
        const found = await violations(POLICY, resources, { environment: "staging" });
        assert.deepStrictEqual(found, [
            "CronJob/backup: references Secret backup-prune-s3-credentials, the backup-prune key: only the backup-prune pods may hold it (component backup)",
            "Job/pre-migrate-1: references Secret backup-prune-s3-credentials, the backup-prune key: only the backup-prune pods may hold it (component pre-migration-backup)",
            "Deployment/fk-backend: references Secret backup-prune-s3-credentials, the backup-prune key: only the backup-prune pods may hold it (component backend)",
        ]);
        // The backup key's own Secret is no concern of this rule.
        const [ok] = backups("prune-identity");
        (ok.props as any).spec.jobTemplate.spec.template.spec.containers[0].envFrom = [{ secretRef: { name: "backup-s3-credentials" } }];
        assert.deepStrictEqual(await violations(POLICY, [ok, pruneCronJob()]), []);
    });
});
