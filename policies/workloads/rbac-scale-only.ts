import { LABEL } from "../../components/lib/labels";
import { K8sObject, k8sObjects, refersTo } from "../lib/graph";
import { podTemplate } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
const WORKLOADS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];
/** The only pods that may call the API: the live restore Job's (its scale-down step). */
const GRANTEE_COMPONENT = "restore";
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const subset = (values: string[], allowed: string[]) => values.length > 0 && values.every((v) => allowed.includes(v));

/**
 * What a rule may grant, and nothing more: read and scale the named Deployments (kubectl scale reads the object,
 * then patches its scale subresource; rollout status watches it by name), and read pods (kubectl wait --for=delete
 * lists and watches them by label).
 */
function ruleProblem(rule: any, deployments: string[]): string | undefined {
    const groups = list(rule?.apiGroups);
    const resources = list(rule?.resources);
    const verbs = list(rule?.verbs);
    const names = list(rule?.resourceNames);
    if (rule?.nonResourceURLs !== undefined) return "grants nonResourceURLs";
    if ([...groups, ...resources, ...verbs, ...names].includes("*")) return "uses a wildcard (*)";
    if (groups.length !== 1 || resources.length !== 1) return "must name one API group and one resource";
    const named = () => (names.length > 0 && names.every((n) => deployments.includes(n)) ? undefined
        : `must name its Deployments in resourceNames, each declared alongside (got ${JSON.stringify(names)})`);
    const [group, resource] = [groups[0], resources[0]];
    if (group === "apps" && resource === "deployments/scale") return subset(verbs, ["get", "patch", "update"]) ? named() : "may only get, patch and update deployments/scale";
    if (group === "apps" && resource === "deployments") return subset(verbs, ["get", "list", "watch"]) ? named() : "may only get, list and watch deployments";
    if (group === "" && resource === "pods") return subset(verbs, ["get", "list", "watch"]) && names.length === 0 ? undefined : "may only get, list and watch pods";
    return `grants ${group || "core"}/${resource}: only apps/deployments, apps/deployments/scale and core/pods are allowed`;
}

/** Pods that run as `account` in its namespace: their kind and component label. */
function podsOf(account: { namespace: string; name: string }, workloads: K8sObject[]): { w: K8sObject; component?: string }[] {
    return workloads.flatMap((w) => {
        const pod = podTemplate(w.resource.type, w.props);
        if (!pod || w.namespace !== account.namespace) return [];
        const name = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? "default";
        return name === account.name ? [{ w, component: pod.metadata?.labels?.[LABEL.component] }] : [];
    });
}

/**
 * The app and the Jobs never call the Kubernetes API. The one exception is the live restore, which scales the
 * backend and the worker to zero before it replaces the database: its Role may scale exactly the named
 * Deployments and watch pods, bound to the restore Job's account alone. Nothing is granted cluster-wide.
 */
export const rbacScaleOnly = stackPolicy({
    name: "workload-rbac-scale-only",
    description: "No ClusterRole or ClusterRoleBinding; a Role only gets/patches/updates the scale of named Deployments declared alongside (and reads them) and reads pods, bound to ServiceAccounts that only the live restore Job's pods use.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        for (const c of k8sObjects(args.resources, "ClusterRole", "ClusterRoleBinding")) {
            report(`${c.kind}/${c.name}: the program grants nothing cluster-wide; use a Role in the namespace`, c.resource.urn);
        }
        const roles = k8sObjects(args.resources, "Role");
        const deployments = k8sObjects(args.resources, "Deployment");
        for (const role of roles) {
            const inNs = deployments.filter((d) => d.namespace === role.namespace).map((d) => d.name);
            const rules: any[] = Array.isArray(role.props.rules) ? role.props.rules : [];
            rules.forEach((rule, i) => {
                const why = ruleProblem(rule, inNs);
                if (why) report(`Role/${role.name}: rules[${i}] ${why}`, role.resource.urn);
            });
        }
        const workloads = k8sObjects(args.resources, ...WORKLOADS);
        for (const b of k8sObjects(args.resources, "RoleBinding")) {
            const where = `RoleBinding/${b.name}`;
            const ref = b.props.roleRef ?? {};
            if (ref.kind !== "Role" || !roles.some((r) => r.namespace === b.namespace && refersTo(r, ref.name))) {
                report(`${where}: roleRef must name a Role declared alongside in ${b.namespace}, got ${ref.kind ?? "?"}/${ref.name ?? "?"}`, b.resource.urn);
            }
            const subjects: any[] = Array.isArray(b.props.subjects) ? b.props.subjects : [];
            if (subjects.length === 0) report(`${where}: binds no subject`, b.resource.urn);
            subjects.forEach((s, i) => {
                if (s?.kind !== "ServiceAccount" || (s.namespace !== undefined && s.namespace !== b.namespace)) {
                    report(`${where}: subjects[${i}] must be a ServiceAccount of ${b.namespace}, got ${s?.kind ?? "?"}/${s?.name ?? "?"}`, b.resource.urn);
                    return;
                }
                const pods = podsOf({ namespace: b.namespace, name: s.name }, workloads);
                const others = pods.filter((p) => p.w.kind !== "Job" || p.component !== GRANTEE_COMPONENT);
                if (pods.length === 0) {
                    report(`${where}: subjects[${i}] ServiceAccount/${s.name} runs no live restore Job declared alongside`, b.resource.urn);
                } else if (others.length > 0) {
                    report(`${where}: subjects[${i}] ServiceAccount/${s.name} is also the account of ${others.map((p) => `${p.w.kind}/${p.w.name}`).join(", ")}: ` +
                        `only the live restore Job (a Job labelled ${LABEL.component}=${GRANTEE_COMPONENT}) may hold API rights`, b.resource.urn);
                }
            });
        }
    },
});
