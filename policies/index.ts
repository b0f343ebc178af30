// The CrossGuard policy pack: `pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json`.
// Constructing PolicyPack starts the policy server, so nothing else imports this file (tests and tools use registry.ts).
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./registry";

new PolicyPack("fork-knife", {
    description: "The fork-knife operations guide's checklists: workloads, jobs, secrets, backups, release.",
    enforcementLevel: "mandatory",
    policies: POLICIES.map(({ checklist, stagingEnforcementLevel, ...policy }) => {
        void checklist; void stagingEnforcementLevel;
        return policy;
    }),
});
