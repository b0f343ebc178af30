// Retention by a separate prune identity (backup.retentionMode prune-identity): the backup pods' key may add
// backups but not delete them, and this CronJob runs `backup.sh prune` with a key of its own that may list and
// delete old backups but never write one (bucket-policy.ts, prune-identity-policy). A stolen key of either kind
// alone cannot erase the history. The pod never talks to PostgreSQL: it holds no database credential and its
// NetworkPolicy reaches only DNS and the object store.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { credentialSecret, RotationRecord, rotationRecord } from "../app/rotation";
import { standardLabels } from "../lib/labels";
import { EgressArgs, jobNetworkPolicy } from "../lib/network-policy";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-security";
import { jobServiceAccount } from "../lib/service-account";
import { ephemeralStorage, isS3Target, RCLONE_CREDENTIAL_KEYS, RCLONE_TOOLS_SIZE, rcloneEnv, rcloneInitContainer } from "./backup-storage";
import { BACKUP_STARTING_DEADLINE_SECONDS } from "./recovery-objectives";

/** Fixed names operators type (`kubectl create job --from=cronjob/backup-prune …`) and the runbook uses. */
export const PRUNE_CRONJOB_NAME = "backup-prune";
export const PRUNE_SECRET_NAME = "backup-prune-s3-credentials";
/** Listing and deleting a few hundred objects takes seconds; an hour means the store is unreachable or stuck. */
export const PRUNE_DEADLINE_SECONDS = 3600;
/** The scripts' scratch files: no dump is ever staged here. */
const WORK_SIZE = "64Mi";
const EPHEMERAL = ephemeralStorage([TMP_VOLUME.emptyDir.sizeLimit, WORK_SIZE, RCLONE_TOOLS_SIZE]);

export interface BackupPruneArgs {
    /** Namespace every resource goes in. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** The validated `fork-knife:backup` settings (target, retentionDays, pruneSchedule, timeZone, images, s3*). */
    backup: ParsedSettings["backup"];
    /** The ConfigMap holding scripts/*.sh (BackupSchedule's `backup-scripts`). */
    scriptsConfigMap: pulumi.Input<string>;
    /** The prune identity's keys and the date they were issued (rotation.backupPruneS3). */
    credentials: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string>; rotatedAt: string };
    /** Where the pod may connect: DNS and the object store (the same allowance as the backup pods, no database). */
    egress: Pick<EgressArgs, "dns" | "https" | "others">;
}

export class BackupPrune extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;
    /** The prune key's rotation record, for the audit output. */
    public readonly record: RotationRecord;

    constructor(name: string, args: BackupPruneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:backup:BackupPrune", name, {}, opts);
        const b = args.backup;
        if (!isS3Target(b.target)) throw new Error(`fork-knife:backup.retentionMode = "prune-identity": needs an s3:// backup.target (target is ${b.target})`);
        const labels = standardLabels("backup-prune", args.environment);

        // Its own Secret and rotation record: the backup pods never mount it, and its age is policed like any key's.
        this.record = rotationRecord("object-storage-prune-key", args.credentials.rotatedAt);
        const secret = credentialSecret(`${name}-s3`, {
            namespace: args.namespace, environment: args.environment, secretName: PRUNE_SECRET_NAME, record: this.record,
            values: {
                [RCLONE_CREDENTIAL_KEYS.accessKeyId]: args.credentials.accessKeyId,
                [RCLONE_CREDENTIAL_KEYS.secretAccessKey]: args.credentials.secretAccessKey,
            },
        }, { parent: this });
        const account = jobServiceAccount(`${name}-account`, { namespace: args.namespace, environment: args.environment, component: "backup-prune" }, { parent: this });
        jobNetworkPolicy(name, {
            namespace: args.namespace, environment: args.environment, components: ["backup-prune"],
            egress: args.egress,
        }, { parent: this });

        const env = {
            BACKUP_TARGET: b.target, WORK_DIR: "/work", HOME: "/tmp", RETENTION_DAYS: String(b.retentionDays),
            RETENTION_MODE: "prune-identity", RCLONE: "/tools/rclone",
        };
        this.cronJob = new k8s.batch.v1.CronJob(`${name}-cronjob`, {
            metadata: { name: PRUNE_CRONJOB_NAME, namespace: args.namespace, labels },
            spec: {
                schedule: b.pruneSchedule, timeZone: b.timeZone,
                // One writer of the lock at a time; backup.sh's own lock keeps it apart from a running backup.
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: BACKUP_STARTING_DEADLINE_SECONDS,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels },
                    spec: {
                        backoffLimit: 1,
                        activeDeadlineSeconds: PRUNE_DEADLINE_SECONDS,
                        template: {
                            metadata: { labels },
                            spec: {
                                restartPolicy: "Never",
                                // Time after SIGTERM to remove its lock object.
                                terminationGracePeriodSeconds: 60,
                                serviceAccountName: account.metadata.name,
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(),
                                initContainers: [rcloneInitContainer(b.rcloneImage)],
                                containers: [{
                                    name: "backup-prune", image: b.postgresImage, command: ["bash", "/scripts/backup.sh", "prune"],
                                    envFrom: [{ secretRef: { name: secret.metadata.name } }],
                                    env: [...Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
                                        ...rcloneEnv({ endpoint: b.s3Endpoint, region: b.s3Region })],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources: {
                                        requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": EPHEMERAL },
                                        limits: { memory: "256Mi", "ephemeral-storage": EPHEMERAL },
                                    },
                                    volumeMounts: [TMP_MOUNT, { name: "scripts", mountPath: "/scripts", readOnly: true },
                                        { name: "work", mountPath: "/work" }, { name: "tools", mountPath: "/tools", readOnly: true }],
                                }],
                                volumes: [
                                    TMP_VOLUME,
                                    { name: "scripts", configMap: { name: args.scriptsConfigMap, defaultMode: 0o555 } },
                                    { name: "work", emptyDir: { sizeLimit: WORK_SIZE } },
                                    { name: "tools", emptyDir: { sizeLimit: RCLONE_TOOLS_SIZE } },
                                ],
                            },
                        },
                    },
                },
            },
        }, { parent: this });

        this.registerOutputs({ cronJob: this.cronJob.metadata.name, record: this.record });
    }
}
