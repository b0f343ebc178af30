// The release's database migration: `npm run prisma:migrate:deploy` once per image, before any Deployment
// rolls out. Pulumi waits for a Job to complete, so resources that depend on it wait for the migration.
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION, standardLabels } from "../lib/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-security";
import { Environment } from "../config/settings-schema";
import { SecretEnvVar } from "../app/secret-env";
import { PodFiles } from "../lib/pod-files";
import { jobServiceAccount } from "../lib/service-account";
import { EgressArgs, jobNetworkPolicy } from "../lib/network-policy";

export const MIGRATION_COMMAND = ["npm", "run", "prisma:migrate:deploy"];

export interface MigrationJobArgs {
    /** Namespace the Job runs in. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** The release's image: the same one the Deployments will run. */
    image: { repository: string; tag: string; digest?: string };
    /** Resolved image reference (may carry a digest looked up at deploy time). */
    imageRef: pulumi.Input<string>;
    /** DATABASE_URL and DIRECT_URL (the migrator role), by reference to a Secret. */
    secretEnv: SecretEnvVar[];
    /** Longest a migration may run before it is killed and the release fails (the guide: monitor migration time). */
    activeDeadlineSeconds?: number;
    /** Where the Job may connect: DNS and the database. */
    egress: Pick<EgressArgs, "dns" | "database">;
    /** Read-only files the migration needs: the database CA bundle with verify-ca / verify-full. */
    files?: PodFiles[];
    /** Name of the pre-migration backup Job this migration follows (production), recorded as an annotation. */
    preMigrationBackupJob?: pulumi.Input<string>;
    /** Why this migration runs without a pre-migration backup (backup.skipPreMigrationBackup), recorded as an annotation. */
    preMigrationBackupSkippedReason?: string;
}

/** One Job name per release, so a new image means a new migration and the same image means none. */
export function migrationJobName(image: { tag: string; digest?: string }): string {
    const release = image.tag.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
    const hash = crypto.createHash("sha256").update(`${image.tag}@${image.digest ?? ""}`).digest("hex").slice(0, 6);
    return `migrate-${release}-${hash}`;
}

export class MigrationJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: MigrationJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:release:MigrationJob", name, {}, opts);
        const labels = standardLabels("migration", args.environment);
        const annotations: Record<string, pulumi.Input<string>> = {
            // A failed migration stays failed in the cluster; this makes the next `pulumi up` replace it.
            [ANNOTATION.replaceUnready]: "true",
        };
        if (args.preMigrationBackupJob) annotations[ANNOTATION.preMigrationBackup] = args.preMigrationBackupJob;
        if (args.preMigrationBackupSkippedReason) annotations[ANNOTATION.preMigrationBackupSkipped] = args.preMigrationBackupSkippedReason;

        const account = jobServiceAccount(`${name}-account`, { namespace: args.namespace, environment: args.environment, component: "migration" }, { parent: this });
        const deadlineSeconds = args.activeDeadlineSeconds ?? 600;
        const awaitTimeout = `${Math.ceil(deadlineSeconds / 60) + 5}m`;
        this.job = new k8s.batch.v1.Job(name, {
            metadata: { name: migrationJobName(args.image), namespace: args.namespace, labels, annotations },
            spec: {
                // One retry at most: a migration that failed twice needs a person, not a loop.
                backoffLimit: 1,
                activeDeadlineSeconds: deadlineSeconds,
                // No ttlSecondsAfterFinished: a Job that vanished would be recreated (and re-run) by the next refresh.
                template: {
                    metadata: { labels },
                    spec: {
                        restartPolicy: "Never",
                        serviceAccountName: account.metadata.name,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(),
                        containers: [{
                            name: "migrate",
                            image: args.imageRef,
                            imagePullPolicy: "IfNotPresent",
                            command: MIGRATION_COMMAND,
                            env: [
                                // npm writes its cache and logs under HOME; the root filesystem is read-only.
                                { name: "HOME", value: "/tmp" },
                                ...args.secretEnv.map((s) => ({ name: s.name, valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } } })),
                            ],
                            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                            securityContext: restrictedContainerSecurityContext(),
                            volumeMounts: [TMP_MOUNT, ...(args.files ?? []).map((f) => f.mount)],
                        }],
                        volumes: [TMP_VOLUME, ...(args.files ?? []).map((f) => f.volume)],
                    },
                },
            },
        }, {
            parent: this,
            // Pulumi's default wait for a Job (10 minutes) must outlast the deadline, or a slow but successful
            // migration is reported as a failure.
            customTimeouts: { create: awaitTimeout, update: awaitTimeout },
        });
        jobNetworkPolicy(name, {
            namespace: args.namespace, environment: args.environment, components: ["migration"],
            egress: { dns: args.egress.dns, database: args.egress.database },
        }, { parent: this });
        this.jobName = this.job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
