import { podPolicy } from "../lib/pod-policy";

const PROBES = ["startupProbe", "readinessProbe", "livenessProbe"];

/** A probe on a port the container does not have fails forever, and the pod never becomes Ready. */
export const probePorts = podPolicy({
    name: "workload-probe-ports",
    description: "Every httpGet, tcpSocket or grpc probe targets a port the container declares (by name, or by number when it lists ports), and never one declared only as protocol UDP.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const ports: { name?: string; containerPort?: number; protocol?: string }[] = ct.container?.ports ?? [];
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
                // These probes speak TCP (HTTP and gRPC over it): against a UDP-only port they fail forever. A number
                // declared for both TCP and UDP (DNS's 53) is fine; protocol defaults to TCP when unset.
                const targeted = ports.filter((x) => (numeric ? x.containerPort === Number(port) : x.name === port));
                if (targeted.length > 0 && targeted.every((x) => String(x.protocol ?? "TCP").toUpperCase() === "UDP")) {
                    c.report(`${field} targets port ${numeric ? port : `"${port}"`}, declared protocol: UDP; ${handler} probes connect over TCP, so it can never succeed`, ct);
                }
            }
        }
    }
});
