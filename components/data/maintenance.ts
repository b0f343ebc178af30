// The guide's quarterly database maintenance as a CronJob named `maintenance`: rebuild the indexes that bloat has
// emptied (REINDEX CONCURRENTLY: reads and writes go on while each index is rebuilt), then ANALYZE so the planner
// works from current statistics. It runs as its own role (Database: `fork_knife_maintenance`), outside the backup
// and restore-test windows (settings), and is stopped at its deadline.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Environment, ParsedSettings } from "../config/settings-schema";
import { standardLabels } from "../lib/labels";
import { EgressArgs, jobNetworkPolicy } from "../lib/network-policy";
import { PodFiles } from "../lib/pod-files";
import { jobServiceAccount } from "../lib/service-account";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, TMP_MOUNT, TMP_VOLUME } from "../lib/pod-security";
import { MAINTENANCE_STARTING_DEADLINE_SECONDS } from "./maintenance-window";

/** Default fill factor of a B-tree index: a freshly built index's leaf pages are this full. */
export const BTREE_FILLFACTOR = 90;

/**
 * The maintenance run, for psql. Variables: schema, threshold (bloat %), min_bytes, owner_role (the role whose
 * rights REINDEX and ANALYZE need: the tables' owner before PostgreSQL 17, pg_maintain from 17 on). The maintenance
 * role does not inherit it (NOINHERIT): it takes those rights for exactly the REINDEX and ANALYZE statements.
 *
 * Bloat of a B-tree index = how much emptier its leaf pages are than a fresh build's: 100 × (1 − density / fillfactor),
 * measured by pgstattuple's pgstatindex (index pages only, never table data). `\\gexec` runs each generated statement
 * on its own, outside a transaction block, which REINDEX CONCURRENTLY requires.
 */
export const MAINTENANCE_SQL = `\\set ON_ERROR_STOP on
\\set QUIET on
\\pset tuples_only on
\\pset format unaligned
-- Never wait long for a lock behind the application: an index skipped now is rebuilt next quarter.
SET lock_timeout = '10s';
\\echo 'maintenance: measuring index bloat'
CREATE TEMP TABLE maintenance_candidates AS
SELECT n.nspname AS schema_name, c.relname AS index_name, pg_relation_size(c.oid) AS bytes,
       round((100 * (1 - s.avg_leaf_density / ${BTREE_FILLFACTOR}))::numeric, 1) AS bloat_percent
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = c.relam
CROSS JOIN LATERAL pgstatindex(c.oid::regclass) s
WHERE am.amname = 'btree' AND n.nspname = :'schema' AND c.relpersistence = 'p' AND i.indisvalid AND i.indisready
  AND pg_relation_size(c.oid) >= :min_bytes AND s.leaf_pages > 0;
SELECT format('maintenance: %s.%s %s bytes, bloat %s %%%s', schema_name, index_name, bytes, bloat_percent,
              CASE WHEN bloat_percent >= :threshold THEN ' -> REINDEX CONCURRENTLY' ELSE '' END)
FROM maintenance_candidates ORDER BY bloat_percent DESC, index_name;
SELECT format('SET ROLE %I', :'owner_role'), format('REINDEX INDEX CONCURRENTLY %I.%I', schema_name, index_name), 'RESET ROLE'
FROM maintenance_candidates WHERE bloat_percent >= :threshold ORDER BY bloat_percent DESC, index_name \\gexec
\\echo 'maintenance: ANALYZE'
SELECT format('SET ROLE %I', :'owner_role'), format('ANALYZE %I.%I', n.nspname, c.relname), 'RESET ROLE'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :'schema' AND c.relkind IN ('r', 'p', 'm') ORDER BY c.relname \\gexec
SELECT format('maintenance: done, %s index(es) rebuilt', count(*)) FROM maintenance_candidates WHERE bloat_percent >= :threshold;
`;

export interface MaintenanceArgs {
    /** Namespace every resource goes in. */
    namespace: pulumi.Input<string>;
    /** staging or production. */
    environment: Environment;
    /** The validated `fork-knife:maintenance` settings. */
    maintenance: ParsedSettings["maintenance"];
    /** IANA time zone of the schedule: the backups', so both windows are read in one zone. */
    timeZone: string;
    /** PostgreSQL client image of the server's major version (backup.postgresImage). */
    postgresImage: string;
    /** Where the Job may connect: the cluster DNS and the database. */
    egress: Pick<EgressArgs, "dns" | "database">;
    /** The database CA bundle (verify-ca / verify-full): PGSSLROOTCERT in the credentials Secret points at it. */
    databaseCa?: PodFiles;
    /** Secret with PG* variables of the maintenance role (Database.maintenanceCredentialsSecret). */
    credentialsSecret: pulumi.Input<string>;
    /** The role REINDEX and ANALYZE run as (SET ROLE): the tables' owner, or pg_maintain on PostgreSQL 17+ (Database.maintenanceOwnerRole). */
    ownerRole: string;
    /** The schema whose indexes are checked. */
    schema: string;
}

export class Maintenance extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: MaintenanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fork-knife:data:Maintenance", name, {}, opts);
        const m = args.maintenance;
        const labels = standardLabels("maintenance", args.environment);
        const sql = new k8s.core.v1.ConfigMap(`${name}-sql`, {
            metadata: { name: "maintenance-sql", namespace: args.namespace, labels },
            data: { "maintenance.sql": MAINTENANCE_SQL },
        }, { parent: this });

        const psqlVars = {
            schema: args.schema, threshold: String(m.bloatThresholdPercent), min_bytes: String(m.minIndexSizeMb * 1024 * 1024),
            owner_role: args.ownerRole,
        };
        const account = jobServiceAccount(`${name}-account`, { namespace: args.namespace, environment: args.environment, component: "maintenance" }, { parent: this });
        this.cronJob = new k8s.batch.v1.CronJob(name, {
            metadata: { name: "maintenance", namespace: args.namespace, labels },
            spec: {
                schedule: m.schedule, timeZone: args.timeZone,
                suspend: !m.enabled,
                concurrencyPolicy: "Forbid",
                startingDeadlineSeconds: MAINTENANCE_STARTING_DEADLINE_SECONDS,
                successfulJobsHistoryLimit: 2,
                failedJobsHistoryLimit: 2,
                jobTemplate: {
                    metadata: { labels },
                    spec: {
                        // A failed REINDEX CONCURRENTLY leaves an invalid index behind; a blind retry would add another.
                        backoffLimit: 0,
                        activeDeadlineSeconds: m.deadlineMinutes * 60,
                        template: {
                            metadata: { labels },
                            spec: {
                                restartPolicy: "Never",
                                serviceAccountName: account.metadata.name,
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(),
                                containers: [{
                                    name: "maintenance", image: args.postgresImage,
                                    command: ["psql", "-X", "--no-psqlrc", ...Object.entries(psqlVars).flatMap(([k, v]) => ["-v", `${k}=${v}`]),
                                        "-f", "/sql/maintenance.sql"],
                                    envFrom: [{ secretRef: { name: args.credentialsSecret } }],
                                    env: [{ name: "HOME", value: "/tmp" }, { name: "PGAPPNAME", value: "fork-knife-maintenance" }],
                                    securityContext: restrictedContainerSecurityContext(),
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                                    volumeMounts: [TMP_MOUNT, { name: "sql", mountPath: "/sql", readOnly: true },
                                        ...(args.databaseCa ? [args.databaseCa.mount] : [])],
                                }],
                                volumes: [TMP_VOLUME, { name: "sql", configMap: { name: sql.metadata.name } },
                                    ...(args.databaseCa ? [args.databaseCa.volume] : [])],
                            },
                        },
                    },
                },
            },
        }, { parent: this });

        jobNetworkPolicy(`${name}-network`, {
            namespace: args.namespace, environment: args.environment, components: ["maintenance"],
            egress: { dns: args.egress.dns, database: args.egress.database },
        }, { parent: this });

        this.registerOutputs({ cronJob: this.cronJob.metadata.name, schedule: m.schedule, timeZone: args.timeZone });
    }
}

/** The PostgreSQL major version of a client image tag (`postgres:15-bookworm` → 15), or undefined. */
export function postgresMajorVersion(image: string): number | undefined {
    const m = /:(\d+)(?:[.-]|$|@)/.exec(image);
    return m ? Number(m[1]) : undefined;
}
