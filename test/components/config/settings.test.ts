// The config contract: every bad value is one error line that names the full key, shows the value (never a
// secure one) and says what is allowed; every problem is reported at once; good stacks parse with defaults.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { connectionBudget, parseSettings, RawConfig, SECRET_KEYS, Settings, SettingsError, settingsSchema } from "../../../components/config/settings";
import { parseQuantity } from "../../../components/config/validators";
import { loadStackConfig } from "../../../tools/lib/stack-config";
import { fakePem, PRIVATE_KEY_LABEL } from "../../support/fake-pem";

const NOW = new Date("2026-11-25T00:00:00Z");
type Values = Record<string, any>;

/** The committed stack file as parseSettings receives it from readSettings. */
function rawConfig(stack: "staging" | "production"): RawConfig & { values: Values } {
    const c = loadStackConfig({ stack });
    const values: Values = {};
    const secrets: RawConfig["secrets"] = {};
    for (const [full, text] of Object.entries(c.config)) {
        const key = full.slice("fork-knife:".length);
        if (key in SECRET_KEYS) secrets[key] = { value: text, isSecret: c.secretKeys.includes(full) };
        else values[key] = /^[\[{]/.test(text) ? JSON.parse(text) : text;
    }
    return { stack, now: NOW, values, secrets };
}

function problemsOf(raw: RawConfig): string[] {
    try {
        parseSettings(raw);
    } catch (e) {
        assert.ok(e instanceof SettingsError, `expected a SettingsError, got ${e}`);
        return e.problems;
    }
    return [];
}

function parse(stack: "staging" | "production", change: (v: Values, raw: RawConfig & { values: Values }) => void = () => undefined): Settings {
    const raw = rawConfig(stack);
    change(raw.values, raw);
    return parseSettings(raw);
}

/** A certificate that is not a CA (basicConstraints CA:FALSE): public test data, its key was never kept. */
const LEAF_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBfTCCASKgAwIBAgIUD+ic90RF/TZxo78T++1IpufmDmMwCgYIKoZIzj0EAwIw\nFTETMBEGA1UEAwwKZGIuZXhhbXBsZTAeFw0yNjExMzAwNTQ2NDlaFw0zNjExMjcw\nNTQ2NDlaMBUxEzARBgNVBAMMCmRiLmV4YW1wbGUwWTATBgcqhkjOPQIBBggqhkjO\nPQMBBwNCAAQFdUH/ZwJELlVJQD12wbl0l9Vhm10scE1iDOnqoskM6eOcISgI7Pk3\nk9M+vSQ38ni19I68Q0xpBVs1uUsjnKcHo1AwTjAdBgNVHQ4EFgQUZuLOo5AzdXDA\nR+LPwIA7VUcZsj4wHwYDVR0jBBgwFoAUZuLOo5AzdXDAR+LPwIA7VUcZsj4wDAYD\nVR0TAQH/BAIwADAKBggqhkjOPQQDAgNJADBGAiEAk3O4FgSXNRK9oviINOrfytI8\nEt+pFvaT8xcAEc1+04wCIQDqCya44SKk99SCNc1pS8L4LhBqIHAJRfW+dw7v/Qkv\nJQ==\n-----END CERTIFICATE-----\n";

interface BadInput {
    /** Full key the error line must start with, without the `fork-knife:` prefix. */
    key: string;
    change: (v: Values, raw: RawConfig & { values: Values }) => void;
    /** Text of the value the line must show; null when the key is missing (nothing to show). */
    shows: string | null;
    /** What is allowed, as the line must say it. */
    allowed: RegExp;
    stack?: "staging" | "production";
}

/** backup.retentionMode prune-identity with everything it needs: the prune keys (secure) and their rotation record. */
function withPruneIdentity(v: Values, raw: RawConfig): void {
    v.backup.retentionMode = "prune-identity";
    v.rotation.backupPruneS3 = { rotatedAt: "2026-10-01" };
    raw.secrets.backupPruneS3AccessKeyId = { value: "prune-key-id", isSecret: true };
    raw.secrets.backupPruneS3SecretAccessKey = { value: "prune-secret-key", isSecret: true };
}

const BAD: BadInput[] = [
    { key: "environment", change: (v) => { v.environment = "prod"; }, shows: '"prod"', allowed: /one of staging, production/ },
    { key: "environment", change: (v) => { delete v.environment; }, shows: null, allowed: /one of staging, production \(required\)/ },
    { key: "namespace", change: (v) => { v.namespace = "Fork_Knife"; }, shows: '"Fork_Knife"', allowed: /DNS-1123 label/ },
    { key: "namespace", change: (v) => { v.namespace = "a".repeat(64); }, shows: '"aaaa', allowed: /at most 63/ },
    { key: "image", change: (v) => { v.image = "ghcr.io/fork-knife/backend:1"; }, shows: '"ghcr.io/fork-knife/backend:1"', allowed: /must be an object with the keys repository, tag, digest/ },
    { key: "image.tag", change: (v) => { v.image.tag = "latest"; }, shows: '"latest"', allowed: /pinned release tag, not latest/ },
    { key: "image.tag", change: (v) => { delete v.image.tag; }, shows: null, allowed: /is required \(a release tag, never latest\)/ },
    { key: "image.tag", change: (v) => { v.image.tag = "2026 11"; }, shows: '"2026 11"', allowed: /Docker tag/ },
    { key: "image.tag", change: (v) => { v.image.tag = 2026.11; }, shows: "2026.11", allowed: /must be a string \(quote it in YAML\)/ },
    { key: "image.digest", change: (v) => { v.image.digest = "sha256:abc"; }, shows: '"sha256:abc"', allowed: /sha256: followed by 64 hex digits/ },
    { key: "image.repository", change: (v) => { v.image.repository = "GHCR.io/Fork"; }, shows: '"GHCR.io/Fork"', allowed: /image repository such as/ },
    { key: "image.registry", change: (v) => { v.image.registry = "ghcr.io"; }, shows: null, allowed: /unknown key; allowed keys: repository, tag, digest, resolveDigest/ },
    { key: "backend.minReplicas", change: (v) => { v.backend = { minReplicas: 0 }; }, shows: "0", allowed: /integer from 1 to 100/ },
    { key: "backend.minReplicas", change: (v) => { v.backend = { minReplicas: 2.5 }; }, shows: "2.5", allowed: /integer from 1 to 100/ },
    { key: "backend.minReplicas", change: (v) => { v.backend = { minReplicas: 5, maxReplicas: 4 }; }, shows: "5", allowed: /at most backend\.maxReplicas \(4\)/ },
    { key: "worker.minReplicas", change: (v) => { v.worker = { minReplicas: 3 }; }, shows: "3", allowed: /at most worker\.maxReplicas \(2\)/ },
    { key: "backend.targetCpuPercent", change: (v) => { v.backend = { targetCpuPercent: 150 }; }, shows: "150", allowed: /integer from 1 to 100/ },
    { key: "backend.port", change: (v) => { v.backend = { port: "3000" }; }, shows: '"3000"', allowed: /integer from 1 to 65535/ },
    { key: "backend.healthPath", change: (v) => { v.backend = { healthPath: "health" }; }, shows: '"health"', allowed: /absolute URL path/ },
    { key: "backend.resources.memory", change: (v) => { v.backend = { resources: { memory: "256m" } }; }, shows: '"256m"', allowed: /memory quantity such as 256Mi/ },
    { key: "backend.resources.cpu", change: (v) => { v.backend = { resources: { cpu: "abc" } }; }, shows: '"abc"', allowed: /CPU quantity such as 250m/ },
    { key: "backend.resources.cpu", change: (v) => { v.backend = { resources: { cpu: "0" } }; }, shows: '"0"', allowed: /above zero/ },
    { key: "backend.resources.memory", change: (v) => { v.backend = { resources: { memory: "1Gi", memoryLimit: "512Mi" } }; }, shows: '"1Gi"', allowed: /at most resources\.memoryLimit \("512Mi"\)/ },
    { key: "worker.resources.cpu", change: (v) => { v.worker = { resources: { cpu: "500m", cpuLimit: "250m" } }; }, shows: '"500m"', allowed: /at most resources\.cpuLimit \("250m"\)/ },
    { key: "backend.minReplica", change: (v) => { v.backend = { minReplica: 2 }; }, shows: null, allowed: /unknown key \(did you mean minReplicas\?\); allowed keys: minReplicas, maxReplicas/ },
    { key: "worker.maxReplicas", change: (v) => { v.worker = { maxReplicas: 500 }; }, shows: "500", allowed: /integer from 1 to 200/ },
    { key: "worker.command", change: (v) => { v.worker = { command: [] }; }, shows: "[]", allowed: /must name the command/ },
    { key: "backend.command", change: (v) => { v.backend = { command: ["sh", "-c", "npm run prisma:migrate:deploy && npm run start:prod"] }; }, shows: '["sh","-c","npm run prisma:migrate:deploy', allowed: /must not run a database migration \(found "prisma:migrate:deploy"\): migrations run in the MigrationJob/ },
    { key: "worker.command", change: (v) => { v.worker = { command: ["npx", "prisma", "db", "push"] }; }, shows: '["npx","prisma","db","push"]', allowed: /must not run a database migration \(found "prisma db push"\)/ },
    { key: "backend.command", change: (v) => { v.backend = { command: [] }; }, shows: "[]", allowed: /must name the command, e.g. \[npm, run, start:prod\]/ },
    { key: "backend.command", change: (v) => { v.backend = { command: "npm run start:prod" }; }, shows: '"npm run start:prod"', allowed: /must be a list of strings such as \[npm, run, start:prod\]/ },
    { key: "backend.command", change: (v) => { v.backend = { command: Array(33).fill("x") }; }, shows: '["x",', allowed: /must be at most 32 strings/ },
    { key: "backend.command[1]", change: (v) => { v.backend = { command: ["node", "x".repeat(1025)] }; }, shows: '"xxx', allowed: /non-empty string of at most 1024 characters/ },
    { key: "worker.command[0]", change: (v) => { v.worker = { command: [""] }; }, shows: '""', allowed: /non-empty string of at most 1024 characters/ },
    // A string where a list belongs: the type's line only (zod 4 would also measure the string against .min/.max).
    { key: "worker.command", change: (v) => { v.worker = { command: "" }; }, shows: '""', allowed: /must be a list of strings such as \[npm, run, worker\]/ },
    { key: "release.smokePaths", change: (v) => { v.release = { smokePaths: "/api/menu,/api/orders" }; }, shows: '"/api/menu,/api/orders"', allowed: /must be a list of absolute URL paths such as \/api\/menu$/ },
    { key: "worker.port", change: (v) => { v.worker = { port: 3000 }; }, shows: null, allowed: /unknown key; allowed keys: minReplicas, maxReplicas, targetCpuPercent/ },
    { key: "database", change: (v) => { delete v.database; }, shows: null, allowed: /is required: an object with the keys host, port, name/ },
    { key: "database.host", change: (v) => { delete v.database.host; }, shows: null, allowed: /is required \(the PostgreSQL host name\)/ },
    { key: "database.sslMode", change: (v) => { v.database.sslMode = "disable"; }, shows: '"disable"', allowed: /require, verify-ca, verify-full/ },
    { key: "database.maxConnections", change: (v) => { v.database.maxConnections = 5; }, shows: "5", allowed: /integer from 10 to 100000/ },
    { key: "database.maxConnections", change: (v) => { v.database.maxConnections = 30; }, shows: "30", allowed: /connection budget does not hold: .* = 39, allowed is 80 % of maxConnections = 24; raise maxConnections to at least 49/ },
    { key: "database.name", change: (v) => { v.database.name = "Fork-Knife"; }, shows: '"Fork-Knife"', allowed: /PostgreSQL identifier/ },
    { key: "rotation.jwt.rotatedAt", change: (v) => { v.rotation.jwt.rotatedAt = "2026-12-01"; }, shows: '"2026-12-01"', allowed: /must not be in the future \(today is 2026-11-25\)/ },
    { key: "rotation.jwt.rotatedAt", change: (v) => { v.rotation.jwt.rotatedAt = "2026-02-30"; }, shows: '"2026-02-30"', allowed: /ISO 8601 date such as 2026-10-01.*not a calendar date/ },
    { key: "rotation.stripe.rotatedAt", change: (v) => { v.rotation.stripe.rotatedAt = "2026/10/01"; }, shows: '"2026/10/01"', allowed: /ISO 8601 date such as 2026-10-01/ },
    { key: "rotation.twilio.rotatedAt", change: (v) => { v.rotation.twilio.rotatedAt = "2026-10-01T10:61:00Z"; }, shows: '"2026-10-01T10:61:00Z"', allowed: /not a calendar date/ },
    { key: "rotation.twilio.rotatedAt", change: (v) => { delete v.rotation.twilio.rotatedAt; }, shows: null, allowed: /is required/ },
    { key: "rotation.databasePassword.generation", change: (v) => { v.rotation.databasePassword.generation = -1; }, shows: "-1", allowed: /integer from 0 to 1000000/ },
    { key: "rotation.stripe.generation", change: (v) => { v.rotation.stripe.generation = 1; }, shows: null, allowed: /unknown key; allowed keys: rotatedAt$/ },
    { key: "backup.schedule", change: (v) => { v.backup.schedule = "0 3 * *"; }, shows: '"0 3 * *"', allowed: /5-field cron expression .* got 4 fields/ },
    { key: "backup.schedule", change: (v) => { v.backup.schedule = "61 3 * * *"; }, shows: '"61 3 * * *"', allowed: /valid 5-field cron expression/ },
    { key: "backup.schedule", change: (v) => { v.backup.schedule = "TZ=Europe/Berlin 0 3 * * *"; }, shows: '"TZ=Europe/Berlin', allowed: /without TZ= \(use backup\.timeZone\)/ },
    { key: "backup.schedule", change: (v) => { v.backup.schedule = "0 3 * * 7"; }, shows: '"0 3 * * 7"', allowed: /as Kubernetes reads it.*day-of-week "7" is above 6/ },
    { key: "backup.restoreTestSchedule", change: (v) => { v.backup.restoreTestSchedule = "0 4 L */3 *"; }, shows: '"0 4 L */3 *"', allowed: /as Kubernetes reads it/ },
    { key: "backup.timeZone", change: (v) => { v.backup.timeZone = "Mars/Olympus"; }, shows: '"Mars/Olympus"', allowed: /IANA time zone name/ },
    { key: "backup.timeZone", change: (v) => { v.backup.timeZone = "europe/berlin"; }, shows: '"europe/berlin"', allowed: /spelled with its capitals/ },
    { key: "backup.timeZone", change: (v) => { v.backup.timeZone = "+01:00"; }, shows: '"+01:00"', allowed: /IANA time zone name/ },
    { key: "backup.retentionDays", change: (v) => { v.backup.retentionDays = 0; }, shows: "0", allowed: /integer from 1 to 3650/ },
    { key: "backup.storageSize", change: (v) => { v.backup.storageSize = "20gb"; }, shows: '"20gb"', allowed: /memory quantity/ },
    { key: "backup.preMigrationBackup", change: (v) => { v.backup.preMigrationBackup = "yes"; }, shows: '"yes"', allowed: /must be a boolean/ },
    { key: "backup.target", change: (v) => { v.backup.target = "s3:/bucket"; }, shows: '"s3:/bucket"', allowed: /pvc or s3:\/\/bucket\/prefix/ },
    { key: "backup.target", stack: "production", change: (v) => { v.backup.target = "pvc"; }, shows: '"pvc"', allowed: /must be s3:\/\/bucket\/prefix in production: backups off the cluster/ },
    { key: "backup.s3Endpoint", change: (v) => { v.backup.s3Endpoint = "https://minio.example:9000"; }, shows: null, allowed: /only allowed with an s3:\/\/ backup\.target \(target is pvc\)/ },
    { key: "backup.s3Endpoint", stack: "production", change: (v) => { v.backup.s3Endpoint = "ftp://minio.example"; }, shows: '"ftp://minio.example"', allowed: /http:\/\/ or https:\/\/ URL/ },
    { key: "backup.parallelJobs", change: (v) => { v.backup.parallelJobs = 4; }, shows: "4", allowed: /must be 1 with format custom/ },
    { key: "backup.format", change: (v) => { v.backup.format = "tar"; }, shows: '"tar"', allowed: /custom or directory/ },
    { key: "backup.postgresImage", change: (v) => { v.backup.postgresImage = "postgres:latest"; }, shows: '"postgres:latest"', allowed: /pinned to its major version/ },
    { key: "backup.restoreTestTables[1]", change: (v) => { v.backup.restoreTestTables = ["users", "orders; drop"]; }, shows: '"orders; drop"', allowed: /table names/ },
    { key: "backup.confirmRestore", stack: "production", change: (v) => { v.backup.restoreFrom = "latest"; }, shows: "(not set)", allowed: /must equal the stack name "production" to restore latest into production/ },
    { key: "backup.confirmRestore", stack: "production", change: (v) => { v.backup.restoreFrom = "latest"; v.backup.confirmRestore = "staging"; }, shows: '"staging"', allowed: /must equal the stack name "production"/ },
    { key: "backup.confirmRestore", change: (v) => { v.backup.confirmRestore = "staging"; }, shows: null, allowed: /only allowed together with backup\.restoreFrom/ },
    { key: "backup.retentionMode", stack: "production", change: (v) => { v.backup.retentionMode = "script"; }, shows: '"script"', allowed: /must be lifecycle or prune-identity in production: the key the backup pods hold must not be able to delete backups/ },
    { key: "backup.retentionMode", change: (v) => { v.backup.retentionMode = "lifecycle"; }, shows: '"lifecycle"', allowed: /only allowed with an s3:\/\/ backup\.target \(target is pvc\)/ },
    { key: "backup.retentionMode", change: (v) => { v.backup.retentionMode = "manual"; }, shows: '"manual"', allowed: /must be one of script, lifecycle, prune-identity$/ },
    // The prune identity: its mode needs an s3:// target, its own keys and their rotation record, and a key of its own.
    { key: "backup.retentionMode", change: (v, raw) => { withPruneIdentity(v, raw); }, shows: '"prune-identity"', allowed: /only allowed with an s3:\/\/ backup\.target \(target is pvc\)/ },
    { key: "backup.pruneSchedule", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); v.backup.pruneSchedule = "0 11 * *"; }, shows: '"0 11 * *"', allowed: /5-field cron expression .* got 4 fields/ },
    { key: "rotation.backupPruneS3.rotatedAt", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); delete v.rotation.backupPruneS3; }, shows: null, allowed: /is required with backup\.retentionMode prune-identity: the date the prune keys backupPruneS3AccessKeyId \/ backupPruneS3SecretAccessKey were issued/ },
    { key: "rotation.backupPruneS3.rotatedAt", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); v.rotation.backupPruneS3.rotatedAt = "2026-11-26"; }, shows: '"2026-11-26"', allowed: /must not be in the future \(today is 2026-11-25\)/ },
    { key: "rotation.backupPruneS3", stack: "production", change: (v) => { v.rotation.backupPruneS3 = { rotatedAt: "2026-10-01" }; }, shows: null, allowed: /only allowed with backup\.retentionMode prune-identity \(retentionMode is lifecycle, so no prune key exists to rotate\)/ },
    { key: "backupPruneS3SecretAccessKey", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); delete raw.secrets.backupPruneS3SecretAccessKey; }, shows: null, allowed: /is required; set it with: pulumi config set --secret backupPruneS3SecretAccessKey <value>/ },
    { key: "backupPruneS3AccessKeyId", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); raw.secrets.backupPruneS3AccessKeyId = { value: "prune-key-id", isSecret: false }; }, shows: null, allowed: /stored in plain text; a credential must be a secret/ },
    { key: "backupPruneS3AccessKeyId", stack: "production", change: (v, raw) => { withPruneIdentity(v, raw); raw.secrets.backupS3AccessKeyId = raw.secrets.backupPruneS3AccessKeyId = { value: "one-key-id", isSecret: true }; }, shows: null, allowed: /must be a different key from backupS3AccessKeyId \(value not shown: it is a credential\)/ },
    { key: "backup.rtoBudgetSeconds", change: (v) => { v.backup.rtoBudgetSeconds = 59; }, shows: "59", allowed: /integer from 60 to 604800/ },
    { key: "backup.skipPreMigrationBackup.reason", stack: "production", change: (v) => { v.backup.skipPreMigrationBackup = {}; }, shows: null, allowed: /is required: why this release may migrate without a fresh dump/ },
    { key: "backup.skipPreMigrationBackup.reason", stack: "production", change: (v) => { v.backup.skipPreMigrationBackup = { reason: "rollback" }; }, shows: '"rollback"', allowed: /10 to 500 characters/ },
    { key: "backup.skipPreMigrationBackup.reason", stack: "production", change: (v) => { v.backup.skipPreMigrationBackup = { reason: 42 }; }, shows: "42", allowed: /must be a string of 10 to 500 characters/ },
    { key: "backup.skipPreMigrationBackup.until", stack: "production", change: (v) => { v.backup.skipPreMigrationBackup = { reason: "rollback to 2026.11.2", until: "2026-11-24" }; }, shows: '"2026-11-24"', allowed: /has passed \(today is 2026-11-25\): remove backup\.skipPreMigrationBackup/ },
    { key: "backup.skipPreMigrationBackup.by", stack: "production", change: (v) => { v.backup.skipPreMigrationBackup = { reason: "rollback to 2026.11.2", by: "me" }; }, shows: null, allowed: /unknown key; allowed keys: reason, until/ },
    { key: "backup.skipPreMigrationBackup", change: (v) => { v.backup.skipPreMigrationBackup = { reason: "rollback to 2026.11.2" }; }, shows: null, allowed: /has nothing to skip: backup\.preMigrationBackup is false/ },
    { key: "backup.rtoBudgetSeconds", change: (v) => { v.backup.rtoBudgetSeconds = "4h"; }, shows: '"4h"', allowed: /integer from 60 to 604800/ },
    { key: "alerts.errorRatePercent", change: (v) => { v.alerts.errorRatePercent = 0; }, shows: "0", allowed: /percentage above 0 and at most 100/ },
    { key: "alerts.p95LatencySeconds", change: (v) => { v.alerts.p95LatencySeconds = 120; }, shows: "120", allowed: /at most 60 seconds/ },
    { key: "alerts.diskUsagePercent", change: (v) => { v.alerts.diskUsagePercent = 101; }, shows: "101", allowed: /integer from 1 to 100/ },
    { key: "alerts.enabled", change: (v) => { v.alerts.enabled = "true"; }, shows: '"true"', allowed: /must be a boolean/ },
    { key: "alerts.errorRate", change: (v) => { v.alerts.errorRate = 5; }, shows: null, allowed: /unknown key; allowed keys: enabled, .*errorRatePercent, errorRateForMinutes/ },
    { key: "alerts.redisMemoryPercent", change: (v) => { v.alerts.redisMemoryPercent = 100; }, shows: "100", allowed: /integer from 1 to 99/ },
    { key: "alerts.redisMemoryPercent", change: (v) => { v.alerts.redisMemoryPercent = 0; }, shows: "0", allowed: /integer from 1 to 99/ },
    { key: "alerts.redisMemoryPercent", change: (v) => { v.alerts.redisMemoryPercent = 80.5; }, shows: "80.5", allowed: /integer from 1 to 99/ },
    { key: "publicUrl", stack: "production", change: (v) => { delete v.publicUrl; }, shows: null, allowed: /is required in production: the https:\/\/ URL users reach/ },
    { key: "publicUrl", stack: "production", change: (v) => { v.publicUrl = "http://api.fork-knife.example.com"; }, shows: '"http://api.fork-knife.example.com"', allowed: /must be an https:\/\/ URL/ },
    { key: "publicUrl", change: (v) => { v.publicUrl = "api.fork-knife.example.com"; }, shows: '"api.fork-knife.example.com"', allowed: /must be an https:\/\/ URL such as/ },
    { key: "publicUrl", change: (v) => { v.publicUrl = "https://api.fork-knife.example.com/?x=1"; }, shows: '"https://api.fork-knife.example.com/?x=1"', allowed: /without query or fragment/ },
    { key: "publicUrl", change: (v) => { v.publicUrl = 443; }, shows: "443", allowed: /must be a string/ },
    { key: "healthProbe.proberUrl", change: (v) => { v.healthProbe = { proberUrl: "blackbox:9115" }; }, shows: '"blackbox:9115"', allowed: /blackbox exporter's http:\/\/ or https:\/\/ URL/ },
    { key: "healthProbe.module", change: (v) => { v.healthProbe = { module: "http 2xx" }; }, shows: '"http 2xx"', allowed: /blackbox exporter module name/ },
    { key: "healthProbe.interval", change: (v) => { v.healthProbe = { interval: "10s" }; }, shows: null, allowed: /unknown key; allowed keys: proberUrl, module/ },
    { key: "github.owner", stack: "production", change: (v) => { v.github.owner = "-fork"; }, shows: '"-fork"', allowed: /GitHub user or organisation name/ },
    { key: "github.requiredApprovals", stack: "production", change: (v) => { v.github.requiredApprovals = 0; }, shows: "0", allowed: /integer from 1 to 6/ },
    { key: "github.repository", stack: "production", change: (v) => { delete v.github.repository; }, shows: null, allowed: /is required/ },
    { key: "logLevel", change: (v) => { v.logLevel = "verbose"; }, shows: '"verbose"', allowed: /one of error, warn, info, debug/ },
    { key: "namepsace", change: (v) => { v.namepsace = "fork-knife-staging"; }, shows: null, allowed: /unknown key \(did you mean namespace\?\)/ },
    { key: "backups", change: (v) => { v.backups = { retentionDays: 7 }; }, shows: null, allowed: /unknown key \(did you mean backup\?\); allowed keys: environment, namespace/ },
    { key: "redis", change: (v) => { delete v.redis; }, shows: null, allowed: /is required: an object with the keys host, port, tls, cidr/ },
    { key: "redis.host", change: (v) => { v.redis.host = "redis_1.internal"; }, shows: '"redis_1.internal"', allowed: /RFC 1123/ },
    { key: "redis.port", change: (v) => { v.redis.port = 0; }, shows: "0", allowed: /integer from 1 to 65535/ },
    { key: "redis.tls", change: (v) => { v.redis.tls = "yes"; }, shows: '"yes"', allowed: /must be a boolean/ },
    { key: "redis.cidr", change: (v) => { v.redis.cidr = "10.30.32.0/33"; }, shows: '"10.30.32.0/33"', allowed: /CIDR block such as 10\.20\.0\.0\/16/ },
    { key: "redis.cidr", change: (v) => { v.redis.cidr = "10.30.32.7/24"; }, shows: '"10.30.32.7/24"', allowed: /network address \(host bits set/ },
    { key: "redis.cidr", stack: "production", change: (v) => { delete v.redis.cidr; }, shows: null, allowed: /is required in production: the CIDR block Redis lives in/ },
    { key: "database.cidr", stack: "production", change: (v) => { delete v.database.cidr; }, shows: null, allowed: /is required in production: the CIDR block PostgreSQL lives in/ },
    { key: "database.cidr", change: (v) => { v.database.cidr = "10.30.16.0"; }, shows: '"10.30.16.0"', allowed: /CIDR block/ },
    { key: "rotation.redis", change: (v) => { delete v.rotation.redis; }, shows: null, allowed: /is required: an object with the keys rotatedAt/ },
    { key: "redisPassword", change: (_, raw) => { delete raw.secrets.redisPassword; }, shows: null, allowed: /pulumi config set --secret redisPassword/ },
    { key: "egress.httpsCidrs[0]", change: (v) => { v.egress = { httpsCidrs: ["0.0.0.0/-1"] }; }, shows: '"0.0.0.0/-1"', allowed: /CIDR block/ },
    { key: "egress.httpsCidrs", change: (v) => { v.egress = { httpsCidrs: [] }; }, shows: "[]", allowed: /1 to 50 CIDR blocks \(leave it out for any address\)/ },
    { key: "egress.dnsPodLabels", change: (v) => { v.egress = { dnsPodLabels: {} }; }, shows: "{}", allowed: /1 to 10 labels that select the DNS pod/ },
    { key: "egress.dnsPodLabels", change: (v) => { v.egress = { dnsPodLabels: "k8s-app=kube-dns" }; }, shows: '"k8s-app=kube-dns"', allowed: /: must be an object$/ },
    { key: "egress.dnsNamespaceLabels", change: (v) => { v.egress = { dnsNamespaceLabels: { "bad key!": "x" } }; }, shows: '{"bad key!":"x"}', allowed: /label key must be/ },
    { key: "backend.metricsPort", change: (v) => { v.backend = { metricsPort: 70000 }; }, shows: "70000", allowed: /integer from 1 to 65535/ },
    { key: "backup.s3Cidr", stack: "production", change: (v) => { v.backup.s3Endpoint = "http://minio.backup.svc:9000"; }, shows: null, allowed: /required in production with an s3Endpoint on port 9000/ },
    { key: "database.sslMode", stack: "production", change: (v) => { v.database.sslMode = "require"; }, shows: '"require"', allowed: /must be verify-full in production, with database\.caBundle/ },
    { key: "database.sslMode", stack: "production", change: (v) => { v.database.sslMode = "verify-ca"; }, shows: '"verify-ca"', allowed: /must be verify-full in production/ },
    { key: "database.caBundle", stack: "production", change: (v) => { delete v.database.caBundle; }, shows: null, allowed: /is required with database\.sslMode verify-full: the PEM bundle of the CA/ },
    { key: "database.caBundle", change: (v) => { v.database.sslMode = "verify-ca"; delete v.database.caBundle; }, shows: null, allowed: /is required with database\.sslMode verify-ca/ },
    { key: "database.caBundle", change: (v) => { v.database.caBundle = "not a certificate"; }, shows: '"not a certificate"', allowed: /PEM bundle of CA certificates/ },
    { key: "database.caBundle", change: (v) => { v.database.caBundle = LEAF_CERTIFICATE; }, shows: '"-----BEGIN CERTIFICATE', allowed: /certificate 1 \(CN=db\.example\) is not a CA certificate/ },
    { key: "database.caBundle", change: (v) => { v.database.caBundle = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"; }, shows: '"-----BEGIN', allowed: /certificate 1 does not parse/ },
    { key: "database.caBundle", change: (_, raw) => { raw.now = new Date("2037-01-01T00:00:00Z"); }, shows: '"-----BEGIN', allowed: /certificate 1 \(CN=fork-knife example database CA\) expired on Nov 27 .* 2036 GMT/ },
    { key: "worker.credentials[1]", change: (v) => { v.worker = { credentials: ["DATABASE_URL", "AWS_KEY"] }; }, shows: '"AWS_KEY"', allowed: /credential names: DATABASE_URL, REDIS_URL, JWT_SECRET/ },
    { key: "backend.credentials", change: (v) => { v.backend = { credentials: [] }; }, shows: "[]", allowed: /at least one credential/ },
    { key: "backend.credentials", change: (v) => { v.backend = { credentials: "" }; }, shows: '""', allowed: /: must be an array$/ },
    // Not an integer and below the minimum: one line, not one per failed check.
    { key: "maintenance.deadlineMinutes", change: (v) => { v.maintenance = { deadlineMinutes: 2.5 }; }, shows: "2.5", allowed: /integer from 5 to 720/ },
    { key: "backend.credentials", change: (v) => { v.backend = { credentials: ["REDIS_URL", "REDIS_URL"] }; }, shows: '["REDIS_URL","REDIS_URL"]', allowed: /must not list a credential twice/ },
    { key: "worker.credentialsAs", change: (v) => { v.worker = { credentialsAs: "volume" }; }, shows: '"volume"', allowed: /must be env or file/ },
    { key: "twilioAuthToken", change: (_, raw) => { delete raw.secrets.twilioAuthToken; }, shows: null, allowed: /is required; set it with: pulumi config set --secret twilioAuthToken <value>/ },
    { key: "pulumiAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.pulumiAccessToken; }, shows: null, allowed: /pulumi config set --secret pulumiAccessToken/ },
    { key: "stagingPulumiAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.stagingPulumiAccessToken; }, shows: null, allowed: /pulumi config set --secret stagingPulumiAccessToken/ },
    { key: "backupS3SecretAccessKey", stack: "production", change: (_, raw) => { delete raw.secrets.backupS3SecretAccessKey; }, shows: null, allowed: /pulumi config set --secret backupS3SecretAccessKey/ },    // alerting: severities, bounded timings, receivers per environment, rotation records of the alerting credentials
    { key: "alerting.severities.info", change: (v) => { v.alerting = { severities: { info: "team" } }; }, shows: null, allowed: /unknown key; allowed keys: critical, warning$/ },
    { key: "alerting.severities.critical", stack: "production", change: (v) => { v.alerting = { severities: { critical: "oncall" } }; }, shows: '"oncall"', allowed: /must be pager or team/ },
    { key: "alerting.severities.critical", change: (v) => { v.alerting = { severities: { critical: "pager" } }; }, shows: '"pager"', allowed: /must be team in staging: staging routes to the team receiver only/ },
    { key: "alerting.groupWait", change: (v) => { v.alerting = { groupWait: "4s" }; }, shows: '"4s"', allowed: /duration from 5s to 5m/ },
    { key: "alerting.groupWait", change: (v) => { v.alerting = { groupWait: "301s" }; }, shows: '"301s"', allowed: /duration from 5s to 5m/ },
    { key: "alerting.groupWait", change: (v) => { v.alerting = { groupWait: "30 s" }; }, shows: '"30 s"', allowed: /a number and one unit \(s, m or h\)/ },
    { key: "alerting.groupInterval", change: (v) => { v.alerting = { groupInterval: "59s" }; }, shows: '"59s"', allowed: /duration from 1m to 1h/ },
    { key: "alerting.repeatInterval", change: (v) => { v.alerting = { repeatInterval: "1441m" }; }, shows: '"1441m"', allowed: /duration from 1h to 24h/ },
    { key: "alerting.repeatInterval", change: (v) => { v.alerting = { repeatInterval: 4 }; }, shows: "4", allowed: /duration from 1h to 24h/ },
    { key: "alerting.slackChannel", change: (v) => { v.alerting = { slackChannel: "alerts" }; }, shows: '"alerts"', allowed: /Slack channel name such as #fork-knife-alerts/ },
    { key: "alerting.slackWebhookUrl", change: (v) => { v.alerting = { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/secretpart" }; }, shows: null, allowed: /is a credential in plain config; .*pulumi config set --secret slackWebhookUrl/ },
    { key: "slackWebhookUrl", stack: "production", change: (_, raw) => { delete raw.secrets.slackWebhookUrl; delete raw.values.rotation.slackWebhook; }, shows: null, allowed: /is required in production, where warnings reach the team's channel: pulumi config set --secret slackWebhookUrl/ },
    { key: "pagerdutyRoutingKey", stack: "production", change: (v) => { delete v.pagerduty; delete v.rotation.pagerdutyRoutingKey; }, shows: null, allowed: /is required in production, where critical alerts page: .*or configure fork-knife:pagerduty/ },
    { key: "pagerdutyRoutingKey", stack: "production", change: (_, raw) => { raw.secrets.pagerdutyRoutingKey = { value: "0123456789abcdef0123456789abcdef", isSecret: true }; }, shows: null, allowed: /must not be set together with fork-knife:pagerduty/ },
    { key: "pagerdutyRoutingKey", change: (v, raw) => { raw.secrets.pagerdutyRoutingKey = { value: "0123456789abcdef0123456789abcdef", isSecret: true }; v.rotation.pagerdutyRoutingKey = { rotatedAt: "2026-09-01" }; }, shows: null, allowed: /is not allowed in staging: staging routes to the team receiver only/ },
    { key: "rotation.slackWebhook.rotatedAt", change: (v) => { delete v.rotation.slackWebhook; }, shows: null, allowed: /is required: the date the Slack webhook was issued/ },
    { key: "rotation.slackWebhook.rotatedAt", change: (v) => { v.rotation.slackWebhook.rotatedAt = "2026-12-01"; }, shows: '"2026-12-01"', allowed: /must not be in the future/ },
    { key: "rotation.pagerdutyRoutingKey.rotatedAt", stack: "production", change: (v) => { delete v.rotation.pagerdutyRoutingKey; }, shows: null, allowed: /is required: the date the PagerDuty routing key was issued/ },
    { key: "rotation.pagerdutyRoutingKey", change: (v) => { v.rotation.pagerdutyRoutingKey = { rotatedAt: "2026-09-01" }; }, shows: null, allowed: /only allowed while its credential is configured \(pagerdutyRoutingKey or pagerduty\)/ },
    // pagerduty: the escalation chain's people and bounded delays
    { key: "pagerduty", change: (v) => { v.pagerduty = { onCallDevelopers: ["PDEV001"], seniorDevelopers: ["PSEN001"], cto: "PCTO001" }; }, shows: null, allowed: /is not allowed in staging/ },
    { key: "pagerduty.escalationMinutes.onCallDeveloper", stack: "production", change: (v) => { v.pagerduty.escalationMinutes = { onCallDeveloper: 4 }; }, shows: "4", allowed: /integer from 5 to 60/ },
    { key: "pagerduty.escalationMinutes.seniorDeveloper", stack: "production", change: (v) => { v.pagerduty.escalationMinutes = { seniorDeveloper: 61 }; }, shows: "61", allowed: /integer from 5 to 60/ },
    { key: "pagerduty.escalationMinutes.cto", stack: "production", change: (v) => { v.pagerduty.escalationMinutes = { cto: 121 }; }, shows: "121", allowed: /integer from 5 to 120/ },
    { key: "pagerduty.escalationMinutes.ceo", stack: "production", change: (v) => { v.pagerduty.escalationMinutes = { ceo: 30 }; }, shows: null, allowed: /unknown key \(did you mean cto\?\); allowed keys: onCallDeveloper, seniorDeveloper, cto/ },
    { key: "pagerduty.repeats", stack: "production", change: (v) => { v.pagerduty.repeats = 10; }, shows: "10", allowed: /integer from 0 to 9/ },
    { key: "pagerduty.cto", stack: "production", change: (v) => { v.pagerduty.cto = "alice@example.com"; }, shows: '"alice@example.com"', allowed: /PagerDuty user ID such as PXPGF42/ },
    { key: "pagerduty.cto", stack: "production", change: (v) => { delete v.pagerduty.cto; }, shows: null, allowed: /is required with pagerduty: the CTO's PagerDuty user ID/ },
    { key: "pagerduty.onCallDevelopers", stack: "production", change: (v) => { v.pagerduty.onCallDevelopers = []; }, shows: "[]", allowed: /at least one PagerDuty user/ },
    { key: "pagerduty.seniorDevelopers[1]", stack: "production", change: (v) => { v.pagerduty.seniorDevelopers = ["PSEN001", "bob"]; }, shows: '"bob"', allowed: /PagerDuty user IDs/ },
    { key: "pagerduty.handoffTime", stack: "production", change: (v) => { v.pagerduty.handoffTime = "9:00"; }, shows: '"9:00"', allowed: /HH:MM/ },
    { key: "pagerduty.rotationDays", stack: "production", change: (v) => { v.pagerduty.rotationDays = 0; }, shows: "0", allowed: /integer from 1 to 28/ },
    { key: "release.smokePaths[0]", change: (v) => { v.release = { smokePaths: ["api/menu"] }; }, shows: '"api/menu"', allowed: /absolute URL paths such as \/api\/menu/ },
    { key: "release.smokePaths", change: (v) => { v.release = { smokePaths: ["/a", "/a"] }; }, shows: null, allowed: /must not list a path twice/ },
    { key: "release.smokePaths", change: (v) => { v.release = { smokePaths: Array.from({ length: 21 }, (_, i) => `/p${i}`) }; }, shows: null, allowed: /at most 20 paths/ },
    { key: "maintenance.schedule", change: (v) => { v.maintenance = { schedule: "0 2 15 */3 *" }; }, shows: '"0 2 15 */3 *"',
        allowed: /must not overlap the backup window: the run at 2026-01-15 02:00 UTC may last until 2026-01-15 04:10 UTC .* the backup starting 2026-01-15 03:00 UTC may run until 2026-01-15 10:00 UTC \(backup\.schedule "0 3 \* \* \*" in Etc\/UTC/ },
    { key: "maintenance.schedule", change: (v) => { v.maintenance = { schedule: "0 10 1 */3 *", deadlineMinutes: 5 }; }, shows: '"0 10 1 */3 *"',
        allowed: /must not overlap the restore test window: .*\(backup\.restoreTestSchedule "0 4 1 \*\/3 \*"/ },
    { key: "maintenance.deadlineMinutes", change: (v) => { v.maintenance = { deadlineMinutes: 721 }; }, shows: "721", allowed: /integer from 5 to 720/ },
    { key: "maintenance.bloatThresholdPercent", change: (v) => { v.maintenance = { bloatThresholdPercent: 100 }; }, shows: "100", allowed: /integer from 1 to 99/ },
    { key: "maintenance.schedule", change: (v) => { v.maintenance = { schedule: "every quarter" }; }, shows: '"every quarter"', allowed: /5-field cron expression/ },
    { key: "release.watchMinutes", change: (v) => { v.release = { watchMinutes: 181 }; }, shows: "181", allowed: /integer from 0 to 180/ },
    { key: "release.pollSeconds", change: (v) => { v.release = { pollSeconds: 4 }; }, shows: "4", allowed: /integer from 5 to 300/ },
    { key: "release.watchMinute", change: (v) => { v.release = { watchMinute: 5 }; }, shows: null, allowed: /unknown key \(did you mean watchMinutes\?\)/ },
    { key: "pulumiReadAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.pulumiReadAccessToken; }, shows: null, allowed: /pulumi config set --secret pulumiReadAccessToken/ },
    { key: "pagerdutyToken", stack: "production", change: (_, raw) => { delete raw.secrets.pagerdutyToken; }, shows: null, allowed: /pulumi config set --secret pagerdutyToken/ },
    { key: "pulumiRefreshAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.pulumiRefreshAccessToken; }, shows: null, allowed: /pulumi config set --secret pulumiRefreshAccessToken/ },
    // backup.restoreTestServer: the restore test's own server, its TLS and credentials, never production's server
    { key: "backup.restoreTestServer.host", change: (v, raw) => { withTestServer(v, raw, {}); }, shows: null, allowed: /is required/ },
    { key: "backup.restoreTestServer.host", change: (v, raw) => { withTestServer(v, raw, { host: "restore_test.internal" }); }, shows: '"restore_test.internal"', allowed: /RFC 1123/ },
    { key: "backup.restoreTestServer.host", change: (v, raw) => { withTestServer(v, raw, { host: v.database.host }); }, shows: '"fork-knife-staging.cluster', allowed: /must be another server than database\.host \(fork-knife-staging\.cluster-abc123\.eu-central-1\.rds\.amazonaws\.com:5432\)/ },
    { key: "backup.restoreTestServer.host", change: (v, raw) => { withTestServer(v, raw, { host: v.database.host.toUpperCase() + "." }); }, shows: '"FORK-KNIFE-STAGING', allowed: /must be another server than database\.host/ },
    { key: "backup.restoreTestServer.port", change: (v, raw) => { withTestServer(v, raw, { port: 65536 }); }, shows: "65536", allowed: /integer from 1 to 65535/ },
    { key: "backup.restoreTestServer.user", change: (v, raw) => { withTestServer(v, raw, { user: "Restore-Test" }); }, shows: '"Restore-Test"', allowed: /PostgreSQL role name/ },
    { key: "backup.restoreTestServer.sslMode", change: (v, raw) => { withTestServer(v, raw, { sslMode: "prefer" }); }, shows: '"prefer"', allowed: /one of require, verify-ca, verify-full \(never disable or prefer\)/ },
    { key: "backup.restoreTestServer.sslMode", stack: "production", change: (v, raw) => { withTestServer(v, raw, { sslMode: "verify-ca" }); }, shows: '"verify-ca"', allowed: /must be verify-full in production, with backup\.restoreTestServer\.caBundle/ },
    { key: "backup.restoreTestServer.caBundle", change: (v, raw) => { withTestServer(v, raw, { sslMode: "verify-ca", caBundle: undefined }); }, shows: null, allowed: /is required with backup\.restoreTestServer\.sslMode verify-ca: the PEM bundle/ },
    { key: "backup.restoreTestServer.caBundle", change: (v, raw) => { withTestServer(v, raw, { caBundle: LEAF_CERTIFICATE }); }, shows: '"-----BEGIN CERTIFICATE', allowed: /is not a CA certificate/ },
    { key: "backup.restoreTestServer.caBundle", change: (v, raw) => { withTestServer(v, raw, { caBundle: 42 }); }, shows: "42", allowed: /must be a string \(a PEM block/ },
    { key: "backup.restoreTestServer.cidr", stack: "production", change: (v, raw) => { withTestServer(v, raw, { cidr: undefined }); }, shows: null, allowed: /is required in production: the CIDR block the restore-test server lives in/ },
    { key: "backup.restoreTestServer.cidr", change: (v, raw) => { withTestServer(v, raw, { cidr: "10.30.16.5/20" }); }, shows: '"10.30.16.5/20"', allowed: /network address/ },
    // database.cidr is 10.30.16.0/20 (10.30.16.0 to 10.30.31.255): its last /24 overlaps, and so does a block around it.
    { key: "backup.restoreTestServer.cidr", change: (v, raw) => { withTestServer(v, raw, { cidr: "10.30.31.0/24" }); }, shows: '"10.30.31.0/24"', allowed: /must not overlap database\.cidr \(10\.30\.16\.0\/20\) on the same port 5432/ },
    { key: "backup.restoreTestServer.cidr", change: (v, raw) => { withTestServer(v, raw, { cidr: "10.30.0.0/16" }); }, shows: '"10.30.0.0/16"', allowed: /must not overlap database\.cidr/ },
    { key: "backup.restoreTestServer.tls", change: (v, raw) => { withTestServer(v, raw, { tls: true }); }, shows: null, allowed: /unknown key; allowed keys: host, port, user, sslMode, caBundle, cidr/ },
    { key: "restoreTestServerPassword", change: (v, raw) => { withTestServer(v, raw, {}, { password: false }); v.backup.restoreTestServer.host = "restore-test.internal"; }, shows: null, allowed: /is required; set it with: pulumi config set --secret restoreTestServerPassword/ },
    { key: "rotation.restoreTestServer.rotatedAt", change: (v, raw) => { withTestServer(v, raw, {}, { record: false }); v.backup.restoreTestServer.host = "restore-test.internal"; }, shows: null, allowed: /is required with backup\.restoreTestServer: the date restoreTestServerPassword was last changed/ },
    { key: "rotation.restoreTestServer.rotatedAt", change: (v, raw) => { withTestServer(v, raw, { host: "restore-test.internal" }); v.rotation.restoreTestServer.rotatedAt = "2026-12-01"; }, shows: '"2026-12-01"', allowed: /must not be in the future/ },
    { key: "rotation.restoreTestServer", change: (v) => { v.rotation.restoreTestServer = { rotatedAt: "2026-10-01" }; }, shows: null, allowed: /only allowed together with backup\.restoreTestServer/ },
    { key: "backup.kubectlImage", change: (v) => { v.backup.kubectlImage = "registry.k8s.io/kubectl:latest"; }, shows: '"registry.k8s.io/kubectl:latest"', allowed: /kubectl image pinned to a release such as registry\.k8s\.io\/kubectl:v1\.32\.4/ },
    { key: "backup.kubectlImage", change: (v) => { v.backup.kubectlImage = "bitnami/kubectl:1.31"; }, shows: '"bitnami/kubectl:1.31"', allowed: /pinned to a release/ },
    { key: "backup.kubectlImage", change: (v) => { v.backup.kubectlImage = "registry.k8s.io/kubectl:v1.31.4@sha256:abc"; }, shows: '"registry.k8s.io/kubectl:v1.31.4@sha256:abc"', allowed: /optionally @sha256/ },
    { key: "egress.kubernetesApiCidrs", stack: "production", change: (v) => { v.backup.restoreFrom = "latest"; v.backup.confirmRestore = "production"; delete v.egress.kubernetesApiCidrs; }, shows: null, allowed: /is required in production with backup\.restoreFrom: the CIDR blocks of the Kubernetes API server's endpoints/ },
    { key: "egress.kubernetesApiCidrs", change: (v) => { v.egress = { kubernetesApiCidrs: [] }; }, shows: "[]", allowed: /1 to 10 CIDR blocks of the API server's endpoints/ },
    { key: "egress.kubernetesApiCidrs[1]", change: (v) => { v.egress = { kubernetesApiCidrs: ["10.0.0.0/28", "10.0.0.1"] }; }, shows: '"10.0.0.1"', allowed: /CIDR block/ },
    { key: "egress.kubernetesApiPort", change: (v) => { v.egress = { kubernetesApiPort: 0 }; }, shows: "0", allowed: /integer from 1 to 65535/ },
];

/** Adds a restore-test server (a valid one, changed by `fields`; an undefined field is removed), its password and record. */
function withTestServer(v: Values, raw: RawConfig, fields: Record<string, unknown>, with_: { password?: boolean; record?: boolean } = {}): void {
    const base: Record<string, unknown> = Object.keys(fields).length === 0 ? {} : {
        host: "restore-test.internal", cidr: raw.stack === "production" ? "10.40.48.0/24" : "10.30.48.0/24",
        ...(raw.stack === "production" ? { caBundle: v.database.caBundle } : {}),
    };
    v.backup.restoreTestServer = Object.fromEntries(Object.entries({ ...base, ...fields }).filter(([, x]) => x !== undefined));
    if (with_.record !== false) v.rotation.restoreTestServer = { rotatedAt: "2026-10-01" };
    if (with_.password !== false) raw.secrets.restoreTestServerPassword = { value: "restore-test-password", isSecret: true };
}

describe("settings: bad inputs", () => {
    for (const bad of BAD) {
        const stack = bad.stack ?? "staging";
        it(`${stack}: fork-knife:${bad.key} ${bad.shows === null ? "(missing or unknown)" : `= ${bad.shows}`}`, () => {
            const raw = rawConfig(stack);
            bad.change(raw.values, raw);
            const problems = problemsOf(raw);
            assert.strictEqual(problems.length, 1, `one change, one line; got:\n${problems.join("\n")}`);
            const line = problems[0];
            assert.ok(line.startsWith(`fork-knife:${bad.key}:`) || line.startsWith(`fork-knife:${bad.key} = `),
                `line must name fork-knife:${bad.key}: ${line}`);
            if (bad.shows !== null) assert.ok(line.includes(` = ${bad.shows}`), `line must show the value ${bad.shows}: ${line}`);
            assert.match(line, bad.allowed);
        });
    }

    it("has at least 40 bad inputs, over at least 30 distinct keys", () => {
        assert.ok(BAD.length >= 40, `${BAD.length}`);
        assert.ok(new Set(BAD.map((b) => b.key)).size >= 30);
    });
});

describe("settings: retention by a prune identity", () => {
    it("production accepts prune-identity with its keys and record; the keys are secrets, never plain values", () => {
        const s = parse("production", withPruneIdentity);
        assert.deepStrictEqual([s.backup.retentionMode, s.rotation.backupPruneS3?.rotatedAt], ["prune-identity", "2026-10-01"]);
        assert.ok(pulumi.Output.isInstance(s.secrets.backupPruneS3AccessKeyId) && pulumi.Output.isInstance(s.secrets.backupPruneS3SecretAccessKey));
    });

    it("without prune-identity the prune keys are not required", () => {
        assert.strictEqual(parse("production").secrets.backupPruneS3AccessKeyId, undefined);
    });
});

describe("settings: all problems at once", () => {
    it("reports three bad keys as three lines under one error", () => {
        const raw = rawConfig("staging");
        raw.values.image.tag = "latest";
        raw.values.backup.timeZone = "Berlin";
        raw.values.logLevel = "loud";
        let error: unknown;
        try { parseSettings(raw); } catch (e) { error = e; }
        assert.ok(error instanceof SettingsError);
        assert.deepStrictEqual(error.problems.map((p) => p.split(/[ :]/, 2).join(":")),
            ["fork-knife:image.tag", "fork-knife:backup.timeZone", "fork-knife:logLevel"]);
        assert.match(error.message, /^invalid configuration \(3 problems\):\n  - fork-knife:image\.tag/);
    });

    it("reports cross-key rules and missing secrets together with schema errors", () => {
        const raw = rawConfig("staging");
        raw.values.logLevel = "loud";
        raw.values.backend = { minReplicas: 4, maxReplicas: 3 };
        raw.values.database.maxConnections = 20;
        delete raw.secrets.stripeSecretKey;
        const keys = problemsOf(raw).map((p) => p.split(/ = |: /)[0]).sort();
        assert.deepStrictEqual(keys, ["fork-knife:backend.minReplicas", "fork-knife:database.maxConnections",
            "fork-knife:logLevel", "fork-knife:stripeSecretKey"]);
    });

    it("checks a production stack even when environment is misspelled", () => {
        const raw = rawConfig("production");
        raw.values.environment = "Production";
        raw.values.image.tag = "latest";
        const problems = problemsOf(raw);
        assert.strictEqual(problems.length, 2, problems.join("\n"));
        assert.match(problems[0], /^fork-knife:environment = "Production"/);
    });
});

describe("settings: secure values", () => {
    // Fake, and assembled at run time so secret scanners never see a key-shaped literal in the repository.
    const CREDENTIAL = ["sk", "live", "51HxQwErTyUiOp"].join("_");

    it("refuses a plain-text credential, names the key and the fix, never the value", () => {
        const raw = rawConfig("staging");
        raw.secrets.stripeSecretKey = { value: CREDENTIAL, isSecret: false };
        let error: unknown;
        try { parseSettings(raw); } catch (e) { error = e; }
        assert.ok(error instanceof SettingsError);
        assert.strictEqual(error.problems.length, 1);
        assert.match(error.problems[0], /^fork-knife:stripeSecretKey: is stored in plain text/);
        assert.match(error.problems[0], /pulumi config set --secret stripeSecretKey/);
        assert.ok(!error.message.includes(CREDENTIAL) && !String(error.stack).includes(CREDENTIAL));
    });

    it("never shows the value of a secure key that fails validation", () => {
        const raw = rawConfig("staging");
        raw.values.database = { ...raw.values.database, host: CREDENTIAL + "!" };
        raw.secureValueKeys = ["database"];
        const problems = problemsOf(raw);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^fork-knife:database\.host = \[secure value, not shown\]: must be a host name/);
        assert.ok(!problems[0].includes(CREDENTIAL));
    });

    it("never shows a secure section's values in a cross-key error either", () => {
        const raw = rawConfig("production");
        raw.values.backup.restoreFrom = "latest";
        raw.values.backup.confirmRestore = CREDENTIAL;
        raw.secureValueKeys = ["backup"];
        const problems = problemsOf(raw);
        assert.deepStrictEqual(problems, ["fork-knife:backup.confirmRestore: fails a rule that spans several keys " +
            "(not shown: fork-knife:backup is a secure value)"]);
    });

    it("hands secure values on as Pulumi secrets only", async () => {
        const s = parse("production");
        assert.deepStrictEqual(Object.keys(s.secrets).sort(), ["backupS3AccessKeyId", "backupS3SecretAccessKey",
            "databaseAdminPassword", "pagerdutyToken", "pulumiAccessToken", "pulumiReadAccessToken", "pulumiRefreshAccessToken", "redisPassword", "slackWebhookUrl", "stagingPulumiAccessToken", "stripeSecretKey", "stripeWebhookSecret", "twilioAccountSid",
            "twilioAuthToken"]);
        for (const out of Object.values(s.secrets)) assert.strictEqual(await pulumi.isSecret(out!), true);
    });
});

describe("settings: alerting credentials and receivers", () => {
    // Fake, assembled at run time so secret scanners never see a credential-shaped literal.
    const WEBHOOK = ["https://hooks.slack.com", "services", "T0FAKE", "B0FAKE", "x9Y8z7W6v5U4"].join("/");
    const ROUTING_KEY = "0123456789abcdef".repeat(2);

    function withSecrets(stack: "staging" | "production", secrets: Record<string, { value: string; isSecret: boolean }>, change: (v: Values) => void = () => undefined) {
        const raw = rawConfig(stack);
        Object.assign(raw.secrets, secrets);
        change(raw.values);
        return raw;
    }

    it("refuses a plain-text webhook or routing key, naming the key, never the value", () => {
        const problems = problemsOf(withSecrets("production", {
            slackWebhookUrl: { value: WEBHOOK, isSecret: false },
            pagerdutyRoutingKey: { value: ROUTING_KEY, isSecret: false },
        }, (v) => { delete v.pagerduty; }));
        assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")).sort(), ["fork-knife:pagerdutyRoutingKey", "fork-knife:slackWebhookUrl"]);
        for (const p of problems) {
            assert.match(p, /is stored in plain text; a credential must be a secret/);
            assert.ok(!p.includes(WEBHOOK) && !p.includes(ROUTING_KEY) && !p.includes("x9Y8z7W6v5U4"), p);
        }
    });

    it("refuses a webhook in a plain section without printing it", () => {
        const problems = problemsOf(withSecrets("staging", {}, (v) => { v.alerting = { slackWebhookUrl: WEBHOOK }; }));
        assert.strictEqual(problems.length, 1);
        assert.ok(!problems[0].includes("x9Y8z7W6v5U4"), problems[0]);
    });

    const badUrls: Array<[string, string]> = [
        ["no scheme", "hooks.slack.com/services/T0/B0/x"], ["http, not https", "http://hooks.slack.com/services/T0/B0/x"],
        ["a space inside", "https://hooks.slack.com/services/T0 /B0/x"], ["no host", "https:///services/x"],
        ["credentials in the URL", "https://user:pw@hooks.slack.com/services/x"], ["not a URL", "x9Y8z7W6v5U4"],
    ];
    for (const [what, url] of badUrls) {
        it(`refuses a malformed webhook URL (${what}) with one line that does not show it`, () => {
            const problems = problemsOf(withSecrets("staging", { slackWebhookUrl: { value: url, isSecret: true } }));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^fork-knife:slackWebhookUrl: must be an https:\/\/ URL .*\(value not shown: it is a credential\)$/);
            assert.ok(!problems[0].includes(url), problems[0]);
        });
    }

    it("checks the routing key's shape at its boundaries: 32 letters and digits", () => {
        const noPagerduty = (v: Values) => { delete v.pagerduty; };
        const key = (value: string) => problemsOf(withSecrets("production", { pagerdutyRoutingKey: { value, isSecret: true } }, noPagerduty));
        assert.deepStrictEqual(key(ROUTING_KEY), []);
        for (const bad of [ROUTING_KEY.slice(1), ROUTING_KEY + "a", `${ROUTING_KEY.slice(1)}-`, `https://events.pagerduty.com/${ROUTING_KEY}`]) {
            const problems = key(bad);
            assert.strictEqual(problems.length, 1, bad);
            assert.match(problems[0], /^fork-knife:pagerdutyRoutingKey: must be a PagerDuty Events v2 integration key: 32 letters and digits/);
            assert.ok(!problems[0].includes(bad));
        }
    });

    it("accepts a real-looking https webhook and hands it on as a secret", async () => {
        const raw = withSecrets("staging", { slackWebhookUrl: { value: WEBHOOK, isSecret: true } });
        const s = parseSettings(raw);
        assert.strictEqual(await pulumi.isSecret(s.secrets.slackWebhookUrl!), true);
        assert.deepStrictEqual(s.warnings, []);
    });

    it("a staging stack without a webhook deploys with one warning; production without one stops", () => {
        const dropWebhook = (raw: RawConfig & { values: Values }) => { delete raw.secrets.slackWebhookUrl; delete raw.values.rotation.slackWebhook; return raw; };
        const staging = parseSettings(dropWebhook(rawConfig("staging")));
        assert.strictEqual(staging.warnings.length, 1);
        assert.match(staging.warnings[0], /^fork-knife:slackWebhookUrl: not set, so staging's alerts reach nobody .*pulumi config set --secret slackWebhookUrl/);
        const problems = problemsOf(dropWebhook(rawConfig("production")));
        assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")), ["fork-knife:slackWebhookUrl"]);
    });

    it("defaults: critical pages in production and reaches the team in staging; warnings reach the team; the timings", () => {
        const staging = parse("staging");
        const production = parse("production");
        assert.deepStrictEqual(staging.alerting.severities, { critical: "team", warning: "team" });
        assert.deepStrictEqual(production.alerting.severities, { critical: "pager", warning: "team" });
        for (const s of [staging, production]) {
            assert.deepStrictEqual([s.alerting.groupWait, s.alerting.groupInterval, s.alerting.repeatInterval], ["30s", "5m", "4h"]);
        }
        assert.deepStrictEqual(production.pagerduty?.escalationMinutes, { onCallDeveloper: 15, seniorDeveloper: 15, cto: 30 });
        assert.deepStrictEqual([production.pagerduty?.repeats, production.pagerduty?.rotationDays, production.pagerduty?.handoffTime], [2, 7, "09:00"]);
    });

    it("accepts the bounds of every timing and delay", () => {
        const s = parse("production", (v) => {
            v.alerting = { groupWait: "5s", groupInterval: "1h", repeatInterval: "24h" };
            v.pagerduty.escalationMinutes = { onCallDeveloper: 5, seniorDeveloper: 60, cto: 120 };
            v.pagerduty.repeats = 9;
        });
        assert.deepStrictEqual([s.alerting.groupWait, s.alerting.groupInterval, s.alerting.repeatInterval], ["5s", "1h", "24h"]);
        const t = parse("production", (v) => { v.alerting = { groupWait: "5m", groupInterval: "1m", repeatInterval: "1h" }; v.pagerduty.repeats = 0; });
        assert.deepStrictEqual([t.alerting.groupWait, t.alerting.groupInterval, t.alerting.repeatInterval, t.pagerduty?.repeats], ["5m", "1m", "1h", 0]);
    });
});

/** The stack with database.sslMode left to its default (and the CA kept for production's). */
function minimalDefaults(stack: "staging" | "production"): Settings {
    return parse(stack, (v) => { delete v.database.sslMode; if (stack === "staging") delete v.database.caBundle; });
}

describe("settings: inputs that cannot hurt", () => {
    // Fake, assembled at run time so secret scanners never see a key-shaped literal in the repository.
    const AWS_KEY = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
    const STRIPE_KEY = ["sk", "live", "51HxQwErTyUiOpAsDf"].join("_");
    const KEY_BODY = "ZmFrZS1wcml2YXRlLWtleS1ib2R5";
    const PRIVATE_KEY = fakePem(PRIVATE_KEY_LABEL, KEY_BODY);
    const leaks: [string, "staging" | "production", (v: Values) => void, string][] = [
        ["backup.s3Endpoint", "production", (v) => { v.backup.s3Endpoint = "https://user:pw@host"; }, "pw"],
        ["backup.s3Endpoint", "staging", (v) => { v.backup.s3Endpoint = "https://minio:9000/?access_token=tok3n"; }, "tok3n"],
        ["alerts.team", "staging", (v) => { v.alerts.team = AWS_KEY; }, AWS_KEY],
        ["backup.confirmRestore", "production", (v) => { v.backup.restoreFrom = "latest"; v.backup.confirmRestore = STRIPE_KEY; }, STRIPE_KEY],
        ["database.caBundle", "staging", (v) => { v.database.caBundle = PRIVATE_KEY; }, KEY_BODY],
        ["worker.command[2]", "staging", (v) => { v.worker = { command: ["npm", "run", "redis://:hunter2@redis:6379"] }; }, "hunter2"],
    ];
    for (const [key, stack, change, secret] of leaks) {
        it(`${stack}: a credential in fork-knife:${key} is one line naming the key, without the value`, () => {
            const raw = rawConfig(stack);
            change(raw.values);
            let error: unknown;
            try { parseSettings(raw); } catch (e) { error = e; }
            assert.ok(error instanceof SettingsError, "refused");
            assert.deepStrictEqual(error.problems.length, 1, error.problems.join("\n"));
            assert.ok(error.problems[0].startsWith(`fork-knife:${key}: looks like a credential`), error.problems[0]);
            assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret), `${secret} is printed`);
        });
    }

    it("does not flag what only resembles a credential: a URL without a password, a CA certificate, a user name in a path", () => {
        const s = parse("production", (v) => { v.backup.s3Endpoint = "https://s3.eu-central-1.amazonaws.com/user:name"; });
        assert.strictEqual(s.backup.s3Endpoint, "https://s3.eu-central-1.amazonaws.com/user:name");
        assert.match(parse("production").database.caBundle!, /BEGIN CERTIFICATE/);
    });

    it("host names per RFC 1123: labels up to 63, names up to 253 characters; IPv4 and IPv6 addresses", () => {
        const label = (n: number) => "a".repeat(n);
        const host = (h: string) => parse("staging", (v) => { v.database.host = h; v.redis.host = h; }).database.host;
        assert.strictEqual(host(`${label(63)}.example.com`), `${label(63)}.example.com`);
        assert.throws(() => host(`${label(64)}.example.com`), /database\.host = .*RFC 1123/);
        const name253 = [label(63), label(63), label(63), label(61)].join(".");
        assert.strictEqual(name253.length, 253);
        assert.strictEqual(host(name253), name253);
        assert.throws(() => host(`${name253}a`), /RFC 1123/);
        for (const bad of ["db_1.internal", "-db.internal", "db-.internal", "db..internal", "10.0.0.300", "db.internal:5432", ""]) {
            assert.throws(() => host(bad), /RFC 1123/, bad);
        }
        for (const good of ["10.40.16.5", "fd00:10::5", "::1", "db.internal."]) assert.strictEqual(host(good), good);
        assert.strictEqual(parse("production", (v) => { v.backup.s3Endpoint = "https://[fd00:10::9]:9000"; v.backup.s3Cidr = "fd00:10::/64"; }).backup.s3Endpoint,
            "https://[fd00:10::9]:9000");
    });

    // Every string the schema takes as free text (not an enum): a value far past any sane length is refused by
    // its key, in a line of ordinary length.
    it("bounds every free-text setting", () => {
        const paths = freeTextPaths(settingsSchema("production", "production", NOW));
        assert.ok(paths.length >= 25, `${paths.length}: ${paths.join(", ")}`);
        const huge = "a".repeat(300_000);
        for (const p of paths) {
            const raw = rawConfig("production");
            setPath(raw.values, p.split("."), huge);
            const lines = problemsOf(raw).filter((l) => l.startsWith(`fork-knife:${p.replace(".[]", "[0]").replace(".{}", "")}`));
            assert.ok(lines.length > 0, `${p}: ${problemsOf(raw).join(" | ").slice(0, 400)}`);
            assert.ok(lines.every((l) => l.length < 1000), `${p}: the line stays short`);
        }
    });
});

/** Dotted paths of free-text leaves; `[]` for an array's items, `{}` for a label map's values. */
function freeTextPaths(t: z.ZodTypeAny, prefix = ""): string[] {
    let inner = t;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional) {
        inner = inner.unwrap() as z.ZodTypeAny;
    }
    const at = (k: string) => (prefix ? `${prefix}.${k}` : k);
    if (inner instanceof z.ZodObject) return Object.entries<z.ZodTypeAny>(inner.shape).flatMap(([k, v]) => freeTextPaths(v, at(k)));
    if (inner instanceof z.ZodArray) return freeTextPaths(inner.element as z.ZodTypeAny, at("[]"));
    if (inner instanceof z.ZodRecord) return [at("{}")];
    if (inner instanceof z.ZodString || inner instanceof z.ZodPipe) return [prefix];
    return [];
}

function setPath(values: Values, parts: string[], value: string): void {
    let o: any = values;
    for (const [i, part] of parts.entries()) {
        const last = i === parts.length - 1;
        const next = parts[i + 1];
        if (part === "[]") { o.splice(0, o.length, value); return; }
        if (part === "{}") { for (const k of Object.keys(o)) o[k] = value; if (Object.keys(o).length === 0) o.x = value; return; }
        if (last) { o[part] = value; return; }
        if (o[part] === undefined || o[part] === null || typeof o[part] !== "object") o[part] = next === "[]" ? [] : {};
        o = o[part];
    }
}

describe("settings: what staging allows with a warning and production refuses", () => {
    const unpinned = (v: Values) => { delete v.database.cidr; delete v.redis.cidr; };

    it("staging: sslMode require (no CA) parses with a warning naming the key and the risk", () => {
        const s = parse("staging", (v) => { v.database.sslMode = "require"; delete v.database.caBundle; });
        assert.deepStrictEqual(s.warnings, ['fork-knife:database.sslMode = "require": allowed in staging, refused in production: ' +
            "the server's certificate is not checked against database.host, so a machine in the path can pose as the database"]);
        assert.strictEqual(minimalDefaults("staging").database.sslMode, "require");
        assert.strictEqual(minimalDefaults("production").database.sslMode, "verify-full");
    });

    it("staging: no database.cidr / redis.cidr parses, with one warning line per key naming the risk", () => {
        const s = parse("staging", unpinned);
        assert.deepStrictEqual(s.warnings, [
            "fork-knife:database.cidr (not set): allowed in staging, refused in production: egress on the database port 5432 is open to any address",
            "fork-knife:redis.cidr (not set): allowed in staging, refused in production: egress on the Redis port 6379 is open to any address",
        ]);
    });

    it("production: the same stack is two errors, one per key", () => {
        const raw = rawConfig("production");
        unpinned(raw.values);
        assert.deepStrictEqual(problemsOf(raw).map((p) => p.split(":").slice(0, 2).join(":")), ["fork-knife:database.cidr", "fork-knife:redis.cidr"]);
    });

    it("no warnings for the committed stacks", () => {
        assert.deepStrictEqual(parse("staging").warnings, []);
        assert.deepStrictEqual(parse("production").warnings, []);
    });

    it("IPv6 blocks and hosts are accepted; the network-address check holds on both sides of the prefix", () => {
        const s = parse("production", (v) => { v.redis.cidr = "fd00:10:0:20::/64"; v.redis.host = "fd00:10:0:20::5"; v.database.cidr = "10.40.16.0/20"; });
        assert.strictEqual(s.redis.cidr, "fd00:10:0:20::/64");
        assert.throws(() => parse("production", (v) => { v.redis.cidr = "fd00:10:0:20::1/64"; }), /host bits set/);
        // 10.40.16.0/20 ends its network part at bit 20; /19 would need 10.40.0.0 or 10.40.32.0.
        assert.throws(() => parse("production", (v) => { v.database.cidr = "10.40.16.0/19"; }), /host bits set/);
        assert.strictEqual(parse("production", (v) => { v.database.cidr = "10.40.16.7/32"; }).database.cidr, "10.40.16.7/32");
    });
});

describe("settings: good inputs", () => {
    it("parses the committed staging and production stacks", () => {
        const staging = parse("staging");
        const production = parse("production");
        assert.strictEqual(staging.namespace, "fork-knife-staging");
        assert.strictEqual(production.namespace, "fork-knife-production");
        assert.strictEqual(production.image.digest?.length, 71);
        assert.deepStrictEqual(production.backup.restoreTestTables, ["users", "orders"]);
        assert.strictEqual(staging.github, undefined);
        assert.strictEqual(production.github?.requiredApprovals, 2);
    });

    // Only what a stack file must say: the rest comes from the guide's defaults for its environment.
    // Everything left to its default, except what production cannot default: its off-cluster backup target (and so
    // the object-storage keys).
    function minimal(stack: "staging" | "production"): Settings {
        return parse(stack, (v, raw) => {
            for (const key of ["backend", "worker", "backup", "alerts", "github"]) delete v[key];
            delete raw.secrets.pulumiAccessToken;
            if (stack === "production") {
                v.backup = { target: "s3://fork-knife-backups/production" };
            } else {
                delete raw.secrets.backupS3AccessKeyId;
                delete raw.secrets.backupS3SecretAccessKey;
            }
        });
    }

    it("takes environment-dependent defaults: backups, pre-migration backup, replica ranges", () => {
        const staging = minimal("staging");
        const production = minimal("production");
        assert.deepStrictEqual(
            [staging.backup.retentionDays, staging.backup.preMigrationBackup, staging.backup.storageSize],
            [7, false, "20Gi"]);
        assert.strictEqual(staging.backup.retentionMode, "script");
        assert.strictEqual(production.backup.retentionMode, "lifecycle");
        // Used by prune-identity only: after the 03:00 backup's latest end (1 h to start, 6 h deadline).
        assert.deepStrictEqual([staging.backup.pruneSchedule, production.backup.pruneSchedule], ["0 11 * * *", "0 11 * * *"]);
        assert.deepStrictEqual(
            [production.backup.retentionDays, production.backup.preMigrationBackup, production.backup.storageSize],
            [30, true, "100Gi"]);
        const ranges = (s: Settings) => [s.backend.minReplicas, s.backend.maxReplicas, s.worker.minReplicas, s.worker.maxReplicas];
        assert.deepStrictEqual(ranges(staging), [2, 4, 1, 2]);
        assert.deepStrictEqual(ranges(production), [3, 10, 2, 6]);
        for (const s of [staging, production]) {
            assert.deepStrictEqual([s.backend.targetCpuPercent, s.backend.targetMemoryPercent], [70, 80]);
            assert.deepStrictEqual([s.backup.schedule, s.backup.timeZone, s.backup.restoreTestSchedule],
                ["0 3 * * *", "Etc/UTC", "0 4 1 */3 *"]);
            assert.strictEqual(s.logLevel, "info");
            assert.deepStrictEqual([s.backend.credentials.length, s.backend.credentialsAs], [8, "env"]);
            assert.deepStrictEqual([s.worker.credentials, s.worker.credentialsAs], [["DATABASE_URL", "REDIS_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], "env"]);
            assert.deepStrictEqual([s.backend.metricsPort, s.backend.metricsNamespaceLabels], [9464, { "kubernetes.io/metadata.name": "monitoring" }]);
            assert.deepStrictEqual([s.egress.dnsNamespaceLabels, s.egress.dnsPodLabels, s.egress.httpsCidrs],
                [{ "kubernetes.io/metadata.name": "kube-system" }, { "k8s-app": "kube-dns" }, undefined]);
            assert.deepStrictEqual([s.redis.port, s.redis.tls], [6379, true]);
            // The guide's DR objectives: RTO 4 h; the backup-missing alert at RPO 24 h + a run's 1 h to start and 6 h to finish.
            assert.strictEqual(s.backup.rtoBudgetSeconds, 14400);
            assert.strictEqual(s.alerts.backupMaxAgeHours, 31);
        }
    });

    it("keeps requests within limits in every default and committed stack", () => {
        for (const s of [minimal("staging"), minimal("production"), parse("staging"), parse("production")]) {
            for (const w of [s.backend, s.worker]) {
                assert.ok(parseQuantity(w.resources.memory)! <= parseQuantity(w.resources.memoryLimit)!,
                    `${s.stack}: ${w.resources.memory} > ${w.resources.memoryLimit}`);
            }
        }
    });

    it("accepts the boundaries: rotatedAt today, request equal to its limit, a budget exactly full", () => {
        const s = parse("staging", (v) => {
            v.rotation.jwt.rotatedAt = "2026-11-25";
            v.backend = { resources: { cpu: "1", cpuLimit: "1000m", memory: "512Mi", memoryLimit: "512Mi" } };
            // staging needs (4 + 2) × 5 + 2 migration + 2 backup + 2 restore + 2 restore test + 1 maintenance = 39
            // connections: 80 % of 49 is 39 (rounded down).
            v.database.maxConnections = 49;
        });
        assert.strictEqual(s.rotation.jwt.rotatedAt, "2026-11-25");
        assert.deepStrictEqual(connectionBudget(s), { needed: 39, allowed: 39, reserved: 9,
            roles: { migration: 2, backup: 2, restore: 2, restoreTest: 2, maintenance: 1 } });
    });

    it("counts every login role in the connection budget: exactly 80 % passes, one connection over fails naming each role", () => {
        // 80 % of 48 is 38: one connection short of the 39 staging needs.
        assert.throws(() => parse("staging", (v) => { v.database.maxConnections = 48; }), (e: SettingsError) => {
            assert.match(e.message, /fork-knife:database\.maxConnections = 48: the connection budget does not hold: \(backend\.maxReplicas 4 \+ worker\.maxReplicas 2\) × poolSizePerPod 5 \+ 9 connections of the other roles \(2 migration \+ 2 backup \+ 2 restore \+ 2 restore test \+ 1 maintenance\) = 39, allowed is 80 % of maxConnections = 38; raise maxConnections to at least 49/);
            return true;
        });
        // The same limit with one pod's pool less fits again: the failure is the budget's, not maxConnections' range.
        assert.doesNotThrow(() => parse("staging", (v) => { v.database.maxConnections = 48; v.database.poolSizePerPod = 4; }));
        // The committed stacks, as docs/configuration.md states them: 39 of 80 (staging), 89 of 160 (production).
        assert.deepStrictEqual([parse("staging"), parse("production")].map((s) => [connectionBudget(s).needed, connectionBudget(s).allowed]), [[39, 80], [89, 160]]);
    });

    it("starts the backend with the image's production start and the worker with its consumer, never a migration", () => {
        for (const s of [minimal("staging"), minimal("production"), parse("staging"), parse("production")]) {
            assert.deepStrictEqual(s.backend.command, ["npm", "run", "start:prod"], s.stack);
            assert.deepStrictEqual(s.worker.command, ["npm", "run", "worker"], s.stack);
        }
    });

    it("accepts a command at its limits (32 strings, 1024 characters) and paths that only contain \"migrate\"", () => {
        const s = parse("staging", (v) => {
            v.backend = { command: ["node", ...Array(30).fill("--x"), "x".repeat(1024)] };
            v.worker = { command: ["node", "/app/dist/migrate-helpers/worker.js", "--no-migrate"] };
        });
        assert.strictEqual(s.backend.command.length, 32);
        assert.deepStrictEqual(s.worker.command, ["node", "/app/dist/migrate-helpers/worker.js", "--no-migrate"]);
    });

    it("counts pg_dump's and pg_restore's parallel jobs in the connection budget", () => {
        const s = parse("production", (v) => { v.backup.format = "directory"; v.backup.parallelJobs = 4; });
        // (10 + 6) × 5 pools + 2 migration + (4 jobs + 1 leader + 1 spare) each for the dump, the live restore and the
        // restore test + 1 maintenance = 101 of 80 % × 200.
        assert.deepStrictEqual(connectionBudget(s), { needed: 101, allowed: 160, reserved: 21,
            roles: { migration: 2, backup: 6, restore: 6, restoreTest: 6, maintenance: 1 } });
    });

    it("allows a production restore only when confirmRestore names the stack", () => {
        const s = parse("production", (v) => { v.backup.restoreFrom = "latest"; v.backup.confirmRestore = "production"; });
        assert.strictEqual(s.backup.restoreFrom, "latest");
    });
});

describe("settings: publicUrl, healthProbe and the Redis memory threshold", () => {
    // Assembled at run time: a credential-shaped literal must not sit in the repository.
    const PASSWORD = ["hunter", "2", "Xq9"].join("");

    it("never prints credentials typed into publicUrl, only that they are not allowed", () => {
        const raw = rawConfig("production");
        raw.values.publicUrl = `https://ops:${PASSWORD}@api.fork-knife.example.com`;
        const problems = problemsOf(raw);
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        // A URL with a password is a credential in plain config: refused by key, never shown (the credential rule wins).
        assert.match(problems[0], /^fork-knife:publicUrl: looks like a credential .*so it is not shown/);
        assert.ok(!problems[0].includes(PASSWORD) && !problems[0].includes("ops:"), problems[0]);
    });

    it("hides the whole user:password part even when the password holds an @", () => {
        const raw = rawConfig("production");
        raw.values.publicUrl = `http://ops:${PASSWORD}@x@api.fork-knife.example.com/`;
        const line = problemsOf(raw).join("\n");
        assert.ok(!line.includes(PASSWORD) && !line.includes("@x@"), line);
    });

    it("makes publicUrl optional in staging and required in production", () => {
        const staging = parse("staging", (v) => { delete v.publicUrl; });
        assert.strictEqual(staging.publicUrl, undefined);
        assert.throws(() => parse("production", (v) => { delete v.publicUrl; }), SettingsError);
        assert.strictEqual(parse("production").publicUrl, "https://api.fork-knife.example.com");
    });

    it("accepts an https URL with a port and a base path", () => {
        const s = parse("production", (v) => { v.publicUrl = "https://fork-knife.example.com:8443/api/"; });
        assert.strictEqual(s.publicUrl, "https://fork-knife.example.com:8443/api/");
    });

    it("defaults: the prometheus-community blackbox exporter, module http_2xx, Redis memory at 80 %", () => {
        for (const stack of ["staging", "production"] as const) {
            const s = parse(stack, (v) => { delete v.healthProbe; delete v.alerts; });
            assert.deepStrictEqual(s.healthProbe, { proberUrl: "http://prometheus-blackbox-exporter.monitoring.svc:9115", module: "http_2xx" });
            assert.strictEqual(s.alerts.redisMemoryPercent, 80);
        }
    });

    it("accepts the Redis memory bounds 1 and 99", () => {
        for (const p of [1, 99]) assert.strictEqual(parse("staging", (v) => { v.alerts.redisMemoryPercent = p; }).alerts.redisMemoryPercent, p);
    });
});

describe("settings: backup.skipPreMigrationBackup (break-glass for a rollback)", () => {
    const skip = (value: unknown) => (v: Values) => { v.backup = { ...v.backup, skipPreMigrationBackup: value }; };
    it("is unset by default: production takes its pre-migration backup", () => {
        const s = parse("production");
        assert.strictEqual(s.backup.skipPreMigrationBackup, undefined);
        assert.strictEqual(s.backup.preMigrationBackup, true);
    });
    it("takes a reason of exactly 10 and exactly 500 characters, refuses 9 and 501 (blanks around it do not count)", () => {
        for (const reason of ["r".repeat(10), "r".repeat(500), `  ${"r".repeat(10)}  `]) {
            assert.strictEqual(parse("production", skip({ reason })).backup.skipPreMigrationBackup!.reason, reason.trim());
        }
        for (const reason of ["r".repeat(9), `   ${"r".repeat(9)}   `, "r".repeat(501)]) {
            const raw = rawConfig("production");
            skip({ reason })(raw.values);
            const problems = problemsOf(raw);
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^fork-knife:backup\.skipPreMigrationBackup\.reason\b.*10 to 500 characters/);
        }
    });
    it("holds until the end of its until day and not a day later", () => {
        assert.strictEqual(parse("production", skip({ reason: "rollback to 2026.11.2", until: "2026-11-25" })).backup.skipPreMigrationBackup!.until, "2026-11-25");
        const raw = rawConfig("production");
        raw.now = new Date("2026-11-26T00:00:00Z");
        skip({ reason: "rollback to 2026.11.2", until: "2026-11-25" })(raw.values);
        assert.ok(problemsOf(raw).some((p) => /^fork-knife:backup\.skipPreMigrationBackup\.until = "2026-11-25": has passed/.test(p)), problemsOf(raw).join("\n"));
    });
    it("refuses a credential pasted as the reason, naming the key, never the value", () => {
        const raw = rawConfig("production");
        const pasted = "rollback, db at postgres://migrator:hunter2secret@db.internal:5432/forkknife";
        skip({ reason: pasted })(raw.values);
        const problems = problemsOf(raw);
        assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")), ["fork-knife:backup.skipPreMigrationBackup.reason"], problems.join("\n"));
        assert.match(problems[0], /looks like a credential/);
        assert.ok(problems.every((p) => !p.includes("hunter2secret")), problems.join("\n"));
    });
});

describe("settings: backup.restoreTestServer, backup.kubectlImage and the Kubernetes API egress", () => {
    it("defaults: no restore-test server, kubectl pinned to a release, the API on 443 without blocks", () => {
        for (const stack of ["staging", "production"] as const) {
            const s = parse(stack);
            assert.strictEqual(s.backup.restoreTestServer, undefined);
            assert.strictEqual(s.rotation.restoreTestServer, undefined);
            assert.strictEqual(s.secrets.restoreTestServerPassword, undefined);
            assert.strictEqual(s.egress.kubernetesApiPort, 443);
        }
        assert.strictEqual(minimalDefaults("staging").backup.kubectlImage, "registry.k8s.io/kubectl:v1.32.4");
        assert.strictEqual(parse("staging").egress.kubernetesApiCidrs, undefined);
        assert.deepStrictEqual(parse("production").egress.kubernetesApiCidrs, ["10.40.0.0/28"]);
    });

    it("a restore-test server takes the database's TLS defaults per environment, port 5432 and its own login", () => {
        const staging = parse("staging", (v, raw) => withTestServer(v, raw, { host: "restore-test.internal" }));
        assert.deepStrictEqual(staging.backup.restoreTestServer, { host: "restore-test.internal", port: 5432, user: "fork_knife_restore_test",
            sslMode: "require", cidr: "10.30.48.0/24" });
        assert.ok(pulumi.Output.isInstance(staging.secrets.restoreTestServerPassword));
        const production = parse("production", (v, raw) => withTestServer(v, raw, { host: "restore-test.internal" }));
        assert.strictEqual(production.backup.restoreTestServer!.sslMode, "verify-full");
        assert.deepStrictEqual(production.warnings, []);
    });

    it("the overlap check holds on both sides of database.cidr's edge, and another port is another server", () => {
        // database.cidr 10.30.16.0/20 covers 10.30.16.0 to 10.30.31.255.
        assert.strictEqual(parse("staging", (v, raw) => withTestServer(v, raw, { cidr: "10.30.32.0/24" })).backup.restoreTestServer!.cidr, "10.30.32.0/24");
        assert.strictEqual(parse("staging", (v, raw) => withTestServer(v, raw, { cidr: "10.30.15.255/32" })).backup.restoreTestServer!.cidr, "10.30.15.255/32");
        assert.throws(() => parse("staging", (v, raw) => withTestServer(v, raw, { cidr: "10.30.16.0/32" })), /must not overlap database\.cidr/);
        // The same block (or host) on another port: the restore test's policy opens that port only.
        const otherPort = parse("staging", (v, raw) => withTestServer(v, raw, { cidr: "10.30.16.0/20", port: 5433, host: v.database.host }));
        assert.strictEqual(otherPort.backup.restoreTestServer!.port, 5433);
    });

    it("staging: a restore-test server without a cidr or with sslMode require warns; production refuses both", () => {
        const s = parse("staging", (v, raw) => withTestServer(v, raw, { cidr: undefined }));
        assert.deepStrictEqual(s.warnings, ["fork-knife:backup.restoreTestServer.sslMode = \"require\": allowed in staging, refused in production: " +
            "the restore-test server's certificate is not checked against its host, so a machine in the path can pose as it",
        "fork-knife:backup.restoreTestServer.cidr (not set): allowed in staging, refused in production: the restore test's egress on port 5432 is " +
            "open to any address, production's database included when it listens there"]);
        const raw = rawConfig("production");
        withTestServer(raw.values, raw, { cidr: undefined, sslMode: "require" });
        assert.deepStrictEqual(problemsOf(raw).map((p) => p.split(/ = |: /)[0]), ["fork-knife:backup.restoreTestServer.sslMode", "fork-knife:backup.restoreTestServer.cidr"]);
    });

    it("staging: a restore without egress.kubernetesApiCidrs warns; production without restoreFrom needs none", () => {
        const s = parse("staging", (v) => { v.backup.restoreFrom = "latest"; });
        assert.deepStrictEqual(s.warnings, ["fork-knife:egress.kubernetesApiCidrs (not set): allowed in staging, refused in production: " +
            "the live restore's scale-down step may reach any address on port 443"]);
        assert.deepStrictEqual(parse("production", (v) => { delete v.egress; }).warnings, []);
    });

    it("a restore test on its own server takes none of the database's connections: maxConnections 48 now holds", () => {
        // Without it, staging needs 39 and 80 % of 48 is 38 (the budget test above); its own server frees the 2.
        const s = parse("staging", (v, raw) => { withTestServer(v, raw, { host: "restore-test.internal" }); v.database.maxConnections = 48; });
        assert.deepStrictEqual(connectionBudget(s), { needed: 37, allowed: 38, reserved: 7,
            roles: { migration: 2, backup: 2, restore: 2, restoreTest: 0, maintenance: 1 } });
    });

    it("kubectl images: a release tag with or without a digest, from any registry", () => {
        const digest = `sha256:${"a".repeat(64)}`;
        for (const image of ["registry.k8s.io/kubectl:v1.31.4", `registry.k8s.io/kubectl:v1.30.10@${digest}`, "mirror.example:5000/k8s/kubectl:v1.32.0"]) {
            assert.strictEqual(parse("staging", (v) => { v.backup.kubectlImage = image; }).backup.kubectlImage, image);
        }
        for (const image of ["registry.k8s.io/kubectl", "registry.k8s.io/kubectl:v1.31", "registry.k8s.io/kubectl:v2.0.0", "REGISTRY/kubectl:v1.31.4"]) {
            assert.throws(() => parse("staging", (v) => { v.backup.kubectlImage = image; }), /backup\.kubectlImage/, image);
        }
    });
});
