// fork-knife: one stack of the backend, wired as DESIGN.md's resource map. Settings are read and validated
// first; nothing is registered when they are wrong.
import * as k8s from "@pulumi/kubernetes";
import { Alerts } from "./components/monitoring/alerts";
import { AppSecrets } from "./components/app/app-secrets";
import { AppService, serviceName } from "./components/app/app-service";
import { BackupSchedule } from "./components/data/backup-schedule";
import { Database } from "./components/data/database";
import { imageReference } from "./components/app/image";
import { ANNOTATION, standardLabels } from "./components/lib/labels";
import { MigrationJob, migrationJobName } from "./components/data/migration-job";
import { Repository } from "./components/release/repository";
import { rotationChecksum } from "./components/app/rotation";
import { connectionBudget, readSettings } from "./components/config/settings";

const settings = readSettings();
const env = settings.environment;
const image = imageReference(settings.image);

// Namespace fork-knife-<stack>
const namespace = new k8s.core.v1.Namespace("namespace", {
    metadata: {
        name: settings.namespace,
        labels: {
            ...standardLabels("backend", env),
            // Pod Security Admission refuses anything below "restricted" in this namespace.
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        },
    },
}, {
    // Deleting the namespace deletes everything in it: in production that takes a deliberate `pulumi state unprotect`.
    protect: env === "production",
});
const ns = namespace.metadata.name;
const inNamespace = { dependsOn: [namespace] };

// ├─ AppSecrets
const appSecrets = new AppSecrets("app-secrets", {
    namespace: ns,
    environment: env,
    jwt: settings.rotation.jwt,
    stripe: { rotatedAt: settings.rotation.stripe.rotatedAt, secretKey: settings.secrets.stripeSecretKey, webhookSecret: settings.secrets.stripeWebhookSecret },
    twilio: { rotatedAt: settings.rotation.twilio.rotatedAt, accountSid: settings.secrets.twilioAccountSid, authToken: settings.secrets.twilioAuthToken },
}, inNamespace);

// ├─ Database
const budget = connectionBudget(settings);
const database = new Database("database", {
    namespace: ns,
    environment: env,
    connection: { ...settings.database, adminPassword: settings.secrets.databaseAdminPassword },
    maxConnections: settings.database.maxConnections,
    poolSizePerPod: settings.database.poolSizePerPod,
    maxPods: settings.backend.maxReplicas + settings.worker.maxReplicas,
    reserved: budget.roles,
    rotation: settings.rotation.databasePassword,
}, inNamespace);

// ├─ BackupSchedule: daily dumps, restore tests, the guarded restore, and (production) a backup before each migration
const { backupS3AccessKeyId, backupS3SecretAccessKey } = settings.secrets;
const backups = new BackupSchedule("backups", {
    namespace: ns,
    environment: env,
    stack: settings.stack,
    backup: settings.backup,
    databaseName: settings.database.name,
    databasePort: settings.database.port,
    releaseName: migrationJobName(settings.image),
    backupCredentialsSecret: database.backupCredentialsSecret,
    restoreCredentialsSecret: database.restoreCredentialsSecret,
    restoreTestCredentialsSecret: database.restoreTestCredentialsSecret,
    s3Credentials: backupS3AccessKeyId && backupS3SecretAccessKey && settings.rotation.backupS3
        ? { accessKeyId: backupS3AccessKeyId, secretAccessKey: backupS3SecretAccessKey, rotatedAt: settings.rotation.backupS3.rotatedAt }
        : undefined,
}, { dependsOn: [namespace, database] });

// ├─ MigrationJob: once per release, after the pre-migration backup, before any Deployment rolls out
const migration = new MigrationJob("migration", {
    namespace: ns,
    environment: env,
    image: settings.image,
    imageRef: image,
    secretEnv: database.migratorEnv,
    databasePort: settings.database.port,
    preMigrationBackupJob: backups.preMigrationBackupJobName,
}, { dependsOn: [namespace, database, ...(backups.preMigrationBackupJob ? [backups.preMigrationBackupJob] : [])] });

// Both Deployments wait for the migration: dependsOn for the engine, and the Job's name in the pod template so
// the ordering is visible in the data too (and a new release rolls the pods). The rotation checksum rolls them
// when a credential is rotated.
const rotation = [...appSecrets.records, database.record, ...(backups.s3CredentialsRecord ? [backups.s3CredentialsRecord] : [])];
const rollout = { dependsOn: [migration, appSecrets, database] };
const podAnnotations = { [ANNOTATION.migrationJob]: migration.jobName, [ANNOTATION.rotationChecksum]: rotationChecksum(rotation) };
const appEnv = { LOG_LEVEL: settings.logLevel, NODE_ENV: "production" };
const secretEnv = [...database.appEnv, ...appSecrets.env];

// ├─ AppService backend
const backend = new AppService("backend", {
    namespace: ns,
    environment: env,
    component: "backend",
    image,
    http: { port: settings.backend.port, healthPath: settings.backend.healthPath },
    scaling: settings.backend,
    resources: settings.backend.resources,
    env: { ...appEnv, PORT: String(settings.backend.port) },
    secretEnv,
    podAnnotations,
    databasePort: settings.database.port,
}, rollout);

// ├─ AppService worker
const worker = new AppService("worker", {
    namespace: ns,
    environment: env,
    component: "worker",
    image,
    command: settings.worker.command,
    scaling: settings.worker,
    resources: settings.worker.resources,
    env: appEnv,
    secretEnv,
    podAnnotations,
    databasePort: settings.database.port,
}, rollout);

// ├─ Alerts: the guide's thresholds as a PrometheusRule, and the ServiceMonitor that feeds it
const alerts = new Alerts("alerts", {
    namespace: ns,
    environment: env,
    settings: settings.alerts,
    backendService: { name: serviceName("backend"), port: "http", metricsPath: "/metrics" },
    backendContainer: "backend",
}, inNamespace);

// └─ Repository: branch protection, environments, Actions secrets. Set `github` in one stack only
// (production), or two stacks would fight over the same branch protection.
const repository = settings.github && new Repository("repository", {
    ...settings.github,
    pulumiAccessToken: settings.secrets.pulumiAccessToken!,
    pulumiConfigPassphrase: settings.secrets.pulumiConfigPassphrase,
    stagingPulumiAccessToken: settings.secrets.stagingPulumiAccessToken,
    stagingPulumiConfigPassphrase: settings.secrets.stagingPulumiConfigPassphrase,
});

// Stack outputs: the audit view (docs/auditing.md, "Stack outputs")
export const namespaceName = ns;
export const backendService = backend.service?.metadata.name;
export const audit = {
    namespace: ns,
    environment: env,
    image,
    release: { tag: settings.image.tag, digest: settings.image.digest ?? null, migrationJob: migration.jobName },
    scaling: {
        backend: { minReplicas: settings.backend.minReplicas, maxReplicas: settings.backend.maxReplicas, deployment: backend.deploymentName },
        worker: { minReplicas: settings.worker.minReplicas, maxReplicas: settings.worker.maxReplicas, deployment: worker.deploymentName },
    },
    secrets: rotation,
    backups: {
        schedule: settings.backup.schedule,
        timeZone: settings.backup.timeZone,
        retentionDays: settings.backup.retentionDays,
        target: settings.backup.target,
        restoreTestSchedule: settings.backup.restoreTestSchedule,
        preMigrationBackupJob: backups.preMigrationBackupJobName ?? null,
    },
    alerts: settings.alerts.enabled ? { rule: alerts.rule?.metadata.name, thresholds: settings.alerts } : null,
    repository: repository ? `${settings.github!.owner}/${settings.github!.repository}` : null,
    database: { activeAppRole: database.activeAppRole, maxConnections: settings.database.maxConnections, connectionBudget: budget },
};
