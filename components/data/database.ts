// The database's roles and grants, declared through an explicit PostgreSQL provider: a migrator that owns the
// schema, two alternating app logins with data privileges only, a read-only backup role and a restore role.
// Each role's connection limit fits the connection budget of DESIGN.md.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretEnvVar } from "../app/secret-env";
import { APP_SCHEMA, grantPlan, ROLE_NAMES } from "./database-grants";
import { activeSlot, credentialSecret, RotationRecord, rotationRecord, slotKeepers } from "../app/rotation";
import type { ReservedConnections } from "../config/settings";
import { Environment } from "../config/settings-schema";
import { urlHost } from "../config/validators";
import { standardLabels } from "../lib/labels";
import { configMapFiles, DATABASE_CA, DATABASE_CA_PATH, PodFiles } from "../lib/pod-files";

/**
 * The provider (running where `pulumi up` runs, not in a pod) reads its CA from a file. The file is named by its
 * content, so every run on every machine writes the same bytes to the same name under the temp directory.
 */
export function providerCaFile(pem: string): string {
    const file = path.join(os.tmpdir(), `fork-knife-database-ca-${crypto.createHash("sha256").update(pem).digest("hex").slice(0, 16)}.pem`);
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== pem) fs.writeFileSync(file, pem, { mode: 0o644 });
    return file;
}

export interface DatabaseArgs {
    /** Namespace of the Kubernetes Secrets that carry the connection strings. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** Where PostgreSQL listens and how the admin connects (admin password from secure config). */
    connection: {
        host: string; port: number; name: string; adminUser: string; adminPassword: pulumi.Output<string>;
        /** require, verify-ca or verify-full: the same for the provider, the app's URLs and the Jobs' PG* variables. */
        sslMode: string;
        /** PEM bundle of the server's CA: the pods mount it, the provider reads it (required for verify-*). */
        caBundle?: string;
    };
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
    /** The server's major version (from backup.postgresImage): 17 and later have pg_maintain for the maintenance role. */
    serverMajorVersion?: number;
}

/** The quarterly maintenance's login (components/data/maintenance.ts). */
export const MAINTENANCE_ROLE = "fork_knife_maintenance";

/**
 * The rights the maintenance role may take with SET ROLE for REINDEX and ANALYZE, and nothing else: pg_maintain
 * from PostgreSQL 17 (maintenance without data or DDL rights); before that only the tables' owner may rebuild
 * their indexes, so it is the migrator, which the role does not inherit.
 */
export function maintenanceOwnerRole(serverMajorVersion: number | undefined): string {
    return (serverMajorVersion ?? 0) >= 17 ? "pg_maintain" : ROLE_NAMES.migrator;
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
    /** Secret with PG* variables of the maintenance role. */
    public readonly maintenanceCredentialsSecret: pulumi.Output<string>;
    /** The role the maintenance script SETs for REINDEX and ANALYZE. */
    public readonly maintenanceOwnerRole: string;
    /** Secret with PG* variables of the restore-test role (may create databases, nothing else); none when the
     *  restore test runs on a server of its own (no connections reserved for it here). */
    public readonly restoreTestCredentialsSecret?: pulumi.Output<string>;
    public readonly activeAppRole: string;
    public readonly record: RotationRecord;
    /** The CA bundle as pods mount it (verify-ca / verify-full), for every pod that talks to PostgreSQL. */
    public readonly caFiles?: PodFiles;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:data:Database", name, {}, opts);
        const c = args.connection;
        const verify = c.sslMode !== "require";
        if (verify && !c.caBundle) throw new Error(`fork-knife:database.caBundle is required with sslMode ${c.sslMode}`);
        const provider = new postgresql.Provider(name, {
            host: c.host, port: c.port, database: c.name, username: c.adminUser, password: c.adminPassword,
            sslmode: c.sslMode, superuser: false, connectTimeout: 15,
            ...(verify ? { sslrootcert: providerCaFile(c.caBundle!) } : {}),
        }, { parent: this });
        if (verify) {
            const caMap = new k8s.core.v1.ConfigMap(`${name}-ca`, {
                metadata: { name: "fork-knife-database-ca", namespace: args.namespace, labels: standardLabels("platform", args.environment) },
                data: { [DATABASE_CA.file]: c.caBundle! },
            }, { parent: this });
            this.caFiles = configMapFiles(DATABASE_CA.volumeName, caMap.metadata.name, DATABASE_CA.dir);
        }
        // libpq's names, which pg (node-postgres), psql, pg_dump and pg_restore all read.
        const tls: Record<string, string> = verify ? { sslmode: c.sslMode, sslrootcert: DATABASE_CA_PATH } : { sslmode: c.sslMode };
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
        // With no connection reserved for it (the restore test runs on a server of its own), there is no such login.
        const restoreTestPassword = args.reserved.restoreTest > 0 ? password("restore-test", perRotation) : undefined;
        const restoreTest = restoreTestPassword && new postgresql.Role(`${name}-restore-test`, {
            name: ROLE_NAMES.restoreTest, login: true, password: restoreTestPassword, createDatabase: true,
            connectionLimit: args.reserved.restoreTest, roles: [],
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
            `postgresql://${user}:${encodeURIComponent(p)}@${urlHost(c.host)}:${c.port}/${c.name}?` +
            new URLSearchParams({ ...tls, connection_limit: String(pool), schema: APP_SCHEMA }).toString()));
        const pgEnv = (user: string, pw: pulumi.Output<string>) => ({
            PGHOST: c.host, PGPORT: String(c.port), PGDATABASE: c.name, PGUSER: user, PGPASSWORD: pw, PGSSLMODE: c.sslMode,
            ...(verify ? { PGSSLROOTCERT: DATABASE_CA_PATH } : {}),
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
        const restoreTestSecret = restoreTest && restoreTestPassword && credentialSecret(`${name}-restore-test`, {
            ...common, secretName: "fork-knife-db-restore-test",
            values: { ...pgEnv(ROLE_NAMES.restoreTest, restoreTestPassword), PGDATABASE: "postgres" },
        }, { parent: this, dependsOn: [restoreTest] });

        // The maintenance role: one connection, no inherited rights (NOINHERIT): it reads index pages through
        // pgstattuple's pgstatindex, and takes the owner's (or pg_maintain's) rights only for REINDEX and ANALYZE.
        const maintenancePassword = password("maintenance", perRotation);
        this.maintenanceOwnerRole = maintenanceOwnerRole(args.serverMajorVersion);
        const maintenanceRole = new postgresql.Role(`${name}-maintenance`, {
            name: MAINTENANCE_ROLE, login: true, password: maintenancePassword, connectionLimit: args.reserved.maintenance, inherit: false,
            roles: [this.maintenanceOwnerRole],
        }, { ...inDb, dependsOn: [migrator] });
        const pgstattuple = new postgresql.Extension(`${name}-pgstattuple`, {
            name: "pgstattuple", database: c.name, schema: APP_SCHEMA,
        }, { ...inDb, dependsOn: [schema] });
        const afterMaintenanceRole = { ...inDb, dependsOn: [maintenanceRole, schema, pgstattuple] };
        new postgresql.Grant(`${name}-maintenance-database`, {
            database: c.name, role: MAINTENANCE_ROLE, objectType: "database", privileges: ["CONNECT", "TEMPORARY"],
        }, afterMaintenanceRole);
        new postgresql.Grant(`${name}-maintenance-schema`, {
            database: c.name, role: MAINTENANCE_ROLE, schema: APP_SCHEMA, objectType: "schema", privileges: ["USAGE"],
        }, afterMaintenanceRole);
        new postgresql.Grant(`${name}-maintenance-pgstatindex`, {
            database: c.name, role: MAINTENANCE_ROLE, schema: APP_SCHEMA, objectType: "function", objects: ["pgstatindex"], privileges: ["EXECUTE"],
        }, afterMaintenanceRole);
        const maintenanceSecret = credentialSecret(`${name}-maintenance`, {
            ...common, secretName: "fork-knife-db-maintenance", values: pgEnv(MAINTENANCE_ROLE, maintenancePassword),
        }, { parent: this, dependsOn: [maintenanceRole] });
        this.maintenanceCredentialsSecret = maintenanceSecret.metadata.name;

        this.appEnv = [{ name: "DATABASE_URL", secretName: app.metadata.name, key: "DATABASE_URL" }];
        this.migratorEnv = ["DATABASE_URL", "DIRECT_URL"].map((key) => ({ name: key, secretName: migratorSecret.metadata.name, key }));
        this.backupCredentialsSecret = backupSecret.metadata.name;
        this.restoreCredentialsSecret = restoreSecret.metadata.name;
        this.restoreTestCredentialsSecret = restoreTestSecret ? restoreTestSecret.metadata.name : undefined;
        this.registerOutputs({
            maxConnections: args.maxConnections,
            poolSizePerPod: args.poolSizePerPod,
            // Every login role's limit but the app roles' (the pods' pools): the policy release-connection-budget
            // reads both, so a role added here without its budget entry is caught at preview.
            reservedConnections: Object.values(args.reserved).reduce((n, c) => n + c, 0),
            reservedByRole: args.reserved,
            activeAppRole: this.activeAppRole,
            roles: ROLE_NAMES,
            rotation: this.record,
        });
    }
}
