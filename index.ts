// fork-knife: one stack of the backend, wired as DESIGN.md's resource map. Settings are read and validated
// first; nothing is registered when they are wrong.
import * as k8s from "@pulumi/kubernetes";
import { AppService } from "./components/app-service";
import { imageReference } from "./components/image";
import { standardLabels } from "./components/labels";
import { MigrationJob } from "./components/migration-job";
import { readSettings } from "./components/settings";
import { ANNOTATION } from "./components/labels";

const settings = readSettings();
const env = settings.environment;

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
});
const ns = namespace.metadata.name;
const image = imageReference(settings.image);

// Secret names the workloads read credentials from (AppSecrets and Database create them).
const appSecretName = "fork-knife-app";
const migratorSecretName = "fork-knife-migrator";

// MigrationJob: once per release, before any Deployment rolls out
const migration = new MigrationJob("migration", {
    namespace: ns,
    environment: env,
    image: settings.image,
    imageRef: image,
    secretEnv: [
        { name: "DATABASE_URL", secretName: migratorSecretName, key: "DATABASE_URL" },
        { name: "DIRECT_URL", secretName: migratorSecretName, key: "DIRECT_URL" },
    ],
}, { dependsOn: [namespace] });

// Both Deployments wait for the migration: dependsOn for the engine, the Job's name in the pod template
// so that the ordering is also visible in the data (and a new release rolls the pods).
const rollout = { dependsOn: [migration] };
const podAnnotations = { [ANNOTATION.migrationJob]: migration.jobName };
const appEnv = { LOG_LEVEL: settings.logLevel, NODE_ENV: "production" };
const appSecretEnv = ["DATABASE_URL", "JWT_SECRET", "JWT_SECRET_PREVIOUS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"].map((key) => ({ name: key, secretName: appSecretName, key }));

// AppService backend
const backend = new AppService("backend", {
    namespace: ns,
    environment: env,
    component: "backend",
    image,
    http: { port: settings.backend.port, healthPath: settings.backend.healthPath },
    scaling: settings.backend,
    resources: settings.backend.resources,
    env: { ...appEnv, PORT: String(settings.backend.port) },
    secretEnv: appSecretEnv,
    podAnnotations,
    databasePort: settings.database.port,
}, rollout);

// AppService worker
const worker = new AppService("worker", {
    namespace: ns,
    environment: env,
    component: "worker",
    image,
    command: settings.worker.command,
    scaling: settings.worker,
    resources: settings.worker.resources,
    env: appEnv,
    secretEnv: appSecretEnv,
    podAnnotations,
    databasePort: settings.database.port,
}, rollout);

// Stack outputs: the audit view
export const namespaceName = ns;
export const backendService = backend.service?.metadata.name;
export const audit = {
    namespace: ns,
    environment: env,
    image,
    release: { tag: settings.image.tag, digest: settings.image.digest ?? null, migrationJob: migration.jobName },
    scaling: {
        backend: { minReplicas: settings.backend.minReplicas, maxReplicas: settings.backend.maxReplicas },
        worker: { minReplicas: settings.worker.minReplicas, maxReplicas: settings.worker.maxReplicas },
    },
};
void worker;
