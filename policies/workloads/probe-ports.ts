import { podPolicy } from "../lib/pod-policy";

const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"];

/** A probe on a port the container does not have fails forever, and the pod never becomes Ready. */
export const probePorts = podPolicy({
    name: "workload-probe-ports",
    description: "Every httpGet, tcpSocket or grpc probe targets a port the container declares (by name, or by number when it lists ports).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const ports: { name?: string; containerPort?: number }[] = ct.container?.ports ?? [];
        for (const probe of PROBES) {
            const p = ct.container?.[probe];
            for (const handler of ["httpGet", "tcpSocket", "grpc"]) {
                const port = p?.[handler]?.port;
                if (port === undefined) continue;
                const field = `${ct.path}.${probe}.${handler}.port`;
                const numeric = typeof port === "number" || /^\d+$/.test(String(port));
                if (!numeric && !ports.some((x) => x.name === port)) c.report(`${field} names port "${port}", which the container does not declare`, ct);
                if (numeric && ports.length > 0 && !ports.some((x) => x.containerPort === Number(port))) {
                    c.report(`${field} is ${port}, which is not among the container's ports (${ports.map((x) => x.containerPort).join(", ")})`, ct);
                }
            }
        }
    }
});
