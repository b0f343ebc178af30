// The CrossGuard policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`.
// Constructing PolicyPack starts the policy server, so nothing else imports this file (tests and tools use registry.ts).
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./registry";

new PolicyPack("fork-knife", {
    description: "The fork-knife operations guide's checklists: workloads, jobs, secrets, backups, release.",
    enforcementLevel: "mandatory",
    policies: POLICIES.map((p) => {
        // The pack's own metadata (checklist, staging level, kind) is not CrossGuard's to see.
        const { checklist, stagingEnforcementLevel, kind, ...policy } = p;
        void checklist; void stagingEnforcementLevel; void kind;
        return policy;
    }),
});
