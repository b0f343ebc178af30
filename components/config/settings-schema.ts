// The config contract of DESIGN.md as a zod schema. Defaults that depend on the environment are built per
// environment so that a stack file only has to say where it differs from the guide.
import { z } from "zod";
import {
    COMMAND_MAX_ARG_LENGTH, COMMAND_MAX_ARGS, DEFAULT_BACKEND_COMMAND, DEFAULT_WORKER_COMMAND, migrationInCommand,
} from "./app-command";
import {
    caBundleProblem, cidrProblem, endpointProblem, cpuQuantityProblem, cronProblem, dnsLabelProblem, hostProblem, memoryQuantityProblem, parseIsoDate, timeZoneProblem,
} from "./validators";
import { BACKUP_MISSING_AFTER_HOURS, RTO_BUDGET_SECONDS } from "../data/recovery-objectives";

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
/** Every credential the app can receive, by the environment variable it arrives as. */
export const CREDENTIALS = [
    "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "JWT_SECRET_PREVIOUS", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
    "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
] as const;
export type Credential = (typeof CREDENTIALS)[number];
/** The API signs and checks tokens, takes payments and webhooks, and sends SMS: all of them. */
export const BACKEND_CREDENTIALS: Credential[] = [...CREDENTIALS];
/** Jobs read and write the database, consume the queue and send notifications; they sign no tokens, take no payments. */
export const WORKER_CREDENTIALS: Credential[] = ["DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"];

export const SSL_MODES = ["require", "verify-ca", "verify-full"] as const;
/** Who deletes old backups (backup.retentionMode; docs/operations.md, "Bucket policies and retention"). */
export const RETENTION_MODES = ["script", "lifecycle", "prune-identity"] as const;

/** kubectl as the Kubernetes project publishes it: a release tag (vMAJOR.MINOR.PATCH), optionally a digest. */
export const KUBECTL_IMAGE = /^[a-z0-9]+([._\/:-][a-z0-9]+)*:v1\.[0-9]{1,2}\.[0-9]{1,3}(@sha256:[a-f0-9]{64})?$/;
export const DEFAULT_KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.32.4";

/** The guide's rotation limits, in days. The guide names no limit for the backups' object-storage keys: they
 *  guard a copy of the whole database, so they rotate like the database password. The alerting credentials
 *  (PagerDuty routing key, Slack webhook) are external keys like Stripe's and Twilio's: yearly. */
export const MAX_AGE_DAYS = {
    jwt: 90, databasePassword: 180, stripe: 365, twilio: 365, backupS3: 180, pagerdutyRoutingKey: 365, slackWebhook: 365,
    redis: 180, backupPruneS3: 180,
} as const;

/** Connections that are not pods' pools: one migration (Prisma opens two) and one pg_dump (plus its jobs). */
export const MIGRATION_CONNECTIONS = 2;

/** What a schema says when its value is missing (`required`) or of the wrong type (`invalid`); a message left out
 *  falls through to settings.ts's defaultMessages ("is required", "must be a string"). zod 4's `error` option is
 *  one function for every issue of the schema, so it answers the type issue only: checks keep their own messages. */
interface TypeMessages { required?: string; invalid?: string }
const typeError = (messages: TypeMessages) => ({
    error: (issue: z.core.$ZodRawIssue) =>
        issue.code !== "invalid_type" ? undefined : issue.input === undefined ? messages.required : messages.invalid,
});

const int = (min: number, max: number) =>
    z.number(typeError({ invalid: `must be an integer from ${min} to ${max}` }))
        .int(`must be an integer from ${min} to ${max}`)
        .min(min, `must be an integer from ${min} to ${max}`)
        .max(max, `must be an integer from ${min} to ${max}`);

/** Seconds of an Alertmanager duration written as one number and unit: 30s, 5m, 4h. */
export function durationSeconds(text: string): number | undefined {
    const m = /^([0-9]{1,5})(s|m|h)$/.exec(text);
    return m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"] : undefined;
}

const duration = (min: string, max: string) => {
    const allowed = `must be a duration from ${min} to ${max}, written as a number and one unit (s, m or h) such as 30s, 5m, 4h`;
    return z.string(typeError({ invalid: allowed })).superRefine((v, ctx) => {
        const seconds = durationSeconds(v);
        if (seconds === undefined || seconds < durationSeconds(min)! || seconds > durationSeconds(max)!) {
            ctx.addIssue({ code: "custom", message: allowed });
        }
    });
};

/** The two receivers an alert can reach: `pager` (PagerDuty, wakes someone) and `team` (the team's Slack channel). */
export const RECEIVERS = ["pager", "team"] as const;
export type ReceiverName = (typeof RECEIVERS)[number];
/** Severities the routing knows; an alert rule's `severity` label must be one of them. */
export const SEVERITIES = ["critical", "warning"] as const;

/** PagerDuty object IDs (users): a capital P and upper-case letters or digits, as the web UI shows them in URLs. */
const pagerdutyUsers = (what: string) => z.array(
    z.string().regex(/^P[A-Z0-9]{5,13}$/, "must be PagerDuty user IDs such as PXPGF42 (from the user's profile URL)"),
    typeError({ required: `is required with pagerduty: the PagerDuty user IDs of the ${what}` }),
).min(1, `must name at least one PagerDuty user (the ${what})`).max(50, "must name at most 50 users");

/**
 * Free text with a bound, checked before the format: nothing renders an object Kubernetes would refuse (a label
 * value over 63 characters, an annotation past its size), and no megabyte of text is matched or echoed back.
 */
const bounded = <T extends z.ZodType<unknown, string>>(max: number, inner: T, messages: TypeMessages = {}) =>
    z.string(typeError(messages)).max(max, `must be at most ${max} characters`).pipe(inner);

const checked = (problem: (v: string) => string | undefined, max = 256) =>
    bounded(max, z.string().superRefine((v, ctx) => {
        const p = problem(v);
        if (p) ctx.addIssue({ code: "custom", message: `must be ${p}` });
    }), { invalid: "must be a string" });

const isoDateNotInFuture = (now: Date) =>
    z.string(typeError({ invalid: "must be an ISO 8601 date string such as 2026-10-01" })).superRefine((v, ctx) => {
        const parsed = parseIsoDate(v);
        if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `must be ${parsed}` });
        else if (parsed.getTime() > now.getTime()) {
            ctx.addIssue({ code: "custom", message: `must not be in the future (today is ${now.toISOString().slice(0, 10)})` });
        }
    });

const resources = (d: { cpu: string; memory: string; memoryLimit: string }) => z.object({
    /** CPU request: what the scheduler reserves and what the HPA's CPU target is a percentage of. */
    cpu: checked(cpuQuantityProblem).default(d.cpu),
    /** Memory request: the base of the HPA's memory target. */
    memory: checked(memoryQuantityProblem).default(d.memory),
    /** Optional CPU limit; unset by default because CPU throttling hurts latency more than it protects. */
    cpuLimit: checked(cpuQuantityProblem).optional(),
    /** Memory limit: required, so one leaking pod cannot take a node down. */
    memoryLimit: checked(memoryQuantityProblem).default(d.memoryLimit),
}).strict();

const credentials = (defaults: Credential[]) => ({
    /** The credentials this workload's pods receive; a Secret key not listed never reaches them. */
    credentials: z.array(z.enum(CREDENTIALS, { error: `must be credential names: ${CREDENTIALS.join(", ")}` }))
        .min(1, "must list at least one credential")
        .refine((l) => new Set(l).size === l.length, "must not list a credential twice")
        .default(defaults),
    /** env: secretKeyRef variables; file: files under /var/run/secrets/fork-knife/credentials and <NAME>_FILE variables. */
    credentialsAs: z.enum(["env", "file"], { error: "must be env or file" }).default("env"),
});

const scaling = (d: { minReplicas: number; maxReplicas: number }) => ({
    minReplicas: int(1, 100).default(d.minReplicas),
    maxReplicas: int(1, 200).default(d.maxReplicas),
    targetCpuPercent: int(1, 100).default(70),
    targetMemoryPercent: int(1, 100).default(80),
});

/** A container command: a short argv list that never runs a migration (that is the MigrationJob's). */
const appCommand = (d: string[]) => z.array(
    z.string(typeError({ invalid: "must be a string" }))
        .min(1, `must be a non-empty string of at most ${COMMAND_MAX_ARG_LENGTH} characters`)
        .max(COMMAND_MAX_ARG_LENGTH, `must be a non-empty string of at most ${COMMAND_MAX_ARG_LENGTH} characters`),
    typeError({ invalid: `must be a list of strings such as [${d.join(", ")}]` }),
).min(1, `must name the command, e.g. [${d.join(", ")}]`)
    .max(COMMAND_MAX_ARGS, `must be at most ${COMMAND_MAX_ARGS} strings`)
    .superRefine((argv, ctx) => {
        const migration = migrationInCommand(argv);
        if (migration) {
            ctx.addIssue({ code: "custom", message: `must not run a database migration (found "${migration}"): ` +
                "migrations run in the MigrationJob, once per release, before the rollout" });
        }
    })
    .default(d);
/** kube-prometheus-stack ships no blackbox exporter; this is the prometheus-community chart's Service in `monitoring`. */
export const DEFAULT_PROBER_URL = "http://prometheus-blackbox-exporter.monitoring.svc:9115";

/** Why a URL is not acceptable as the public URL, or undefined. Never echoes the URL (it may carry a password). */
export function publicUrlProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "an https:// URL such as https://api.fork-knife.example";
    }
    if (url.protocol !== "https:") return "an https:// URL (users reach the service over TLS, so the probe checks TLS too)";
    if (url.username || url.password) return "an https:// URL without credentials (user:password@ would be stored and shown in plain text)";
    if (url.search || url.hash || value.includes("?") || value.includes("#")) {
        return "an https:// URL without query or fragment (backend.healthPath is appended to it)";
    }
    return undefined;
}

const publicUrl = z.string(typeError({ required: "is required in production: the https:// URL users reach, which the outside health check probes",
    invalid: "must be a string" })).superRefine((v, ctx) => {
    const p = publicUrlProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: `must be ${p}` });
});

const proberUrl = z.string(typeError({ invalid: "must be a string" })).superRefine((v, ctx) => {
    let url: URL | undefined;
    try { url = new URL(v); } catch { /* reported below */ }
    if (!url || !["http:", "https:"].includes(url.protocol) || url.username || url.password || url.search || url.hash || !url.hostname) {
        ctx.addIssue({ code: "custom",
            message: "must be the blackbox exporter's http:// or https:// URL (host, port, optional path; no credentials, query or fragment)" });
    }
});

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at most 63 characters; values the same
// name syntax or empty.
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = key.slice(slash + 1);
    if (prefix !== undefined && (prefix.length > 253 || !LABEL_PREFIX.test(prefix))) return "a label key's prefix must be a DNS subdomain";
    if (!LABEL_NAME.test(name)) return "a label key must be at most 63 letters, digits, '-', '_', '.'";
    return undefined;
}

const labelMap = (what: string) => z.record(z.string(), z.string()).superRefine((m, ctx) => {
    const entries = Object.entries(m);
    if (entries.length === 0 || entries.length > 10) {
        ctx.addIssue({ code: "custom", message: `must be 1 to 10 labels that select the ${what}` });
    }
    for (const [k, v] of entries) {
        const p = labelKeyProblem(k) ?? (v === "" || LABEL_NAME.test(v) ? undefined : `label values must be at most 63 letters, digits, '-', '_', '.' (${JSON.stringify(k)})`);
        if (p) ctx.addIssue({ code: "custom", message: `must be Kubernetes labels that select the ${what}: ${p}` });
    }
});

export function settingsSchema(environment: Environment, stack: string, now: Date) {
    const prod = environment === "production";
    return z.object({
        environment: z.enum(ENVIRONMENTS, { error: "must be one of staging, production" }),
        namespace: checked(dnsLabelProblem).default(`fork-knife-${stack}`),
        image: z.object({
            repository: bounded(255, z.string().regex(/^[a-z0-9]+([._\/:-][a-z0-9]+)*$/, "must be an image repository such as ghcr.io/fork-knife/backend")),
            tag: bounded(128, z.string()
                .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a Docker tag: letters, digits, '_', '.', '-', up to 128")
                .refine((t) => t !== "latest", "must be a pinned release tag, not latest (a moving tag makes rollouts and rollbacks unrepeatable)"),
            { required: "is required (a release tag, never latest)" }),
            digest: bounded(71, z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256: followed by 64 hex digits")).optional(),
            resolveDigest: z.boolean().default(false),
        }).strict(),
        backend: z.object({
            ...scaling(prod ? { minReplicas: 3, maxReplicas: 10 } : { minReplicas: 2, maxReplicas: 4 }),
            port: int(1, 65535).default(3000),
            ...credentials(BACKEND_CREDENTIALS),
            /** Where the app serves /metrics: a port of its own that only the monitoring namespace may reach. */
            metricsPort: int(1, 65535).default(9464),
            /** Labels of the namespace Prometheus scrapes from. */
            metricsNamespaceLabels: labelMap("monitoring namespace").default({ "kubernetes.io/metadata.name": "monitoring" }),
            healthPath: bounded(256, z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, "must be an absolute URL path such as /health")).default("/health"),
            command: appCommand(DEFAULT_BACKEND_COMMAND),
            resources: resources({ cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" }).prefault({}),
        }).strict().prefault({}),
        worker: z.object({
            ...scaling(prod ? { minReplicas: 2, maxReplicas: 6 } : { minReplicas: 1, maxReplicas: 2 }),
            command: appCommand(DEFAULT_WORKER_COMMAND),
            ...credentials(WORKER_CREDENTIALS),
            resources: resources({ cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" }).prefault({}),
        }).strict().prefault({}),
        database: z.object({
            host: z.string(typeError({ required: "is required (the PostgreSQL host name)" })).superRefine((v, ctx) => {
                const p = hostProblem(v);
                if (p) ctx.addIssue({ code: "custom", message: `must be ${p}` });
            }),
            port: int(1, 65535).default(5432),
            name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier: lower-case letters, digits, '_'").default("forkknife"),
            adminUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL role name").default("postgres"),
            // Production verifies who answers (verify-full); staging may settle for encryption, with a warning.
            sslMode: z.enum(SSL_MODES, { error: "must be one of require, verify-ca, verify-full (never disable or prefer)" }).default(prod ? "verify-full" : "require"),
            /** PEM bundle of the CA that signed the server's certificate: required with verify-ca / verify-full. */
            caBundle: z.string(typeError({ invalid: "must be a string (a PEM block, e.g. a YAML | block)" })).superRefine((v, ctx) => {
                const p = caBundleProblem(v, now);
                if (p) ctx.addIssue({ code: "custom", message: `must be ${p}` });
            }).optional(),
            maxConnections: int(10, 100000).default(100),
            poolSizePerPod: int(1, 100).default(5),
            /** Where PostgreSQL lives: egress on database.port goes to this block only (required in production). */
            cidr: checked(cidrProblem).optional(),
        }).strict(),
        rotation: z.object({
            jwt: z.object({ rotatedAt: isoDateNotInFuture(now), generation: int(0, 1_000_000).default(0) }).strict(),
            databasePassword: z.object({ rotatedAt: isoDateNotInFuture(now), generation: int(0, 1_000_000).default(0) }).strict(),
            stripe: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict(),
            twilio: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict(),
            /** Required with an s3:// backup target. */
            backupS3: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
            /** Required with a pager: when the PagerDuty Events v2 integration key was issued. */
            pagerdutyRoutingKey: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
            /** Required with slackWebhookUrl: when the Slack incoming webhook was issued. */
            slackWebhook: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
            /** When the Redis password (secure value redisPassword) was last changed. */
            redis: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict(),
            /** Required with backup.retentionMode prune-identity: when the prune identity's keys were issued. */
            backupPruneS3: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
            /** Required with backup.restoreTestServer: when restoreTestServerPassword was last changed. */
            restoreTestServer: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
        }).strict(),
        backup: z.object({
            schedule: checked(cronProblem).default("0 3 * * *"),
            timeZone: checked(timeZoneProblem).default("Etc/UTC"),
            retentionDays: int(1, 3650).default(prod ? 30 : 7),
            restoreTestSchedule: checked(cronProblem).default("0 4 1 */3 *"),
            storageSize: checked(memoryQuantityProblem).default(prod ? "100Gi" : "20Gi"),
            preMigrationBackup: z.boolean().default(prod),
            target: bounded(1024, z.string().regex(/^(pvc|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\/-]*)?)$/,
                "must be pvc or s3://bucket/prefix")).default("pvc"),
            // http:// stays allowed for in-cluster object stores (MinIO); zod's url() would also take ftp: or javascript:.
            s3Endpoint: bounded(2048, checked(endpointProblem)).optional(),
            /** Where the object store lives; required in production when s3Endpoint is not on port 443. */
            s3Cidr: checked(cidrProblem).optional(),
            s3Region: bounded(64, z.string().regex(/^[a-z0-9-]+$/, "must be a region name such as eu-central-1")).default("us-east-1"),
            format: z.enum(["custom", "directory"], { error: "must be custom or directory" }).default("custom"),
            parallelJobs: int(1, 16).default(1),
            postgresImage: bounded(512, z.string().regex(/^[a-z0-9./_-]+:[0-9]+[A-Za-z0-9._-]*(@sha256:[a-f0-9]{64})?$/,
                "must be a PostgreSQL image pinned to its major version, such as postgres:15-bookworm")).default("postgres:15-bookworm"),
            // The scripts call the same rclone the tests run (Debian's 1.60); its binary comes from this image.
            rcloneImage: bounded(512, z.string().regex(/^[a-z0-9./_-]+:1\.60\.[0-9]+(@sha256:[a-f0-9]{64})?$/,
                "must be an rclone/rclone 1.60.x image (the version the tests run), optionally @sha256:…")).default("rclone/rclone:1.60.1"),
            restoreTestTables: z.array(bounded(127, z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, "must be table names")))
                .max(100, "must list at most 100 tables")
                .default([]),
            restoreFrom: bounded(255, z.string().regex(/^(latest|[A-Za-z0-9._-]+)$/, "must be latest or a backup file name")).optional(),
            confirmRestore: bounded(63, z.string()).optional(),
            /** The RTO: a restore test slower than this fails (and its alert fires). */
            rtoBudgetSeconds: int(60, 7 * 86400).default(RTO_BUDGET_SECONDS),
            /** Who deletes old backups: backup.sh prune with the backup key (script), the bucket's lifecycle rules
             *  over a versioned, object-locked bucket while the backup key cannot delete (lifecycle), or the
             *  backup-prune CronJob with a key of its own that may list and delete but never write (prune-identity). */
            retentionMode: z.enum(RETENTION_MODES, { message: `must be one of ${RETENTION_MODES.join(", ")}` })
                .default(prod ? "lifecycle" : "script"),
            /** When the backup-prune CronJob runs (prune-identity only): after the 03:00 backup's latest end (1 h to start, 6 h deadline). */
            pruneSchedule: checked(cronProblem).default("0 11 * * *"),
            /** Break-glass: this release migrates without a fresh pre-migration dump (a rollback to an image whose
             *  migrations already ran). Recorded in the migration Job's annotation and the stack's audit output. */
            skipPreMigrationBackup: z.object({
                reason: z.string(typeError({ required: "is required: why this release may migrate without a fresh dump (10 to 500 characters)",
                    invalid: "must be a string of 10 to 500 characters" }))
                    .max(500, "must be 10 to 500 characters saying why this release may migrate without a fresh dump")
                    .pipe(z.string().trim().min(10, "must be 10 to 500 characters saying why this release may migrate without a fresh dump")),
                /** Last day the waiver holds; after it the stack refuses to deploy until the key is removed. */
                until: z.string(typeError({ invalid: "must be an ISO 8601 date string such as 2026-10-01" })).superRefine((v, ctx) => {
                    const parsed = parseIsoDate(v);
                    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `must be ${parsed}` });
                    else if (parsed.getTime() + 86_400_000 <= now.getTime()) {
                        ctx.addIssue({ code: "custom", message: `has passed (today is ${now.toISOString().slice(0, 10)}): ` +
                            "remove backup.skipPreMigrationBackup so the next migration is preceded by a backup again" });
                    }
                }).optional(),
            }).strict().optional(),
            /** Where the restore test restores (optional): a PostgreSQL server of its own, so the quarterly scratch
             *  restore never loads production's server and its pod cannot reach production's database at all. */
            restoreTestServer: z.object({
                host: checked(hostProblem),
                port: int(1, 65535).default(5432),
                /** The login on that server: allowed to CREATE DATABASE (its password is the secure restoreTestServerPassword). */
                user: bounded(63, z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL role name")).default("fork_knife_restore_test"),
                /** Like database.sslMode: production verifies who answers. */
                sslMode: z.enum(SSL_MODES, { message: "must be one of require, verify-ca, verify-full (never disable or prefer)" })
                    .default(prod ? "verify-full" : "require"),
                /** PEM bundle of the CA that signed that server's certificate; required with verify-ca / verify-full. */
                caBundle: z.string({ message: "must be a string (a PEM block, e.g. a YAML | block)" }).superRefine((v, ctx) => {
                    const p = caBundleProblem(v, now);
                    if (p) ctx.addIssue({ code: "custom", message: `must be ${p}` });
                }).optional(),
                /** Where that server lives: the restore test's egress goes to this block only (required in production). */
                cidr: checked(cidrProblem).optional(),
            }).strict().optional(),
            /** The image of the live restore's scale-down step (kubectl scale, kubectl wait): pinned to a release,
             *  within one minor version of the cluster's API server; production adds @sha256:…. */
            kubectlImage: bounded(512, z.string().regex(KUBECTL_IMAGE,
                "must be a kubectl image pinned to a release such as registry.k8s.io/kubectl:v1.32.4, optionally @sha256:…")).default(DEFAULT_KUBECTL_IMAGE),
        }).strict().prefault({}),
        alerts: z.object({
            enabled: z.boolean().default(true),
            healthCheckFailures: int(1, 100).default(3),
            healthCheckWindowMinutes: int(1, 60).default(5),
            errorRatePercent: z.number().gt(0, "must be a percentage above 0 and at most 100").max(100, "must be a percentage above 0 and at most 100").default(5),
            errorRateForMinutes: int(1, 60).default(5),
            databaseConnectionsPercent: int(1, 100).default(80),
            diskUsagePercent: int(1, 100).default(85),
            p95LatencySeconds: z.number().gt(0, "must be a number of seconds above 0").max(60, "must be at most 60 seconds").default(1),
            backupMaxAgeHours: int(1, 24 * 14).default(BACKUP_MISSING_AFTER_HOURS),
            queueDepthWarning: int(1, 10_000_000).default(1000),
            minJobsPerMinute: z.number().min(0, "must be 0 or more jobs per minute").default(1),
            // At 100 % Redis already evicts keys or refuses writes (noeviction): an alert there comes too late.
            redisMemoryPercent: int(1, 99).default(80),
            team: bounded(63, z.string().regex(/^[a-z0-9-]+$/, "must be a team label such as backend")).default("backend"),
        }).strict().prefault({}),
        github: z.object({
            owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub user or organisation name"),
            repository: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a GitHub repository name"),
            requiredApprovals: int(1, 6).default(1),
            // GitHub allows 1 to 6 required reviewers on an environment; production must have some.
            productionReviewers: z.array(bounded(140, z.string().regex(/^[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/, "must be user names or org/team slugs")),
                typeError({ required: "is required with github: 1 to 6 user names or org/team slugs who approve production deployments" }))
                .min(1, "must name 1 to 6 reviewers (user names or org/team slugs)").max(6, "must name 1 to 6 reviewers (user names or org/team slugs)"),
        }).strict().optional(),
        alerting: z.object({
            /** Which receiver each severity reaches. Staging reaches the team only. */
            severities: z.object({
                critical: z.enum(RECEIVERS, { error: "must be pager or team" }).default(prod ? "pager" : "team"),
                warning: z.enum(RECEIVERS, { error: "must be pager or team" }).default("team"),
            }).strict().prefault({}),
            groupWait: duration("5s", "5m").default("30s"),
            groupInterval: duration("1m", "1h").default("5m"),
            repeatInterval: duration("1h", "24h").default("4h"),
            slackChannel: z.string().regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, "must be a Slack channel name such as #fork-knife-alerts").optional(),
        }).strict().prefault({}),
        pagerduty: z.object({
            serviceName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,254}$/, "must be a PagerDuty service name").default(`fork-knife ${stack}`),
            timeZone: checked(timeZoneProblem).default("Etc/UTC"),
            /** First level: the weekly on-call rotation of developers. */
            onCallDevelopers: pagerdutyUsers("developers in the on-call rotation"),
            /** Second level: the senior developers' rotation. */
            seniorDevelopers: pagerdutyUsers("senior developers"),
            /** Third level: the CTO. */
            cto: z.string(typeError({ required: "is required with pagerduty: the CTO's PagerDuty user ID" }))
                .regex(/^P[A-Z0-9]{5,13}$/, "must be a PagerDuty user ID such as PXPGF42"),
            rotationDays: int(1, 28).default(7),
            handoffTime: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be a time of day HH:MM such as 09:00").default("09:00"),
            /** Minutes each level has to acknowledge before the next one is paged; the last one before the chain repeats. */
            escalationMinutes: z.object({
                onCallDeveloper: int(5, 60).default(15),
                seniorDeveloper: int(5, 60).default(15),
                cto: int(5, 120).default(30),
            }).strict().prefault({}),
            /** How often the whole chain repeats when nobody acknowledges. */
            repeats: int(0, 9).default(2),
        }).strict().optional(),
        /** The URL users reach; the outside health Probe checks it. Required in production: without it a total outage
         *  (every pod down, ingress, DNS or TLS broken) pages nobody. */
        publicUrl: prod ? publicUrl : publicUrl.optional(),
        healthProbe: z.object({
            /** The blackbox exporter Prometheus asks to probe publicUrl. */
            proberUrl: proberUrl.default(DEFAULT_PROBER_URL),
            /** Its module that checks for a 2xx answer over TLS. */
            module: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a blackbox exporter module name such as http_2xx").default("http_2xx"),
        }).strict().prefault({}),
        // The guide's quarterly database maintenance (components/data/maintenance.ts), in backup.timeZone.
        maintenance: z.object({
            enabled: z.boolean().default(true),
            /** Quarterly by default: the 15th of January, April, July and October at 22:00, far from the 03:00 backup. */
            schedule: checked(cronProblem).default("0 22 15 */3 *"),
            /** An index whose leaf pages are this much emptier than a fresh index's is rebuilt (REINDEX CONCURRENTLY). */
            bloatThresholdPercent: int(1, 99).default(30),
            /** Indexes smaller than this are left alone: rebuilding them saves nothing worth the work. */
            minIndexSizeMb: int(0, 1_000_000).default(1),
            /** The Job is stopped after this long (activeDeadlineSeconds). */
            deadlineMinutes: int(5, 720).default(120),
        }).strict().prefault({}),
        // The watched rollout after every deploy (tools/rollout.ts): the guide's "monitor metrics for 30 minutes".
        release: z.object({
            /** Critical paths, besides the health endpoint, that must answer 2xx right after a rollout. */
            smokePaths: z.array(z.string().regex(/^\/[A-Za-z0-9._~\/?=&%-]*$/, "must be absolute URL paths such as /api/menu"), typeError({
                invalid: "must be a list of absolute URL paths such as /api/menu",
            })).max(20, "must list at most 20 paths (each is requested on every deploy)")
                .refine((paths) => new Set(paths).size === paths.length, "must not list a path twice").default([]),
            /** How long health and alerts are watched after the smoke checks; 0 skips the watch. */
            watchMinutes: int(0, 180).default(30),
            /** How often the watch polls. */
            pollSeconds: int(5, 300).default(30),
        }).strict().prefault({}),
        /** The queue (BullMQ) both workloads use: REDIS_URL is built from these and the secure redisPassword. */
        redis: z.object({
            host: checked(hostProblem),
            port: int(1, 65535).default(6379),
            /** rediss:// (TLS); plain redis:// only where the network between pod and server is trusted. */
            tls: z.boolean().default(true),
            /** Where Redis lives: egress on the Redis port goes to this block only (required in production). */
            cidr: checked(cidrProblem).optional(),
        }).strict(),
        /** Who the workloads may reach besides PostgreSQL and Redis. */
        egress: z.object({
            /** Labels of the namespace the cluster DNS runs in (kube-dns / CoreDNS: kube-system). */
            dnsNamespaceLabels: labelMap("DNS namespace").default({ "kubernetes.io/metadata.name": "kube-system" }),
            /** Labels of the cluster DNS pods. */
            dnsPodLabels: labelMap("DNS pod").default({ "k8s-app": "kube-dns" }),
            /** HTTPS (443) goes to any address unless these blocks narrow it (README: why it stays open). */
            httpsCidrs: z.array(checked(cidrProblem)).min(1, "must list 1 to 50 CIDR blocks (leave it out for any address)")
                .max(50, "must list 1 to 50 CIDR blocks (leave it out for any address)").optional(),
            /** Where the Kubernetes API server's endpoints live (not the `kubernetes` Service's ClusterIP: policies see
             *  the address after the Service is resolved). Only the live restore's scale-down reaches them; required
             *  in production when backup.restoreFrom is set. */
            kubernetesApiCidrs: z.array(checked(cidrProblem)).min(1, "must list 1 to 10 CIDR blocks of the API server's endpoints")
                .max(10, "must list 1 to 10 CIDR blocks of the API server's endpoints").optional(),
            /** The API server endpoints' port: 443 on most managed clusters, 6443 on kubeadm's. */
            kubernetesApiPort: int(1, 65535).default(443),
        }).strict().prefault({}),
        logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
    }).strict();
}

export type ParsedSettings = z.infer<ReturnType<typeof settingsSchema>>;
