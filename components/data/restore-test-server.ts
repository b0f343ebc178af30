// The restore test on a PostgreSQL server of its own (backup.restoreTestServer): the quarterly scratch restore
// then never loads production's server, and the restore-test pod, whose NetworkPolicy names this server only,
// cannot reach production's database at all. The server's login (allowed to CREATE DATABASE) comes from secure
// config with a rotation record, like any other credential.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { credentialSecret, RotationRecord, rotationRecord } from "../app/rotation";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { standardLabels } from "../lib/labels";
import { Destination } from "../lib/network-policy";
import { configMapFiles, POD_FILES_ROOT, PodFiles } from "../lib/pod-files";

/** The CA bundle of the restore-test server, as the restore-test pod sees it. */
export const RESTORE_TEST_SERVER_CA = { volumeName: "restore-test-server-ca", dir: `${POD_FILES_ROOT}/restore-test-server-ca`, file: "ca.crt" } as const;

/** Fixed Secret name: the restore-test CronJob reads its PG* variables from it. */
export const RESTORE_TEST_SERVER_SECRET = "fork-knife-restore-test-server";

/** What the restore-test CronJob needs of the server: its credentials, its CA, and where it lives. */
export interface RestoreTestTarget {
    /** Secret with PG* variables of the server's login. */
    credentialsSecret: pulumi.Input<string>;
    /** The server's CA bundle (verify-ca / verify-full), mounted in place of the database's. */
    caFiles?: PodFiles;
    /** The server's port and CIDR block: the restore-test pod's only PostgreSQL destination. */
    destination: Destination;
}

export interface RestoreTestServerArgs {
    /** Namespace of the Secret and the CA ConfigMap. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** The validated backup.restoreTestServer settings. */
    server: NonNullable<ParsedSettings["backup"]["restoreTestServer"]>;
    /** restoreTestServerPassword (secure config). */
    password: pulumi.Input<string>;
    /** rotation.restoreTestServer.rotatedAt: when the password was last changed. */
    rotatedAt: string;
}

export class RestoreTestServer extends pulumi.ComponentResource {
    /** Rotation record of the server's password (a database password: 180 days). */
    public readonly record: RotationRecord;
    public readonly credentialsSecret: k8s.core.v1.Secret;
    public readonly target: RestoreTestTarget;

    constructor(name: string, args: RestoreTestServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:data:RestoreTestServer", name, {}, opts);
        const s = args.server;
        const verify = s.sslMode !== "require";
        if (args.password === undefined) throw new Error("fork-knife:restoreTestServerPassword is required with backup.restoreTestServer");
        if (verify && !s.caBundle) throw new Error(`fork-knife:backup.restoreTestServer.caBundle is required with sslMode ${s.sslMode}`);
        let caFiles: PodFiles | undefined;
        if (verify) {
            const ca = new k8s.core.v1.ConfigMap(`${name}-ca`, {
                metadata: { name: "fork-knife-restore-test-server-ca", namespace: args.namespace, labels: standardLabels("restore-test", args.environment) },
                data: { [RESTORE_TEST_SERVER_CA.file]: s.caBundle! },
            }, { parent: this });
            caFiles = configMapFiles(RESTORE_TEST_SERVER_CA.volumeName, ca.metadata.name, RESTORE_TEST_SERVER_CA.dir);
        }
        this.record = rotationRecord("database-password", args.rotatedAt);
        // libpq's names, as restore-test.sh reads them; PGDATABASE is the maintenance database it creates the
        // scratch database from (restore-test.sh RESTORE_MAINTENANCE_DB).
        this.credentialsSecret = credentialSecret(`${name}-credentials`, {
            namespace: args.namespace, environment: args.environment, secretName: RESTORE_TEST_SERVER_SECRET, record: this.record,
            values: {
                PGHOST: s.host, PGPORT: String(s.port), PGDATABASE: "postgres", PGUSER: s.user, PGPASSWORD: args.password, PGSSLMODE: s.sslMode,
                ...(verify ? { PGSSLROOTCERT: `${RESTORE_TEST_SERVER_CA.dir}/${RESTORE_TEST_SERVER_CA.file}` } : {}),
            },
        }, { parent: this });
        this.target = {
            credentialsSecret: this.credentialsSecret.metadata.name,
            caFiles,
            destination: { port: s.port, cidrs: s.cidr ? [s.cidr] : undefined },
        };
        this.registerOutputs({ credentialsSecret: this.credentialsSecret.metadata.name, rotation: this.record });
    }
}
