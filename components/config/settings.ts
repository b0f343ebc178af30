// The one place where configuration is read. Everything downstream receives the typed, validated
// Settings; a bad stack file stops the program before a single resource is registered.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ENVIRONMENTS, Environment, MIGRATION_CONNECTIONS, ParsedSettings, settingsSchema } from "./settings-schema";
import { cidrsOverlap, parseIsoDate, parseQuantity } from "./validators";
import { credentialValue } from "../../policies/lib/credentials";
import { maintenanceWindowProblems } from "../data/maintenance-window";

export * from "./settings-schema";

export const PROJECT = "fork-knife";

/**
 * Secure config values: never parsed by the schema, never printed, always Pulumi secrets. `required` looks at
 * the raw values, so that a missing secret is reported together with every other problem.
 */
export const SECRET_KEYS = {
    databaseAdminPassword: { required: () => true },
    stripeSecretKey: { required: () => true },
    stripeWebhookSecret: { required: () => true },
    twilioAccountSid: { required: () => true },
    twilioAuthToken: { required: () => true },
    pulumiAccessToken: { required: (s: RawValues) => s.github !== undefined },
    pulumiConfigPassphrase: { required: () => false },
    /** A token that reaches the staging stack only: every same-repository PR's preview gets it without approval. */
    stagingPulumiAccessToken: { required: (s: RawValues) => s.github !== undefined },
    stagingPulumiConfigPassphrase: { required: () => false },
    /** Production read-only token (previews, audit export): never the deploy token. */
    pulumiReadAccessToken: { required: (s: RawValues) => s.github !== undefined },
    /** Production token for the weekly audit's `pulumi refresh` only: never the deploy token. */
    pulumiRefreshAccessToken: { required: (s: RawValues) => s.github !== undefined },
    /** PagerDuty API token for the `pagerduty` block's provider in CI: the Repository writes it as PAGERDUTY_TOKEN into
     *  the production environments that run the program (preview, deploy, refresh). */
    pagerdutyToken: { required: (s: RawValues) => s.github !== undefined && s.pagerduty !== undefined },
    /** GitHub token of the backport workflow (push branches, open pull requests); optional. */
    backportGithubToken: { required: () => false },
    /** Redis AUTH password: REDIS_URL is built from it and redis.host/port/tls. */
    redisPassword: { required: () => true },
    backupS3AccessKeyId: { required: (s: RawValues) => s3Target(s) },
    backupS3SecretAccessKey: { required: (s: RawValues) => s3Target(s) },
    /** The prune identity's keys (backup.retentionMode prune-identity): list and delete old backups, never write. */
    backupPruneS3AccessKeyId: { required: (s: RawValues) => pruneIdentity(s) },
    backupPruneS3SecretAccessKey: { required: (s: RawValues) => pruneIdentity(s) },
    /** The pager's PagerDuty Events v2 integration key; not needed with `pagerduty:` (its integration supplies it). */
    pagerdutyRoutingKey: { required: () => false },
    /** The team receiver: a Slack incoming webhook URL. Required in production (see alertingProblems). */
    slackWebhookUrl: { required: () => false },
    /** Password of backup.restoreTestServer.user on the restore test's own server. */
    restoreTestServerPassword: { required: (s: RawValues) => restoreTestServerSet(s) },
} as const;

type RawValues = Record<string, unknown>;

function s3Target(values: RawValues): boolean {
    const target = (values.backup as { target?: unknown } | undefined)?.target;
    return typeof target === "string" && target.startsWith("s3://");
}
function pruneIdentity(values: RawValues): boolean {
    return (values.backup as { retentionMode?: unknown } | undefined)?.retentionMode === "prune-identity";
}
function restoreTestServerSet(values: RawValues): boolean {
    return (values.backup as { restoreTestServer?: unknown } | undefined)?.restoreTestServer !== undefined;
}
export type SecretKey = keyof typeof SECRET_KEYS;

export type Secrets = { [K in SecretKey]?: pulumi.Output<string> } & {
    databaseAdminPassword: pulumi.Output<string>;
    stripeSecretKey: pulumi.Output<string>;
    stripeWebhookSecret: pulumi.Output<string>;
    twilioAccountSid: pulumi.Output<string>;
    twilioAuthToken: pulumi.Output<string>;
    redisPassword: pulumi.Output<string>;
};

export interface Settings extends ParsedSettings {
    project: string;
    stack: string;
    /** "Today" for rotation math: FORK_KNIFE_NOW when set (synth's --now), else the clock. */
    now: Date;
    secrets: Secrets;
    /** Problems that do not stop a deployment but must be seen (index.ts logs each with pulumi.log.warn): missing
     *  alert receivers in staging, and settings allowed in staging that weaken a guarantee production enforces. */
    warnings: string[];
}

export class SettingsError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "SettingsError";
    }
}

/** One secure value as the program sees it: its value and whether Pulumi stored it encrypted. */
export interface RawSecret { value: string; isSecret: boolean }

export interface RawConfig {
    stack: string;
    now: Date;
    /** Config keys without the project prefix, object values already decoded from JSON. */
    values: Record<string, unknown>;
    secrets: Partial<Record<string, RawSecret>>;
    /** Keys of `values` that were `secure:` in the stack file: validated, but their values are never shown. */
    secureValueKeys?: string[];
}

/** Validates the raw config; throws SettingsError with one line per problem, all problems at once. */
export function parseSettings(raw: RawConfig): Settings {
    const problems: string[] = [];
    const values = raw.values;
    const env = values.environment;
    if (!ENVIRONMENTS.includes(env as Environment)) {
        problems.push(`${PROJECT}:environment = ${show(env)}: must be one of ${ENVIRONMENTS.join(", ")} (required)`);
    }
    const environment: Environment = ENVIRONMENTS.includes(env as Environment) ? (env as Environment) : "production";
    const schema = settingsSchema(environment, raw.stack, raw.now);
    const result = schema.safeParse(values, { error: defaultMessages });
    const hidden = new Set(raw.secureValueKeys ?? []);
    // A credential pasted into plain configuration is reported once, by key only: it is already committed, and
    // printing it again would copy it into CI logs.
    const leaked = credentialLookalikes(values).filter((p) => !hidden.has(String(p[0])));
    const leakedKeys = leaked.map((p) => keyOf(p));
    const aboutLeak = (line: string) => leakedKeys.some((k) => line === k || line.startsWith(`${k}:`) || line.startsWith(`${k} `) ||
        line.startsWith(`${k}.`) || line.startsWith(`${k}[`));
    for (const key of leakedKeys) {
        problems.push(`${key}: looks like a credential (a URL with a password, a private key or an API key pattern), ` +
            `so it is not shown and not used; plain configuration is committed and printed: remove it, rotate it, and ` +
            `pass credentials as secure values (pulumi config set --secret)`);
    }
    if (!result.success) {
        // zod 4 still runs length checks (an array's .min/.max) on a value that failed the array's type check when
        // that value has a length (a string): the type's line already says what is allowed, so it stays the only one.
        const mistyped = new Set<string>();
        for (const issue of result.error.issues) {
            if (issue.path[0] === "environment") continue; // reported above, once
            const at = keyOf(issue.path);
            if (mistyped.has(at)) continue;
            if (issue.code === "invalid_type") mistyped.add(at);
            const lines = describeIssue(schema, values, issue, hidden.has(String(issue.path[0])));
            problems.push(...lines.filter((l) => !aboutLeak(l)));
        }
    }
    // Cross-key rules run on every section that is valid on its own, so they are reported with the rest.
    // Without a valid environment the replica and backup defaults are unknown, so those rules would guess.
    if (ENVIRONMENTS.includes(env as Environment)) {
        const valid = result.success ? result.data : validSections(schema, values);
        for (const line of crossFieldProblems(valid, raw.stack).filter((l) => !aboutLeak(l))) {
            const section = /^[^:]+:([A-Za-z]+)/.exec(line)?.[1] ?? "";
            problems.push(hidden.has(section) ? `${line.split(/ = |: /)[0]}: fails a rule that spans several keys ` +
                `(not shown: ${PROJECT}:${section} is a secure value)` : line);
        }
    }

    const warnings: string[] = [];
    if (ENVIRONMENTS.includes(env as Environment)) {
        const alerting = alertingProblems(environment, values, raw.secrets);
        problems.push(...alerting.problems);
        warnings.push(...alerting.warnings);
    }

    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const [key, spec] of Object.entries(SECRET_KEYS)) {
        const given = raw.secrets[key];
        if (!given) {
            if (spec.required(values)) {
                problems.push(`${PROJECT}:${key}: is required; set it with: pulumi config set --secret ${key} <value>`);
            }
            continue;
        }
        if (!given.isSecret) {
            // Never echo the value: it is a credential that somebody just committed in plain text.
            problems.push(`${PROJECT}:${key}: is stored in plain text; a credential must be a secret: ` +
                `pulumi config rm ${key} && pulumi config set --secret ${key} <value>`);
            continue;
        }
        const format = SECRET_FORMATS[key];
        if (format && !isUndecrypted(given.value) && !format.valid(given.value)) {
            problems.push(`${PROJECT}:${key}: must be ${format.allowed} (value not shown: it is a credential)`);
            continue;
        }
        secrets[key] = pulumi.secret(given.value);
    }
    // One key in both roles would give the backup pods the power to delete backups again.
    const pruneKey = raw.secrets.backupPruneS3AccessKeyId;
    if (pruneKey && !isUndecrypted(pruneKey.value) && pruneKey.value === raw.secrets.backupS3AccessKeyId?.value) {
        problems.push(`${PROJECT}:backupPruneS3AccessKeyId: must be a different key from backupS3AccessKeyId (value not shown: ` +
            `it is a credential): the prune identity exists so that the backup pods' key cannot delete backups`);
    }
    if (problems.length > 0 || !result.success) throw new SettingsError(problems);
    return { ...result.data, project: PROJECT, stack: raw.stack, now: raw.now, secrets: secrets as Secrets, warnings: [...warnings, ...stagingWarnings(result.data)] };
}

/**
 * Formats of secure values, checked without ever printing them. synth renders without decrypting, so its
 * placeholders (`[secure value of …, not decrypted]`) carry no format and are let through.
 */
export const SECRET_FORMATS: Partial<Record<string, { valid: (v: string) => boolean; allowed: string }>> = {
    slackWebhookUrl: {
        valid: (v) => {
            try {
                const url = new URL(v);
                return url.protocol === "https:" && url.hostname.includes(".") && !/\s/.test(v) && url.username === "" && url.password === "";
            } catch {
                return false;
            }
        },
        allowed: "an https:// URL such as https://hooks.slack.com/services/T…/B…/… (a Slack incoming webhook)",
    },
    pagerdutyRoutingKey: {
        valid: (v) => /^[A-Za-z0-9]{32}$/.test(v),
        allowed: "a PagerDuty Events v2 integration key: 32 letters and digits (the service's \"Integration Key\", not a URL or an API token)",
    },
};

function isUndecrypted(value: string): boolean {
    return /^\[secure value of [^\]]+, not decrypted\]$/.test(value);
}

/**
 * Who hears an alert: production must page (a PagerDuty routing key or the `pagerduty:` block) and reach the team
 * (Slack); staging reaches the team only, and without a webhook its alerts reach nobody (a warning, not an error,
 * so a new staging stack can come up before the channel exists).
 */
function alertingProblems(env: Environment, values: RawValues, secrets: RawConfig["secrets"]): { problems: string[]; warnings: string[] } {
    const problems: string[] = [];
    const warnings: string[] = [];
    const hasRoutingKey = secrets.pagerdutyRoutingKey !== undefined;
    const hasWebhook = secrets.slackWebhookUrl !== undefined;
    const hasPagerduty = values.pagerduty !== undefined;
    const rotation = (values.rotation && typeof values.rotation === "object" ? values.rotation : {}) as Record<string, unknown>;
    const setKey = (key: string, what: string) => `pulumi config set --secret ${key} <${what}>`;
    if (env === "production") {
        if (!hasRoutingKey && !hasPagerduty) {
            problems.push(`${PROJECT}:pagerdutyRoutingKey: is required in production, where critical alerts page: ` +
                `${setKey("pagerdutyRoutingKey", "Events v2 integration key")}, or configure ${PROJECT}:pagerduty so the ` +
                `program creates the service and its integration`);
        }
        if (!hasWebhook) {
            problems.push(`${PROJECT}:slackWebhookUrl: is required in production, where warnings reach the team's channel: ` +
                setKey("slackWebhookUrl", "Slack incoming webhook URL"));
        }
    } else {
        if (hasRoutingKey) {
            problems.push(`${PROJECT}:pagerdutyRoutingKey: is not allowed in ${env}: staging routes to the team receiver only ` +
                `(pulumi config rm pagerdutyRoutingKey)`);
        }
        if (hasPagerduty) {
            problems.push(`${PROJECT}:pagerduty: is not allowed in ${env}: staging routes to the team receiver only, and ` +
                `nobody is paged for it`);
        }
        const severities = (values.alerting as { severities?: Record<string, unknown> } | undefined)?.severities ?? {};
        for (const [severity, receiver] of Object.entries(severities)) {
            if (receiver === "pager") {
                problems.push(`${PROJECT}:alerting.severities.${severity} = "pager": must be team in ${env}: staging routes ` +
                    `to the team receiver only`);
            }
        }
        if (!hasWebhook) {
            warnings.push(`${PROJECT}:slackWebhookUrl: not set, so ${env}'s alerts reach nobody (no AlertmanagerConfig is ` +
                `created); ${setKey("slackWebhookUrl", "Slack incoming webhook URL")}`);
        }
    }
    if (hasRoutingKey && hasPagerduty) {
        problems.push(`${PROJECT}:pagerdutyRoutingKey: must not be set together with ${PROJECT}:pagerduty: the PagerDuty ` +
            `integration's own key feeds the pager (pulumi config rm pagerdutyRoutingKey)`);
    }
    // A record is required where its credential is allowed and set, and refused where there is no credential at all.
    const pagerSet = hasRoutingKey || hasPagerduty;
    const records: [string, boolean, boolean, string][] = [
        ["pagerdutyRoutingKey", pagerSet, pagerSet && env === "production", "the PagerDuty routing key was issued"],
        ["slackWebhook", hasWebhook, hasWebhook, "the Slack webhook was issued"],
    ];
    for (const [record, credentialSet, required, what] of records) {
        const present = rotation[record] !== undefined;
        if (required && !present) problems.push(`${PROJECT}:rotation.${record}.rotatedAt: is required: the date ${what}`);
        if (!credentialSet && present) {
            problems.push(`${PROJECT}:rotation.${record}: is only allowed while its credential is configured ` +
                `(${record === "slackWebhook" ? "slackWebhookUrl" : "pagerdutyRoutingKey or pagerduty"})`);
        }
    }
    return { problems, warnings };
}

function validSections(schema: ReturnType<typeof settingsSchema>, values: RawValues): Partial<ParsedSettings> {
    const valid: Record<string, unknown> = {};
    for (const [key, type] of Object.entries(schema.shape)) {
        const r = (type as z.ZodTypeAny).safeParse(values[key]);
        if (r.success) valid[key] = r.data;
    }
    return valid as Partial<ParsedSettings>;
}

/** Rules that span several keys: replica ranges, requests under limits, the connection budget, guarded restore. */
function crossFieldProblems(s: Partial<ParsedSettings>, stack: string): string[] {
    const problems: string[] = [];
    if (s.environment === "production") problems.push(...weakenings(s).map(weakeningProblem));
    for (const name of ["backend", "worker"] as const) {
        const w = s[name];
        if (!w) continue;
        if (w.minReplicas > w.maxReplicas) {
            problems.push(`${PROJECT}:${name}.minReplicas = ${w.minReplicas}: must be at most ${name}.maxReplicas (${w.maxReplicas})`);
        }
        const r = w.resources;
        if (parseQuantity(r.memory)! > parseQuantity(r.memoryLimit)!) {
            problems.push(`${PROJECT}:${name}.resources.memory = "${r.memory}": must be at most resources.memoryLimit ("${r.memoryLimit}")`);
        }
        if (r.cpuLimit !== undefined && parseQuantity(r.cpu)! > parseQuantity(r.cpuLimit)!) {
            problems.push(`${PROJECT}:${name}.resources.cpu = "${r.cpu}": must be at most resources.cpuLimit ("${r.cpuLimit}")`);
        }
    }
    if (s.database && s.database.sslMode !== "require" && s.database.caBundle === undefined) {
        problems.push(`${PROJECT}:database.caBundle: is required with database.sslMode ${s.database.sslMode}: ` +
            `the PEM bundle of the CA that signed the server's certificate (e.g. your cloud's RDS/Cloud SQL CA bundle)`);
    }
    if (!s.backup) return problems;
    const budget = s.backend && s.worker && s.database ? connectionBudget({ ...s, backup: s.backup } as ParsedSettings) : undefined;
    if (budget && budget.needed > budget.allowed) {
        problems.push(`${PROJECT}:database.maxConnections = ${s.database!.maxConnections}: the connection budget does not hold: ` +
            `(backend.maxReplicas ${s.backend!.maxReplicas} + worker.maxReplicas ${s.worker!.maxReplicas}) × poolSizePerPod ` +
            `${s.database!.poolSizePerPod} + ${budget.reserved} connections of the other roles (${reservedText(budget.roles)}) = ${budget.needed}, ` +
            `allowed is 80 % of maxConnections = ${budget.allowed}; raise maxConnections to at least ` +
            `${Math.ceil(budget.needed / 0.8)} or lower the pool size or replica maxima`);
    }
    if (s.backup.target.startsWith("s3://") && s.rotation && !s.rotation.backupS3) {
        problems.push(`${PROJECT}:rotation.backupS3.rotatedAt: is required with an s3:// backup.target: ` +
            `the date the object-storage keys backupS3AccessKeyId / backupS3SecretAccessKey were issued`);
    }
    // A PVC dies with the cluster: production's backups must survive losing it (policy backup-off-cluster too).
    if (s.environment === "production" && !s.backup.target.startsWith("s3://")) {
        problems.push(`${PROJECT}:backup.target = ${show(s.backup.target)}: must be s3://bucket/prefix in production: ` +
            `backups off the cluster, not a PersistentVolumeClaim that is lost with it`);
    }
    if (s.environment === "production" && s.backup.target.startsWith("s3://") && s.backup.retentionMode === "script") {
        problems.push(`${PROJECT}:backup.retentionMode = ${show(s.backup.retentionMode)}: must be lifecycle or prune-identity in production: ` +
            `the key the backup pods hold must not be able to delete backups`);
    }
    if (s.environment !== "production" && s.backup.target.startsWith("s3://") === false && s.backup.retentionMode !== "script") {
        problems.push(`${PROJECT}:backup.retentionMode = ${show(s.backup.retentionMode)}: is only allowed with an s3:// backup.target (target is ${s.backup.target})`);
    }
    problems.push(...pruneIdentityProblems(s));
    if (s.backup.target.startsWith("s3://") === false && s.backup.s3Endpoint !== undefined) {
        problems.push(`${PROJECT}:backup.s3Endpoint: is only allowed with an s3:// backup.target (target is ${s.backup.target})`);
    }
    if (s.backup.skipPreMigrationBackup !== undefined && !s.backup.preMigrationBackup) {
        problems.push(`${PROJECT}:backup.skipPreMigrationBackup: has nothing to skip: backup.preMigrationBackup is false ` +
            `(the waiver is only allowed where a pre-migration backup would run, by default production)`);
    }
    if (s.backup.confirmRestore !== undefined && s.backup.restoreFrom === undefined) {
        problems.push(`${PROJECT}:backup.confirmRestore: is only allowed together with backup.restoreFrom`);
    }
    if (s.environment === "production" && s.backup.restoreFrom !== undefined && s.backup.confirmRestore !== stack) {
        problems.push(`${PROJECT}:backup.confirmRestore = ${show(s.backup.confirmRestore)}: must equal the stack name ` +
            `"${stack}" to restore ${s.backup.restoreFrom} into production`);
    }
    if (s.maintenance?.enabled) {
        for (const p of maintenanceWindowProblems({
            schedule: s.maintenance.schedule, deadlineMinutes: s.maintenance.deadlineMinutes, timeZone: s.backup.timeZone,
            backupSchedule: s.backup.schedule, restoreTestSchedule: s.backup.restoreTestSchedule,
        })) problems.push(`${PROJECT}:maintenance.schedule = ${show(s.maintenance.schedule)}: ${p}`);
    }
    problems.push(...restoreTestServerProblems(s));
    if (s.backup.format === "custom" && s.backup.parallelJobs > 1) {
        problems.push(`${PROJECT}:backup.parallelJobs = ${s.backup.parallelJobs}: must be 1 with format custom ` +
            `(pg_dump -j needs format directory)`);
    }
    return problems;
}

/** The prune identity's rotation record goes with its keys: required in prune-identity mode, refused without it. */
function pruneIdentityProblems(s: Partial<ParsedSettings>): string[] {
    if (!s.backup || !s.rotation) return [];
    const prune = s.backup.retentionMode === "prune-identity";
    if (prune && !s.rotation.backupPruneS3) {
        return [`${PROJECT}:rotation.backupPruneS3.rotatedAt: is required with backup.retentionMode prune-identity: ` +
            `the date the prune keys backupPruneS3AccessKeyId / backupPruneS3SecretAccessKey were issued`];
    }
    if (!prune && s.rotation.backupPruneS3) {
        return [`${PROJECT}:rotation.backupPruneS3: is only allowed with backup.retentionMode prune-identity ` +
            `(retentionMode is ${s.backup.retentionMode}, so no prune key exists to rotate)`];
    }
    return [];
}

/** The restore test's own server: its TLS, its rotation record, and that it is not production's server. */
function restoreTestServerProblems(s: Partial<ParsedSettings>): string[] {
    const problems: string[] = [];
    const server = s.backup?.restoreTestServer;
    const record = s.rotation?.restoreTestServer;
    if (s.rotation && !server && record) {
        problems.push(`${PROJECT}:rotation.restoreTestServer: is only allowed together with backup.restoreTestServer`);
    }
    if (!server) return problems;
    const key = `${PROJECT}:backup.restoreTestServer`;
    if (s.rotation && !record) {
        problems.push(`${PROJECT}:rotation.restoreTestServer.rotatedAt: is required with backup.restoreTestServer: ` +
            `the date restoreTestServerPassword was last changed`);
    }
    if (server.sslMode !== "require" && server.caBundle === undefined) {
        problems.push(`${key}.caBundle: is required with backup.restoreTestServer.sslMode ${server.sslMode}: ` +
            `the PEM bundle of the CA that signed that server's certificate`);
    }
    if (s.database) {
        const sameHost = server.host.toLowerCase().replace(/\.$/, "") === s.database.host.toLowerCase().replace(/\.$/, "");
        if (sameHost && server.port === s.database.port) {
            problems.push(`${key}.host = ${show(server.host)}: must be another server than database.host ` +
                `(${s.database.host}:${s.database.port}): the restore test must not run on production's database server`);
        }
        if (server.cidr && s.database.cidr && server.port === s.database.port && cidrsOverlap(server.cidr, s.database.cidr)) {
            problems.push(`${key}.cidr = ${show(server.cidr)}: must not overlap database.cidr (${s.database.cidr}) on the same ` +
                `port ${server.port}: the restore-test pod would reach production's database`);
        }
    }
    return problems;
}

interface Weakening {
    /** Full key, without the project prefix. */
    key: string;
    /** The value as the error line shows it; undefined when the key is not set. */
    value?: unknown;
    /** What production requires. */
    required: string;
    /** What staging loses by it. */
    risk: string;
}

/** What production refuses and staging accepts with a warning. */
function weakenings(s: Partial<ParsedSettings>): Weakening[] {
    const found: Weakening[] = [];
    if (s.database && s.database.sslMode !== "verify-full") {
        found.push({ key: "database.sslMode", value: s.database.sslMode,
            required: "must be verify-full in production, with database.caBundle: require and verify-ca do not check that the server is the database host",
            risk: "the server's certificate is not checked against database.host, so a machine in the path can pose as the database" });
    }
    if (s.database && s.database.cidr === undefined) {
        found.push({ key: "database.cidr", required: "is required in production: the CIDR block PostgreSQL lives in",
            risk: `egress on the database port ${s.database.port} is open to any address` });
    }
    const endpoint = s.backup?.s3Endpoint;
    const storagePort = endpoint ? endpointPort(endpoint) : undefined;
    if (s.backup?.target.startsWith("s3://") && storagePort !== undefined && storagePort !== 443 && s.backup.s3Cidr === undefined) {
        found.push({ key: "backup.s3Cidr", required: `is required in production with an s3Endpoint on port ${storagePort}: the CIDR block the object store lives in`,
            risk: `egress on port ${storagePort} to the object store is open to any address` });
    }
    const testServer = s.backup?.restoreTestServer;
    if (testServer && testServer.sslMode !== "verify-full") {
        found.push({ key: "backup.restoreTestServer.sslMode", value: testServer.sslMode,
            required: "must be verify-full in production, with backup.restoreTestServer.caBundle",
            risk: "the restore-test server's certificate is not checked against its host, so a machine in the path can pose as it" });
    }
    if (testServer && testServer.cidr === undefined) {
        found.push({ key: "backup.restoreTestServer.cidr", required: "is required in production: the CIDR block the restore-test server lives in",
            risk: `the restore test's egress on port ${testServer.port} is open to any address, production's database included when it listens there` });
    }
    if (s.backup?.restoreFrom !== undefined && s.egress && s.egress.kubernetesApiCidrs === undefined) {
        found.push({ key: "egress.kubernetesApiCidrs", required: "is required in production with backup.restoreFrom: the CIDR blocks of the " +
            "Kubernetes API server's endpoints, which the live restore's scale-down step reaches",
            risk: `the live restore's scale-down step may reach any address on port ${s.egress.kubernetesApiPort}` });
    }
    if (s.redis && s.redis.cidr === undefined) {
        found.push({ key: "redis.cidr", required: "is required in production: the CIDR block Redis lives in",
            risk: `egress on the Redis port ${s.redis.port} is open to any address` });
    }
    return found;
}

/** The TCP port of an http(s) URL (components/data/backup-schedule.ts objectStoragePort, without its imports). */
function endpointPort(endpoint: string): number | undefined {
    try {
        const url = new URL(endpoint);
        return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
    } catch {
        return undefined;
    }
}

function weakeningProblem(w: Weakening): string {
    const shown = w.value === undefined ? "" : ` = ${show(w.value)}`;
    return `${PROJECT}:${w.key}${shown}: ${w.required}`;
}

function stagingWarnings(s: ParsedSettings): string[] {
    if (s.environment === "production") return [];
    return weakenings(s).map((w) => `${PROJECT}:${w.key}${w.value === undefined ? " (not set)" : ` = ${show(w.value)}`}: ` +
        `allowed in staging, refused in production: ${w.risk}`);
}

/**
 * Connections outside the pods' pools, per role that logs in: what each role's connection limit is set to
 * (components/data/database.ts). Every login role but the app roles is here, so none escapes the budget.
 */
export interface ReservedConnections { migration: number; backup: number; restore: number; restoreTest: number; maintenance: number }

/** The quarterly maintenance's psql holds one session (its role's connection limit). */
export const MAINTENANCE_CONNECTIONS = 1;

const RESERVED_LABELS: Record<keyof ReservedConnections, string> = {
    migration: "migration", backup: "backup", restore: "restore", restoreTest: "restore test", maintenance: "maintenance",
};
/** "2 migration + 2 backup + …", for messages. */
export function reservedText(roles: ReservedConnections): string {
    return (Object.keys(RESERVED_LABELS) as (keyof ReservedConnections)[]).map((k) => `${roles[k]} ${RESERVED_LABELS[k]}`).join(" + ");
}

export interface ConnectionBudget { needed: number; allowed: number; reserved: number; roles: ReservedConnections }

export function connectionBudget(s: Pick<ParsedSettings, "backend" | "worker" | "database" | "backup">): ConnectionBudget {
    // pg_dump and pg_restore -j N open N workers and a leader; the custom format uses one connection.
    const parallel = s.backup.format === "directory" ? s.backup.parallelJobs + 1 : 1;
    // The restore test may overlap a backup (both run early in the morning), and a guarded live restore may be run
    // by hand at any time, so all three are reserved, each with one spare: the scripts' cleanup after a SIGTERM, or
    // an operator's psql, logs in while the dump still runs. The maintenance role holds its one session on top.
    // A restore test on its own server (backup.restoreTestServer) takes none of this server's connections.
    const roles: ReservedConnections = {
        migration: MIGRATION_CONNECTIONS, backup: parallel + 1, restore: parallel + 1,
        restoreTest: s.backup.restoreTestServer ? 0 : parallel + 1, maintenance: MAINTENANCE_CONNECTIONS,
    };
    const reserved = Object.values(roles).reduce((n, c) => n + c, 0);
    const pools = (s.backend.maxReplicas + s.worker.maxReplicas) * s.database.poolSizePerPod;
    return { needed: pools + reserved, allowed: Math.floor(s.database.maxConnections * 0.8), reserved, roles };
}

/** zod's own texts ("Invalid input: expected string, received undefined") say neither the key nor what is allowed. */
const defaultMessages = (issue: z.core.$ZodRawIssue): string | undefined => {
    // zod 4 asks a parse's map only about issues the schema left without a message (its own `error` answered
    // undefined), so a message the schema chose is kept; undefined here falls back to zod's own text.
    if (issue.code === "invalid_type") {
        // A label map is a zod record; to the person writing YAML it is an object (a mapping).
        const expected = issue.expected === "record" ? "object" : issue.expected;
        const article = /^[aeiou]/.test(expected) ? "an" : "a";
        return issue.input === undefined ? "is required" : `must be ${article} ${expected}` +
            (issue.expected === "string" && ["number", "boolean"].includes(typeof issue.input) ? " (quote it in YAML)" : "");
    }
    return undefined;
};

/** Paths of plain string values that look like credentials (policies/lib/credentials.ts: by shape, not by name). */
function credentialLookalikes(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    // Free text (a break-glass reason) is checked word by word too: a password URL pasted into a sentence is still one.
    if (typeof value === "string") return credentialValue(value) || value.trim().split(/\s+/).some(credentialValue) ? [path] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => credentialLookalikes(v, [...path, i]));
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => credentialLookalikes(v, [...path, k]));
    }
    return [];
}

/** `backup.restoreTestTables[1]`: the path syntax of `pulumi config set --path`. */
function keyOf(path: readonly PropertyKey[]): string {
    return `${PROJECT}:` + path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function describeIssue(schema: z.ZodTypeAny, values: unknown, issue: z.core.$ZodIssue, secure: boolean): string[] {
    const key = keyOf(issue.path);
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedKeys(schema, issue.path);
        return issue.keys.map((k) => {
            const full = keyOf([...issue.path, k]);
            if (k in SECRET_KEYS && issue.path.length > 0) {
                // A credential pasted into a plain section: name the key and the fix, never the value.
                return `${full}: is a credential in plain config; remove it and store it as a secret: ` +
                    `pulumi config set --secret ${k} <value>`;
            }
            const hint = closest(k, allowed);
            return `${full}: unknown key${hint ? ` (did you mean ${hint}?)` : ""}; allowed keys: ${allowed.join(", ")}`;
        });
    }
    const value = valueAt(values, issue.path);
    let message = issue.message;
    if (issue.code === "invalid_type" && issue.expected === "object") {
        const keys = `with the keys ${allowedKeys(schema, issue.path).join(", ")}`;
        message = value === undefined ? `is required: an object ${keys}` : `${message} ${keys}`;
    }
    if (value === undefined) return [`${key}: ${message.startsWith("is required") ? message : `is required; ${message}`}`];
    return [`${key} = ${secure ? "[secure value, not shown]" : show(value)}: ${message}`];
}

function valueAt(values: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = values;
    for (const p of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[p];
    }
    return v;
}

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
    while (t instanceof z.ZodDefault || t instanceof z.ZodPrefault || t instanceof z.ZodOptional || t instanceof z.ZodPipe) {
        t = (t instanceof z.ZodPipe ? t.in : t.unwrap()) as z.ZodTypeAny;
    }
    return t;
}

function allowedKeys(schema: z.ZodTypeAny, path: readonly PropertyKey[]): string[] {
    let t = unwrap(schema);
    for (const p of path) {
        if (!(t instanceof z.ZodObject)) return [];
        t = unwrap(t.shape[p as string]);
    }
    const keys = t instanceof z.ZodObject ? Object.keys(t.shape) : [];
    return path.length === 0 ? [...keys, ...Object.keys(SECRET_KEYS)] : keys;
}

function closest(word: string, candidates: string[]): string | undefined {
    const lower = word.toLowerCase();
    return candidates.find((c) => c.toLowerCase() === lower || distance(c.toLowerCase(), lower) <= 2);
}

function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
    }
    return d[a.length][b.length];
}

function show(v: unknown): string {
    // A URL's user:password@ is a credential, whichever key it was typed into: never echo it. Matching from "://"
    // (not from a scheme that could start at any letter) keeps a long value to one scan instead of one per position.
    const s = JSON.stringify(v)?.replace(/:\/\/[^\/\s"]*@/g, "://[credentials not shown]@");
    if (s === undefined) return "(not set)";
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Decodes a config string the way pulumi.Config.getObject does, keeping plain strings as they are. */
function decode(value: string): unknown {
    if (/^\s*[\[{]/.test(value) || value === "true" || value === "false") {
        try { return JSON.parse(value); } catch { return value; }
    }
    return value;
}

/** The SDK knows which keys were `secure:` but keeps the check out of its typings. */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") throw new Error("@pulumi/pulumi no longer exposes runtime.isConfigSecret");
    return runtime.isConfigSecret(fullKey);
}

/** Reads this stack's configuration from the Pulumi runtime (real engine, mocks or synth alike). */
export function readSettings(): Settings {
    const prefix = `${PROJECT}:`;
    const values: Record<string, unknown> = {};
    const secrets: Record<string, RawSecret> = {};
    const secureValueKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (key in SECRET_KEYS) secrets[key] = { value, isSecret: isConfigSecret(fullKey) };
        else {
            values[key] = decode(value);
            if (isConfigSecret(fullKey)) secureValueKeys.push(key);
        }
    }
    const nowText = process.env.FORK_KNIFE_NOW;
    // parseIsoDate, not new Date(): 2026-02-30 must be refused, not read as March 2.
    const now = nowText ? parseIsoDate(nowText) : new Date();
    if (typeof now === "string") throw new SettingsError([`FORK_KNIFE_NOW = ${show(nowText)}: must be ${now}`]);
    return parseSettings({ stack: pulumi.getStack(), now, values, secrets, secureValueKeys });
}
