import { migrationInCommand } from "../../components/config/app-command";
import { LABEL } from "../../components/lib/labels";
import { kindOf } from "../lib/k8s";
import { podPolicy } from "../lib/pod-policy";

/** Pods that run for as long as the app does: every replica would run the migration at every start. */
const LONG_RUNNING = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"];
const APP_COMPONENTS = ["backend", "worker"];

/**
 * The guide: migrations run once per release, in the migration Job, before the rollout. `migrate && start` in the
 * app's command races every replica on the schema, and a failed migration takes the serving pods down with it.
 * Jobs and CronJobs are exempt (the migration Job is one) unless they are labelled as the backend or the worker.
 */
export const noMigrationInAppCommand = podPolicy({
    name: "workload-no-migration-in-app-command",
    description: "No backend, worker or other long-running container (init containers and postStart hooks included) runs a database migration in its command or args (prisma migrate, prisma:migrate scripts, migrate deploy, db push); only the migration Job does.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    const component = c.props?.metadata?.labels?.[LABEL.component] ?? c.pod.metadata?.labels?.[LABEL.component];
    if (!LONG_RUNNING.includes(kindOf(c.type) ?? "") && !APP_COMPONENTS.includes(component)) return;
    for (const ct of c.containers) {
        const command: unknown[] = Array.isArray(ct.container?.command) ? ct.container.command : [];
        const args: unknown[] = Array.isArray(ct.container?.args) ? ct.container.args : [];
        // Judged together too: `command: [npx, prisma]` with `args: [migrate, deploy]` runs a migration as well.
        const found = migrationInCommand([...command, ...args]);
        if (found) {
            const field = migrationInCommand(command) ? "command" : migrationInCommand(args) ? "args" : "command and args";
            c.report(`${ct.path}.${field} runs a database migration ("${found}"); migrations run in the migration Job only, once per release`, ct);
        }
        const hook: unknown[] = ct.container?.lifecycle?.postStart?.exec?.command ?? [];
        const inHook = Array.isArray(hook) ? migrationInCommand(hook) : undefined;
        if (inHook) {
            c.report(`${ct.path}.lifecycle.postStart.exec.command runs a database migration ("${inHook}"); migrations run in the migration Job only, once per release`, ct);
        }
    }
});
