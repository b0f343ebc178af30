import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "Privileged Containers". */
export const privileged = podPolicy({
    name: "workload-privileged",
    description: "No container, init container included, runs privileged (Pod Security Standards baseline: Privileged Containers).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (ct.container?.securityContext?.privileged === true) c.report(`${ct.path}.securityContext.privileged must not be true`, ct);
    }
});
