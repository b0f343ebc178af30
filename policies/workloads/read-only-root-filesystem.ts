import { podPolicy } from "../lib/pod-policy";

/** The guide: containers write only to mounted volumes (/tmp), never to their image. */
export const readOnlyRootFilesystem = podPolicy({
    name: "workload-read-only-root-filesystem",
    description: "Every container, init containers included, sets readOnlyRootFilesystem: true.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (ct.list === "ephemeralContainers") continue;
        if (ct.container?.securityContext?.readOnlyRootFilesystem !== true) {
            c.report(`${ct.path}.securityContext.readOnlyRootFilesystem must be true`, ct);
        }
    }
});
