import { podPolicy } from "../lib/pod-policy";

/** PSS restricted "Privilege Escalation". */
export const privilegeEscalation = podPolicy({
    name: "workload-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false (Pod Security Standards restricted: Privilege Escalation).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (ct.container?.securityContext?.allowPrivilegeEscalation !== false) {
            c.report(`${ct.path}.securityContext.allowPrivilegeEscalation must be false`, ct);
        }
    }
});
