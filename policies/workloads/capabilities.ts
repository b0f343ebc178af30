import { podPolicy } from "../lib/pod-policy";

/** The only capability PSS restricted lets a container add back. */
const RESTRICTED_ADD = ["NET_BIND_SERVICE"];

/** PSS baseline "Capabilities" and restricted "Capabilities": drop ALL, add nothing but NET_BIND_SERVICE. */
export const capabilities = podPolicy({
    name: "workload-capabilities",
    description: "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE (Pod Security Standards restricted and baseline: Capabilities).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        const caps = ct.container?.securityContext?.capabilities ?? {};
        const drop: string[] = (caps.drop ?? []).map((d: string) => String(d).toUpperCase());
        if (!drop.includes("ALL")) c.report(`${ct.path}.securityContext.capabilities.drop must include ALL`, ct);
        const added = (caps.add ?? []).map((a: string) => String(a).toUpperCase().replace(/^CAP_/, ""))
            .filter((a: string) => !RESTRICTED_ADD.includes(a));
        if (added.length > 0) {
            c.report(`${ct.path}.securityContext.capabilities.add must not add ${added.join(", ")} (only NET_BIND_SERVICE is allowed)`, ct);
        }
    }
});
