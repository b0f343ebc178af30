// The pack's own policy shape: CrossGuard's policy objects plus the checklist they belong to and the level
// they take in staging. The same objects run in `pulumi preview` (index.ts) and offline (offline.ts).
import { parseIsoDate } from "../../components/config/validators";
import { EnforcementLevel, PolicyConfigSchema, ResourceValidation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type Checklist = "workloads" | "jobs" | "secrets" | "backups" | "release";
export type Environment = "staging" | "production";
export type Level = Extract<EnforcementLevel, "advisory" | "mandatory" | "disabled">;

/** What every policy reads from `--policy-pack-config` (or the offline evaluator). */
export interface PackConfig {
    /** Which stack's rules apply: production is the strict default. */
    environment?: Environment;
    /** "Today" for rotation math, ISO date; the real clock when unset. */
    now?: string;
}

export const PACK_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        environment: { type: "string", enum: ["staging", "production"], default: "production" },
        now: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
    },
};

/**
 * relational: judges the objects it is given, alone or against each other (a pod's probes when a Service selects
 * it, a PDB against its workload, a backup CronJob's schedule); it holds for any subset of a stack.
 * completeness: asks for something a whole stack must have (a restore test, alert rules, a pre-migration backup,
 * the dependsOn order only the engine records); a partial chart fails it for what it leaves out.
 */
export type PolicyKind = "relational" | "completeness";

interface Meta {
    /** Folder (checklist) the policy belongs to. */
    checklist: Checklist;
    /** Level in production (and the pack's default). */
    enforcementLevel: Level;
    /** Level in staging when the guide allows a softer one; the production level otherwise. */
    stagingEnforcementLevel?: Level;
}
interface KindMeta {
    /** Which objects the policy needs to judge (see PolicyKind); `npm run policy` runs completeness ones only with --complete-stack. */
    kind: PolicyKind;
}
export type FkResourcePolicy = ResourceValidationPolicy & Meta & KindMeta & { validateResource: ResourceValidation };
export type FkStackPolicy = StackValidationPolicy & Meta & KindMeta;
export type FkPolicy = FkResourcePolicy | FkStackPolicy;

/** A resource policy judges one object at a time: always relational. */
export function resourcePolicy(p: Omit<FkResourcePolicy, "configSchema" | "kind">): FkResourcePolicy {
    return { ...p, kind: "relational", configSchema: PACK_CONFIG_SCHEMA };
}

/**
 * A stack policy states its kind. Unstated (a policy from before the split) counts as completeness: it then
 * runs on plain manifests only when asked, as stack policies did before.
 */
export function stackPolicy(p: Omit<FkStackPolicy, "configSchema" | "kind"> & { kind?: PolicyKind; /** @deprecated use kind: "relational" */ onPlainManifests?: boolean }): FkStackPolicy {
    const { onPlainManifests, kind, ...rest } = p;
    return { ...rest, kind: kind ?? (onPlainManifests ? "relational" : "completeness"), configSchema: PACK_CONFIG_SCHEMA };
}

export function isStackPolicy(p: FkPolicy): p is FkStackPolicy {
    return "validateStack" in p;
}

export function levelFor(p: FkPolicy, environment: Environment): Level {
    return environment === "staging" ? p.stagingEnforcementLevel ?? p.enforcementLevel : p.enforcementLevel;
}

/** The environment and clock a policy evaluates against. */
export function packSettings(args: { getConfig<T extends object>(): T }): { environment: Environment; now: Date } {
    const c = args.getConfig<PackConfig>() ?? {};
    const now = c.now === undefined ? new Date() : parseIsoDate(c.now);
    // The config schema checks the shape only; 2026-02-30 must stop the run, not be read as March 2.
    if (typeof now === "string") throw new Error(`policy pack config now = ${JSON.stringify(c.now)}: must be ${now}`);
    return { environment: c.environment === "staging" ? "staging" : "production", now };
}
