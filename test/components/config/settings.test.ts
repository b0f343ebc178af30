// The config contract: every bad value is one error line that names the full key, shows the value (never a
// secure one) and says what is allowed; every problem is reported at once; good stacks parse with defaults.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { connectionBudget, parseSettings, RawConfig, SECRET_KEYS, Settings, SettingsError } from "../../../components/config/settings";
import { parseQuantity } from "../../../components/config/validators";
import { loadStackConfig } from "../../../tools/lib/stack-config";

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
    { key: "worker.port", change: (v) => { v.worker = { port: 3000 }; }, shows: null, allowed: /unknown key; allowed keys: minReplicas, maxReplicas, targetCpuPercent/ },
    { key: "database", change: (v) => { delete v.database; }, shows: null, allowed: /is required: an object with the keys host, port, name/ },
    { key: "database.host", change: (v) => { delete v.database.host; }, shows: null, allowed: /is required \(the PostgreSQL host name\)/ },
    { key: "database.sslMode", change: (v) => { v.database.sslMode = "disable"; }, shows: '"disable"', allowed: /require, verify-ca, verify-full/ },
    { key: "database.maxConnections", change: (v) => { v.database.maxConnections = 5; }, shows: "5", allowed: /integer from 10 to 100000/ },
    { key: "database.maxConnections", change: (v) => { v.database.maxConnections = 30; }, shows: "30", allowed: /connection budget does not hold: .* = 36, allowed is 80 % of maxConnections = 24; raise maxConnections to at least 45/ },
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
    { key: "backup.retentionMode", stack: "production", change: (v) => { v.backup.retentionMode = "script"; }, shows: '"script"', allowed: /must be lifecycle in production: the key the backup pods hold must not be able to delete backups/ },
    { key: "backup.retentionMode", change: (v) => { v.backup.retentionMode = "lifecycle"; }, shows: '"lifecycle"', allowed: /only allowed with an s3:\/\/ backup\.target \(target is pvc\)/ },
    { key: "backup.retentionMode", change: (v) => { v.backup.retentionMode = "manual"; }, shows: '"manual"', allowed: /must be script or lifecycle/ },
    { key: "backup.rtoBudgetSeconds", change: (v) => { v.backup.rtoBudgetSeconds = 59; }, shows: "59", allowed: /integer from 60 to 604800/ },
    { key: "backup.rtoBudgetSeconds", change: (v) => { v.backup.rtoBudgetSeconds = "4h"; }, shows: '"4h"', allowed: /integer from 60 to 604800/ },
    { key: "alerts.errorRatePercent", change: (v) => { v.alerts.errorRatePercent = 0; }, shows: "0", allowed: /percentage above 0 and at most 100/ },
    { key: "alerts.p95LatencySeconds", change: (v) => { v.alerts.p95LatencySeconds = 120; }, shows: "120", allowed: /at most 60 seconds/ },
    { key: "alerts.diskUsagePercent", change: (v) => { v.alerts.diskUsagePercent = 101; }, shows: "101", allowed: /integer from 1 to 100/ },
    { key: "alerts.enabled", change: (v) => { v.alerts.enabled = "true"; }, shows: '"true"', allowed: /must be a boolean/ },
    { key: "alerts.errorRate", change: (v) => { v.alerts.errorRate = 5; }, shows: null, allowed: /unknown key; allowed keys: enabled, .*errorRatePercent, errorRateForMinutes/ },
    { key: "github.owner", stack: "production", change: (v) => { v.github.owner = "-fork"; }, shows: '"-fork"', allowed: /GitHub user or organisation name/ },
    { key: "github.requiredApprovals", stack: "production", change: (v) => { v.github.requiredApprovals = 0; }, shows: "0", allowed: /integer from 1 to 6/ },
    { key: "github.repository", stack: "production", change: (v) => { delete v.github.repository; }, shows: null, allowed: /is required/ },
    { key: "logLevel", change: (v) => { v.logLevel = "verbose"; }, shows: '"verbose"', allowed: /one of error, warn, info, debug/ },
    { key: "namepsace", change: (v) => { v.namepsace = "fork-knife-staging"; }, shows: null, allowed: /unknown key \(did you mean namespace\?\)/ },
    { key: "backups", change: (v) => { v.backups = { retentionDays: 7 }; }, shows: null, allowed: /unknown key \(did you mean backup\?\); allowed keys: environment, namespace/ },
    { key: "twilioAuthToken", change: (_, raw) => { delete raw.secrets.twilioAuthToken; }, shows: null, allowed: /is required; set it with: pulumi config set --secret twilioAuthToken <value>/ },
    { key: "pulumiAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.pulumiAccessToken; }, shows: null, allowed: /pulumi config set --secret pulumiAccessToken/ },
    { key: "stagingPulumiAccessToken", stack: "production", change: (_, raw) => { delete raw.secrets.stagingPulumiAccessToken; }, shows: null, allowed: /pulumi config set --secret stagingPulumiAccessToken/ },
    { key: "backupS3SecretAccessKey", stack: "production", change: (_, raw) => { delete raw.secrets.backupS3SecretAccessKey; }, shows: null, allowed: /pulumi config set --secret backupS3SecretAccessKey/ },
];

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
            "databaseAdminPassword", "pulumiAccessToken", "stagingPulumiAccessToken", "stripeSecretKey", "stripeWebhookSecret", "twilioAccountSid",
            "twilioAuthToken"]);
        for (const out of Object.values(s.secrets)) assert.strictEqual(await pulumi.isSecret(out!), true);
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
            // The guide's DR objectives: RTO 4 h; the backup-missing alert at RPO 24 h + the backup Job's 6 h deadline.
            assert.strictEqual(s.backup.rtoBudgetSeconds, 14400);
            assert.strictEqual(s.alerts.backupMaxAgeHours, 30);
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
            // staging needs (4 + 2) × 5 + 2 migration + 2 backup + 2 restore = 36 connections: 80 % of 45 is 36.
            v.database.maxConnections = 45;
        });
        assert.strictEqual(s.rotation.jwt.rotatedAt, "2026-11-25");
        assert.deepStrictEqual(connectionBudget(s), { needed: 36, allowed: 36, reserved: 6, roles: { migration: 2, backup: 2, restore: 2 } });
        assert.throws(() => parse("staging", (v) => { v.database.maxConnections = 44; }), SettingsError);
    });

    it("counts pg_dump's and pg_restore's parallel jobs in the connection budget", () => {
        const s = parse("production", (v) => { v.backup.format = "directory"; v.backup.parallelJobs = 4; });
        // (10 + 6) × 5 pools + 2 migration + (4 jobs + 1 leader + 1 spare) dump + (4 + 1 + 1) restore test = 94 of 80 % × 200.
        assert.deepStrictEqual(connectionBudget(s), { needed: 94, allowed: 160, reserved: 14, roles: { migration: 2, backup: 6, restore: 6 } });
    });

    it("allows a production restore only when confirmRestore names the stack", () => {
        const s = parse("production", (v) => { v.backup.restoreFrom = "latest"; v.backup.confirmRestore = "production"; });
        assert.strictEqual(s.backup.restoreFrom, "latest");
    });
});
