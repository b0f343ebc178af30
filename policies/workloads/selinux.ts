import { podPolicy } from "../lib/pod-policy";

const ALLOWED_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];

function problems(opts: { type?: string; user?: string; role?: string } | undefined): string[] {
    if (!opts) return [];
    const out: string[] = [];
    if (opts.type !== undefined && !ALLOWED_TYPES.includes(opts.type)) out.push(`type must be one of container_t, container_init_t, container_kvm_t, container_engine_t, got ${opts.type}`);
    if (opts.user) out.push("user must be unset");
    if (opts.role) out.push("role must be unset");
    return out;
}

/** PSS baseline "SELinux". */
export const selinux = podPolicy({
    name: "workload-selinux",
    description: "No pod or container sets a custom SELinux user or role, or a type outside the container types (Pod Security Standards baseline: SELinux).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const p of problems(c.pod.spec.securityContext?.seLinuxOptions)) c.report(`${c.pod.path}.securityContext.seLinuxOptions.${p}`);
    for (const ct of c.containers) {
        for (const p of problems(ct.container?.securityContext?.seLinuxOptions)) c.report(`${ct.path}.securityContext.seLinuxOptions.${p}`, ct);
    }
});
