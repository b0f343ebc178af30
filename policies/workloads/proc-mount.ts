import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "/proc Mount Type". */
export const procMount = podPolicy({
    name: "workload-proc-mount",
    description: "Containers keep the default masked /proc mount (Pod Security Standards baseline: /proc Mount Type).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const m = ct.container?.securityContext?.procMount;
        if (m !== undefined && m !== "Default") c.report(`${ct.path}.securityContext.procMount must be Default, got ${m}`, ct);
    }
});
