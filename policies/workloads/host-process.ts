import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "HostProcess": Windows pods must not run as host processes. */
export const hostProcess = podPolicy({
    name: "workload-host-process",
    description: "Pods never run Windows host processes (Pod Security Standards baseline: HostProcess).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    if (c.pod.spec.securityContext?.windowsOptions?.hostProcess === true) {
        c.report(`${c.pod.path}.securityContext.windowsOptions.hostProcess must not be true`);
    }
    for (const ct of c.containers) {
        if (ct.container?.securityContext?.windowsOptions?.hostProcess === true) {
            c.report(`${ct.path}.securityContext.windowsOptions.hostProcess must not be true`, ct);
        }
    }
});
