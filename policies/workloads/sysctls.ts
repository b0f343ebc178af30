import { podPolicy } from "../lib/pod-policy";

/** The sysctls PSS baseline allows: namespaced and safe. */
const SAFE = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);

/** PSS baseline "Sysctls". */
export const sysctls = podPolicy({
    name: "workload-sysctls",
    description: "Pods set only the safe sysctls (Pod Security Standards baseline: Sysctls).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    (c.pod.spec.securityContext?.sysctls ?? []).forEach((s: { name: string }, i: number) => {
        if (!SAFE.has(s?.name)) c.report(`${c.pod.path}.securityContext.sysctls[${i}] must be a safe sysctl, got ${s?.name}`);
    });
});
