import { looksLikeCredential } from "../lib/credentials";
import { podPolicy } from "../lib/pod-policy";

/** Credentials come from Secrets by reference; a literal value ends up in the manifest, the state and `kubectl describe`. */
export const envCredentials = podPolicy({
    name: "workload-env-credentials",
    description: "No container has a literal credential-looking env value (by name or by shape); credentials come from secretKeyRef.",
    checklist: "workloads",
    enforcementLevel: "mandatory",
}, (c) => {
    for (const ct of c.containers) {
        (ct.container?.env ?? []).forEach((e: { name: string; value?: unknown }, i: number) => {
            if (looksLikeCredential(e?.name ?? "", e?.value)) {
                c.report(`${ct.path}.env[${i}] (${e.name}) must take its value from a Secret (valueFrom.secretKeyRef), not a literal`, ct);
            }
        });
    }
});
