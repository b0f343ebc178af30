import { strict as assert } from "assert";
import { BackupSchedule, BackupScheduleArgs, objectStoragePort } from "../../../components/data/backup-schedule";
import { MigrationJob, migrationJobName } from "../../../components/data/migration-job";
import { readSettings, Settings } from "../../../components/config/settings";
import { egressFromSettings } from "../../../components/lib/network-policy";
import { isSecretValue, ProgramRun, redactSecrets, runProgram } from "../../../tools/lib/program";
import { ofType, one, plain, sentinel, stackConfig, StackVariation, TODAY } from "../../support/stacks";

type Stack = "staging" | "production";

function argsFrom(s: Settings): BackupScheduleArgs {
    return {
        namespace: s.namespace, environment: s.environment, stack: s.stack, backup: s.backup, databaseName: s.database.name, egress: egressFromSettings(s),
        releaseName: migrationJobName(s.image), backupCredentialsSecret: "fork-knife-backup", restoreCredentialsSecret: "fork-knife-restore",
        s3Credentials: s.secrets.backupS3AccessKeyId && s.secrets.backupS3SecretAccessKey && s.rotation.backupS3
            ? { accessKeyId: s.secrets.backupS3AccessKeyId, secretAccessKey: s.secrets.backupS3SecretAccessKey, rotatedAt: s.rotation.backupS3.rotatedAt } : undefined,
    };
}

/** The stack's real settings into BackupSchedule (and, with `release`, the MigrationJob wired the way index.ts will). */
function run(stack: Stack, variation: StackVariation = {}, tweak: (a: BackupScheduleArgs) => BackupScheduleArgs = (a) => a, release = false): Promise<ProgramRun> {
    const c = stackConfig(stack, variation);
    return runProgram({
        stack, config: c.config, secretKeys: c.secretKeys, now: TODAY, program: () => {
            const s = readSettings();
            const backups = new BackupSchedule("backups", tweak(argsFrom(s)));
            if (!release) return;
            new MigrationJob("migration", {
                namespace: s.namespace, environment: s.environment, image: s.image, imageRef: "registry/app:tag", secretEnv: [], egress: egressFromSettings(s),
                preMigrationBackupJob: backups.preMigrationBackupJobName,
            }, { dependsOn: backups.preMigrationBackupJob ? [backups.preMigrationBackupJob] : [] });
        },
    });
}

/** The committed stack file's backup object: images may be pinned there. */
function stackBackup(stack: Stack): { postgresImage?: string; rcloneImage?: string } {
    return JSON.parse(stackConfig(stack).config["fork-knife:backup"]);
}

const cronJobs = (r: ProgramRun) => ofType(r, "kubernetes:batch/v1:CronJob").map(plain);
const byComponent = (items: any[], c: string) => items.filter((i) => i.metadata.labels["app.kubernetes.io/component"] === c);
const pods = (r: ProgramRun) => [
    ...cronJobs(r).map((c) => c.spec.jobTemplate.spec.template.spec),
    ...ofType(r, "kubernetes:batch/v1:Job").map((j) => plain(j).spec.template.spec),
];
const envOf = (container: any) => Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

describe("BackupSchedule", () => {
    for (const [stack, retention, target] of [["staging", "7", "pvc"], ["production", "30", "s3://fork-knife-backups/production"]] as const) {
        it(`${stack}: daily backup CronJob with the settings, Forbid, deadlines, history and the audit annotations`, async () => {
            const r = await run(stack);
            const [backup] = byComponent(cronJobs(r), "backup");
            assert.equal(backup.spec.schedule, "0 3 * * *");
            assert.equal(backup.spec.timeZone, "Etc/UTC");
            assert.equal(backup.spec.concurrencyPolicy, "Forbid");
            assert.ok(backup.spec.startingDeadlineSeconds > 0);
            assert.ok(backup.spec.successfulJobsHistoryLimit > 0 && backup.spec.failedJobsHistoryLimit > 0);
            const job = backup.spec.jobTemplate.spec;
            assert.ok(job.activeDeadlineSeconds > 0 && job.backoffLimit >= 0 && job.backoffLimit <= 2);
            assert.equal(backup.metadata.annotations["fork-knife.io/retention-days"], retention);
            assert.equal(backup.metadata.annotations["fork-knife.io/backup-target"], target);
            const c = job.template.spec.containers[0];
            assert.equal(c.image, stackBackup(stack).postgresImage ?? "postgres:15-bookworm");
            assert.deepEqual(c.command, ["bash", "/scripts/backup.sh"]);
            assert.equal(c.envFrom[0].secretRef.name, "fork-knife-backup");
            assert.equal(envOf(c).RETENTION_DAYS, retention);
            assert.equal(envOf(c).BACKUP_TARGET, target);
            // Production's backup key cannot delete: retention is the bucket's lifecycle rules, not backup.sh prune.
            assert.equal(envOf(c).RETENTION_MODE, stack === "production" ? "lifecycle" : "script");
            assert.equal(backup.metadata.labels["fork-knife.io/environment"], stack);

            const [test] = byComponent(cronJobs(r), "restore-test");
            assert.equal(test.spec.schedule, "0 4 1 */3 *");
            assert.equal(test.spec.concurrencyPolicy, "Forbid");
            assert.equal(test.spec.jobTemplate.spec.template.spec.containers[0].envFrom[0].secretRef.name, "fork-knife-restore");
            // The RTO budget reaches the script that holds the restore to it (default 4 h); the backup Job's deadline
            // is the 6 h that the backup-missing alert adds to the RPO.
            assert.equal(envOf(test.spec.jobTemplate.spec.template.spec.containers[0]).RTO_BUDGET_SECONDS, "14400");
            assert.equal(job.activeDeadlineSeconds, 6 * 3600);

            const scripts = plain(one(r, "kubernetes:core/v1:ConfigMap"));
            assert.deepEqual(Object.keys(scripts.data).sort(), ["backup.sh", "lib-backup.sh", "restore-test.sh", "restore.sh"]);
            assert.match(scripts.data["backup.sh"], /^set -Eeuo pipefail$/m);
        });
    }

    it("backup.rtoBudgetSeconds reaches the restore test as RTO_BUDGET_SECONDS", async () => {
        const backup = { ...stackBackup("staging"), rtoBudgetSeconds: 3600 };
        const r = await run("staging", { set: { "fork-knife:backup": backup } });
        const [test] = byComponent(cronJobs(r), "restore-test");
        assert.equal(envOf(test.spec.jobTemplate.spec.template.spec.containers[0]).RTO_BUDGET_SECONDS, "3600");
    });

    it("every pod is restricted, writes only to mounted volumes, and takes the scripts from the ConfigMap", async () => {
        for (const stack of ["staging", "production"] as const) {
            const r = await run(stack, {}, (a) => ({ ...a, backup: { ...a.backup, restoreFrom: "latest", confirmRestore: stack } }), true);
            const specs = pods(r).filter((p) => p.containers[0].image.startsWith("postgres"));
            assert.ok(specs.length >= 3, `${stack}: backup, restore test, restore (and pre-migration)`);
            for (const p of specs) {
                assert.equal(p.securityContext.runAsNonRoot, true);
                assert.equal(p.securityContext.seccompProfile.type, "RuntimeDefault");
                assert.equal(p.automountServiceAccountToken, false);
                assert.ok(p.terminationGracePeriodSeconds >= 120, "time for the scripts' SIGTERM cleanup");
                for (const c of [...p.containers, ...(p.initContainers ?? [])]) {
                    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
                    assert.ok(c.resources.limits.memory);
                }
                const mounts = p.containers[0].volumeMounts.map((m: any) => m.mountPath).sort();
                assert.deepEqual(mounts, stack === "staging" ? ["/backups", "/scripts", "/tmp", "/work"] : ["/scripts", "/tmp", "/tools", "/work"]);
                assert.equal(p.volumes.find((v: any) => v.name === "scripts").configMap.name, "backup-scripts");
            }
        }
    });

    it("staging keeps backups on a PersistentVolumeClaim of storageSize; production goes to S3 with secret credentials", async () => {
        const staging = await run("staging");
        assert.equal(plain(one(staging, "kubernetes:core/v1:PersistentVolumeClaim")).spec.resources.requests.storage, "20Gi");
        assert.equal(ofType(staging, "kubernetes:core/v1:Secret").length, 0);

        const production = await run("production");
        assert.equal(ofType(production, "kubernetes:core/v1:PersistentVolumeClaim").length, 0);
        const secret = one(production, "kubernetes:core/v1:Secret");
        // The provider may mark the whole stringData secret, or each value; either way nothing is in the clear.
        const data = secret.inputs.stringData as Record<string, unknown>;
        for (const key of ["RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID", "RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY"]) {
            assert.ok(isSecretValue(data) || isSecretValue(data[key]), key);
        }
        assert.equal(plain(secret).stringData.RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY, sentinel("fork-knife:backupS3SecretAccessKey"));
        const redacted = JSON.stringify(production.resources.map((x) => redactSecrets(x.inputs)));
        assert.ok(!redacted.includes("SENTINEL-"), "no credential in plain text");
        const [backup] = byComponent(cronJobs(production), "backup");
        const spec = backup.spec.jobTemplate.spec.template.spec;
        assert.equal(spec.initContainers[0].image, stackBackup("production").rcloneImage);
        const env = envOf(spec.containers[0]);
        assert.equal(env.RCLONE_CONFIG_BACKUP_TYPE, "s3");
        assert.equal(env.RCLONE_CONFIG_BACKUP_REGION, "eu-central-1");
        assert.equal(env.RCLONE, "/tools/rclone");
        assert.equal(spec.containers[0].envFrom[1].secretRef.name, "backup-s3-credentials");
    });

    it("keeps the object-storage keys in a credential Secret with their own rotation record", async () => {
        const production = await run("production");
        const secret = plain(one(production, "kubernetes:core/v1:Secret"));
        assert.equal(secret.metadata.labels["app.kubernetes.io/component"], "secrets");
        const a = secret.metadata.annotations;
        assert.deepEqual([a["fork-knife.io/secret-kind"], a["fork-knife.io/rotated-at"], a["fork-knife.io/max-age-days"], a["fork-knife.io/next-rotation-due"]],
            ["object-storage-key", "2026-07-01", "180", "2026-12-28"]);
    });

    it("requests and limits ephemeral storage for the scratch volumes: the staged dump, /tmp, the tools, and logs", async () => {
        for (const [stack, expected] of [["staging", "1536Mi"], ["production", "103040Mi"]] as const) {
            // staging: 1Gi work + 256Mi /tmp + 256Mi logs; production stages the 100Gi dump: 102400 + 256 + 128 tools + 256.
            const r = await run(stack);
            for (const pod of pods(r)) {
                const main = pod.containers[0].resources;
                assert.equal(main.requests["ephemeral-storage"], expected, stack);
                assert.equal(main.limits["ephemeral-storage"], expected, stack);
                for (const init of pod.initContainers ?? []) {
                    assert.equal(init.resources.requests["ephemeral-storage"], init.resources.limits["ephemeral-storage"]);
                }
            }
        }
        const bigger = await run("production", { set: { "fork-knife:backup": { ...stackBackup("production"), target: "s3://fork-knife-backups/production", s3Region: "eu-central-1", storageSize: "200Gi" } } });
        assert.equal(pods(bigger)[0].containers[0].resources.limits["ephemeral-storage"], `${200 * 1024 + 640}Mi`, "follows backup.storageSize");
    });

    it("waits for a long pre-migration dump instead of Pulumi's 10-minute default", async () => {
        const r = await run("production");
        assert.equal(one(r, "kubernetes:batch/v1:Job").customTimeouts.create, "6h30m");
    });

    it("opens the object-storage endpoint's own port: explicit, else by scheme", () => {
        assert.equal(objectStoragePort(undefined), 443);
        assert.equal(objectStoragePort("https://s3.eu-central-1.amazonaws.com"), 443);
        assert.equal(objectStoragePort("http://minio.storage.svc"), 80);
        assert.equal(objectStoragePort("http://minio.storage.svc:9000"), 9000);
    });

    it("backup pods accept no traffic and reach only DNS, the database and (with S3) HTTPS", async () => {
        for (const [stack, expected] of [["staging", ["TCP/53", "TCP/5432", "UDP/53"]], ["production", ["TCP/443", "TCP/53", "TCP/5432", "UDP/53"]]] as const) {
            const r = await run(stack);
            const np = plain(one(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy")).spec;
            assert.deepEqual(np.ingress, []);
            assert.deepEqual(np.egress.flatMap((e: any) => e.ports.map((p: any) => `${p.protocol}/${p.port}`)).sort(), expected);
            const selected = np.podSelector.matchExpressions[0].values;
            for (const spec of [...cronJobs(r).map((c) => c.spec.jobTemplate.spec.template), ...ofType(r, "kubernetes:batch/v1:Job").map((j) => plain(j).spec.template)]) {
                assert.ok(selected.includes(spec.metadata.labels["app.kubernetes.io/component"]), `${stack}: every backup pod is selected`);
            }
        }
    });

    it("a restore Job exists only when restoreFrom is set; production also needs confirmRestore equal to the stack name", async () => {
        assert.equal(ofType(await run("staging"), "kubernetes:batch/v1:Job").length, 0);
        const staging = await run("staging", { set: { "fork-knife:backup": { restoreFrom: "fork-knife-20261101T030000Z.dump" } } });
        const job = plain(one(staging, "kubernetes:batch/v1:Job"));
        assert.equal(job.metadata.labels["app.kubernetes.io/component"], "restore");
        const env = envOf(job.spec.template.spec.containers[0]);
        assert.equal(env.BACKUP_NAME, "fork-knife-20261101T030000Z.dump");
        assert.equal(env.RESTORE_DATABASE, env.RESTORE_CONFIRM);
        assert.deepEqual(job.spec.template.spec.containers[0].command, ["bash", "/scripts/restore.sh"]);
        const restore = one(staging, "kubernetes:batch/v1:Job");
        assert.deepEqual(restore.ignoreChanges, ["spec"], "an unrelated settings change must never re-run a restore");
        assert.equal(restore.customTimeouts.create, "6h30m");
        const later = await run("staging", { set: { "fork-knife:backup": { restoreFrom: "fork-knife-20261101T030000Z.dump", retentionDays: 14 } } });
        assert.equal(plain(one(later, "kubernetes:batch/v1:Job")).metadata.name, job.metadata.name, "same request, same Job");
        const another = await run("staging", { set: { "fork-knife:backup": { restoreFrom: "fork-knife-20261102T030000Z.dump" } } });
        assert.notEqual(plain(one(another, "kubernetes:batch/v1:Job")).metadata.name, job.metadata.name, "a new request is a new Job");
        // ...and a new Pulumi resource: under the same resource name, ignoreChanges would keep the old request's spec.
        assert.notEqual(one(another, "kubernetes:batch/v1:Job").urn, restore.urn);
        assert.ok(restore.name.endsWith(job.metadata.name.replace(/^restore-/, "")), "the resource name carries the request id");

        await assert.rejects(run("production", {}, (a) => ({ ...a, backup: { ...a.backup, restoreFrom: "latest", confirmRestore: "staging" } })),
            /confirmRestore must equal the stack name \(production\)/);
        const confirmed = await run("production", {}, (a) => ({ ...a, backup: { ...a.backup, restoreFrom: "latest", confirmRestore: "production" } }));
        assert.equal(byComponent(ofType(confirmed, "kubernetes:batch/v1:Job").map(plain), "restore").length, 1);
    });

    it("production: a pre-migration backup Job per release that the MigrationJob depends on and records", async () => {
        const r = await run("production", {}, (a) => a, true);
        const pre = ofType(r, "kubernetes:batch/v1:Job").find((j) => plain(j).metadata.labels["app.kubernetes.io/component"] === "pre-migration-backup")!;
        const migration = ofType(r, "kubernetes:batch/v1:Job").find((j) => plain(j).metadata.labels["app.kubernetes.io/component"] === "migration")!;
        const preName = plain(pre).metadata.name;
        assert.match(preName, /^pre-migrate-2026-11-3-[0-9a-f]{6}$/);
        assert.equal(plain(migration).metadata.annotations["fork-knife.io/pre-migration-backup"], preName);
        assert.ok(migration.dependencies.includes(pre.urn), "MigrationJob dependsOn the pre-migration backup");
        const c = plain(pre).spec.template.spec.containers[0];
        assert.deepEqual(c.command, ["bash", "/scripts/backup.sh"]);
        assert.equal(envOf(c).BACKUP_LABEL, preName);
        assert.equal(c.envFrom[0].secretRef.name, "fork-knife-backup");

        const staging = await run("staging", {}, (a) => a, true);
        assert.equal(byComponent(ofType(staging, "kubernetes:batch/v1:Job").map(plain), "pre-migration-backup").length, 0);
        assert.equal(plain(one(staging, "kubernetes:batch/v1:Job")).metadata.annotations["fork-knife.io/pre-migration-backup"], undefined);
    });
});
