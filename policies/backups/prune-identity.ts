/* eslint-disable @typescript-eslint/no-explicit-any */
import { componentOf, k8sObjects } from "../lib/graph";
import { containersOf, podTemplate, PodTemplate } from "../lib/k8s";
import { packSettings, stackPolicy } from "../lib/policy";

/** Components whose pods run backup.sh with the backup key (BackupSchedule). */
const BACKUP_COMPONENTS = ["backup", "pre-migration-backup"];
const PRUNE_COMPONENT = "backup-prune";
const WORKLOADS = ["CronJob", "Job", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"];

/** Every Secret a pod names: envFrom, secretKeyRef variables, secret and projected volumes. */
function secretsOf(pod: PodTemplate): string[] {
    const names: string[] = [];
    for (const c of containersOf(pod)) {
        for (const f of c.container.envFrom ?? []) if (f.secretRef?.name) names.push(f.secretRef.name);
        for (const e of c.container.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.push(e.valueFrom.secretKeyRef.name);
    }
    for (const v of pod.spec.volumes ?? []) {
        if (v.secret?.secretName) names.push(v.secret.secretName);
        for (const s of v.projected?.sources ?? []) if (s.secret?.name) names.push(s.secret.name);
    }
    return names;
}

/** A stolen backup-pod key must not be able to erase the history (issue: off-cluster, append-only backups). */
export const pruneIdentity = stackPolicy({
    name: "backup-prune-identity",
    description: "The backup pods' key never deletes backups in production (RETENTION_MODE lifecycle or prune-identity, never script), and no pod but backup-prune references the backup-prune pods' Secrets (the prune key).",
    checklist: "backups",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const { environment } = packSettings(args);
        const workloads = k8sObjects(args.resources, ...WORKLOADS).flatMap((o) => {
            const pod = podTemplate(o.resource.type, o.props);
            return pod ? [{ o, pod, component: componentOf(o) ?? "" }] : [];
        });
        for (const { o, pod, component } of workloads.filter((w) => BACKUP_COMPONENTS.includes(w.component))) {
            for (const c of containersOf(pod, ["containers"])) {
                // backup.sh's default is script: a container that runs it without RETENTION_MODE prunes with its key.
                const runsBackupSh = JSON.stringify([c.container.command ?? [], c.container.args ?? []]).includes("backup.sh");
                const mode = (c.container.env ?? []).find((e: { name?: string }) => e.name === "RETENTION_MODE")?.value ?? (runsBackupSh ? "script" : undefined);
                if (environment === "production" && mode === "script") {
                    report(`${o.kind}/${o.name}: container ${c.container.name} has RETENTION_MODE=${mode}: in production the backup pods' key must not ` +
                        `delete backups; set backup.retentionMode to lifecycle or prune-identity (component ${component})`, o.resource.urn);
                }
            }
        }
        const prunes = workloads.filter((w) => w.component === PRUNE_COMPONENT);
        const pruneSecrets = new Set(prunes.flatMap((p) => secretsOf(p.pod)));
        for (const { o, pod, component } of workloads.filter((w) => w.component !== PRUNE_COMPONENT)) {
            for (const secret of new Set(secretsOf(pod).filter((s) => pruneSecrets.has(s)))) {
                report(`${o.kind}/${o.name}: references Secret ${secret}, the backup-prune key: only the backup-prune pods may hold it ` +
                    `(component ${component || "unlabelled"})`, o.resource.urn);
            }
        }
    },
});
