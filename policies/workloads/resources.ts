import { podPolicy } from "../lib/pod-policy";

/** The guide: the scheduler needs requests, the HPA's targets are percentages of them, a leak must hit a limit. */
export const resources = podPolicy({
    name: "workload-resources",
    description: "Every container, init containers included, requests CPU and memory and has a memory limit.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        if (ct.list === "ephemeralContainers") continue;
        const r = ct.container?.resources ?? {};
        if (r.requests?.cpu === undefined) c.report(`${ct.path}.resources.requests.cpu must be set`, ct);
        if (r.requests?.memory === undefined) c.report(`${ct.path}.resources.requests.memory must be set`, ct);
        if (r.limits?.memory === undefined) c.report(`${ct.path}.resources.limits.memory must be set`, ct);
    }
});
