import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Database, DatabaseArgs } from "../../../components/data/database";
import { APP_SCHEMA, grantPlan, RoleNames } from "../../../components/data/database-grants";
import { isSecretValue, ProgramRun, runProgram } from "../../../tools/lib/program";
import { grantSql, roleSql } from "../../support/grant-sql";
import { psql, testPostgres } from "../../support/postgres";
import { ofType, one, plain } from "../../support/stacks";
import { loadStackConfig } from "../../../tools/lib/stack-config";

function args(generation: number): DatabaseArgs {
    return {
        namespace: "fork-knife-test",
        environment: "production",
        connection: { host: "db.internal", port: 5432, name: "forkknife", sslMode: "require", adminUser: "postgres", adminPassword: pulumi.secret("ADMIN_SENTINEL") },
        maxConnections: 200,
        poolSizePerPod: 5,
        maxPods: 16,
        reserved: { migration: 2, backup: 1, restore: 3, restoreTest: 4, maintenance: 1 },
        rotation: { rotatedAt: "2026-09-01", generation },
    };
}

const render = (generation: number) =>
    runProgram({ stack: "test", config: {}, secretKeys: [], program: () => { new Database("database", args(generation)); } });

const secretNamed = (run: ProgramRun, name: string) =>
    plain(ofType(run, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as any).name === name)!);
const rolePassword = (run: ProgramRun, slot: number) => plain(one(run, "postgresql:index/role:Role", `database-app-${slot}`)).password;

describe("Database (declared)", () => {
    let g2: ProgramRun;
    let g3: ProgramRun;
    before(async () => { g2 = await render(2); g3 = await render(3); });

    it("manages everything through its own provider built from settings, admin password secret", () => {
        const provider = one(g2, "pulumi:providers:postgresql");
        assert.ok(isSecretValue(provider.inputs.password));
        assert.equal(provider.inputs.host, "db.internal");
        assert.equal(provider.inputs.sslmode, "require");
        for (const r of g2.resources.filter((x) => x.type.startsWith("postgresql:"))) {
            assert.ok(r.provider?.startsWith(provider.urn), `${r.type} ${r.name} uses the explicit provider`);
        }
    });

    it("verify-full: the provider reads the CA from a file, pods get it as a ConfigMap, URLs and PG* variables point at it", async () => {
        const pem = loadStackConfig({ stack: "production" }).config["fork-knife:database"];
        const caBundle = JSON.parse(pem).caBundle as string;
        let caFiles: Database["caFiles"];
        const run = await runProgram({ stack: "test", config: {}, secretKeys: [], program: () => {
            const a = args(2);
            caFiles = new Database("database", { ...a, connection: { ...a.connection, host: "fd00:10::5", sslMode: "verify-full", caBundle } }).caFiles;
        } });
        const provider = plain(one(run, "pulumi:providers:postgresql"));
        assert.equal(provider.sslmode, "verify-full");
        assert.equal(fs.readFileSync(provider.sslrootcert, "utf8"), caBundle, "the provider's file holds the bundle");
        const map = plain(one(run, "kubernetes:core/v1:ConfigMap"));
        assert.equal(map.metadata.name, "fork-knife-database-ca");
        assert.deepEqual(map.data, { "ca.crt": caBundle });
        assert.deepEqual(caFiles!.mount, { name: "database-ca", mountPath: "/var/run/secrets/fork-knife/database-ca", readOnly: true });
        const url = new URL(secretNamed(run, "fork-knife-database").stringData.DATABASE_URL);
        assert.equal(url.hostname, "[fd00:10::5]");
        assert.deepEqual(Object.fromEntries(url.searchParams), {
            sslmode: "verify-full", sslrootcert: "/var/run/secrets/fork-knife/database-ca/ca.crt", connection_limit: "5", schema: APP_SCHEMA,
        });
        for (const name of ["fork-knife-db-backup", "fork-knife-db-restore"]) {
            const env = secretNamed(run, name).stringData;
            assert.deepEqual([env.PGSSLMODE, env.PGSSLROOTCERT], ["verify-full", "/var/run/secrets/fork-knife/database-ca/ca.crt"], name);
        }
    });

    it("require (staging): no CA anywhere, and verify-full without a bundle is refused", async () => {
        assert.equal(plain(one(g2, "pulumi:providers:postgresql")).sslrootcert, undefined);
        assert.equal(ofType(g2, "kubernetes:core/v1:ConfigMap").length, 0);
        assert.equal(secretNamed(g2, "fork-knife-db-backup").stringData.PGSSLROOTCERT, undefined);
        const a = args(2);
        await assert.rejects(runProgram({ stack: "test", config: {}, secretKeys: [], program: () => {
            new Database("database", { ...a, connection: { ...a.connection, sslMode: "verify-full" } });
        } }), /database\.caBundle is required with sslMode verify-full/);
    });

    it("bumping the generation moves DATABASE_URL to the other role and leaves the idle role's password alone", () => {
        const url2 = secretNamed(g2, "fork-knife-database").stringData.DATABASE_URL as string;
        const url3 = secretNamed(g3, "fork-knife-database").stringData.DATABASE_URL as string;
        assert.match(url2, /^postgresql:\/\/fork_knife_app_0:/);
        assert.match(url3, /^postgresql:\/\/fork_knife_app_1:/);
        assert.equal(rolePassword(g2, 0), rolePassword(g3, 0), "the role old pods still use keeps working");
        assert.notEqual(rolePassword(g2, 1), rolePassword(g3, 1), "the role taking over gets a fresh password");
        assert.ok(url3.includes(encodeURIComponent(rolePassword(g3, 1))));
    });

    it("bounds each role's connections by the budget, and the URL's pool by poolSizePerPod", () => {
        const limit = (name: string) => plain(one(g2, "postgresql:index/role:Role", name)).connectionLimit;
        assert.equal(limit("database-app-0"), 16 * 5);
        assert.equal(limit("database-app-1"), 16 * 5);
        assert.equal(limit("database-migrator"), 2);
        assert.equal(limit("database-backup"), 1);
        assert.equal(limit("database-restore"), 3, "pg_restore -j 2 and its leader");
        assert.equal(limit("database-restore-test"), 4, "its own entry, not the live restore's");
        assert.equal(limit("database-maintenance"), 1);
        assert.match(secretNamed(g2, "fork-knife-database").stringData.DATABASE_URL, /connection_limit=5/);
        const outputs = one(g2, "fork-knife:data:Database").outputs;
        // Every login role outside the pools, for the policy release-connection-budget: 2 + 1 + 3 + 4 + 1.
        assert.deepEqual([outputs.maxConnections, outputs.poolSizePerPod, outputs.reservedConnections], [200, 5, 11]);
        assert.deepEqual(outputs.reservedByRole, { migration: 2, backup: 1, restore: 3, restoreTest: 4, maintenance: 1 });
    });

    it("gives the app data privileges only and the backup role read access only", () => {
        const grants = ofType(g2, "postgresql:index/grant:Grant").map(plain);
        const forRole = (role: string, type: string) => grants.filter((g) => g.role === role && g.objectType === type).flatMap((g) => g.privileges);
        for (const app of ["fork_knife_app_0", "fork_knife_app_1"]) {
            assert.deepEqual(forRole(app, "table").sort(), ["DELETE", "INSERT", "SELECT", "UPDATE"]);
            assert.deepEqual(forRole(app, "schema"), ["USAGE"], "no CREATE on the schema: no DDL");
        }
        assert.deepEqual(forRole("fork_knife_backup", "table"), ["SELECT"]);
        assert.deepEqual(forRole("fork_knife_backup", "sequence"), ["SELECT"]);
        const defaults = ofType(g2, "postgresql:index/defaultPrivileges:DefaultPrivileges").map(plain);
        assert.ok(defaults.every((d) => d.owner === "fork_knife_migrator"));
        assert.equal(plain(one(g2, "postgresql:index/schema:Schema")).owner, "fork_knife_migrator");
        assert.equal(one(g2, "postgresql:index/schema:Schema").retainOnDelete, true, "removing it from the program never drops the schema");
    });

    it("declares the restore-test role with CREATEDB and no membership, connecting to the maintenance database", () => {
        const role = plain(one(g2, "postgresql:index/role:Role", "database-restore-test"));
        assert.equal(role.name, "fork_knife_restore_test");
        assert.equal(role.createDatabase, true);
        assert.deepEqual(role.roles ?? [], []);
        assert.deepEqual(plain(one(g2, "postgresql:index/role:Role", "database-restore")).roles, ["fork_knife_migrator"]);
        const grants = ofType(g2, "postgresql:index/grant:Grant").map(plain);
        assert.deepEqual(grants.filter((g) => g.role === "fork_knife_restore_test"), [], "no privilege on the application's database");
        const secret = secretNamed(g2, "fork-knife-db-restore-test").stringData;
        assert.equal(secret.PGUSER, "fork_knife_restore_test");
        assert.equal(secret.PGDATABASE, "postgres");
    });

    it("declares no restore-test login when no connection is reserved for it (the restore test's own server)", async () => {
        const run = await runProgram({ stack: "test", config: {}, secretKeys: [], program: () => {
            const a = args(2);
            new Database("database", { ...a, reserved: { ...a.reserved, restoreTest: 0 } });
        } });
        const roles = ofType(run, "postgresql:index/role:Role").map((r) => plain(r).name);
        assert.ok(!roles.includes("fork_knife_restore_test"), roles.join(", "));
        assert.ok(roles.includes("fork_knife_restore") && roles.includes("fork_knife_backup"));
        assert.ok(!ofType(run, "kubernetes:core/v1:Secret").some((r) => (r.inputs.metadata as any).name === "fork-knife-db-restore-test"));
        assert.equal((one(run, "fork-knife:data:Database").outputs.reservedByRole as any).restoreTest, 0);
    });

    it("writes each connection string into its own annotated Secret, as Pulumi secrets", () => {
        for (const name of ["fork-knife-database", "fork-knife-migrator", "fork-knife-db-backup", "fork-knife-db-restore", "fork-knife-db-restore-test"]) {
            const raw = ofType(g2, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as any).name === name)!;
            assert.ok(isSecretValue(raw.inputs.stringData), name);
            const a = plain(raw).metadata.annotations;
            assert.equal(a["fork-knife.io/secret-kind"], "database-password");
            assert.equal(a["fork-knife.io/next-rotation-due"], "2027-02-28");
        }
        assert.deepEqual(Object.keys(secretNamed(g2, "fork-knife-db-backup").stringData).sort(),
            ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGUSER"]);
        assert.equal(secretNamed(g2, "fork-knife-db-backup").stringData.PGUSER, "fork_knife_backup");
        assert.match(secretNamed(g2, "fork-knife-migrator").stringData.DIRECT_URL, /^postgresql:\/\/fork_knife_migrator:/);
    });
});

describe("Database grants on a real PostgreSQL", () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const roles: RoleNames = {
        migrator: `t_${suffix}_migrator`, app: [`t_${suffix}_app_0`, `t_${suffix}_app_1`], backup: `t_${suffix}_backup`, restore: `t_${suffix}_restore`,
        restoreTest: `t_${suffix}_restore_test`,
    };
    const db = `t_${suffix}_grants`;
    const password = `pw-${suffix}`;
    const as = (role: string, sql: string) => {
        const pg = testPostgres();
        return spawnSync(path.join(pg.binDir, "psql"), ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
            { env: { ...process.env, ...pg.env, PGUSER: role, PGPASSWORD: password }, encoding: "utf8" });
    };
    const ok = (role: string, sql: string) => { const r = as(role, sql); assert.equal(r.status, 0, `${role}: ${sql}: ${r.stderr}`); return r.stdout.trim(); };
    const denied = (role: string, sql: string) => { const r = as(role, sql); assert.notEqual(r.status, 0, `${role} may ${sql}`); assert.match(r.stderr, /permission denied|must be owner/); };

    before(() => {
        const pg = testPostgres();
        psql(pg, "postgres", `CREATE DATABASE ${db}`);
        for (const s of roleSql(roles, password, { app: 80, reserved: 3 })) psql(pg, "postgres", s);
        psql(pg, db, `REVOKE ALL ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${roles.migrator}`);
        for (const s of grantSql(grantPlan(roles), db, "public", roles.migrator)) psql(pg, db, s);
        // A migration, run as the migrator after the grants: default privileges must cover its tables.
        ok(roles.migrator, "CREATE TABLE users (id serial PRIMARY KEY, email text); INSERT INTO users (email) VALUES ('a@example.com')");
    });
    after(() => {
        const pg = testPostgres();
        psql(pg, "postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        psql(pg, "postgres", `DROP DATABASE IF EXISTS ${db}_scratch WITH (FORCE)`);
        for (const r of [roles.restoreTest, roles.restore, roles.backup, ...roles.app, roles.migrator]) psql(pg, "postgres", `DROP ROLE IF EXISTS ${r}`);
    });

    it("lets the app roles read and write rows of tables created later by migrations", () => {
        for (const app of roles.app) {
            ok(app, "INSERT INTO users (email) VALUES ('b@example.com')");
            ok(app, "UPDATE users SET email = 'c@example.com' WHERE email = 'b@example.com'");
            ok(app, "DELETE FROM users WHERE email = 'c@example.com'");
            assert.equal(ok(app, "SELECT count(*) FROM users"), "1");
        }
    });

    it("refuses the app roles any DDL", () => {
        for (const app of roles.app) {
            denied(app, "CREATE TABLE evil (id int)");
            denied(app, "DROP TABLE users");
            denied(app, "ALTER TABLE users ADD COLUMN evil int");
            denied(app, "TRUNCATE users");
        }
    });

    it("lets the backup role read everything and write nothing", () => {
        assert.equal(ok(roles.backup, "SELECT count(*) FROM users"), "1");
        ok(roles.backup, "SELECT last_value FROM users_id_seq");
        denied(roles.backup, "INSERT INTO users (email) VALUES ('x@example.com')");
        denied(roles.backup, "DELETE FROM users");
        denied(roles.backup, "CREATE TABLE evil (id int)");
        const pg = testPostgres();
        const dump = spawnSync(path.join(pg.binDir, "pg_dump"), ["-Fc", "--no-sync", "-d", db, "-f", "/dev/null"],
            { env: { ...process.env, ...pg.env, PGUSER: roles.backup, PGPASSWORD: password }, encoding: "utf8" });
        assert.equal(dump.status, 0, `pg_dump as the backup role: ${dump.stderr}`);
    });

    it("lets the restore-test role create and fill its own scratch database, and nothing in the application's", () => {
        denied(roles.restoreTest, "SELECT count(*) FROM public.users");
        denied(roles.restoreTest, "CREATE TABLE public.evil (id int)");
        denied(roles.restoreTest, "DROP TABLE public.users");
        denied(roles.restoreTest, "SET ROLE " + roles.migrator);
        assert.equal(ok(roles.restoreTest, `SELECT pg_has_role('${roles.restoreTest}', '${roles.migrator}', 'MEMBER')`), "f");
        assert.equal(ok(roles.restore, `SELECT pg_has_role('${roles.restore}', '${roles.migrator}', 'MEMBER')`), "t",
            "the live restore recreates the migrator's objects");
        ok(roles.restoreTest, `CREATE DATABASE ${db}_scratch`);
        const pg = testPostgres();
        const inScratch = spawnSync(path.join(pg.binDir, "psql"), ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", `${db}_scratch`, "-c",
            "CREATE TABLE _prisma_migrations (id text); INSERT INTO _prisma_migrations VALUES ('a')"],
            { env: { ...process.env, ...pg.env, PGUSER: roles.restoreTest, PGPASSWORD: password }, encoding: "utf8" });
        assert.equal(inScratch.status, 0, inScratch.stderr);
        ok(roles.restoreTest, `DROP DATABASE ${db}_scratch`);
    });

    it("lets the migrator change the schema", () => {
        ok(roles.migrator, "ALTER TABLE users ADD COLUMN name text");
    });
});
