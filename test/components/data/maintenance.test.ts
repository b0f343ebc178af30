import { egressFromSettings } from "../../../components/lib/network-policy";
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_DEADLINE_SECONDS } from "../../../components/data/backup-schedule";
import { Database, MAINTENANCE_ROLE, maintenanceOwnerRole } from "../../../components/data/database";
import { ROLE_NAMES } from "../../../components/data/database-grants";
import { Maintenance, MAINTENANCE_SQL, postgresMajorVersion } from "../../../components/data/maintenance";
import { BACKUP_RUN_HOURS, maintenanceWindowProblems, MAINTENANCE_STARTING_DEADLINE_SECONDS, runWindows } from "../../../components/data/maintenance-window";
import { readSettings } from "../../../components/config/settings";
import { ProgramRun, runProgram } from "../../../tools/lib/program";
import { psql, testPostgres } from "../../support/postgres";
import { ofType, one, plain, stackConfig, TODAY } from "../../support/stacks";

const WINDOW = { timeZone: "Etc/UTC", backupSchedule: "0 3 * * *", restoreTestSchedule: "0 4 1 */3 *" };

describe("Maintenance (declared)", () => {
    let run: ProgramRun;
    before(async () => {
        const c = stackConfig("production");
        run = await runProgram({
            stack: "production", config: c.config, secretKeys: c.secretKeys, now: TODAY, program: () => {
                const s = readSettings();
                new Maintenance("maintenance", {
                    namespace: s.namespace, environment: s.environment, maintenance: s.maintenance, timeZone: s.backup.timeZone,
                    postgresImage: s.backup.postgresImage, egress: egressFromSettings(s), credentialsSecret: "fork-knife-db-maintenance",
                    ownerRole: maintenanceOwnerRole(postgresMajorVersion(s.backup.postgresImage)), schema: "public",
                });
            },
        });
    });

    it("a quarterly CronJob named maintenance, labelled for auditors, in the backups' time zone, Forbid, with its deadlines", () => {
        const cron = plain(one(run, "kubernetes:batch/v1:CronJob"));
        assert.equal(cron.metadata.name, "maintenance");
        assert.equal(cron.metadata.labels["app.kubernetes.io/component"], "maintenance");
        assert.equal(cron.metadata.labels["fork-knife.io/environment"], "production");
        assert.equal(cron.spec.schedule, "0 22 15 */3 *");
        assert.equal(cron.spec.timeZone, "Etc/UTC");
        assert.equal(cron.spec.suspend, false);
        assert.equal(cron.spec.concurrencyPolicy, "Forbid");
        assert.equal(cron.spec.startingDeadlineSeconds, MAINTENANCE_STARTING_DEADLINE_SECONDS);
        const job = cron.spec.jobTemplate.spec;
        assert.equal(job.activeDeadlineSeconds, 120 * 60);
        assert.equal(job.backoffLimit, 0, "a failed REINDEX CONCURRENTLY is not retried blindly");
        const pod = job.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        const [container] = pod.containers;
        assert.equal(container.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(container.envFrom, [{ secretRef: { name: "fork-knife-db-maintenance" } }]);
        assert.deepEqual(container.command, ["psql", "-X", "--no-psqlrc", "-v", "schema=public", "-v", "threshold=30", "-v", `min_bytes=${1024 * 1024}`,
            "-v", `owner_role=${ROLE_NAMES.migrator}`, "-f", "/sql/maintenance.sql"]);
        const sql = plain(one(run, "kubernetes:core/v1:ConfigMap"));
        assert.equal(sql.data["maintenance.sql"], MAINTENANCE_SQL);
    });

    it("its own NetworkPolicy: no ingress, egress to the database only", () => {
        const policy = plain(one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy"));
        assert.deepEqual(policy.spec.podSelector.matchExpressions, [{ key: "app.kubernetes.io/component", operator: "In", values: ["maintenance"] }]);
        assert.deepEqual(policy.spec.ingress, []);
    });

    it("disabled: the CronJob is kept, suspended", async () => {
        const c = stackConfig("staging", { set: { "fork-knife:maintenance": { enabled: false } } });
        const r = await runProgram({
            stack: "staging", config: c.config, secretKeys: c.secretKeys, now: TODAY, program: () => {
                const s = readSettings();
                new Maintenance("m", { namespace: s.namespace, environment: s.environment, maintenance: s.maintenance, timeZone: "Etc/UTC",
                    postgresImage: "postgres:15-bookworm", egress: egressFromSettings(s), credentialsSecret: "x", ownerRole: "o", schema: "public" });
            },
        });
        assert.equal(plain(one(r, "kubernetes:batch/v1:CronJob")).spec.suspend, true);
    });
});

describe("Maintenance: the database role (Database, declared)", () => {
    const declared = (serverMajorVersion?: number) => runProgram({
        stack: "test", config: {}, secretKeys: [], program: () => {
            new Database("database", {
                namespace: "ns", environment: "production", maxConnections: 200, poolSizePerPod: 5, maxPods: 16,
                connection: { host: "db", port: 5432, name: "forkknife", sslMode: "require", adminUser: "postgres", adminPassword: pulumi.secret("x") },
                reserved: { migration: 2, backup: 2, restore: 2, restoreTest: 2, maintenance: 1 }, rotation: { rotatedAt: "2026-09-01", generation: 1 }, serverMajorVersion,
            });
        },
    });

    it("one connection, inherits nothing, may SET ROLE to the owner (PostgreSQL 15) or pg_maintain (17+)", async () => {
        for (const [version, owner] of [[15, ROLE_NAMES.migrator], [16, ROLE_NAMES.migrator], [17, "pg_maintain"], [undefined, ROLE_NAMES.migrator]] as const) {
            const r = await declared(version);
            const role = plain(one(r, "postgresql:index/role:Role", "database-maintenance"));
            assert.deepEqual([role.name, role.login, role.connectionLimit, role.inherit, role.roles], [MAINTENANCE_ROLE, true, 1, false, [owner]], String(version));
        }
        assert.equal(postgresMajorVersion("postgres:15-bookworm"), 15);
        assert.equal(postgresMajorVersion("postgres:17.2@sha256:" + "a".repeat(64)), 17);
        assert.equal(postgresMajorVersion("postgres:latest"), undefined);
    });

    it("grants CONNECT and TEMPORARY, USAGE on the schema and EXECUTE on pgstatindex only, and a credentials Secret", async () => {
        const r = await declared(15);
        const grants = ofType(r, "postgresql:index/grant:Grant").map(plain).filter((g) => g.role === MAINTENANCE_ROLE)
            .map((g) => [g.objectType, g.privileges, g.objects ?? null]);
        assert.deepEqual(grants, [["database", ["CONNECT", "TEMPORARY"], null], ["schema", ["USAGE"], null], ["function", ["EXECUTE"], ["pgstatindex"]]]);
        assert.equal(plain(one(r, "postgresql:index/extension:Extension")).name, "pgstattuple");
        const secret = plain(ofType(r, "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as any).name === "fork-knife-db-maintenance")!);
        assert.equal(secret.stringData.PGUSER, MAINTENANCE_ROLE);
    });
});

describe("Maintenance: its window never meets a backup or a restore test", () => {
    it("the backup run length is the backup CronJob's starting deadline plus its Job's deadline", () => {
        assert.equal(BACKUP_RUN_HOURS, (3600 + BACKUP_DEADLINE_SECONDS) / 3600);
    });

    it("the default is clear; ending exactly when a backup starts, or starting exactly when its window ends, is clear; a minute more is not", () => {
        assert.deepEqual(maintenanceWindowProblems({ ...WINDOW, schedule: "0 22 15 */3 *", deadlineMinutes: 120 }), []);
        // 00:50 + 10 min starting deadline + 120 min = 03:00, the backup's start.
        assert.deepEqual(maintenanceWindowProblems({ ...WINDOW, schedule: "50 0 15 */3 *", deadlineMinutes: 120 }), []);
        assert.equal(maintenanceWindowProblems({ ...WINDOW, schedule: "50 0 15 */3 *", deadlineMinutes: 121 }).length, 1);
        // The backup's window ends 10:00 (03:00 + 1 h + 6 h).
        assert.deepEqual(maintenanceWindowProblems({ ...WINDOW, schedule: "0 10 15 */3 *", deadlineMinutes: 120 }), []);
        assert.match(maintenanceWindowProblems({ ...WINDOW, schedule: "59 9 15 */3 *", deadlineMinutes: 120 })[0], /^must not overlap the backup window/);
    });

    it("finds a clash with a later run as well as with the first (one parsed schedule moved from window to window)", () => {
        // A yearly restore test on 15 March 11:00 (until 18:00) meets only the third monthly run, clear of the backup.
        const windows = { ...WINDOW, restoreTestSchedule: "0 11 15 3 *", deadlineMinutes: 30 };
        const [p, ...more] = maintenanceWindowProblems({ ...windows, schedule: "0 12 15 * *" });
        assert.deepEqual(more, []);
        assert.match(p, /^must not overlap the restore test window: the run at 2026-03-15 12:00 UTC .* the restore test starting 2026-03-15 11:00 UTC may run until 2026-03-15 18:00 UTC/);
        assert.deepEqual(maintenanceWindowProblems({ ...windows, schedule: "0 18 15 * *" }), [], "starting when the restore test's window ends is clear");
    });

    it("takes every run up to the horizon's end, a run exactly at its end included and none after it", () => {
        const from = new Date("2026-01-01T00:00:00Z");
        const hour = 3_600_000;
        const runs = (to: string) => runWindows("0 0 1 * *", "Etc/UTC", hour, from, new Date(to)).map((w) => w.start.toISOString());
        assert.deepEqual(runs("2026-03-01T00:00:00Z"), ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]);
        assert.deepEqual(runs("2026-02-28T23:59:59.999Z"), ["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z"]);
        // A run that started up to one duration before the horizon still occupies it; one that ended before does not.
        assert.deepEqual(runWindows("0 23 31 12 *", "Etc/UTC", hour, from, new Date("2026-01-02T00:00:00Z")).map((w) => w.end.toISOString()), []);
        assert.deepEqual(runWindows("30 23 31 12 *", "Etc/UTC", hour, from, new Date("2026-01-02T00:00:00Z")).map((w) => w.end.toISOString()), ["2026-01-01T00:30:00.000Z"]);
    });

    it("reads both schedules in the same time zone, across DST", () => {
        // 22:00 in Berlin is clear of a 03:00 Berlin backup in winter and in summer.
        assert.deepEqual(maintenanceWindowProblems({ ...WINDOW, timeZone: "Europe/Berlin", schedule: "0 22 15 */3 *", deadlineMinutes: 120 }), []);
        // A deadline long enough to reach 03:00 Berlin time fails, naming the UTC times of both runs.
        const [p] = maintenanceWindowProblems({ ...WINDOW, timeZone: "Europe/Berlin", schedule: "0 22 15 */3 *", deadlineMinutes: 300 });
        assert.match(p, /the run at 2026-01-15 21:00 UTC may last until 2026-01-16 02:10 UTC .* the backup starting 2026-01-16 02:00 UTC/);
    });
});

describe("Maintenance: the SQL against the suite's PostgreSQL", function () {
    this.timeout(120_000);
    const suffix = Math.random().toString(36).slice(2, 8);
    const db = `t_${suffix}_maint`;
    const owner = `t_${suffix}_owner`;
    const role = `t_${suffix}_maintenance`;
    const password = `pw-${suffix}`;
    const pg = () => testPostgres();

    /** The maintenance run as the maintenance role, exactly as the CronJob runs it (psql -f with the variables). */
    function maintain(threshold: number, minBytes = 0) {
        const p = pg();
        const r = spawnSync(path.join(p.binDir, "psql"), ["-X", "--no-psqlrc", "-v", "schema=public", "-v", `threshold=${threshold}`, "-v", `min_bytes=${minBytes}`,
            "-v", `owner_role=${owner}`, "-d", db], { input: MAINTENANCE_SQL, env: { ...process.env, ...p.env, PGUSER: role, PGPASSWORD: password }, encoding: "utf8" });
        return r;
    }
    const as = (user: string, sql: string) => {
        const p = pg();
        return spawnSync(path.join(p.binDir, "psql"), ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            { env: { ...process.env, ...p.env, PGUSER: user, PGPASSWORD: password }, encoding: "utf8" });
    };
    const filenode = (index: string) => psql(pg(), db, `SELECT relfilenode FROM pg_class WHERE relname = '${index}'`);
    const bloat = (index: string) => Number(psql(pg(), db, `SELECT round((100 * (1 - avg_leaf_density / 90))::numeric, 1) FROM pgstatindex('${index}')`));

    before(() => {
        const p = pg();
        psql(p, "postgres", `CREATE DATABASE ${db}`);
        // The roles as Database declares them: the owner (migrator), and the maintenance login: one connection,
        // NOINHERIT, member of the owner; CONNECT and TEMPORARY, USAGE on the schema, EXECUTE on pgstatindex.
        psql(p, "postgres", `CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
        psql(p, "postgres", `CREATE ROLE ${role} LOGIN NOINHERIT CONNECTION LIMIT 1 PASSWORD '${password}' IN ROLE ${owner}`);
        psql(p, db, `REVOKE ALL ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${owner}; CREATE EXTENSION pgstattuple SCHEMA public`);
        psql(p, db, `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}; GRANT USAGE ON SCHEMA public TO ${role}; ` +
            `GRANT EXECUTE ON FUNCTION public.pgstatindex(regclass) TO ${role}`);
        // A table with a bloated index (most rows deleted, vacuumed: half-empty leaf pages) and a fresh one.
        const r = as(owner, "CREATE TABLE orders (id bigint PRIMARY KEY, customer int, note text); " +
            "INSERT INTO orders SELECT g, g % 1000, 'x' FROM generate_series(1, 60000) g; " +
            "CREATE INDEX orders_customer ON orders (customer); " +
            "DELETE FROM orders WHERE id % 10 <> 0; " +
            "CREATE TABLE menu (id int PRIMARY KEY, name text); INSERT INTO menu SELECT g, 'dish' FROM generate_series(1, 20000) g");
        assert.equal(r.status, 0, r.stderr);
        const vacuum = as(owner, "VACUUM orders");
        assert.equal(vacuum.status, 0, vacuum.stderr);
    });
    after(() => {
        const p = pg();
        psql(p, "postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        psql(p, "postgres", `DROP ROLE IF EXISTS ${role}; DROP ROLE IF EXISTS ${owner}`);
    });

    it("rebuilds an index just at the threshold, leaves it just below it, and ANALYZEs the schema's tables", () => {
        const measured = bloat("orders_pkey");
        assert.ok(measured > 50, `orders_pkey bloat ${measured} %: the fixture must be bloated`);
        assert.ok(bloat("menu_pkey") < 5, `menu_pkey bloat ${bloat("menu_pkey")} %`);

        const before = filenode("orders_pkey");
        const above = maintain(measured + 0.1);
        assert.equal(above.status, 0, above.stderr);
        assert.equal(filenode("orders_pkey"), before, "a threshold above the bloat leaves the index alone");
        assert.match(above.stdout, new RegExp(`maintenance: public\\.orders_pkey \\d+ bytes, bloat ${measured.toFixed(1)} %\\n`));
        assert.match(above.stdout, /maintenance: done, 0 index\(es\) rebuilt/);

        const at = maintain(measured);
        assert.equal(at.status, 0, at.stderr);
        assert.notEqual(filenode("orders_pkey"), before, "at the threshold the index is rebuilt");
        assert.match(at.stdout, new RegExp(`public\\.orders_pkey \\d+ bytes, bloat ${measured.toFixed(1)} % -> REINDEX CONCURRENTLY`));
        assert.ok(bloat("orders_pkey") < measured / 2, `after REINDEX: ${bloat("orders_pkey")} %`);
        assert.equal(psql(pg(), db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"), "0", "no invalid index left behind");
        // ANALYZE ran on the schema's tables.
        assert.equal(psql(pg(), db, "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('orders', 'menu') AND last_analyze IS NOT NULL"), "2");
    });

    it("skips indexes below minIndexSizeMb", () => {
        const before = filenode("orders_customer");
        const r = maintain(1, 1024 * 1024 * 1024);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(filenode("orders_customer"), before);
        assert.doesNotMatch(r.stdout, /orders_customer/);
    });

    it("least privilege: without SET ROLE the maintenance login reads no data, changes nothing, and holds one connection", () => {
        const read = as(role, "SELECT count(*) FROM orders");
        assert.notEqual(read.status, 0);
        assert.match(read.stderr, /permission denied for table orders/);
        const write = as(role, "CREATE TABLE evil (id int)");
        assert.match(write.stderr, /permission denied for schema public/);
        const reindex = as(role, "REINDEX INDEX CONCURRENTLY orders_pkey");
        assert.match(reindex.stderr, /must be owner of index orders_pkey/);
        assert.equal(psql(pg(), "postgres", `SELECT rolconnlimit::text || ' ' || rolinherit::text FROM pg_roles WHERE rolname = '${role}'`), "1 false");
    });

    it("a failed statement fails the run (exit non-zero), so the Job ends red", () => {
        const p = pg();
        const r = spawnSync(path.join(p.binDir, "psql"), ["-X", "--no-psqlrc", "-v", "schema=public", "-v", "threshold=1", "-v", "min_bytes=0",
            "-v", "owner_role=nobody_such_role", "-d", db], { input: MAINTENANCE_SQL, env: { ...process.env, ...p.env, PGUSER: role, PGPASSWORD: password }, encoding: "utf8" });
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /role "nobody_such_role" does not exist/);
    });
});
