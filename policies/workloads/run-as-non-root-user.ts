import { effective, podPolicy } from "../lib/pod-policy";

/** PSS restricted "Running as Non-root user". */
export const runAsNonRootUser = podPolicy({
    name: "workload-run-as-non-root-user",
    description: "No pod or container sets runAsUser: 0 (Pod Security Standards restricted: Running as Non-root user).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (effective(c.pod, ct, "runAsUser") === 0) c.report(`${ct.path}.securityContext.runAsUser must not be 0 (root)`, ct);
    }
});
