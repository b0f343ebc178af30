// The database's roles and grants, declared through an explicit PostgreSQL provider: a migrator that owns the
// schema, two alternating app logins with data privileges only, a read-only backup role and a restore role.
// Each role's connection limit fits the connection budget of DESIGN.md.
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretEnvVar } from "../app/secret-env";
import { APP_SCHEMA, grantPlan, ROLE_NAMES } from "./database-grants";
import { activeSlot, credentialSecret, RotationRecord, rotationRecord, slotKeepers } from "../app/rotation";
import type { ReservedConnections } from "../config/settings";
import { Environment } from "../config/settings-schema";

export interface DatabaseArgs {
    /** Namespace of the Kubernetes Secrets that carry the connection strings. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** Where PostgreSQL listens and how the admin connects (admin password from secure config). */
    connection: { host: string; port: number; name: string; sslMode: string; adminUser: string; adminPassword: pulumi.Output<string> };
    /** The server's max_connections. */
    maxConnections: number;
    /** Prisma pool size of one pod (connection_limit in DATABASE_URL). */
    poolSizePerPod: number;
    /** Pods that may hold a pool at once: backend.maxReplicas + worker.maxReplicas. */
    maxPods: number;
    /** Connections kept outside the pools, per role (settings.connectionBudget().roles). */
    reserved: ReservedConnections;
    /** Database-password rotation: generation N regenerates app slot N % 2 and makes it active. */
    rotation: { rotatedAt: string; generation: number };
}

export class Database extends pulumi.ComponentResource {
    /** DATABASE_URL of the active app role, for the backend and the worker. */
    public readonly appEnv: SecretEnvVar[];
    /** DATABASE_URL and DIRECT_URL of the migrator, for the MigrationJob. */
    public readonly migratorEnv: SecretEnvVar[];
    /** Secret with PG* variables of the read-only backup role. */
    public readonly backupCredentialsSecret: pulumi.Output<string>;
    /** Secret with PG* variables of the restore role (may create databases, member of the migrator). */
    public readonly restoreCredentialsSecret: pulumi.Output<string>;
    /** Secret with PG* variables of the restore-test role (may create databases, nothing else). */
    public readonly restoreTestCredentialsSecret: pulumi.Output<string>;
    public readonly activeAppRole: string;
    public readonly record: RotationRecord;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:data:Database", name, {}, opts);
        const c = args.connection;
        const provider = new postgresql.Provider(name, {
            host: c.host, port: c.port, database: c.name, username: c.adminUser, password: c.adminPassword,
            sslmode: c.sslMode, superuser: false, connectTimeout: 15,
        }, { parent: this });
        const inDb = { parent: this, provider };
        const gen = args.rotation.generation;
        this.record = rotationRecord("database-password", args.rotation.rotatedAt, gen);

        const password = (id: string, keepers: Record<string, string>) =>
            new random.RandomPassword(`${name}-${id}-password`, { length: 40, special: false, keepers }, { parent: this }).result;
        const perRotation = { generation: String(gen) };

        const appPool = args.maxPods * args.poolSizePerPod;
        const migratorPassword = password("migrator", perRotation);
        const migrator = new postgresql.Role(`${name}-migrator`, {
            name: ROLE_NAMES.migrator, login: true, password: migratorPassword,
            connectionLimit: args.reserved.migration, inherit: true,
        }, inDb);
        // Each app role may hold every pod's pool: during a rotation's rollout old pods use one, new pods the other.
        const appPasswords = ([0, 1] as const).map((slot) => password(`app-${slot}`, slotKeepers(slot, gen)));
        const appRoles = ([0, 1] as const).map((slot) => new postgresql.Role(`${name}-app-${slot}`, {
            name: ROLE_NAMES.app[slot], login: true, password: appPasswords[slot], connectionLimit: appPool,
            statementTimeout: 60_000, idleInTransactionSessionTimeout: 60_000,
        }, inDb));
        const backupPassword = password("backup", perRotation);
        const backup = new postgresql.Role(`${name}-backup`, {
            name: ROLE_NAMES.backup, login: true, password: backupPassword, connectionLimit: args.reserved.backup,
        }, inDb);
        const restorePassword = password("restore", perRotation);
        const restore = new postgresql.Role(`${name}-restore`, {
            name: ROLE_NAMES.restore, login: true, password: restorePassword, createDatabase: true,
            // pg_restore -j N opens N workers and a leader; psql's CREATE/DROP DATABASE runs before and after it.
            connectionLimit: args.reserved.restore,
            // Member of the migrator, so a guarded restore can recreate the objects the migrator owns.
            roles: [ROLE_NAMES.migrator],
        }, { ...inDb, dependsOn: [migrator] });
        // The restore test restores into a scratch database it creates and owns (pg_restore --no-owner): CREATEDB is
        // all it needs. No membership, no grant on the application's database: least privilege for a periodic Job.
        const restoreTestPassword = password("restore-test", perRotation);
        const restoreTest = new postgresql.Role(`${name}-restore-test`, {
            name: ROLE_NAMES.restoreTest, login: true, password: restoreTestPassword, createDatabase: true,
            connectionLimit: args.reserved.restore, roles: [],
        }, inDb);

        const schema = new postgresql.Schema(`${name}-schema`, {
            name: APP_SCHEMA, database: c.name, owner: ROLE_NAMES.migrator, ifNotExists: true, dropCascade: false,
        }, { ...inDb, dependsOn: [migrator], retainOnDelete: true });
        const roleResources = [migrator, ...appRoles, backup];
        for (const g of grantPlan()) {
            const grantOpts = { ...inDb, dependsOn: [...roleResources, schema] };
            const id = `${name}-${g.role}-${g.objectType}`;
            new postgresql.Grant(id, {
                database: c.name, role: g.role, objectType: g.objectType, privileges: g.privileges,
                ...(g.objectType === "database" ? {} : { schema: APP_SCHEMA }),
            }, grantOpts);
            if (g.defaultPrivileges) {
                new postgresql.DefaultPrivileges(`${id}-default`, {
                    database: c.name, role: g.role, owner: ROLE_NAMES.migrator, schema: APP_SCHEMA,
                    objectType: g.objectType, privileges: g.privileges,
                }, grantOpts);
            }
        }

        const active = activeSlot(gen);
        this.activeAppRole = ROLE_NAMES.app[active];
        const url = (user: string, pw: pulumi.Output<string>, pool: number) => pulumi.secret(pw.apply((p) =>
            `postgresql://${user}:${encodeURIComponent(p)}@${c.host}:${c.port}/${c.name}` +
            `?sslmode=${c.sslMode}&connection_limit=${pool}&schema=${APP_SCHEMA}`));
        const pgEnv = (user: string, pw: pulumi.Output<string>) => ({
            PGHOST: c.host, PGPORT: String(c.port), PGDATABASE: c.name, PGUSER: user, PGPASSWORD: pw, PGSSLMODE: c.sslMode,
        });
        const common = { namespace: args.namespace, environment: args.environment, record: this.record };
        const afterRoles = { parent: this, dependsOn: roleResources };
        const app = credentialSecret(`${name}-app`, {
            ...common, secretName: "fork-knife-database",
            values: { DATABASE_URL: url(this.activeAppRole, appPasswords[active], args.poolSizePerPod) },
        }, afterRoles);
        const migratorUrl = url(ROLE_NAMES.migrator, migratorPassword, 2);
        const migratorSecret = credentialSecret(`${name}-migrator`, {
            ...common, secretName: "fork-knife-migrator", values: { DATABASE_URL: migratorUrl, DIRECT_URL: migratorUrl },
        }, afterRoles);
        const backupSecret = credentialSecret(`${name}-backup`, {
            ...common, secretName: "fork-knife-db-backup", values: pgEnv(ROLE_NAMES.backup, backupPassword),
        }, afterRoles);
        const restoreSecret = credentialSecret(`${name}-restore`, {
            ...common, secretName: "fork-knife-db-restore", values: pgEnv(ROLE_NAMES.restore, restorePassword),
        }, { parent: this, dependsOn: [restore] });
        // Connects to the maintenance database: the restore test never needs a session in the application's.
        const restoreTestSecret = credentialSecret(`${name}-restore-test`, {
            ...common, secretName: "fork-knife-db-restore-test",
            values: { ...pgEnv(ROLE_NAMES.restoreTest, restoreTestPassword), PGDATABASE: "postgres" },
        }, { parent: this, dependsOn: [restoreTest] });

        this.appEnv = [{ name: "DATABASE_URL", secretName: app.metadata.name, key: "DATABASE_URL" }];
        this.migratorEnv = ["DATABASE_URL", "DIRECT_URL"].map((key) => ({ name: key, secretName: migratorSecret.metadata.name, key }));
        this.backupCredentialsSecret = backupSecret.metadata.name;
        this.restoreCredentialsSecret = restoreSecret.metadata.name;
        this.restoreTestCredentialsSecret = restoreTestSecret.metadata.name;
        this.registerOutputs({
            maxConnections: args.maxConnections,
            poolSizePerPod: args.poolSizePerPod,
            reservedConnections: args.reserved.migration + args.reserved.backup + args.reserved.restore,
            activeAppRole: this.activeAppRole,
            roles: ROLE_NAMES,
            rotation: this.record,
        });
    }
}
