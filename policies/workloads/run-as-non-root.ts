import { effective, podPolicy } from "../lib/pod-policy";

/** PSS restricted "Running as Non-root". */
export const runAsNonRoot = podPolicy({
    name: "workload-run-as-non-root",
    description: "Every container must run with runAsNonRoot: true, set on the pod or the container (Pod Security Standards restricted: Running as Non-root).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (effective(c.pod, ct, "runAsNonRoot") !== true) {
            c.report(`${ct.path}.securityContext.runAsNonRoot (or ${c.pod.path}.securityContext.runAsNonRoot) must be true`, ct);
        }
    }
});
