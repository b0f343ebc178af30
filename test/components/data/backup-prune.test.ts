// Retention by a separate prune identity, through the whole program: the backup-prune CronJob runs backup.sh prune
// with its own key, Secret, rotation record, account and network policy, and no backup pod ever gets that key.
import { strict as assert } from "assert";
import { BackupSchedule } from "../../../components/data/backup-schedule";
import { readSettings } from "../../../components/config/settings";
import { egressFromSettings } from "../../../components/lib/network-policy";
import { isSecretValue, ProgramRun, redactSecrets, revealSecrets, runProgram } from "../../../tools/lib/program";
import { ofType, plain, sentinel, stackConfig, TODAY } from "../../support/stacks";

type Stack = "staging" | "production";
const PRUNE_KEYS = ["fork-knife:backupPruneS3AccessKeyId", "fork-knife:backupPruneS3SecretAccessKey"];

/** The committed stack, switched to retentionMode prune-identity with the prune keys (secure) and their record. */
function pruneIdentityConfig(stack: Stack, backup: Record<string, unknown> = {}, target = "s3://fork-knife-backups/staging") {
    const base = stackConfig(stack);
    const committed = JSON.parse(base.config["fork-knife:backup"]);
    const rotation = JSON.parse(base.config["fork-knife:rotation"]);
    const s3 = stack === "staging" ? { target, backupS3: { rotatedAt: "2026-09-01" } } : {};
    const c = stackConfig(stack, {
        set: {
            "fork-knife:backup": { ...committed, ...(stack === "staging" ? { target } : {}), retentionMode: "prune-identity", ...backup },
            "fork-knife:rotation": { ...rotation, ...(s3.backupS3 ? { backupS3: s3.backupS3 } : {}), backupPruneS3: { rotatedAt: "2026-10-15" } },
        },
    });
    const secretKeys = [...c.secretKeys, ...PRUNE_KEYS];
    const extra = stack === "staging" ? ["fork-knife:backupS3AccessKeyId", "fork-knife:backupS3SecretAccessKey"] : [];
    for (const k of [...PRUNE_KEYS, ...extra]) c.config[k] = sentinel(k);
    return { config: c.config, secretKeys: [...secretKeys, ...extra.filter((k) => !secretKeys.includes(k))] };
}

function runWhole(stack: Stack, backup: Record<string, unknown> = {}): Promise<ProgramRun> {
    const c = pruneIdentityConfig(stack, backup);
    return runProgram({ stack, config: c.config, secretKeys: c.secretKeys, now: TODAY });
}

const component = (o: any) => o.metadata?.labels?.["app.kubernetes.io/component"];
const cronJobs = (r: ProgramRun) => ofType(r, "kubernetes:batch/v1:CronJob").map(plain);
const podSpecs = (r: ProgramRun) => [
    ...cronJobs(r).map((c) => ({ component: component(c), spec: c.spec.jobTemplate.spec.template.spec })),
    ...ofType(r, "kubernetes:batch/v1:Job").map(plain).map((j) => ({ component: component(j), spec: j.spec.template.spec })),
    ...ofType(r, "kubernetes:apps/v1:Deployment").map(plain).map((d) => ({ component: component(d), spec: d.spec.template.spec })),
];
const envOf = (container: any) => Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
const secretNamed = (r: ProgramRun, name: string) => ofType(r, "kubernetes:core/v1:Secret").find((s) => (s.inputs as any).metadata.name === name);

describe("BackupPrune (backup.retentionMode prune-identity)", function () {
    this.timeout(120_000);
    let production: ProgramRun;
    before(async () => { production = await runWhole("production"); });

    it("a backup-prune CronJob runs backup.sh prune with the prune identity, after the backup, Forbid, with deadlines and history", () => {
        const [prune] = cronJobs(production).filter((c) => component(c) === "backup-prune");
        assert.ok(prune, "a CronJob labelled app.kubernetes.io/component=backup-prune");
        assert.equal(prune.metadata.name, "backup-prune");
        assert.deepEqual([prune.spec.schedule, prune.spec.timeZone, prune.spec.concurrencyPolicy], ["0 11 * * *", "Etc/UTC", "Forbid"]);
        assert.ok(prune.spec.startingDeadlineSeconds > 0 && prune.spec.successfulJobsHistoryLimit > 0 && prune.spec.failedJobsHistoryLimit > 0);
        const job = prune.spec.jobTemplate.spec;
        assert.equal(job.activeDeadlineSeconds, 3600);
        const pod = job.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(c.command, ["bash", "/scripts/backup.sh", "prune"]);
        const env = envOf(c);
        assert.deepEqual([env.RETENTION_MODE, env.RETENTION_DAYS, env.BACKUP_TARGET, env.RCLONE], ["prune-identity", "30", "s3://fork-knife-backups/production", "/tools/rclone"]);
        // Its only credential is its own key: no database Secret, no backup key.
        assert.deepEqual(c.envFrom.map((e: any) => e.secretRef.name), ["backup-prune-s3-credentials"]);
        assert.ok(!c.env.some((e: any) => e.valueFrom), "no secretKeyRef variables");
        assert.deepEqual([pod.serviceAccountName, pod.automountServiceAccountToken, pod.restartPolicy], ["fork-knife-backup-prune", false, "Never"]);
        assert.equal(pod.volumes.find((v: any) => v.name === "scripts").configMap.name, "backup-scripts");
        assert.equal(pod.initContainers[0].image, JSON.parse(stackConfig("production").config["fork-knife:backup"]).rcloneImage);
        for (const ct of [...pod.containers, ...pod.initContainers]) {
            assert.equal(ct.securityContext.readOnlyRootFilesystem, true);
            assert.deepEqual(ct.securityContext.capabilities.drop, ["ALL"]);
        }
        // /tmp 256Mi + /work 64Mi + tools 128Mi + 256Mi of logs.
        assert.deepEqual([c.resources.requests["ephemeral-storage"], c.resources.limits["ephemeral-storage"]], ["704Mi", "704Mi"]);
        const account = ofType(production, "kubernetes:core/v1:ServiceAccount").map(plain).find((a) => a.metadata.name === "fork-knife-backup-prune");
        assert.ok(account && account.automountServiceAccountToken === false && component(account) === "backup-prune");
    });

    it("the prune key lives in its own credential Secret with its own rotation record, never in plain text", () => {
        const secret = secretNamed(production, "backup-prune-s3-credentials")!;
        assert.ok(secret);
        const a = plain(secret).metadata.annotations;
        assert.deepEqual([a["fork-knife.io/secret-kind"], a["fork-knife.io/rotated-at"], a["fork-knife.io/max-age-days"], a["fork-knife.io/next-rotation-due"]],
            ["object-storage-prune-key", "2026-10-15", "180", "2027-04-13"]);
        const data = plain(secret).stringData;
        assert.deepEqual([data.RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID, data.RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY],
            [sentinel("fork-knife:backupPruneS3AccessKeyId"), sentinel("fork-knife:backupPruneS3SecretAccessKey")]);
        const raw = (secret.inputs as any).stringData;
        assert.ok(isSecretValue(raw) || isSecretValue(raw.RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY));
        assert.ok(!JSON.stringify(production.resources.map((x) => redactSecrets(x.inputs))).includes("SENTINEL-"), "no credential in plain text");
        // The backup pods' Secret keeps the backup key.
        assert.equal(plain(secretNamed(production, "backup-s3-credentials")!).stringData.RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID, sentinel("fork-knife:backupS3AccessKeyId"));
    });

    it("no pod but backup-prune references the prune Secret or the prune key: the backup pods never get it", () => {
        const others = podSpecs(production).filter((p) => p.component !== "backup-prune");
        assert.ok(others.some((p) => p.component === "backup") && others.some((p) => p.component === "pre-migration-backup"));
        for (const p of others) {
            const text = JSON.stringify(p.spec);
            assert.ok(!text.includes("backup-prune-s3-credentials"), `${p.component} must not reference the prune Secret`);
            assert.ok(!text.includes(sentinel("fork-knife:backupPruneS3SecretAccessKey")), `${p.component} must not carry the prune key`);
        }
        // And the backup pods know they do not prune.
        const [backup] = cronJobs(production).filter((c) => component(c) === "backup");
        assert.equal(envOf(backup.spec.jobTemplate.spec.template.spec.containers[0]).RETENTION_MODE, "prune-identity");
    });

    it("its NetworkPolicy selects backup-prune only and reaches DNS and the object store, never the database", () => {
        const policies = ofType(production, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(plain);
        const selecting = (c: string) => policies.filter((p) => (p.spec.podSelector.matchExpressions ?? []).some((e: any) => e.values.includes(c)));
        const [own] = selecting("backup-prune");
        assert.ok(own, "a NetworkPolicy selects backup-prune");
        assert.deepEqual(own.spec.podSelector.matchExpressions[0].values, ["backup-prune"]);
        assert.deepEqual(own.spec.ingress, []);
        const ports = own.spec.egress.flatMap((e: any) => e.ports.map((p: any) => p.port)).sort((a: number, b: number) => a - b);
        assert.deepEqual(ports, [53, 53, 443]);
        assert.equal(selecting("backup-prune").length, 1, "the backup Jobs' policy (with the database) does not select it");
    });

    it("the audit output lists the prune key's record and the prune CronJob", () => {
        const audit = revealSecrets(production.outputs.audit) as any;
        const records = audit.secrets.filter((s: any) => s.kind === "object-storage-prune-key");
        assert.deepEqual(records, [{ kind: "object-storage-prune-key", rotatedAt: "2026-10-15", maxAgeDays: 180, nextRotationDue: "2027-04-13" }]);
        assert.deepEqual([audit.backups.retentionMode, audit.backups.pruneCronJob], ["prune-identity", "backup-prune"]);
    });

    it("backup.pruneSchedule reaches the CronJob, in backup.timeZone", async () => {
        const r = await runWhole("production", { pruneSchedule: "30 12 * * 1", timeZone: "Europe/Berlin" });
        const [prune] = cronJobs(r).filter((c) => component(c) === "backup-prune");
        assert.deepEqual([prune.spec.schedule, prune.spec.timeZone], ["30 12 * * 1", "Europe/Berlin"]);
    });

    it("staging with an s3:// target may use it too", async () => {
        const r = await runWhole("staging");
        const [prune] = cronJobs(r).filter((c) => component(c) === "backup-prune");
        assert.equal(envOf(prune.spec.jobTemplate.spec.template.spec.containers[0]).RETENTION_DAYS, "7");
    });

    for (const [stack, mode] of [["staging", "script"], ["production", "lifecycle"]] as const) {
        it(`${stack}'s committed stack (${mode}) has no prune CronJob, Secret or account`, async () => {
            const c = stackConfig(stack);
            const r = await runProgram({ stack, config: c.config, secretKeys: c.secretKeys, now: TODAY });
            assert.equal(cronJobs(r).filter((j) => component(j) === "backup-prune").length, 0);
            assert.equal(secretNamed(r, "backup-prune-s3-credentials"), undefined);
            assert.equal((revealSecrets(r.outputs.audit) as any).backups.pruneCronJob, null);
        });
    }

    it("BackupSchedule refuses prune-identity without the prune keys, naming the keys", async () => {
        const c = pruneIdentityConfig("production");
        await assert.rejects(runProgram({
            stack: "production", config: c.config, secretKeys: c.secretKeys, now: TODAY, program: () => {
                const s = readSettings();
                new BackupSchedule("backups", {
                    namespace: s.namespace, environment: s.environment, stack: s.stack, backup: s.backup, databaseName: s.database.name,
                    egress: egressFromSettings(s), releaseName: "migrate-x", backupCredentialsSecret: "b", restoreCredentialsSecret: "r",
                    s3Credentials: { accessKeyId: "id", secretAccessKey: "key", rotatedAt: "2026-10-01" },
                });
            },
        }), /backup\.retentionMode = "prune-identity": needs backupPruneS3AccessKeyId, backupPruneS3SecretAccessKey and rotation\.backupPruneS3/);
    });
});
