import { k8sObjects, refersTo } from "../lib/graph";
import { LABEL } from "../../components/lib/labels";
import { containersOf, podTemplate, PodTemplate } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

const WORKLOADS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

/** The one pod that may hold a token: the live restore Job's, for its scale-down step (components/data/live-restore.ts). */
const TOKEN_COMPONENT = "restore";
/** A token that outlives the scale-down step is one more thing to steal. */
const MAX_TOKEN_SECONDS = 3600;

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Why a pod's projected ServiceAccount tokens are not the live restore's narrow exception, one line each. */
function projectedTokenProblems(kind: string, pod: PodTemplate): string[] {
    const volumes: any[] = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
    const tokenVolumes = volumes.filter((v) => (v?.projected?.sources ?? []).some((s: any) => s?.serviceAccountToken));
    if (tokenVolumes.length === 0) return [];
    const problems: string[] = [];
    const component = pod.metadata?.labels?.[LABEL.component];
    if (kind !== "Job" || component !== TOKEN_COMPONENT) {
        return tokenVolumes.map((v) => `${pod.path}.volumes ("${v.name}") projects a ServiceAccount token: only the live restore Job ` +
            `(a Job labelled ${LABEL.component}=${TOKEN_COMPONENT}) may, for its scale-down step`);
    }
    for (const v of tokenVolumes) {
        for (const source of v.projected.sources.filter((s: any) => s?.serviceAccountToken)) {
            const t = source.serviceAccountToken;
            if (typeof t.expirationSeconds !== "number" || t.expirationSeconds > MAX_TOKEN_SECONDS) {
                problems.push(`${pod.path}.volumes ("${v.name}") serviceAccountToken.expirationSeconds must be set, at most ${MAX_TOKEN_SECONDS}, got ${JSON.stringify(t.expirationSeconds)}`);
            }
            if (t.audience !== undefined) problems.push(`${pod.path}.volumes ("${v.name}") serviceAccountToken.audience must be unset (a token for the Kubernetes API only)`);
        }
        // Only the init containers that call the API mount it: never the container that holds the database's credentials.
        for (const c of containersOf(pod, ["containers", "ephemeralContainers"])) {
            if ((c.container?.volumeMounts ?? []).some((m: any) => m?.name === v.name)) {
                problems.push(`${c.path} mounts the ServiceAccount token volume "${v.name}": only init containers may`);
            }
        }
    }
    return problems;
}

/**
 * The app never calls the Kubernetes API; a mounted token is only something to steal. Kubernetes mounts one
 * unless the pod says false, or the pod says nothing and its ServiceAccount says false: the pod's own value
 * wins either way. A stack policy because the ServiceAccount is another object; an account that is not
 * declared alongside the pod (say, the namespace's default one) is not known to disable anything.
 */
export const serviceAccountToken = stackPolicy({
    name: "workload-service-account-token",
    description: "Pods do not mount a ServiceAccount token: automountServiceAccountToken is false on the pod, or unset there and false on its ServiceAccount declared alongside; a projected token only in the live restore Job's init containers, for at most an hour.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const accounts = k8sObjects(args.resources, "ServiceAccount");
        for (const w of k8sObjects(args.resources, ...WORKLOADS)) {
            const pod = podTemplate(w.resource.type, w.props);
            if (!pod) continue;
            for (const problem of projectedTokenProblems(w.kind, pod)) report(`${w.kind}/${w.name}: ${problem}`, w.resource.urn);
            const own = pod.spec?.automountServiceAccountToken;
            if (own === false) continue;
            const field = `${w.kind}/${w.name}: ${pod.path}.automountServiceAccountToken must be false`;
            if (own !== undefined) {
                report(`${field}, got ${JSON.stringify(own)} (the pod's value overrides its ServiceAccount's)`, w.resource.urn);
                continue;
            }
            // serviceAccount is the deprecated alias Kubernetes still reads; no name means the namespace's "default".
            const accountName = pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? "default";
            // Two declarations of one account (manifests from several files) must both disable it: either may win.
            const declared = accounts.filter((a) => a.namespace === w.namespace && refersTo(a, accountName));
            const account = declared.find((a) => a.props.automountServiceAccountToken !== false) ?? declared[0];
            if (account && account.props.automountServiceAccountToken === false) continue;
            report(account
                ? `${field}, or unset with ServiceAccount/${account.name} setting automountServiceAccountToken: false (it does not)`
                : `${field}, or unset with its ServiceAccount (${accountName}) declared alongside with automountServiceAccountToken: false`, w.resource.urn);
        }
    },
});
