// fork-knife: one stack of the backend, wired as DESIGN.md's resource map. Settings are read and validated
// first; nothing is registered when they are wrong.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "./components/monitoring/alerts";
import { AlertRouting } from "./components/monitoring/alert-routing";
import { OnCall } from "./components/monitoring/on-call";
import { HealthProbe } from "./components/monitoring/health-probe";
import { AppSecrets } from "./components/app/app-secrets";
import { AppService, serviceName } from "./components/app/app-service";
import { BackupSchedule } from "./components/data/backup-schedule";
import { kubernetesApiFromSettings } from "./components/data/live-restore";
import { RestoreTestServer } from "./components/data/restore-test-server";
import { Database } from "./components/data/database";
import { imageReference } from "./components/app/image";
import { ANNOTATION, standardLabels } from "./components/lib/labels";
import { egressFromSettings } from "./components/lib/network-policy";
import { NetworkBaseline } from "./components/lib/network-baseline";
import { MigrationJob, migrationJobName } from "./components/data/migration-job";
import { Maintenance, postgresMajorVersion } from "./components/data/maintenance";
import { APP_SCHEMA } from "./components/data/database-grants";
import { Repository } from "./components/release/repository";
import { rotationChecksum } from "./components/app/rotation";
import { connectionBudget, readSettings } from "./components/config/settings";

const settings = readSettings();
for (const warning of settings.warnings) pulumi.log.warn(warning);
const env = settings.environment;
// Who the pods may reach (components/lib/network-policy.ts): every destination by its peers, HTTPS marked.
const egress = egressFromSettings(settings);
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
    redis: { ...settings.redis, rotatedAt: settings.rotation.redis.rotatedAt, password: settings.secrets.redisPassword },
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
    serverMajorVersion: postgresMajorVersion(settings.backup.postgresImage),
}, inNamespace);

// ├─ RestoreTestServer (optional): the restore test's own PostgreSQL server, its credentials and CA
// (settings require its password and rotation record with it: without them the restore test must not fall back to
// the live restore's role, so a missing one fails here rather than quietly)
const restoreTestServer = settings.backup.restoreTestServer ? new RestoreTestServer("restore-test-server", {
    namespace: ns,
    environment: env,
    server: settings.backup.restoreTestServer,
    password: settings.secrets.restoreTestServerPassword!,
    rotatedAt: settings.rotation.restoreTestServer!.rotatedAt,
}, inNamespace) : undefined;

// The live restore scales the backend and worker down, so its Job waits until they exist; they are declared below
// (after the migration, which waits for this component's pre-migration backup), hence a promise kept here.
let workloadsDeclared: (workloads: pulumi.Resource[]) => void = () => undefined;
const restoreAfter = new Promise<pulumi.Resource[]>((resolve) => { workloadsDeclared = resolve; });

// ├─ BackupSchedule: daily dumps, restore tests, the guarded restore, and (production) a backup before each migration
const { backupS3AccessKeyId, backupS3SecretAccessKey, backupPruneS3AccessKeyId, backupPruneS3SecretAccessKey } = settings.secrets;
const backups = new BackupSchedule("backups", {
    namespace: ns,
    environment: env,
    stack: settings.stack,
    backup: settings.backup,
    databaseName: settings.database.name,
    egress,
    releaseName: migrationJobName(settings.image),
    databaseCa: database.caFiles,
    backupCredentialsSecret: database.backupCredentialsSecret,
    restoreCredentialsSecret: database.restoreCredentialsSecret,
    restoreTestCredentialsSecret: database.restoreTestCredentialsSecret,
    restoreTestServer: restoreTestServer?.target,
    kubernetesApi: kubernetesApiFromSettings(settings),
    restoreAfter,
    s3Credentials: backupS3AccessKeyId && backupS3SecretAccessKey && settings.rotation.backupS3
        ? { accessKeyId: backupS3AccessKeyId, secretAccessKey: backupS3SecretAccessKey, rotatedAt: settings.rotation.backupS3.rotatedAt }
        : undefined,
    pruneS3Credentials: backupPruneS3AccessKeyId && backupPruneS3SecretAccessKey && settings.rotation.backupPruneS3
        ? { accessKeyId: backupPruneS3AccessKeyId, secretAccessKey: backupPruneS3SecretAccessKey, rotatedAt: settings.rotation.backupPruneS3.rotatedAt }
        : undefined,
}, { dependsOn: [namespace, database] });

// ├─ Maintenance: the quarterly REINDEX CONCURRENTLY of bloated indexes and ANALYZE, outside the backup window
const maintenance = new Maintenance("maintenance", {
    namespace: ns,
    environment: env,
    maintenance: settings.maintenance,
    timeZone: settings.backup.timeZone,
    postgresImage: settings.backup.postgresImage,
    egress,
    databaseCa: database.caFiles,
    credentialsSecret: database.maintenanceCredentialsSecret,
    ownerRole: database.maintenanceOwnerRole,
    schema: APP_SCHEMA,
}, { dependsOn: [namespace, database] });

// ├─ MigrationJob: once per release, after the pre-migration backup, before any Deployment rolls out
const migration = new MigrationJob("migration", {
    namespace: ns,
    environment: env,
    image: settings.image,
    imageRef: image,
    secretEnv: database.migratorEnv,
    files: database.caFiles ? [database.caFiles] : [],
    egress,
    preMigrationBackupJob: backups.preMigrationBackupJobName,
    preMigrationBackupSkippedReason: settings.backup.preMigrationBackup ? settings.backup.skipPreMigrationBackup?.reason : undefined,
}, { dependsOn: [namespace, database, ...(backups.preMigrationBackupJob ? [backups.preMigrationBackupJob] : [])] });

// Both Deployments wait for the migration: dependsOn for the engine, and the Job's name in the pod template so
// the ordering is visible in the data too (and a new release rolls the pods). The rotation checksum rolls them
// when a credential is rotated.
const rotation = [...appSecrets.records, database.record, ...(backups.s3CredentialsRecord ? [backups.s3CredentialsRecord] : [])];
const rollout = { dependsOn: [migration, appSecrets, database] };
const podAnnotations = { [ANNOTATION.migrationJob]: migration.jobName, [ANNOTATION.rotationChecksum]: rotationChecksum(rotation) };
const appEnv = { LOG_LEVEL: settings.logLevel, NODE_ENV: "production" };
// Each workload gets only the credentials its settings list (backend.credentials, worker.credentials).
const secretEnv = [...database.appEnv, ...appSecrets.env];
const credentialsFor = (list: string[]) => secretEnv.filter((s) => list.includes(s.name));

// ├─ AppService backend
const backend = new AppService("backend", {
    namespace: ns,
    environment: env,
    component: "backend",
    image,
    command: settings.backend.command,
    http: { port: settings.backend.port, healthPath: settings.backend.healthPath },
    scaling: settings.backend,
    resources: settings.backend.resources,
    env: { ...appEnv, PORT: String(settings.backend.port), METRICS_PORT: String(settings.backend.metricsPort) },
    secretEnv: credentialsFor(settings.backend.credentials),
    credentialsAs: settings.backend.credentialsAs,
    podAnnotations,
    files: database.caFiles ? [database.caFiles] : [],
    egress,
    metrics: { port: settings.backend.metricsPort, namespaceLabels: settings.backend.metricsNamespaceLabels },
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
    secretEnv: credentialsFor(settings.worker.credentials),
    credentialsAs: settings.worker.credentialsAs,
    podAnnotations,
    files: database.caFiles ? [database.caFiles] : [],
    egress,
}, rollout);

workloadsDeclared([backend, worker]);

// ├─ HealthProbe: the public /health from outside, through the blackbox exporter (the total-outage signal)
const healthProbe = settings.alerts.enabled && settings.publicUrl ? new HealthProbe("health-probe", {
    namespace: ns,
    environment: env,
    publicUrl: settings.publicUrl,
    healthPath: settings.backend.healthPath,
    proberUrl: settings.healthProbe.proberUrl,
    module: settings.healthProbe.module,
}, inNamespace) : undefined;

// ├─ Alerts: the guide's thresholds as a PrometheusRule, and the ServiceMonitor that feeds it
const alerts = new Alerts("alerts", {
    namespace: ns,
    environment: env,
    settings: settings.alerts,
    backendService: { name: serviceName("backend"), port: "metrics", metricsPath: "/metrics" },
    backendContainer: "backend",
    publicProbeJob: healthProbe?.job,
}, inNamespace);

// ├─ Alerting: critical → pager, warning → team (docs/operations.md, "Severities and routing"). With `pagerduty`,
// OnCall (the escalation chain) is declared first: its Events v2 integration key is the pager's routing key.
const onCall = settings.pagerduty && new OnCall("on-call", {
    settings: settings.pagerduty,
    stack: settings.stack,
    keyRotatedAt: settings.rotation.pagerdutyRoutingKey!.rotatedAt,
});
const pagerKey = onCall ? onCall.routingKey : settings.secrets.pagerdutyRoutingKey;
const { slackWebhookUrl } = settings.secrets;
// Settings make production configure both receivers; a staging stack without a webhook has warned and gets none.
// Like the rules, the AlertmanagerConfig needs the Prometheus Operator: `alerts.enabled: false` leaves both out.
const alerting = settings.alerts.enabled && slackWebhookUrl && settings.rotation.slackWebhook ? new AlertRouting("alerting", {
    namespace: ns,
    environment: env,
    routing: settings.alerting,
    pager: pagerKey && settings.rotation.pagerdutyRoutingKey
        ? { routingKey: pagerKey, rotatedAt: settings.rotation.pagerdutyRoutingKey.rotatedAt } : undefined,
    team: { webhookUrl: slackWebhookUrl, rotatedAt: settings.rotation.slackWebhook.rotatedAt },
}, inNamespace) : undefined;
// ├─ NetworkBaseline: namespace-wide default deny; the workloads' policies above name their peers
new NetworkBaseline("network-baseline", { namespace: ns, environment: env }, inNamespace);

// └─ Repository: branch protection, environments, Actions secrets. Set `github` in one stack only
// (production), or two stacks would fight over the same branch protection.
const repository = settings.github && new Repository("repository", {
    ...settings.github,
    pulumiAccessToken: settings.secrets.pulumiAccessToken!,
    pulumiConfigPassphrase: settings.secrets.pulumiConfigPassphrase,
    stagingPulumiAccessToken: settings.secrets.stagingPulumiAccessToken,
    stagingPulumiConfigPassphrase: settings.secrets.stagingPulumiConfigPassphrase,
    pulumiReadAccessToken: settings.secrets.pulumiReadAccessToken,
    pulumiRefreshAccessToken: settings.secrets.pulumiRefreshAccessToken,
    backportGithubToken: settings.secrets.backportGithubToken,
    pagerdutyToken: settings.secrets.pagerdutyToken,
});

// Stack outputs: the audit view (docs/auditing.md, "Stack outputs")
export const namespaceName = ns;
export const backendService = backend.service?.metadata.name;
export const audit = {
    namespace: ns,
    environment: env,
    image,
    release: {
        tag: settings.image.tag, digest: settings.image.digest ?? null, migrationJob: migration.jobName,
        // What the deploy's watched rollout checks (tools/rollout.ts reads these from `pulumi stack output audit`).
        checks: { healthPath: settings.backend.healthPath, ...settings.release },
    },
    scaling: {
        backend: { minReplicas: settings.backend.minReplicas, maxReplicas: settings.backend.maxReplicas, deployment: backend.deploymentName },
        worker: { minReplicas: settings.worker.minReplicas, maxReplicas: settings.worker.maxReplicas, deployment: worker.deploymentName },
    },
    // The prune key is not in `rotation`: no app pod holds it, so its rotation need not roll them.
    secrets: [...rotation, ...(backups.prune ? [backups.prune.record] : []), ...(alerting?.records ?? []), ...(restoreTestServer ? [restoreTestServer.record] : [])],
    backups: {
        schedule: settings.backup.schedule,
        timeZone: settings.backup.timeZone,
        retentionDays: settings.backup.retentionDays,
        target: settings.backup.target,
        restoreTestSchedule: settings.backup.restoreTestSchedule,
        preMigrationBackupJob: backups.preMigrationBackupJobName ?? null,
        retentionMode: settings.backup.retentionMode,
        pruneCronJob: backups.prune?.cronJob.metadata.name ?? null,
        preMigrationBackup: settings.backup.preMigrationBackup && settings.backup.skipPreMigrationBackup
            ? { skipped: true, reason: settings.backup.skipPreMigrationBackup.reason, until: settings.backup.skipPreMigrationBackup.until ?? null, release: migration.jobName }
            : { skipped: false },
    },
    maintenance: { cronJob: maintenance.cronJob.metadata.name, ...settings.maintenance, timeZone: settings.backup.timeZone },
    alerts: settings.alerts.enabled ? { rule: alerts.rule?.metadata.name, thresholds: settings.alerts } : null,
    alerting: alerting ? {
        config: alerting.config.metadata.name,
        receivers: alerting.receivers,
        severities: settings.alerting.severities,
        onCall: onCall ? { service: onCall.service.name, escalationPolicy: onCall.escalationPolicy.name } : null,
    } : null,
    repository: repository ? `${settings.github!.owner}/${settings.github!.repository}` : null,
    database: { activeAppRole: database.activeAppRole, maxConnections: settings.database.maxConnections, connectionBudget: budget },
};
