import { podPolicy } from "../lib/pod-policy";

/** PSS baseline "Host Namespaces". */
export const hostNamespaces = podPolicy({
    name: "workload-host-namespaces",
    description: "Pods never share the node's network, PID or IPC namespace (Pod Security Standards baseline: Host Namespaces).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (c.pod.spec[field] === true) c.report(`${c.pod.path}.${field} must not be true`);
    }
});
