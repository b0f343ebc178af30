import { k8sObjects, refersTo } from "../lib/graph";
import { podTemplate } from "../lib/k8s";
import { stackPolicy } from "../lib/policy";

const WORKLOADS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"];

/**
 * The app never calls the Kubernetes API; a mounted token is only something to steal. Kubernetes mounts one
 * unless the pod says false, or the pod says nothing and its ServiceAccount says false: the pod's own value
 * wins either way. A stack policy because the ServiceAccount is another object; an account that is not
 * declared alongside the pod (say, the namespace's default one) is not known to disable anything.
 */
export const serviceAccountToken = stackPolicy({
    name: "workload-service-account-token",
    description: "Pods do not mount a ServiceAccount token: automountServiceAccountToken is false on the pod, or unset there and false on its ServiceAccount declared alongside.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
    kind: "relational",
    validateStack: (args, report) => {
        const accounts = k8sObjects(args.resources, "ServiceAccount");
        for (const w of k8sObjects(args.resources, ...WORKLOADS)) {
            const pod = podTemplate(w.resource.type, w.props);
            if (!pod) continue;
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
