// The guide's backup section as resources: a daily verified dump with retention, a quarterly restore test,
// a guarded one-shot restore, and in production a backup before every release's migration.
// The scripts (scripts/*.sh) run in the official PostgreSQL image of the server's major version.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION, ComponentName, standardLabels } from "../lib/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-security";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { ephemeralStorage, isS3Target, RCLONE_CREDENTIAL_KEYS, RCLONE_TOOLS_SIZE, rcloneEnv, rcloneInitContainer } from "./backup-storage";
import { bucketDocuments, BucketDocuments } from "./bucket-policy";
import { BackupPrune } from "./backup-prune";
import { credentialSecret, RotationRecord, rotationRecord } from "../app/rotation";
import { Destination, EgressArgs, HTTPS_PORT, jobNetworkPolicy } from "../lib/network-policy";
import { LiveRestoreScaleDown } from "./live-restore";
import { RestoreTestTarget } from "./restore-test-server";
import { PodFiles } from "../lib/pod-files";
import { jobServiceAccount } from "../lib/service-account";

export const BACKUP_SCRIPTS = ["lib-backup.sh", "backup.sh", "restore.sh", "restore-test.sh"];
export { BACKUP_DEADLINE_SECONDS } from "./recovery-objectives";
import { BACKUP_DEADLINE_SECONDS, BACKUP_STARTING_DEADLINE_SECONDS } from "./recovery-objectives";
/** Pulumi waits 10 minutes for a Job by default; a production dump may take hours, and the release waits for it. */
const JOB_TIMEOUTS = { create: "6h30m", update: "6h30m" };

/** The TCP port of the object-storage endpoint: explicit, else by scheme (AWS S3 when unset: HTTPS). */
export function objectStoragePort(endpoint: string | undefined): number {
    if (!endpoint) return 443;
    const url = new URL(endpoint);
    return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
}

export interface BackupScheduleArgs {
    /** Namespace every resource goes in. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** Stack name: a production restore must be confirmed with it. */
    stack: string;
    /** The validated `fork-knife:backup` settings. */
    backup: ParsedSettings["backup"];
    /** The application's database: the restore Job's target, and what restore.sh refuses without confirmation. */
    databaseName: string;
    /** This release's migration Job name (migrationJobName(image)); names the pre-migration backup Job. */
    releaseName: string;
    /** Where the backup pods may connect: DNS, the database, and HTTPS for object storage (cidrs narrow it). */
    egress: Pick<EgressArgs, "dns" | "database" | "https">;
    /** Secret with PG* variables of the read-only backup role (pg_dump). */
    backupCredentialsSecret: pulumi.Input<string>;
    /** Secret with PG* variables of the restore role (CREATE DATABASE, member of the migrator): the live restore. */
    restoreCredentialsSecret: pulumi.Input<string>;
    /** The database CA bundle (verify-ca / verify-full): PGSSLROOTCERT in the credentials Secrets points at it. */
    databaseCa?: PodFiles;
    /** Secret with PG* variables of the restore-test role (CREATE DATABASE only); defaults to restoreCredentialsSecret. */
    restoreTestCredentialsSecret?: pulumi.Input<string>;
    /** The restore test's own server (backup.restoreTestServer): its credentials replace the restore-test role's,
     *  and the restore-test pod's PostgreSQL egress goes there only. */
    restoreTestServer?: RestoreTestTarget;
    /** The Kubernetes API server's endpoints, which the live restore's scale-down reaches (default: port 443, any address). */
    kubernetesApi?: Destination;
    /** The workloads the live restore scales down (declared after this component, hence a promise): the restore Job
     *  starts once they exist, so on a new cluster kubectl finds them and none comes up during the restore. */
    restoreAfter?: Promise<pulumi.Resource[]>;
    /** Object-storage credentials, required when backup.target is s3://. */
    s3Credentials?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string>; rotatedAt: string };
    /** The prune identity's keys, required with backup.retentionMode prune-identity (never given to the backup pods). */
    pruneS3Credentials?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string>; rotatedAt: string };
}

export class BackupSchedule extends pulumi.ComponentResource {
    public readonly backupCronJob: k8s.batch.v1.CronJob;
    public readonly restoreTestCronJob: k8s.batch.v1.CronJob;
    public readonly restoreJob?: k8s.batch.v1.Job;
    public readonly preMigrationBackupJob?: k8s.batch.v1.Job;
    public readonly preMigrationBackupJobName?: pulumi.Output<string>;
    /** Rotation record of the object-storage keys (s3:// targets only). */
    public readonly s3CredentialsRecord?: RotationRecord;
    /** What each object-storage identity may do, and the bucket's retention (s3:// targets only); synth writes them. */
    public readonly bucketDocuments?: BucketDocuments;
    /** The backup-prune CronJob and its key (backup.retentionMode prune-identity only). */
    public readonly prune?: BackupPrune;

    constructor(name: string, args: BackupScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:backup:BackupSchedule", name, {}, opts);
        const b = args.backup;
        const s3 = isS3Target(b.target);
        if (s3 && !args.s3Credentials) throw new Error(`fork-knife:backup.target = ${b.target}: needs backupS3AccessKeyId and backupS3SecretAccessKey`);
        const meta = (n: string, component: ComponentName) => ({ name: n, namespace: args.namespace, labels: standardLabels(component, args.environment) });

        const scripts = new k8s.core.v1.ConfigMap(`${name}-scripts`, {
            metadata: meta("backup-scripts", "backup"),
            data: Object.fromEntries(BACKUP_SCRIPTS.map((f) => [f, fs.readFileSync(path.join(__dirname, "..", "..", "scripts", f), "utf8")])),
        }, { parent: this });

        const storage = s3 ? undefined : new k8s.core.v1.PersistentVolumeClaim(`${name}-storage`, {
            metadata: { ...meta("backups", "backup"), annotations: { "pulumi.com/skipAwait": "true" } },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: b.storageSize } } },
        }, { parent: this, protect: args.environment === "production" });

        // The object-storage keys are credentials like any other: a Secret of their own with a rotation record.
        this.s3CredentialsRecord = s3 ? rotationRecord("object-storage-key", args.s3Credentials!.rotatedAt) : undefined;
        const s3Secret = s3 ? credentialSecret(`${name}-s3`, {
            namespace: args.namespace, environment: args.environment, secretName: "backup-s3-credentials",
            record: this.s3CredentialsRecord!,
            values: {
                [RCLONE_CREDENTIAL_KEYS.accessKeyId]: args.s3Credentials!.accessKeyId,
                [RCLONE_CREDENTIAL_KEYS.secretAccessKey]: args.s3Credentials!.secretAccessKey,
            },
        }, { parent: this }) : undefined;

        // Each kind of Job its own token-less account (created only for the Jobs this stack runs).
        const accounts = new Map<ComponentName, k8s.core.v1.ServiceAccount>();
        const accountFor = (component: ComponentName) => {
            if (!accounts.has(component)) {
                accounts.set(component, jobServiceAccount(`${name}-${component}-account`, { namespace: args.namespace, environment: args.environment, component }, { parent: this }));
            }
            return accounts.get(component)!.metadata.name;
        };
        // The restore test on its own server trusts that server's CA, not the database's.
        const caFor = (component: ComponentName) => (component === "restore-test" && args.restoreTestServer ? args.restoreTestServer.caFiles : args.databaseCa);
        // With S3 the dump is staged in /work before upload: it needs the target's full size.
        const workSize = s3 ? b.storageSize : "1Gi";
        const pod = (component: ComponentName, script: string, credentials: pulumi.Input<string>, env: Record<string, string>) => {
            const common = {
                BACKUP_TARGET: b.target, BACKUP_DIR: "/backups", WORK_DIR: "/work", HOME: "/tmp", BACKUP_FORMAT: b.format,
                BACKUP_JOBS: String(b.parallelJobs), RESTORE_JOBS: String(b.parallelJobs), RETENTION_DAYS: String(b.retentionDays),
                RETENTION_MODE: b.retentionMode,
                ...(s3 ? { RCLONE: "/tools/rclone" } : {}),
            };
            const ca = caFor(component);
            const ephemeral = ephemeralStorage([TMP_VOLUME.emptyDir.sizeLimit, workSize, ...(s3 ? [RCLONE_TOOLS_SIZE] : [])]);
            const volumes: k8s.types.input.core.v1.Volume[] = [
                TMP_VOLUME,
                { name: "scripts", configMap: { name: scripts.metadata.name, defaultMode: 0o555 } },
                { name: "work", emptyDir: { sizeLimit: workSize } },
                s3 ? { name: "tools", emptyDir: { sizeLimit: RCLONE_TOOLS_SIZE } } : { name: "backups", persistentVolumeClaim: { claimName: storage!.metadata.name } },
                ...(ca ? [ca.volume] : []),
            ];
            const mounts = [TMP_MOUNT, { name: "scripts", mountPath: "/scripts", readOnly: true }, { name: "work", mountPath: "/work" },
                s3 ? { name: "tools", mountPath: "/tools", readOnly: true } : { name: "backups", mountPath: "/backups" },
                ...(ca ? [ca.mount] : [])];
            return {
                metadata: { labels: standardLabels(component, args.environment) },
                spec: {
                    restartPolicy: "Never",
                    // Time after SIGTERM for the scripts' cleanup: drop a production-sized scratch database,
                    // release the S3 lock, purge a half-uploaded dump.
                    terminationGracePeriodSeconds: 120,
                    serviceAccountName: accountFor(component),
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurityContext(),
                    initContainers: s3 ? [rcloneInitContainer(args.backup.rcloneImage)] : [],
                    containers: [{
                        name: component, image: b.postgresImage, command: ["bash", `/scripts/${script}`],
                        envFrom: [{ secretRef: { name: credentials } }, ...(s3Secret ? [{ secretRef: { name: s3Secret.metadata.name } }] : [])],
                        env: [...Object.entries({ ...common, ...env }).map(([k, v]) => ({ name: k, value: v })), ...(s3 ? rcloneEnv({ endpoint: b.s3Endpoint, region: b.s3Region }) : [])],
                        securityContext: restrictedContainerSecurityContext(),
                        // The scratch volumes' disk, requested so the scheduler picks a node with room for the dump and
                        // limited so a runaway dump evicts this pod, not its neighbours.
                        resources: {
                            requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": ephemeral },
                            limits: { memory: "1Gi", "ephemeral-storage": ephemeral },
                        },
                        volumeMounts: mounts,
                    }],
                    volumes,
                },
            };
        };
        const jobSpec = (component: ComponentName, script: string, credentials: pulumi.Input<string>, env: Record<string, string> = {}) => ({
            backoffLimit: 1,
            activeDeadlineSeconds: BACKUP_DEADLINE_SECONDS,
            template: pod(component, script, credentials, env),
        });
        // Operators type these names (`kubectl create job --from=cronjob/backup …`), so they are fixed. No
        // deleteBeforeReplace: no CronJob field is replace-only, so only a move to another namespace replaces one,
        // and there the old object does not hold the name.
        const cron = (n: string, component: ComponentName, schedule: string, script: string, credentials: pulumi.Input<string>,
            env: Record<string, string>, annotations: Record<string, string> = {}) => new k8s.batch.v1.CronJob(`${name}-${n}`, {
            metadata: { ...meta(n, component), annotations },
            spec: {
                schedule, timeZone: b.timeZone,
                concurrencyPolicy: "Forbid",
                // A run missed by more than an hour (cluster down) is skipped, and the backup-age alert fires.
                startingDeadlineSeconds: BACKUP_STARTING_DEADLINE_SECONDS,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: { metadata: { labels: standardLabels(component, args.environment) }, spec: jobSpec(component, script, credentials, env) },
            },
        }, { parent: this });

        // Object storage on 443 shares the HTTPS allowance; an endpoint on another port goes to backup.s3Cidr only.
        const storagePort = s3 ? objectStoragePort(b.s3Endpoint) : undefined;
        const storageEgress = {
            https: storagePort === HTTPS_PORT ? (b.s3Cidr ? { cidrs: [b.s3Cidr] } : args.egress.https) : undefined,
            others: storagePort !== undefined && storagePort !== HTTPS_PORT ? [{ port: storagePort, cidrs: b.s3Cidr ? [b.s3Cidr] : undefined }] : [],
        };
        // A restore test on its own server gets a policy of its own that names that server instead of the database:
        // policies add up, so sharing the Jobs' policy would let it reach production's database too.
        const ownServer = args.restoreTestServer;
        jobNetworkPolicy(name, {
            namespace: args.namespace, environment: args.environment,
            components: ["backup", "pre-migration-backup", ...(ownServer ? [] : ["restore-test" as const]), "restore"],
            egress: { dns: args.egress.dns, database: args.egress.database, ...storageEgress },
        }, { parent: this });
        if (ownServer) {
            jobNetworkPolicy(`${name}-restore-test`, {
                namespace: args.namespace, environment: args.environment, components: ["restore-test"],
                egress: { dns: args.egress.dns, database: ownServer.destination, ...storageEgress },
            }, { parent: this });
        }

        this.backupCronJob = cron("backup", "backup", b.schedule, "backup.sh", args.backupCredentialsSecret, {},
            { [ANNOTATION.retentionDays]: String(b.retentionDays), [ANNOTATION.backupTarget]: b.target });
        this.restoreTestCronJob = cron("restore-test", "restore-test", b.restoreTestSchedule, "restore-test.sh",
            ownServer?.credentialsSecret ?? args.restoreTestCredentialsSecret ?? args.restoreCredentialsSecret,
            { RESTORE_TEST_TABLES: b.restoreTestTables.join(","), RESTORE_MAINTENANCE_DB: "postgres", RTO_BUDGET_SECONDS: String(b.rtoBudgetSeconds) });

        if (b.restoreFrom) {
            if (args.environment === "production" && b.confirmRestore !== args.stack) {
                throw new Error(`fork-knife:backup.confirmRestore must equal the stack name (${args.stack}) to restore production`);
            }
            // Named per request, so the same settings never restore twice and a new request is a new Job.
            const id = crypto.createHash("sha256").update(`${b.restoreFrom}|${b.confirmRestore ?? ""}`).digest("hex").slice(0, 8);
            // Both workloads at zero, their pods gone, before restore.sh starts (components/data/live-restore.ts).
            const scaleDown = new LiveRestoreScaleDown(`${name}-scale-down`, {
                namespace: args.namespace, environment: args.environment, serviceAccountName: accountFor("restore"),
                kubectlImage: b.kubectlImage, kubernetesApi: args.kubernetesApi ?? { port: HTTPS_PORT },
            }, { parent: this });
            const restoreSpec = jobSpec("restore", "restore.sh", args.restoreCredentialsSecret, {
                BACKUP_NAME: b.restoreFrom, RESTORE_DATABASE: args.databaseName, LIVE_DATABASE: args.databaseName,
                RESTORE_CONFIRM: args.databaseName, RESTORE_OWNERSHIP: "keep", RESTORE_MAINTENANCE_DB: "postgres",
            });
            const restoreAfter: Promise<pulumi.Resource[]> = (args.restoreAfter ?? Promise.resolve([]))
                .then((workloads) => [...workloads, scaleDown.role, scaleDown.roleBinding, scaleDown.networkPolicy]);
            // The request id is in the Pulumi name too: with ignoreChanges, a replacement under the same name would
            // keep the old request's spec (Pulumi fills ignored properties from state) and restore the old backup.
            this.restoreJob = new k8s.batch.v1.Job(`${name}-restore-${id}`, {
                metadata: meta(`restore-${id}`, "restore"),
                spec: { ...restoreSpec, template: { ...restoreSpec.template, spec: scaleDown.podSpec(restoreSpec.template.spec) } },
            }, {
                parent: this,
                dependsOn: restoreAfter,
                // A restore overwrites the live database: an unrelated change (retention, image) must never replace
                // the Job and so run it again. Only a new request (another restoreFrom/confirmRestore) is a new Job.
                ignoreChanges: ["spec"],
                customTimeouts: JOB_TIMEOUTS,
            });
        }

        // The break-glass waiver (a rollback to an already-migrated image) drops this release's dump, never silently:
        // the migration Job carries the reason and the audit output records it.
        if (b.preMigrationBackup && !b.skipPreMigrationBackup) {
            const jobName = `pre-${args.releaseName}`.slice(0, 63).replace(/-+$/, "");
            this.preMigrationBackupJob = new k8s.batch.v1.Job(`${name}-pre-migration`, {
                metadata: { ...meta(jobName, "pre-migration-backup"), annotations: { [ANNOTATION.replaceUnready]: "true" } },
                spec: jobSpec("pre-migration-backup", "backup.sh", args.backupCredentialsSecret, { BACKUP_LABEL: jobName }),
            }, { parent: this, customTimeouts: JOB_TIMEOUTS });
            this.preMigrationBackupJobName = this.preMigrationBackupJob.metadata.name;
        }

        this.bucketDocuments = s3 ? bucketDocuments(b.target, b.retentionMode, b.retentionDays) : undefined;
        if (b.retentionMode === "prune-identity") {
            if (!args.pruneS3Credentials) throw new Error("fork-knife:backup.retentionMode = \"prune-identity\": needs backupPruneS3AccessKeyId, backupPruneS3SecretAccessKey and rotation.backupPruneS3");
            this.prune = new BackupPrune(`${name}-prune`, {
                namespace: args.namespace, environment: args.environment, backup: b, scriptsConfigMap: scripts.metadata.name,
                credentials: args.pruneS3Credentials, egress: { dns: args.egress.dns, ...storageEgress },
            }, { parent: this });
        }
        this.registerOutputs({
            bucketDocuments: this.bucketDocuments,
            backupCronJob: this.backupCronJob.metadata.name,
            restoreTestCronJob: this.restoreTestCronJob.metadata.name,
            preMigrationBackupJobName: this.preMigrationBackupJobName,
            pruneCronJob: this.prune?.cronJob.metadata.name,
        });
    }
}
