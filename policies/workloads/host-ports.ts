import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "Host Ports". */
export const hostPorts = podPolicy({
    name: "workload-host-ports",
    description: "No container binds a host port (Pod Security Standards baseline: Host Ports).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        (ct.container?.ports ?? []).forEach((p: { hostPort?: number }, i: number) => {
            if (p?.hostPort) c.report(`${ct.path}.ports[${i}].hostPort must be unset or 0, got ${p.hostPort}`, ct);
        });
    }
});
