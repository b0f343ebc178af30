// The config contract of DESIGN.md as a zod schema. Defaults that depend on the environment are built per
// environment so that a stack file only has to say where it differs from the guide.
import { z } from "zod";
import {
    cpuQuantityProblem, cronProblem, dnsLabelProblem, memoryQuantityProblem, parseIsoDate, timeZoneProblem,
} from "./validators";
import { BACKUP_MISSING_AFTER_HOURS, RTO_BUDGET_SECONDS } from "../data/recovery-objectives";

export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;

/** The guide's rotation limits, in days. The guide names no limit for the backups' object-storage keys: they
 *  guard a copy of the whole database, so they rotate like the database password. */
export const MAX_AGE_DAYS = { jwt: 90, databasePassword: 180, stripe: 365, twilio: 365, backupS3: 180 } as const;

/** Connections that are not pods' pools: one migration (Prisma opens two) and one pg_dump (plus its jobs). */
export const MIGRATION_CONNECTIONS = 2;

const int = (min: number, max: number) =>
    z.number({ invalid_type_error: `must be an integer from ${min} to ${max}` })
        .int(`must be an integer from ${min} to ${max}`)
        .min(min, `must be an integer from ${min} to ${max}`)
        .max(max, `must be an integer from ${min} to ${max}`);

const checked = (problem: (v: string) => string | undefined) =>
    z.string({ invalid_type_error: "must be a string" }).superRefine((v, ctx) => {
        const p = problem(v);
        if (p) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be ${p}` });
    });

const isoDateNotInFuture = (now: Date) =>
    z.string({ invalid_type_error: "must be an ISO 8601 date string such as 2026-10-01" }).superRefine((v, ctx) => {
        const parsed = parseIsoDate(v);
        if (typeof parsed === "string") ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be ${parsed}` });
        else if (parsed.getTime() > now.getTime()) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must not be in the future (today is ${now.toISOString().slice(0, 10)})` });
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

const scaling = (d: { minReplicas: number; maxReplicas: number }) => ({
    minReplicas: int(1, 100).default(d.minReplicas),
    maxReplicas: int(1, 200).default(d.maxReplicas),
    targetCpuPercent: int(1, 100).default(70),
    targetMemoryPercent: int(1, 100).default(80),
});

export function settingsSchema(environment: Environment, stack: string, now: Date) {
    const prod = environment === "production";
    return z.object({
        environment: z.enum(ENVIRONMENTS, { errorMap: () => ({ message: "must be one of staging, production" }) }),
        namespace: checked(dnsLabelProblem).default(`fork-knife-${stack}`),
        image: z.object({
            repository: z.string().regex(/^[a-z0-9]+([._\/:-][a-z0-9]+)*$/, "must be an image repository such as ghcr.io/fork-knife/backend"),
            tag: z.string({ required_error: "is required (a release tag, never latest)" })
                .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a Docker tag: letters, digits, '_', '.', '-', up to 128")
                .refine((t) => t !== "latest", "must be a pinned release tag, not latest (a moving tag makes rollouts and rollbacks unrepeatable)"),
            digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, "must be sha256: followed by 64 hex digits").optional(),
            resolveDigest: z.boolean().default(false),
        }).strict(),
        backend: z.object({
            ...scaling(prod ? { minReplicas: 3, maxReplicas: 10 } : { minReplicas: 2, maxReplicas: 4 }),
            port: int(1, 65535).default(3000),
            healthPath: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, "must be an absolute URL path such as /health").default("/health"),
            resources: resources({ cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" }).default({}),
        }).strict().default({}),
        worker: z.object({
            ...scaling(prod ? { minReplicas: 2, maxReplicas: 6 } : { minReplicas: 1, maxReplicas: 2 }),
            command: z.array(z.string().min(1)).min(1, "must name the command, e.g. [npm, run, worker]").default(["npm", "run", "worker"]),
            resources: resources({ cpu: "250m", memory: "256Mi", memoryLimit: "512Mi" }).default({}),
        }).strict().default({}),
        database: z.object({
            host: z.string({ required_error: "is required (the PostgreSQL host name)" })
                .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be a host name or IP address"),
            port: int(1, 65535).default(5432),
            name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier: lower-case letters, digits, '_'").default("forkknife"),
            adminUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL role name").default("postgres"),
            sslMode: z.enum(["require", "verify-ca", "verify-full"], {
                errorMap: () => ({ message: "must be one of require, verify-ca, verify-full (never disable or prefer)" }),
            }).default("require"),
            maxConnections: int(10, 100000).default(100),
            poolSizePerPod: int(1, 100).default(5),
        }).strict(),
        rotation: z.object({
            jwt: z.object({ rotatedAt: isoDateNotInFuture(now), generation: int(0, 1_000_000).default(0) }).strict(),
            databasePassword: z.object({ rotatedAt: isoDateNotInFuture(now), generation: int(0, 1_000_000).default(0) }).strict(),
            stripe: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict(),
            twilio: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict(),
            /** Required with an s3:// backup target. */
            backupS3: z.object({ rotatedAt: isoDateNotInFuture(now) }).strict().optional(),
        }).strict(),
        backup: z.object({
            schedule: checked(cronProblem).default("0 3 * * *"),
            timeZone: checked(timeZoneProblem).default("Etc/UTC"),
            retentionDays: int(1, 3650).default(prod ? 30 : 7),
            restoreTestSchedule: checked(cronProblem).default("0 4 1 */3 *"),
            storageSize: checked(memoryQuantityProblem).default(prod ? "100Gi" : "20Gi"),
            preMigrationBackup: z.boolean().default(prod),
            target: z.string().regex(/^(pvc|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\/-]*)?)$/,
                "must be pvc or s3://bucket/prefix").default("pvc"),
            // http:// stays allowed for in-cluster object stores (MinIO); zod's url() would also take ftp: or javascript:.
            s3Endpoint: z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/\S*)?$/,
                "must be an http:// or https:// URL of an S3-compatible endpoint").optional(),
            s3Region: z.string().regex(/^[a-z0-9-]+$/, "must be a region name such as eu-central-1").default("us-east-1"),
            format: z.enum(["custom", "directory"], { errorMap: () => ({ message: "must be custom or directory" }) }).default("custom"),
            parallelJobs: int(1, 16).default(1),
            postgresImage: z.string().regex(/^[a-z0-9./_-]+:[0-9]+[A-Za-z0-9._-]*(@sha256:[a-f0-9]{64})?$/,
                "must be a PostgreSQL image pinned to its major version, such as postgres:15-bookworm").default("postgres:15-bookworm"),
            // The scripts call the same rclone the tests run (Debian's 1.60); its binary comes from this image.
            rcloneImage: z.string().regex(/^[a-z0-9./_-]+:1\.60\.[0-9]+(@sha256:[a-f0-9]{64})?$/,
                "must be an rclone/rclone 1.60.x image (the version the tests run), optionally @sha256:…").default("rclone/rclone:1.60.1"),
            restoreTestTables: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, "must be table names"))
                .default([]),
            restoreFrom: z.string().regex(/^(latest|[A-Za-z0-9._-]+)$/, "must be latest or a backup file name").optional(),
            confirmRestore: z.string().optional(),
            /** The RTO: a restore test slower than this fails (and its alert fires). */
            rtoBudgetSeconds: int(60, 7 * 86400).default(RTO_BUDGET_SECONDS),
            /** Who deletes old backups: backup.sh prune with the backup key (script), or the bucket's lifecycle rules
             *  over a versioned, object-locked bucket while the backup key cannot delete (lifecycle). */
            retentionMode: z.enum(["script", "lifecycle"], { errorMap: () => ({ message: "must be script or lifecycle" }) })
                .default(prod ? "lifecycle" : "script"),
        }).strict().default({}),
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
            team: z.string().regex(/^[a-z0-9-]+$/, "must be a team label such as backend").default("backend"),
        }).strict().default({}),
        github: z.object({
            owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub user or organisation name"),
            repository: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a GitHub repository name"),
            requiredApprovals: int(1, 6).default(1),
            // GitHub allows 1 to 6 required reviewers on an environment; production must have some.
            productionReviewers: z.array(z.string().regex(/^[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/, "must be user names or org/team slugs"),
                { required_error: "is required with github: 1 to 6 user names or org/team slugs who approve production deployments" })
                .min(1, "must name 1 to 6 reviewers (user names or org/team slugs)").max(6, "must name 1 to 6 reviewers (user names or org/team slugs)"),
        }).strict().optional(),
        logLevel: z.enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(", ")}` }) }).default("info"),
    }).strict();
}

export type ParsedSettings = z.infer<ReturnType<typeof settingsSchema>>;
