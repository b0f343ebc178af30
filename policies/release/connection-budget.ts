import { componentOf, hpasTargeting, k8sObjects, K8sObject } from "../lib/graph";
import { databases } from "../lib/backups";
import { stackPolicy } from "../lib/policy";

/** The guide: keep a fifth of max_connections free for admins, monitoring and surprises. */
export const BUDGET_SHARE = 0.8;
const POOLED = ["backend", "worker"];
/**
 * Every role outside the pods' pools that logs in (the Database's `reservedByRole` output, each its role's connection
 * limit): migrations, backups, the guarded restore, the restore test and the quarterly maintenance. A role missing
 * from the rendered output is a violation, not a zero: that is how a login role escaped the budget before.
 */
export const RESERVED_ROLES = ["migration", "backup", "restore", "restoreTest", "maintenance"] as const;

interface Ceiling { pods: number; label: string }

function count(v: unknown): number | undefined {
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/**
 * The most pods each backend and worker workload can run: its HPA's maxReplicas (the highest, if several scale it),
 * else spec.replicas (unset: 1); HPAs of those components whose target is declared elsewhere count on their own.
 * What cannot be read (a maxReplicas or replicas that is no count) is returned as a problem, attached to the object.
 */
export function podCeilings(objects: K8sObject[]): { ceilings: Ceiling[]; problems: { obj: K8sObject; message: string }[] } {
    const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler" && POOLED.includes(componentOf(o) ?? ""));
    const allHpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler");
    const ceilings: Ceiling[] = [];
    const problems: { obj: K8sObject; message: string }[] = [];
    const used = new Set<K8sObject>();
    for (const w of objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind) && POOLED.includes(componentOf(o) ?? ""))) {
        const scaling = hpasTargeting(w, allHpas);
        scaling.forEach((h) => used.add(h));
        if (scaling.length > 0) {
            const values = scaling.map((h) => ({ h, max: count(h.props.spec?.maxReplicas) }));
            const unknown = values.find((v) => v.max === undefined);
            if (unknown) {
                problems.push({ obj: w, message: `${w.kind}/${w.name}: the connection budget cannot count its pods: HorizontalPodAutoscaler/${unknown.h.name} spec.maxReplicas must be a whole number, got ${JSON.stringify(unknown.h.props.spec?.maxReplicas) ?? "unset"}` });
                continue;
            }
            const top = values.reduce((a, b) => (b.max! > a.max! ? b : a));
            ceilings.push({ pods: top.max!, label: `${w.kind}/${w.name} ${top.max} (HorizontalPodAutoscaler/${top.h.name} maxReplicas)` });
            continue;
        }
        const replicas = w.props.spec?.replicas === undefined ? 1 : count(w.props.spec.replicas);
        if (replicas === undefined) {
            problems.push({ obj: w, message: `${w.kind}/${w.name}: the connection budget cannot count its pods: spec.replicas must be a whole number, got ${JSON.stringify(w.props.spec.replicas)}` });
            continue;
        }
        ceilings.push({ pods: replicas, label: `${w.kind}/${w.name} ${replicas} (spec.replicas${w.props.spec?.replicas === undefined ? " unset" : ""})` });
    }
    for (const h of hpas.filter((h) => !used.has(h))) {
        const max = count(h.props.spec?.maxReplicas);
        if (max === undefined) problems.push({ obj: h, message: `HorizontalPodAutoscaler/${h.name}: the connection budget cannot count its pods: spec.maxReplicas must be a whole number, got ${JSON.stringify(h.props.spec?.maxReplicas) ?? "unset"}` });
        else ceilings.push({ pods: max, label: `HorizontalPodAutoscaler/${h.name} ${max} (maxReplicas, target declared elsewhere)` });
    }
    return { ceilings, problems };
}

/** Every pod at its ceiling holds a full pool; every other login role needs its own connections on top. */
export const connectionBudget = stackPolicy({
    name: "release-connection-budget",
    description: "Backend and worker pods at their ceiling (HPA maxReplicas, else spec.replicas) × poolSizePerPod + the connection limits of the migration, backup, restore, restore-test and maintenance roles stay within 80 % of the database's maxConnections.",
    checklist: "release",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const dbs = databases(args.resources);
        if (dbs.length === 0) return;
        const { ceilings, problems } = podCeilings(k8sObjects(args.resources, "Deployment", "StatefulSet", "HorizontalPodAutoscaler"));
        for (const p of problems) report(p.message, p.obj.resource.urn);
        const pods = ceilings.reduce((n, c) => n + c.pods, 0);
        for (const db of dbs) {
            const { maxConnections, poolSizePerPod } = db.props as Record<string, number>;
            if (typeof maxConnections !== "number" || typeof poolSizePerPod !== "number") {
                report(`${db.type} ${db.name}: outputs maxConnections and poolSizePerPod must be registered for the budget check`, db.urn);
                continue;
            }
            const byRole = db.props.reservedByRole as Record<string, unknown> | undefined;
            const unreadable = RESERVED_ROLES.filter((r) => count(byRole?.[r]) === undefined);
            if (unreadable.length > 0) {
                report(`${db.type} ${db.name}: output reservedByRole must give every login role's connection limit as a whole number; ` +
                    `missing or not a count: ${unreadable.map((r) => `reservedByRole.${r}`).join(", ")}`, db.urn);
                continue;
            }
            const reserved = RESERVED_ROLES.map((r) => ({ role: r, n: count(byRole![r])! }));
            const reservedSum = reserved.reduce((n, r) => n + r.n, 0);
            const used = pods * poolSizePerPod + reservedSum;
            const budget = Math.floor(maxConnections * BUDGET_SHARE);
            if (used > budget) {
                report(`${db.type} ${db.name}: ${pods} pods (${ceilings.map((c) => c.label).join(", ")}) × ${poolSizePerPod} pool + ` +
                    `${reservedSum} reserved (${reserved.map((r) => `${r.role} ${r.n}`).join(", ")}) = ${used} connections, ` +
                    `above 80 % of maxConnections ${maxConnections} (${budget})`, db.urn);
            }
        }
    },
});
