import { componentOf, k8sObjects } from "../lib/graph";
import { databases } from "../lib/backups";
import { stackPolicy } from "../lib/policy";

/** The guide: keep a fifth of max_connections free for admins, monitoring and surprises. */
export const BUDGET_SHARE = 0.8;

/** Every pod at the HPA ceiling holds a full pool; migrations and backups need their own connections on top. */
export const connectionBudget = stackPolicy({
    name: "release-connection-budget",
    description: "(backend + worker HPA maxReplicas) × poolSizePerPod + reservedConnections stays within 80 % of the database's maxConnections.",
    checklist: "release",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const hpas = k8sObjects(args.resources, "HorizontalPodAutoscaler").filter((h) => ["backend", "worker"].includes(componentOf(h) ?? ""));
        const pods = hpas.reduce((n, h) => n + (Number(h.props.spec?.maxReplicas) || 0), 0);
        for (const db of databases(args.resources)) {
            const { maxConnections, poolSizePerPod, reservedConnections } = db.props as Record<string, number>;
            if (typeof maxConnections !== "number" || typeof poolSizePerPod !== "number") {
                report(`${db.type} ${db.name}: outputs maxConnections and poolSizePerPod must be registered for the budget check`, db.urn);
                continue;
            }
            const used = pods * poolSizePerPod + (reservedConnections ?? 0);
            const budget = Math.floor(maxConnections * BUDGET_SHARE);
            if (used > budget) {
                report(`${db.type} ${db.name}: ${pods} pods at HPA maxReplicas × ${poolSizePerPod} pool + ${reservedConnections ?? 0} reserved = ${used} connections, above 80 % of maxConnections ${maxConnections} (${budget})`, db.urn);
            }
        }
    },
});
