import { effective, podPolicy } from "../lib/pod-policy";

const ALLOWED = ["RuntimeDefault", "Localhost"];

/** PSS restricted "Seccomp" (which includes baseline's "never Unconfined"). */
export const seccomp = podPolicy({
    name: "workload-seccomp",
    description: "Every container runs under the RuntimeDefault or a Localhost seccomp profile, set on the pod or the container (Pod Security Standards restricted: Seccomp).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const type = effective(c.pod, ct, "seccompProfile")?.type;
        if (!ALLOWED.includes(type)) {
            c.report(`${ct.path}.securityContext.seccompProfile.type (or ${c.pod.path}.securityContext.seccompProfile.type) must be RuntimeDefault or Localhost, got ${type ?? "unset"}`, ct);
        }
    }
});
