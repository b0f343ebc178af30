import { podPolicy } from "../lib/pod-policy";

const ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const ALLOWED_TYPES = ["RuntimeDefault", "Localhost"];

/** PSS baseline "AppArmor": never Unconfined, by field or by the older annotation. */
export const apparmor = podPolicy({
    name: "workload-apparmor",
    description: "No pod or container overrides AppArmor to Unconfined (Pod Security Standards baseline: AppArmor).",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    const podType = c.pod.spec.securityContext?.appArmorProfile?.type;
    if (podType !== undefined && !ALLOWED_TYPES.includes(podType)) {
        c.report(`${c.pod.path}.securityContext.appArmorProfile.type must be RuntimeDefault or Localhost, got ${podType}`);
    }
    for (const ct of c.containers) {
        const t = ct.container?.securityContext?.appArmorProfile?.type;
        if (t !== undefined && !ALLOWED_TYPES.includes(t)) c.report(`${ct.path}.securityContext.appArmorProfile.type must be RuntimeDefault or Localhost, got ${t}`, ct);
    }
    for (const [key, value] of Object.entries<string>(c.pod.metadata.annotations ?? {})) {
        if (key.startsWith(ANNOTATION_PREFIX) && !(value === "runtime/default" || value.startsWith("localhost/"))) {
            c.report(`annotation ${key} must be runtime/default or localhost/<profile>, got ${value}`);
        }
    }
});
