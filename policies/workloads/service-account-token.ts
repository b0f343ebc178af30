import { podPolicy } from "../lib/pod-policy";

/** The app never calls the Kubernetes API; a mounted token is only something to steal. */
export const serviceAccountToken = podPolicy({
    name: "workload-service-account-token",
    description: "Pods do not mount a ServiceAccount token (automountServiceAccountToken: false).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    if (c.pod.spec.automountServiceAccountToken !== false) c.report(`${c.pod.path}.automountServiceAccountToken must be false`);
});
